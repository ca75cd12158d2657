"""uvicorn's HTTP protocol, with the two bounds it lacks for a stub left running all day.

With httptools (uvicorn's default where installed) a request head may be any size, and a client
that sends half a request holds its connection for ever. Here the head (request line and
headers) is limited to `MAX_HEAD_BYTES` (431, as RFC 6585 says) and a request must arrive whole
within `Settings.request_timeout` seconds of its first byte, or of the connection (408, RFC 9110 §15.5.9).
These are uvicorn's private hooks, pinned with uvicorn; tests/test_server_api.py fails if they
move.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.mock.settings import Settings

MAX_HEAD_BYTES = 64 * 1024


class _HeadTooLarge(Exception):
    pass


def _answer(status: int, reason: str) -> bytes:
    body = f"{reason}\n".encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    # Worker processes (`--workers`) import this class by name: they read the timeout from the
    # settings in their environment (`Settings.to_env`); one process takes `bounded_protocol`'s.
    timeout_s = Settings.from_env().request_timeout

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._refused = False
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()  # type: ignore[union-attr]
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        self._refuse(408, "Request Timeout")

    def _refuse(self, status: int, reason: str) -> None:
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_answer(status, reason))
        self.transport.close()

    def _grow(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(431, "Request Header Fields Too Large")
            raise _HeadTooLarge  # stops the parser; uvicorn's own 400 is then not sent

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._grow(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._grow(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


def bounded_protocol(timeout_s: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol with this request timeout, as uvicorn takes one: a class."""
    return type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"timeout_s": timeout_s})
