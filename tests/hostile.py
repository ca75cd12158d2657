"""Hostile deployments: raw-socket servers that misbehave the way broken or malicious ones do.

Only the API's paths (`/assistants`, `/orgs/...`) misbehave unless the behaviour is meant for the
preflight too; anything else answers a plain 200, so the contract run itself (not only its
reachability probe) must bound what it reads. Every server is on
loopback, and each connection handler stops when the test closes the server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, str, "threading.Event"], None]

_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def _drip(conn: socket.socket, data: bytes, stop: threading.Event, every: float = 0.25) -> None:
    for byte in data:
        if stop.wait(every):
            return
        conn.sendall(bytes([byte]))


def drip_headers(conn: socket.socket, path: str, stop: threading.Event) -> None:
    """One header byte at a time, each well within any per-read timeout, never finishing."""
    _drip(conn, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100_000, stop)


def drip_body(conn: socket.socket, path: str, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
    _drip(conn, b"0," * 50_000, stop)


def silent(conn: socket.socket, path: str, stop: threading.Event) -> None:
    stop.wait(120)


def redirect_loop(conn: socket.socket, path: str, stop: threading.Event) -> None:
    conn.sendall(
        f"HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )


def deep_json(conn: socket.socket, path: str, stop: threading.Event) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)


def huge_body(conn: socket.socket, path: str, stop: threading.Event) -> None:
    """Announces 2 GB and sends it as fast as the client reads."""
    size = 2 * 1024**3
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    conn.sendall(head.encode())
    chunk = b" " * 65536
    sent = 0
    while sent < size and not stop.is_set():
        conn.sendall(chunk)
        sent += len(chunk)


BEHAVIOURS: dict[str, Behaviour] = {
    "drip_headers": drip_headers,
    "drip_body": drip_body,
    "silent": silent,
    "redirect_loop": redirect_loop,
    "deep_json": deep_json,
    "huge_body": huge_body,
}


@contextmanager
def hostile_server(name: str, *, preflight_too: bool = False) -> Iterator[str]:
    behaviour = BEHAVIOURS[name]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(30)
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(65536)
                    if not data:
                        return
                    request += data
                path = request.split(b" ", 2)[1].decode("latin-1")
                if not path.startswith(("/assistants", "/orgs")) and not preflight_too:
                    conn.sendall(_OK)
                    return
                behaviour(conn, path, stop)
            except OSError:
                pass  # the client gave up, as it should

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join()
        listener.close()
        deadline = time.monotonic() + 5
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
