"""Separately started servers with the same seed serve the same bytes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from tests.conftest import DEV, OTHER

MOCKSERVER = str(Path(sys.executable).parent / "mockserver")
URLS = [
    ("/assistants?limit=50", DEV),
    ("/assistants?skip=20&limit=30&active_only=true&created_by_me=true", DEV),
    ("/assistants?limit=5", OTHER),
    ("/orgs/org_demo/assistants?page=2&take=10", DEV),
    ("/orgs/org_globex/assistants", OTHER),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(*args: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [MOCKSERVER, "serve", "--port", str(port), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    with process:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready")
            time.sleep(0.1)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def bodies(base: str) -> list[bytes]:
    return [httpx.get(base + url, headers=headers).content for url, headers in URLS]


@pytest.mark.slow
def test_two_processes_same_seed_same_bytes() -> None:
    with server("--seed", "99") as first:
        first_bodies = bodies(first)
    with server("--seed", "99") as second:
        second_bodies = bodies(second)
    assert first_bodies == second_bodies
    assert all(len(body) > 100 for body in first_bodies)
    with server("--seed", "100") as other:
        assert bodies(other)[0] != first_bodies[0]


@pytest.mark.slow
def test_workers_agree() -> None:
    with server("--workers", "2", "--stateless") as base, httpx.Client(base_url=base) as client:
        # New connections get spread over the workers by the kernel; all must answer alike.
        answers = {httpx.get(base + "/assistants?skip=3&limit=20", headers=DEV).content for _ in range(20)}
        assert len(answers) == 1
        assert client.get("/healthz").status_code == 200


def test_workers_that_would_keep_writes_apart_are_refused() -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "mockserver: error: --workers 2 would keep each worker's writes apart: "
        "add --state redis://... (or sqlite:PATH), or --stateless"
    ]


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    # Before the document is even read: one line, nothing else.
    assert result.output.strip().splitlines() == [
        f"mockserver: error: 127.0.0.1:{port}: Address already in use; "
        "pick another --port (0 picks a free one)"
    ]
    assert "Traceback" not in result.output
