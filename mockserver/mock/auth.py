"""Credentials for every security scheme the document declares, through Connexion's security.

With identities (`fixtures/identities.json`), bearer tokens are the dev tokens and a caller is a
real user of a real organization. Without them (any user's spec), one dev credential per kind is
accepted (`DEV_CREDENTIALS`), and a missing, malformed or other one gets the 401.
"""

from __future__ import annotations

from typing import Any

from connexion.exceptions import OAuthResponseProblem
from connexion.security import (
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
    OAuthSecurityHandler,
)

from mockserver.mock.identities import Directory

# Credentials a user's spec is served with when it brings no identities: one known value per
# kind, so that a wrong credential is refused as a real deployment would refuse it.
DEV_TOKEN = "dev-token"
DEV_USER, DEV_PASSWORD = "dev", "dev"
DEV_API_KEY = "dev-key"
DEV_CREDENTIALS = (
    f"bearer/oauth2 token {DEV_TOKEN!r}, basic {DEV_USER}:{DEV_PASSWORD}, API key {DEV_API_KEY!r}"
)


def _granted(required_scopes: Any) -> dict[str, Any]:
    # Scopes are granted as required: the mock stands in for a server that issued the token.
    return {"sub": "mock", "scope": list(required_scopes or []), "caller": None}


def _dev_token(token: str, required_scopes: Any = None) -> dict[str, Any] | None:
    return _granted(required_scopes) if token == DEV_TOKEN else None


def _dev_basic(username: str, password: str, required_scopes: Any = None) -> dict[str, Any] | None:
    return _granted(required_scopes) if (username, password) == (DEV_USER, DEV_PASSWORD) else None


def _dev_api_key(key: str, required_scopes: Any = None) -> dict[str, Any] | None:
    return _granted(required_scopes) if key == DEV_API_KEY else None


def security_map(directory: Directory | None) -> dict[str, type]:
    """Connexion security handler classes for this app (made per app: no global state)."""
    callers = {} if directory is None else directory.callers()

    def token_info(token: str) -> dict[str, Any] | None:
        if not callers:
            return _dev_token(token)
        caller = callers.get(token)
        if caller is None:
            return None  # Connexion answers 401 "Provided token is not valid".
        return {"sub": caller.user_id, "caller": caller}

    class DirectoryBearerHandler(BearerSecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return token_info

        def check_bearer_token(self, token_info_func: Any) -> Any:
            # Connexion's generic check inspects the function's signature on every request to
            # decide which keyword arguments to pass; ours takes the token only.
            async def check(request: Any, token: str, required_scopes: Any = None) -> Any:
                info = token_info_func(token)
                if info is None:
                    raise OAuthResponseProblem(detail="Provided token is not valid")
                return info

            return check

    class AnyBasicHandler(BasicSecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return _dev_basic

    class AnyApiKeyHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return _dev_api_key

    class AnyOAuthHandler(OAuthSecurityHandler):  # type: ignore[misc]
        def get_tokeninfo_func(self, security_scheme: dict[str, Any]) -> Any:
            return _dev_token

    return {
        "bearer": DirectoryBearerHandler,
        "basic": AnyBasicHandler,
        "apiKey": AnyApiKeyHandler,
        "oauth2": AnyOAuthHandler,
        "openIdConnect": AnyOAuthHandler,
    }
