"""Bearer authentication against the dev tokens in the fixtures, through Connexion's security."""

from __future__ import annotations

from typing import Any

from connexion.exceptions import OAuthResponseProblem
from connexion.security import BearerSecurityHandler

from mockserver.mock.identities import Directory


def bearer_handler(directory: Directory) -> type[BearerSecurityHandler]:
    """A Connexion security handler class bound to `directory`.

    Connexion instantiates handlers itself and would otherwise resolve `x-bearerInfoFunc` to a
    module-level function, which would need global state; a class made per app avoids that.
    """

    # Resolved once: the directory does not change while the app runs.
    callers = {u.token: directory.caller_for(u.token) for u in directory.users if u.token is not None}

    def token_info(token: str) -> dict[str, Any] | None:
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

    return DirectoryBearerHandler
