"""The memo of answers to reads (`mockserver/mock/memo.py`)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.memo import AnswerMemoMiddleware
from mockserver.mock.settings import Settings

DEV = {"Authorization": "Bearer dev-token"}


class Counting:
    """An app whose every answer says how many requests it has seen, and an optional status."""

    def __init__(self, status: int = 200, size: int = 0) -> None:
        self.seen, self.status, self.size = 0, status, size

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen += 1
        body = f"answer {self.seen}".encode() + b"x" * self.size
        await send({"type": "http.response.start", "status": self.status, "headers": [(b"x-n", b"1")]})
        await send({"type": "http.response.body", "body": body[:4], "more_body": True})
        await send({"type": "http.response.body", "body": body[4:]})


def ask(
    app: Any, method: str = "GET", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> bytes:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/things",
        "query_string": query,
        "headers": headers if headers is not None else [(b"host", b"mock")],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start"
    return b"".join(m.get("body", b"") for m in sent[1:])


def test_a_repeated_read_is_answered_from_the_first_answer() -> None:
    inner = Counting()
    memo = AnswerMemoMiddleware(inner)
    assert ask(memo) == ask(memo) == b"answer 1"
    assert inner.seen == 1


def test_anything_the_answer_may_depend_on_is_another_request() -> None:
    inner = Counting()
    memo = AnswerMemoMiddleware(inner)
    ask(memo)
    ask(memo, query=b"limit=2")
    ask(memo, headers=[(b"host", b"mock"), (b"authorization", b"Bearer other")])
    ask(memo, method="HEAD")
    assert inner.seen == 4


def test_writes_preferences_and_bodies_always_reach_the_app() -> None:
    inner = Counting()
    memo = AnswerMemoMiddleware(inner)
    for _ in range(2):
        ask(memo, method="POST")
        ask(memo, headers=[(b"host", b"mock"), (b"prefer", b"code=404")])
        ask(memo, headers=[(b"host", b"mock"), (b"content-length", b"3")])
    assert inner.seen == 6


def test_server_errors_and_answers_too_large_are_never_kept() -> None:
    failing = Counting(status=500)
    memo = AnswerMemoMiddleware(failing)
    ask(memo), ask(memo)
    assert failing.seen == 2
    large = Counting(size=2_000)
    memo = AnswerMemoMiddleware(large, max_bytes=10_000)
    assert ask(memo) != ask(memo)
    assert large.seen == 2


def test_the_mock_answers_a_repeated_read_byte_for_byte_and_journals_each() -> None:
    with TestClient(create_app(Settings())) as c:
        c.delete("/__mockserver/requests")
        first = c.get("/assistants?limit=3", headers=DEV)
        again = c.get("/assistants?limit=3", headers=DEV)
        # Credentials are part of the request: the same URL without them is still a 401.
        refused = c.get("/assistants?limit=3")
        assert (first.status_code, again.status_code, refused.status_code) == (200, 200, 401)
        assert first.content == again.content
        assert first.headers.items() == again.headers.items()
        entries = c.get("/__mockserver/requests").json()["entries"]
        assert [e["status"] for e in entries] == [200, 200, 401]


def test_faults_drawn_per_request_are_not_memoized() -> None:
    with TestClient(create_app(Settings(fault_rate=0.5, faults="503"))) as c:
        statuses = {c.get("/assistants?limit=1", headers=DEV).status_code for _ in range(30)}
    assert statuses == {200, 503}


def test_a_write_drops_every_answer_kept_before_it() -> None:
    inner, version = Counting(), [0]
    memo = AnswerMemoMiddleware(inner, version=lambda: version[0])
    ask(memo), ask(memo, query=b"a=1")
    assert len(memo._kept) == 2 and inner.seen == 2
    version[0] += 1  # a write: the answers kept may all be stale, and are never asked for again
    assert ask(memo) == b"answer 3" and len(memo._kept) == 1


def test_nothing_is_memoized_while_the_version_cannot_be_read() -> None:
    inner = Counting()
    memo = AnswerMemoMiddleware(inner, version=lambda: None)
    ask(memo), ask(memo)
    assert inner.seen == 2
