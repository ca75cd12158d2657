"""Credentials for every security scheme the document declares, through Connexion's security.

With identities (`fixtures/identities.json`), bearer tokens are the dev tokens and a caller is a
real user of a real organization. Without them (any user's spec), any well-formed credential is
accepted, so that a missing or malformed one still gets the declared 401 (or 403).
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


def _anyone(*_credentials: Any, required_scopes: Any = None) -> dict[str, Any]:
    # Scopes are granted as required: the mock stands in for a server that issued the token.
    return {"sub": "mock", "scope": list(required_scopes or []), "caller": None}


def security_map(directory: Directory | None) -> dict[str, type]:
    """Connexion security handler classes for this app (made per app: no global state)."""
    callers = {} if directory is None else directory.callers()

    def token_info(token: str) -> dict[str, Any] | None:
        if not callers:
            return _anyone(token)
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
            return _anyone

    class AnyApiKeyHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return _anyone

    class AnyOAuthHandler(OAuthSecurityHandler):  # type: ignore[misc]
        def get_tokeninfo_func(self, security_scheme: dict[str, Any]) -> Any:
            return _anyone

    return {
        "bearer": DirectoryBearerHandler,
        "basic": AnyBasicHandler,
        "apiKey": AnyApiKeyHandler,
        "oauth2": AnyOAuthHandler,
        "openIdConnect": AnyOAuthHandler,
    }
