"""Where the sessions' writes are kept beyond one process: `--state sqlite:PATH` (across restarts,
stdlib `sqlite3`) and `--state redis://HOST:PORT/DB` (shared by workers and replicas, redis-py).

Both keep one text per session (`state.encode`) with a stamp that changes on every save, and a
version that changes on every write or reset of any session. Keys carry a namespace made from
what shapes the data (the document's bytes, the seed, the counts, the locale, the fixtures), so
mocks of other documents or seeds never read each other's writes from one file or one Redis.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from mockserver.mock.settings import Settings
from mockserver.mock.state import Backend

# How long a write waits for another process's lock on its session before it gives up.
LOCK_WAIT_S = 10.0


class StateError(ValueError):
    """A `--state` that names no store this mock can use; the message is one line."""


def namespace(settings: Settings) -> str:
    """What the data is a function of, as a short digest."""
    digest = hashlib.blake2b(digest_size=10)
    digest.update(settings.spec_path.read_bytes())
    for part in (settings.seed, settings.count, settings.org_count, settings.locale):
        digest.update(f"\0{part}".encode())
    fixtures = settings.fixtures_dir
    if fixtures.is_dir():
        for file in sorted(p for p in fixtures.rglob("*") if p.is_file()):
            digest.update(b"\0" + str(file.relative_to(fixtures)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def backend_for(settings: Settings) -> Backend | None:
    """The backend `settings.state` names: None for memory, else a file or a Redis server."""
    named = settings.state.strip()
    if not named or named == "memory":
        return None
    if named.startswith("sqlite:"):
        return SqliteBackend(Path(named.removeprefix("sqlite:")), namespace(settings))
    if named.startswith(("redis://", "rediss://", "unix://")):
        return RedisBackend(named, namespace(settings))
    raise StateError(f"--state {named}: not memory, sqlite:PATH or redis://HOST:PORT/DB")


class SqliteBackend:
    """Sessions in one SQLite file; processes on one machine may share it (SQLite locks it)."""

    def __init__(self, path: Path, space: str) -> None:
        self.space = space
        try:
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=LOCK_WAIT_S
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS sessions (space TEXT, name TEXT, stamp INTEGER, text TEXT, "
                "PRIMARY KEY (space, name))"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS versions (space TEXT PRIMARY KEY, version INTEGER)")
        except sqlite3.Error as exc:
            raise StateError(f"--state sqlite:{path}: {exc}") from None
        self._lock = threading.RLock()
        self.errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def _one(self, sql: str, *args: Any) -> Any:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return None if row is None else row[0] if len(row) == 1 else row

    def stamp(self, name: str) -> int | None:
        found = self._one("SELECT stamp FROM sessions WHERE space = ? AND name = ?", self.space, name)
        return None if found is None else int(found)

    def load(self, name: str) -> tuple[int, str] | None:
        found = self._one("SELECT stamp, text FROM sessions WHERE space = ? AND name = ?", self.space, name)
        return None if found is None else (int(found[0]), str(found[1]))

    def save(self, name: str, text: str) -> int:
        stamp = self._bump()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO sessions (space, name, stamp, text) VALUES (?, ?, ?, ?)",
                (self.space, name, stamp, text),
            )
        return stamp

    def sessions(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM sessions WHERE space = ?", self.space))

    def version(self) -> int:
        found = self._one("SELECT version FROM versions WHERE space = ?", self.space)
        return 0 if found is None else int(found)

    def _bump(self) -> int:
        with self._lock:
            self._db.execute(
                "INSERT INTO versions (space, version) VALUES (?, 1) "
                "ON CONFLICT (space) DO UPDATE SET version = version + 1",
                (self.space,),
            )
        return self.version()

    def reset(self, name: str | None) -> int:
        with self._lock:
            if name is None:
                gone = self._db.execute("DELETE FROM sessions WHERE space = ?", (self.space,)).rowcount
            else:
                gone = self._db.execute(
                    "DELETE FROM sessions WHERE space = ? AND name = ?", (self.space, name)
                ).rowcount
        self._bump()
        return int(gone)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes SQLite's write lock: one writer at a time, across processes.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def locked(self, name: str) -> AbstractContextManager[object]:
        return self._transaction()


class RedisBackend:
    """Sessions in Redis: every worker and replica given the same URL (and the same data
    options) reads the writes of the others; a write holds a Redis lock on its session."""

    def __init__(self, url: str, space: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=LOCK_WAIT_S, socket_connect_timeout=5)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError,)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise StateError(f"--state {url}: {exc}") from None
        self.prefix = f"mockserver:{space}:"

    def _key(self, name: str) -> str:
        return self.prefix + "session:" + hashlib.blake2b(name.encode(), digest_size=16).hexdigest()

    def stamp(self, name: str) -> int | None:
        found = self._redis.hget(self._key(name), "stamp")
        return None if found is None else int(found)

    def load(self, name: str) -> tuple[int, str] | None:
        stamp, text = self._redis.hmget(self._key(name), ["stamp", "text"])
        return None if stamp is None or text is None else (int(stamp), _text(text))

    def save(self, name: str, text: str) -> int:
        # One transaction: no process reads the new version before the session it counts.
        key = self._key(name)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "text", text)
            pipe.hincrby(key, "stamp", 1)
            pipe.sadd(self.prefix + "names", key)
            pipe.incr(self.prefix + "version")
            stamp = pipe.execute()[1]
        return int(stamp)

    def sessions(self) -> int:
        return int(self._redis.scard(self.prefix + "names"))

    def version(self) -> int:
        found = self._redis.get(self.prefix + "version")
        return 0 if found is None else int(found)

    def reset(self, name: str | None) -> int:
        members = self._redis.smembers(self.prefix + "names") if name is None else set()
        keys = [_text(k) for k in members] if name is None else [self._key(name)]
        gone = 0
        for key in keys:
            # Under the session's lock: a write under way ends first, and is then forgotten.
            with self._lock_of(key), self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.srem(self.prefix + "names", key)
                pipe.incr(self.prefix + "version")
                gone += int(pipe.execute()[0])
        if not keys:
            self._redis.incr(self.prefix + "version")
        return gone

    def _lock_of(self, key: str) -> AbstractContextManager[object]:
        lock: AbstractContextManager[object] = self._redis.lock(
            key + ":lock", timeout=LOCK_WAIT_S, blocking_timeout=LOCK_WAIT_S
        )
        return lock

    def locked(self, name: str) -> AbstractContextManager[object]:
        return self._lock_of(self._key(name))


def _text(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode()
