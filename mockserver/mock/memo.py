"""Identical reads answered once: the mock's answer is a function of the request and the seed.

A front end polls, re-renders and retries; a load test sends one URL ten thousand times. Each
time the same bytes come back, because the data, the validation, the security and the tenancy
are all functions of the request (method, path, query, every header) and of the seed. So the
first answer to a read is kept, with its status and headers, and the same request is answered
from it without routing, validating and rendering again.

Only what is a function of the request is kept: `GET` and `HEAD` without a body, without a
`Prefer` header (which may ask for a delay), never a 5xx, and nothing while latency or faults
are configured (they are drawn per request). Every write (any session's) moves the memo on to new
keys; `serve --watch` builds a new app, and with it a new memo, when the document or the
fixtures change.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.mock.cache import SizedLRU

# What the memo holds in all; an answer larger than a tenth of it is never kept.
MEMO_BYTES = 64 * 1024 * 1024

Kept = tuple[int, list[tuple[bytes, bytes]], bytes]


def request_key(scope: Scope) -> bytes | None:
    """The digest of everything an answer can depend on, or None for a request not kept."""
    if scope["method"] not in ("GET", "HEAD"):
        return None
    digest = blake2b(digest_size=20)
    for part in (scope["method"], scope.get("scheme", "http"), scope.get("root_path", ""), scope["path"]):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(scope.get("query_string", b"") + b"\0")
    for name, value in scope["headers"]:
        if name in (b"prefer", b"transfer-encoding") or (name == b"content-length" and value.strip() != b"0"):
            return None
        digest.update(name + b":" + value + b"\0")
    return digest.digest()


class AnswerMemoMiddleware:
    """Keeps the first answer to each read and answers the same request from it."""

    def __init__(
        self, app: ASGIApp, max_bytes: int = MEMO_BYTES, version: Callable[[], int | None] | None = None
    ) -> None:
        self.app = app
        # What the answers also depend on besides the request: the writes made so far (a
        # counter every write bumps), when the mock keeps them.
        self.version = version
        # The version the kept answers were made at: a write makes them all dead weight.
        self._at: int | None = None
        self.max_entry = max_bytes // 10
        self._kept: SizedLRU[Kept] = SizedLRU(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = request_key(scope) if scope["type"] == "http" else None
        if key is not None and self.version is not None:
            # No version (a store out of reach): nothing is answered from, or kept in, the memo.
            version = self.version()
            key = None if version is None else key + version.to_bytes(8, "big")
            if version is not None and version != self._at:
                self._kept.clear()
                self._at = version
        if key is None:
            await self.app(scope, receive, send)
            return
        kept = self._kept.get(key)
        if kept is not None:
            # A copy of the headers: middleware outside (CORS) adds to the list it is sent.
            await send({"type": "http.response.start", "status": kept[0], "headers": list(kept[1])})
            await send({"type": "http.response.body", "body": kept[2]})
            return
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def recording(message: Message) -> None:
            nonlocal status, headers, size, keep
            if message["type"] == "http.response.start":
                # As the app sent them, before middleware outside adds its own.
                status, headers = (
                    message["status"],
                    [(bytes(k), bytes(v)) for k, v in message.get("headers", [])],
                )
                keep = status < 500
            elif message["type"] == "http.response.body" and keep:
                chunk = message.get("body", b"")
                size += len(chunk)
                keep = size <= self.max_entry
                chunks.append(chunk)
                if keep and status and not message.get("more_body", False):
                    body = b"".join(chunks)
                    weight = len(body) + sum(len(k) + len(v) for k, v in headers) + 64
                    self._kept.put_sized(key, (status, headers, body), weight)
            await send(message)

        await self.app(scope, receive, recording)
