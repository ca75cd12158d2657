"""The served process bounds what a client can make it hold (tests against a real uvicorn), and
the uvicorn hooks that bounding relies on, checked so that an upgrade fails here, loudly."""

from __future__ import annotations

import inspect
import socket
from importlib import metadata
from urllib.parse import urlsplit

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.mock.protocol import MAX_HEAD_BYTES
from tests.scenarios.test_processes import server


def exchange(base: str, payload: bytes, wait: float = 20.0) -> bytes:
    """Send raw bytes and read until the server closes (the socket timeout bounds the test)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(payload)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_an_oversized_request_head_is_refused_with_431() -> None:
    with server("--count", "10", "--org-count", "5") as base:
        huge = b"x" * (MAX_HEAD_BYTES + 1)
        answer = exchange(base, b"GET /assistants HTTP/1.1\r\nHost: a\r\nX-Big: " + huge + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431 ")
        fine = exchange(base, b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert fine.startswith(b"HTTP/1.1 200 ")


def test_a_request_that_never_completes_gets_408_and_the_connection_back() -> None:
    with server("--count", "10", "--org-count", "5", "--request-timeout", "0.5") as base:
        answer = exchange(base, b"GET /assistants HTTP/1.1\r\nHost: a\r\n")  # no blank line: unfinished
        assert answer.startswith(b"HTTP/1.1 408 ")
        silent = exchange(base, b"")  # connects and says nothing
        assert silent.startswith(b"HTTP/1.1 408 ")


def test_uvicorn_is_the_pinned_version_with_the_hooks_the_protocol_overrides() -> None:
    assert metadata.version("uvicorn") == "0.54.0", "re-check mockserver/mock/protocol.py"
    for hook in ("connection_made", "connection_lost", "on_message_begin", "on_url", "on_header"):
        assert callable(getattr(HttpToolsProtocol, hook)), hook
    assert "on_message_complete" in vars(HttpToolsProtocol) and "send_400_response" in vars(HttpToolsProtocol)
    source = inspect.getsource(HttpToolsProtocol.data_received)
    assert "except httptools.HttpParserError" in source and "send_400_response" in source
