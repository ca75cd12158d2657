"""Writes kept beyond one process (`mockserver/mock/stores.py`): a SQLite file across restarts,
and a real Redis server (Debian's, `.ci/install-redis.sh`; CI sets MOCKSERVER_REQUIRE_REDIS=1 so
that a missing one fails instead of skipping) shared by two mocks and by two workers."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.mock.state import Changes, StateUnavailable, Store
from mockserver.mock.stores import SqliteBackend
from tests.conftest import TESTS

DOCUMENT = TESTS / "documents" / "crud.yaml"
DEV = {"Authorization": "Bearer dev-token"}
MERGE = {**DEV, "Content-Type": "application/merge-patch+json"}
REDIS = shutil.which("redis-server")


def mock(state: str, count: int = 30, **options: Any) -> Any:
    return create_app(
        Settings(
            spec_path=DOCUMENT, fixtures_dir=DOCUMENT.parent / "none", count=count, state=state, **options
        )
    )


def pages(c: Any, headers: dict[str, str]) -> list[bytes]:
    return [
        c.get("/notes", params={"offset": o, "limit": 9}, headers=headers).content for o in range(0, 45, 9)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if REDIS is None:
        if os.environ.get("MOCKSERVER_REQUIRE_REDIS") == "1":
            raise RuntimeError("redis-server is required here: run .ci/install-redis.sh")
        pytest.skip("redis-server is not installed (.ci/install-redis.sh installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def test_sqlite_keeps_the_writes_across_a_restart(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.db'}"
    with TestClient(mock(state)) as c:
        made = c.post("/notes", json={"title": "Kept", "done": False}, headers=DEV).json()
        gone = c.get("/notes?limit=1", headers=DEV).json()["items"][0]["id"]
        c.delete(f"/notes/{gone}", headers=DEV)
        before = pages(c, DEV)
    with TestClient(mock(state)) as c:
        assert pages(c, DEV) == before
        assert c.get(f"/notes/{made['id']}", headers=DEV).json() == made
        assert c.get(f"/notes/{gone}", headers=DEV).status_code == 404
    # Another seed is other data: it reads none of those writes from the same file.
    with TestClient(mock(state, seed=7)) as c:
        assert c.get("/notes?limit=1", headers=DEV).json()["total"] == 30


def test_two_mocks_sharing_redis_agree_byte_for_byte_after_interleaved_writes(redis_url: str) -> None:
    with TestClient(mock(redis_url)) as one, TestClient(mock(redis_url)) as two:
        one.post("/__mockserver/reset?all=true")
        created = [
            (one if i % 2 else two)
            .post("/notes", json={"title": f"n{i}", "done": i % 3 == 0}, headers=DEV)
            .json()
            for i in range(6)
        ]
        one.patch(f"/notes/{created[1]['id']}", json={"done": True}, headers=MERGE)
        two.delete(f"/notes/{created[2]['id']}", headers=DEV)
        # Each mock reads through the other's writes, memo and all.
        assert pages(one, DEV) == pages(two, DEV)
        assert one.get("/notes?limit=1", headers=DEV).json()["total"] == 35
        assert two.get(f"/notes/{created[1]['id']}", headers=DEV).json()["done"] is True
        # Ids follow from the session's writes, whichever replica made them: all distinct.
        assert len({n["id"] for n in created}) == 6
        assert one.post("/__mockserver/reset", headers=DEV).json() == {"sessions_reset": 1}
        assert two.get("/notes?limit=1", headers=DEV).json()["total"] == 30


def test_two_workers_sharing_redis_agree(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "mockserver"),
        "serve",
        "--spec",
        str(DOCUMENT),
        "--fixtures",
        str(tmp_path / "none"),
        "--count",
        "30",
        "--port",
        str(port),
        "--workers",
        "2",
        "--state",
        redis_url,
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        headers = {**DEV, "X-Mock-Session": "workers"}
        # A new connection per request: the kernel spreads them over both workers.
        for i in range(8):
            assert (
                httpx.post(
                    base + "/notes", json={"title": f"w{i}", "done": False}, headers=headers
                ).status_code
                == 201
            )
        answers = {httpx.get(base + "/notes?offset=30&limit=20", headers=headers).content for _ in range(12)}
        assert len(answers) == 1
        assert httpx.get(base + "/notes?limit=1", headers=headers).json()["total"] == 38
    finally:
        server.terminate()
        server.wait(20)


def test_a_store_that_cannot_be_reached_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(
        main, ["serve", "--spec", str(DOCUMENT), "--state", f"redis://127.0.0.1:{port}/0"]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith(f"mockserver: error: --state redis://127.0.0.1:{port}/0: ")
    assert len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["serve", "--spec", str(DOCUMENT), "--state", "postgres://x"])
    assert result.exit_code == 2 and "not memory, sqlite:PATH or redis://HOST:PORT/DB" in result.output


def write(store: Any, name: str, position: int = 1) -> None:
    with store.writing(name) as session:
        session.changes.setdefault(("notes", None, None), Changes(base=10)).deleted.add(position)


def test_a_process_reads_what_another_wrote_even_past_its_cache(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    a, b = (Store(SqliteBackend(path, "space"), max_sessions=2) for _ in range(2))
    write(a, "S1"), write(a, "S2")
    b.reset()  # another worker resets every session: a's cache still holds both
    write(a, "S3")
    write(b, "S1", 5)  # another worker writes S1 again
    found = a.read("S1")
    assert found is not None and found.changes[("notes", None, None)].deleted == {5}


def test_a_write_the_store_could_not_keep_is_kept_nowhere(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    a, b = Store(SqliteBackend(path, "space")), Store(SqliteBackend(path, "space"))
    write(a, "T")
    backend: Any = a.backend

    def full(name: str, text: str) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    kept, backend.save = backend.save, full
    with pytest.raises(StateUnavailable, match="disk is full"):
        write(a, "T", 7)
    backend.save = kept
    seen = [s.read("T") for s in (a, b)]
    assert [(x.clock, x.changes[("notes", None, None)].deleted) for x in seen if x] == [(1, {1}), (1, {1})]


class Unreachable:
    """A store whose server went away: every call fails as redis-py's do."""

    errors: tuple[type[BaseException], ...] = (ConnectionError,)

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> Any:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return call


def test_a_store_gone_away_is_a_503_with_retry_after_never_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.mock import app as app_module

    monkeypatch.setattr(app_module, "backend_for", lambda settings: Unreachable())
    with TestClient(mock("")) as c:
        for response in (
            c.get("/notes?limit=1", headers=DEV),
            c.post("/notes", json={"title": "x", "done": False}, headers=DEV),
            c.post("/__mockserver/reset", headers=DEV),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert "Connection refused" in response.json()["detail"]
        assert c.get("/healthz").status_code == 200
