"""The request journal: what the stub was sent and what it answered, for integration tests.

It lives outside the spec, under `/__mockserver/requests`: `GET` lists the entries (oldest
first; `?method=`, `?path=` with `*` wildcards, `?status=`, `?limit=` filter them), `DELETE`
clears them. It keeps the last `size` entries (`--journal-size`, 0 turns it off), with every
credential redacted (by the document's schemes and by name), so a day of front-end work stays
bounded in memory.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.model.credentials import credential_like

PREFIX = "/__mockserver"
JOURNAL_PATH = f"{PREFIX}/requests"
REDACTED = "[redacted]"
# Headers that carry credentials whatever the document calls them; the document's own API-key
# header names are added per app.
# A value kept in full up to this many bytes (a journal of 1,000 requests stays a few MB).
MAX_VALUE = 1024
# Requests that are not the API's: probes and documentation.
NOT_JOURNALED = ("/healthz", "/ui", "/openapi.json", "/favicon.ico")
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: float
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int
    duration_ms: float


# A request as recorded: seq, time, method, path, query string, raw headers, status, seconds.
Raw = tuple[int, float, str, str, bytes, Any, int, float]
TRUNCATED = "…".encode()


class Journal:
    """The last `size` requests, safe across threads."""

    def __init__(self, size: int, secret_headers: Iterable[str] = (), secret_params: Iterable[str] = ()):
        self.size = size
        self.secret_headers = CREDENTIAL_HEADERS | {h.lower() for h in secret_headers}
        self.secret_params = frozenset(secret_params)
        self._entries: deque[Raw] = deque(maxlen=max(size, 1))
        self._lock = threading.Lock()
        self._seq = 0

    def record(self, scope: Scope, status: int, started: float) -> None:
        # On the request's path: kept as received, decoded and redacted only when read.
        headers = scope.get("headers", ())
        if any(len(value) > MAX_VALUE for _, value in headers):
            headers = [(name, value[:MAX_VALUE] + TRUNCATED) for name, value in headers]
        duration = time.perf_counter() - started
        with self._lock:
            self._seq += 1
            self._entries.append(
                (
                    self._seq,
                    time.time(),
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b"")[: MAX_VALUE * 4],
                    headers,
                    status,
                    duration,
                )
            )

    def _entry(self, raw: Raw) -> Entry:
        seq, at, method, path, query_string, raw_headers, status, duration = raw
        headers = {}
        for raw_name, raw_value in raw_headers:
            name = raw_name.decode("latin-1").lower()
            secret = name in self.secret_headers or credential_like(name)
            headers[name] = REDACTED if secret else raw_value.decode("latin-1")
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            kept = value[:MAX_VALUE] + ("…" if len(value) > MAX_VALUE else "")
            secret = name in self.secret_params or credential_like(name)
            query.setdefault(name, []).append(REDACTED if secret else kept)
        return Entry(seq, at, method, path, query, headers, status, round(duration * 1000, 3))

    def entries(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[Entry]:
        with self._lock:
            found = list(self._entries)
        return [
            self._entry(raw)
            for raw in found
            if (method is None or raw[2] == method.upper())
            and (path is None or fnmatch.fnmatchcase(raw[3], path))
            and (status is None or raw[6] == status)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class JournalMiddleware:
    """Records every request the app answers, and serves the journal under its prefix."""

    def __init__(self, app: ASGIApp, journal: Journal, origins: Iterable[str] = ()) -> None:
        self.app = app
        self.journal = journal
        # The origins named with --cors-origins: the only pages that may clear the journal.
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == JOURNAL_PATH or scope["path"] == JOURNAL_PATH + "/":
            await self._serve(scope, send)
            return
        if scope["path"].startswith(NOT_JOURNALED) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.journal.record(scope, status, started)

    async def _serve(self, scope: Scope, send: Send) -> None:
        method = scope["method"]
        if method == "DELETE":
            origin = foreign_origin(scope, self.origins)
            if origin is not None:
                # Any page the developer visits can reach a stub on localhost: only a page of
                # an origin named with --cors-origins may clear what their tests rely on.
                await json_answer(
                    send, 403, {"detail": f"The journal is not cleared for a page on {origin[:100]}."}
                )
                return
            self.journal.clear()
            await json_answer(send, 204, None)
            return
        if method not in ("GET", "HEAD"):
            await json_answer(send, 405, {"detail": "Method Not Allowed"}, {"allow": "GET, HEAD, DELETE"})
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        status = params.get("status")
        limit = params.get("limit")
        if any(v is not None and not (v.isascii() and v.isdigit()) for v in (status, limit)):
            await json_answer(send, 400, {"detail": "status and limit must be integers"})
            return
        found = self.journal.entries(
            params.get("method"), params.get("path"), int(status) if status else None
        )
        if limit is not None:
            found = found[-int(limit) :] if int(limit) else []
        await json_answer(send, 200, {"entries": [asdict(e) for e in found], "size": self.journal.size})


def foreign_origin(scope: Scope, origins: frozenset[str]) -> str | None:
    """The origin of a page not named with --cors-origins that sent this request, if one did:
    such a page may read the stub, never clear what its tests rely on."""
    origin = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"origin"), None)
    return origin if origin is not None and origin not in origins else None


async def json_answer(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-length", str(len(payload)).encode())]
    if body is not None:
        raw.append((b"content-type", b"application/json"))
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def assert_called(target: Any, *calls: str, exactly: bool = False) -> list[dict[str, Any]]:
    """Assert that the stub was sent `calls`, in this order, and return their journal entries.

    `target` is the stub's base URL or an httpx-style client whose base URL is the stub (a
    Starlette `TestClient` too). A call is `"GET /assistants"`, optionally with query parameters
    that must all be present (`"GET /assistants?limit=5"`); the path may hold `*` wildcards.
    Other requests may come between, unless `exactly`.
    """
    import httpx

    if isinstance(target, str):
        with httpx.Client(base_url=target) as client:
            response = client.get(JOURNAL_PATH)
    else:
        response = target.get(JOURNAL_PATH)
    response.raise_for_status()
    entries: list[dict[str, Any]] = response.json()["entries"]
    wanted = [_call(call) for call in calls]
    found: list[dict[str, Any]] = []
    position = 0
    for method, path, query in wanted:
        while position < len(entries):
            entry = entries[position]
            position += 1
            if _matches(entry, method, path, query):
                found.append(entry)
                break
        else:
            break
    # As sent, query included (redacted as the journal keeps it): what a failed test needs to see.
    queries = ["?" + urlencode(e["query"], doseq=True) if e["query"] else "" for e in entries]
    sent = [f"{e['method']} {e['path']}{q} -> {e['status']}" for e, q in zip(entries, queries, strict=True)]
    if len(found) < len(wanted) or (exactly and len(entries) != len(wanted)):
        raise AssertionError(
            f"expected {'exactly ' if exactly else ''}{list(calls)} in order; the stub was sent: "
            + ("; ".join(sent) or "nothing")
        )
    return found


def _call(call: str) -> tuple[str, str, dict[str, list[str]]]:
    method, _, target = call.strip().partition(" ")
    path, _, query = target.strip().partition("?")
    wanted: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        wanted.setdefault(name, []).append(value)
    return method.upper(), path, wanted


def _matches(entry: dict[str, Any], method: str, path: str, query: dict[str, list[str]]) -> bool:
    return (
        entry["method"] == method
        and fnmatch.fnmatchcase(entry["path"], path)
        and all(entry["query"].get(name) == values for name, values in query.items())
    )
