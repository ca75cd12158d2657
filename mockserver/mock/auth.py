"""Credentials for every security scheme the document declares, through Connexion's security.

With identities (`fixtures/identities.json`), bearer tokens are the dev tokens and a caller is a
real user of a real organization. Without them (any user's spec), one dev credential per kind is
accepted (`DEV_CREDENTIALS`), and a missing, malformed or other one gets the 401.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from connexion.exceptions import OAuthProblem, OAuthResponseProblem
from connexion.security import (
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
    OAuthSecurityHandler,
)
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

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


def _token_info(directory: Directory | None) -> Callable[[str], dict[str, Any] | None]:
    callers = {} if directory is None else directory.callers()

    def token_info(token: str) -> dict[str, Any] | None:
        if not callers:
            return _dev_token(token)
        caller = callers.get(token)
        if caller is None:
            return None  # Connexion answers 401 "Provided token is not valid".
        return {"sub": caller.user_id, "caller": caller}

    return token_info


def security_map(directory: Directory | None) -> dict[str, type]:
    """Connexion security handler classes for this app (made per app: no global state)."""
    token_info = _token_info(directory)

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


class PresentedCredentialsMiddleware:
    """A credential that is presented must be valid, even where another alternative passes.

    Connexion tries an operation's security alternatives in turn and lets the first that passes
    win, so a wrong `Authorization` sent beside a right API key is accepted. A real deployment
    refuses a credential it cannot verify; so does the mock (Schemathesis' `ignored_auth`).
    """

    def __init__(
        self, app: ASGIApp, operations: dict[str, tuple[dict[str, Any], ...]], directory: Directory | None
    ) -> None:
        self.app = app
        # Per operation, the schemes of all its alternatives, when it has more than one.
        self.operations = operations
        self.token_info = _token_info(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {}) if scope["type"] == "http" else {}
        schemes = self.operations.get(routing.get("operation_id") or "")
        if schemes and self._refused(schemes, Request(scope)):
            raise OAuthProblem(detail="Provided credentials are not valid")
        await self.app(scope, receive, send)

    def _refused(self, schemes: tuple[dict[str, Any], ...], request: Request) -> bool:
        """Whether any credential sent for these schemes is one none of them accepts."""
        authorization = request.headers.get("authorization")
        verdicts: list[bool] = []
        for scheme in schemes:
            kind = scheme.get("type")
            if kind == "apiKey":
                where = {"header": request.headers, "query": request.query_params, "cookie": request.cookies}
                value = where.get(str(scheme.get("in")), {}).get(str(scheme.get("name")))
                if value is not None and _dev_api_key(value) is None:
                    return True
            elif authorization is not None:
                verdicts.append(self._accepts(scheme, authorization))
        # `Authorization` is shared by the http, oauth2 and openIdConnect schemes: one must take it.
        return bool(verdicts) and not any(verdicts)

    def _accepts(self, scheme: dict[str, Any], authorization: str) -> bool:
        word, _, credential = authorization.strip().partition(" ")
        word, credential = word.lower(), credential.strip()
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            username, _, password = decoded.partition(":")
            return word == "basic" and _dev_basic(username, password) is not None
        return word == "bearer" and self.token_info(credential) is not None


def alternative_schemes(
    document: dict[str, Any], security: tuple[dict[str, list[str]], ...]
) -> tuple[dict[str, Any], ...]:
    """The schemes named by an operation's security alternatives, when there are several."""
    if len(security) < 2:
        return ()
    declared = declared_schemes(document)
    names = dict.fromkeys(name for requirement in security for name in requirement)
    return tuple(declared[name] for name in names if name in declared)


def declared_schemes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The document's security schemes by name (only well-formed ones)."""
    found = (document.get("components") or {}).get("securitySchemes") or {}
    return {name: scheme for name, scheme in found.items() if isinstance(scheme, dict)}


def api_key_names(document: dict[str, Any], where: str) -> list[str]:
    """Names of the API-key credentials sent in `where` (header, query, cookie)."""
    schemes = declared_schemes(document).values()
    return [str(s.get("name")) for s in schemes if s.get("type") == "apiKey" and s.get("in") == where]


def credential_places(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Where a request presents an API key, as (header | query | cookie, name); header names
    lower-case, as ASGI writes them."""
    return tuple(
        (where, name.lower() if where == "header" else name)
        for where in ("header", "query", "cookie")
        for name in api_key_names(document, where)
    )


def challenge(document: dict[str, Any], security: tuple[dict[str, list[str]], ...]) -> str:
    """The WWW-Authenticate value of an operation's 401: one challenge per scheme it accepts
    (RFC 9110 §11.6.1). An API key has no registered scheme; it is named as one, with where it goes."""
    declared = declared_schemes(document)
    found: list[str] = []
    for requirement in security:
        for name in requirement:
            scheme = declared.get(name, {})
            kind, word = scheme.get("type"), str(scheme.get("scheme", "")).lower()
            if kind == "http" and word == "basic":
                found.append('Basic realm="mockserver"')
            elif kind == "apiKey":
                found.append(f'ApiKey in="{scheme.get("in")}", name="{scheme.get("name")}"')
            elif kind in ("http", "oauth2", "openIdConnect"):
                found.append("Bearer")
    return ", ".join(dict.fromkeys(found)) or "Bearer"
