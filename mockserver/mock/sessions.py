"""Which session a request writes to and reads from, and `POST /__mockserver/reset`.

A session is named by the `X-Mock-Session` header, else by the credential the request presents
(its `Authorization` header, else the API key the document's schemes name), so two test runs
with their own tokens, or their own session names, never see each other's writes. A request
with neither shares the anonymous session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.mock.journal import PREFIX, foreign_origin, json_answer
from mockserver.mock.state import SESSION_HEADER, StateUnavailable, Store

RESET_PATH = f"{PREFIX}/reset"
# A session name is kept as sent up to this length (a longer one by its digest).
MAX_NAME = 200


def session_name(
    headers: Mapping[str, str],
    query: Mapping[str, str],
    cookies: Mapping[str, str],
    credentials: Iterable[tuple[str, str]] = (),
) -> str:
    """The session of a request: its header's name, else its credential's digest, else ''."""
    named = headers.get(SESSION_HEADER)
    if named:
        return "name:" + (named if len(named) <= MAX_NAME else _digest(named))
    presented = headers.get("authorization")
    if not presented:
        sources = {"header": headers, "query": query, "cookie": cookies}
        presented = next(
            (value for where, name in credentials if (value := sources.get(where, {}).get(name))), None
        )
    # A digest: the credential itself is never kept, even as a key.
    return "credential:" + _digest(presented) if presented else ""


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


class ResetMiddleware:
    """`POST /__mockserver/reset` forgets the caller's session's writes (as named by its header or
    credential); `?all=true` forgets every session's. Only a page of an origin named with
    `--cors-origins` may reset, as only such a page may clear the journal."""

    def __init__(
        self,
        app: ASGIApp,
        store: Store,
        credentials: Iterable[tuple[str, str]] = (),
        origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.store = store
        self.credentials = tuple(credentials)
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != RESET_PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await json_answer(send, 405, {"detail": "Method Not Allowed"}, {"allow": "POST"})
            return
        origin = foreign_origin(scope, self.origins)
        if origin is not None:
            await json_answer(send, 403, {"detail": f"Sessions are not reset for a page on {origin[:100]}."})
            return
        # Read as the handlers read a request (Starlette's), so that it names the same session.
        request = Request(scope)
        try:
            if request.query_params.get("all") in ("true", "1"):
                forgotten = self.store.reset()
            else:
                named = session_name(request.headers, request.query_params, request.cookies, self.credentials)
                forgotten = self.store.reset(named)
        except StateUnavailable as exc:
            await json_answer(send, 503, {"detail": str(exc)}, {"retry-after": "1"})
            return
        await json_answer(send, 200, {"sessions_reset": forgotten})
