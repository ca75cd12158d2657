"""Writes, per session, as an overlay on the generated data.

The generated records are a pure function of the seed, so what a session wrote is all there is
to keep: per list and tenant, the positions it deleted and the records it wrote (those it
replaced or merged into, and those it created, numbered after the generated ones). A `View`
reads a collection through a session's changes with the collection's own interface, so that
lists, filters, totals, every kind of page and the detail reads see the writes through the code
that serves the generated records.

Positions are a table's insertion order: a created record comes after every generated one, a
replaced one keeps its place. Its id is the collection's own (the codec's id for its position),
so the item operations find it; timestamps come from a logical clock (one second per write of
the session, after the generated timeline), so the same requests from a fresh session give the
same bytes.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

from mockserver.mock.dataset import AT, Collection, Record, compact_json
from mockserver.mock.generate import TIMELINE_SPAN, TIMELINE_START, iso
from mockserver.model.document import JSON, deref
from mockserver.model.endpoints import object_properties
from mockserver.model.semantics import compare, field_value, norm, same_value, scalar_type, types

# Sessions kept at once, and records one session may write: past either, a write is refused
# (507) rather than memory growing without bound.
MAX_SESSIONS = 1_000
MAX_RECORDS_PER_SESSION = 10_000
# And the bytes one session's written records may take (a PATCH may grow a record).
MAX_SESSION_BYTES = 16 * 2**20
# The bytes every session's written records take together, in this process's memory.
MAX_STORE_BYTES = 256 * 2**20
# The header that names a session; without it, the credential a request presents does.
SESSION_HEADER = "x-mock-session"


# Fields the server stamps when a record is created, and when it is written (by their name).
CREATED = re.compile(r"(created|creation|inserted|added)(_?(at|on|date|time|timestamp))?|date_?created", re.I)
UPDATED = re.compile(
    r"(updated|modified|last_?modified|changed|last_?updated)(_?(at|on|date|time|timestamp))?|date_?(updated|modified)",
    re.I,
)
# The logical clock's first second: after every generated timestamp.
CLOCK_START = TIMELINE_START + TIMELINE_SPAN


class StateFull(Exception):
    """A write past the bounds of the store."""


@dataclass
class Changes:
    """One collection's writes in one session."""

    # The collection's length when the session first wrote to it (generated and curated).
    base: int
    deleted: set[int] = field(default_factory=set)
    # Position -> the whole record (writeOnly fields included) and its bytes as served.
    records: dict[int, Record] = field(default_factory=dict)
    shown: dict[int, bytes] = field(default_factory=dict)
    # Records created, and each written record's id (as text) at its position.
    added: int = 0
    ids: dict[str, int] = field(default_factory=dict)
    # The ids of the records deleted (what belonged to them is gone too).
    gone: set[str] = field(default_factory=set)


@dataclass
class Session:
    """What one session wrote: per (list operation, tenant, parent) its changes, where the
    parent is the id of the record a nested list belongs to (`/things/{id}/children`), else
    None; `clock` counts writes."""

    changes: dict[tuple[str, Any, str | None], Changes] = field(default_factory=dict)
    clock: int = 0
    # Its `size()` after its last write (the store's total is the sum of these).
    held: int = 0

    def records(self) -> int:
        return sum(len(c.records) + len(c.deleted) for c in self.changes.values())

    def size(self) -> int:
        """The bytes its written records take as served (what a cap on memory counts)."""
        return sum(len(v) for c in self.changes.values() for v in c.shown.values())


def encode(session: Session) -> str:
    """A session as JSON text, for a store shared between processes or kept across restarts."""
    return json.dumps(
        {
            "clock": session.clock,
            "held": session.held,
            "changes": [
                {
                    "list": op_id,
                    "tenant": tenant,
                    "parent": parent,
                    "base": c.base,
                    "deleted": sorted(c.deleted),
                    "records": {str(p): r for p, r in c.records.items()},
                    "shown": {str(p): v.decode() for p, v in c.shown.items()},
                    "added": c.added,
                    "ids": c.ids,
                    "gone": sorted(c.gone),
                }
                for (op_id, tenant, parent), c in session.changes.items()
            ],
        },
        separators=(",", ":"),
    )


def decode(text: str) -> Session:
    raw = json.loads(text)
    session = Session(clock=int(raw["clock"]), held=int(raw.get("held", 0)))
    for c in raw["changes"]:
        session.changes[(c["list"], c["tenant"], c.get("parent"))] = Changes(
            base=int(c["base"]),
            deleted=set(c["deleted"]),
            records={int(p): r for p, r in c["records"].items()},
            shown={int(p): v.encode() for p, v in c["shown"].items()},
            added=int(c["added"]),
            ids=dict(c["ids"]),
            gone=set(c.get("gone", ())),
        )
    return session


class Backend(Protocol):
    """Where sessions are kept beyond this process: a file (`sqlite:PATH`) or Redis. Each
    session's text is stamped with a number that changes with every save, so that a process
    reads a session again only when another one wrote it. `errors` are the exceptions its
    calls raise when the store cannot be reached."""

    errors: tuple[type[BaseException], ...]

    def stamp(self, name: str) -> int | None: ...
    def load(self, name: str) -> tuple[int, str] | None: ...
    def save(self, name: str, text: str) -> int: ...
    def sessions(self) -> int: ...
    def version(self) -> int: ...
    def reset(self, name: str | None) -> int: ...
    def locked(self, name: str) -> AbstractContextManager[object]: ...


class StateUnavailable(Exception):
    """The store that keeps the writes (a file, Redis) cannot be read or written now."""


class Store:
    """Every session's writes: in this process, and in a backend when one is named (then every
    process sharing it reads what the others wrote); bounded in sessions, records and bytes."""

    def __init__(
        self,
        backend: Backend | None = None,
        max_sessions: int | None = None,
        max_records: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.backend = backend
        self.max_sessions = MAX_SESSIONS if max_sessions is None else max_sessions
        self.max_records = MAX_RECORDS_PER_SESSION if max_records is None else max_records
        self.max_bytes = MAX_SESSION_BYTES if max_bytes is None else max_bytes
        # In memory, the sessions themselves; with a backend, a bounded cache of what it holds.
        self._sessions: dict[str, Session] = {}
        self._stamps: dict[str, int] = {}
        # Bumped by every write and reset (in memory): what an answer memo keys on.
        self._version = 0
        self.lock = threading.RLock()

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        errors = self.backend.errors if self.backend is not None else ()
        try:
            yield
        except errors as exc:
            raise StateUnavailable(f"the store of the writes cannot be reached: {exc}") from None

    @property
    def version(self) -> int:
        """A number that changes with every write and reset, of any process sharing the store."""
        if self.backend is None:
            return self._version
        with self._reaching():
            return self.backend.version()

    @property
    def unwritten(self) -> bool:
        """Whether no session holds a write, as far as this process can tell without asking a
        backend (with one, never: another process may have written)."""
        return self.backend is None and not self._sessions

    def memo_version(self) -> int | None:
        """The version for an answer memo; None (nothing memoized) while the store is out of reach."""
        try:
            return self.version
        except StateUnavailable:
            return None

    def _remember(self, name: str, session: Session, stamp: int | None) -> None:
        """Keep a session; with a backend, as the newest entry of a bounded cache."""
        self._sessions.pop(name, None)
        self._sessions[name] = session
        if stamp is not None:
            self._stamps[name] = stamp
        while self.backend is not None and len(self._sessions) > self.max_sessions:
            oldest = next(iter(self._sessions))
            self._forget(oldest)

    def _forget(self, name: str) -> None:
        self._sessions.pop(name, None)
        self._stamps.pop(name, None)

    def read(self, name: str) -> Session | None:
        backend = self.backend
        if backend is None:
            return self._sessions.get(name)
        with self.lock, self._reaching():
            stamp = backend.stamp(name)
            if stamp is None:
                self._forget(name)
                return None
            if self._stamps.get(name) != stamp:
                loaded = backend.load(name)
                if loaded is None:
                    self._forget(name)
                    return None
                self._remember(name, decode(loaded[1]), loaded[0])
            return self._sessions.get(name)

    @contextmanager
    def writing(self, name: str) -> Iterator[Session]:
        """The session a write goes to, made on its first write, its clock one second on; kept
        (and shared) when the block ends, forgotten if it raises. `StateFull` past the bounds,
        `StateUnavailable` when a backend cannot be reached."""
        backend = self.backend
        with self.lock, self._reaching(), backend.locked(name) if backend is not None else nullcontext():
            session = self.read(name)
            made = session is None
            if session is None:
                held = backend.sessions() if backend is not None else len(self._sessions)
                if held >= self.max_sessions:
                    raise StateFull(
                        f"{self.max_sessions:,} sessions hold writes; reset one (POST /__mockserver/reset)"
                    )
                session = Session()
            if session.records() >= self.max_records:
                raise StateFull(f"this session holds {self.max_records:,} written records; reset it")
            if session.held >= self.max_bytes:
                raise StateFull(f"this session holds {self.max_bytes:,} bytes of written records; reset it")
            if backend is None and sum(s.held for s in self._sessions.values()) >= MAX_STORE_BYTES:
                raise StateFull(f"the sessions hold {MAX_STORE_BYTES:,} bytes of written records; reset one")
            session.clock += 1
            try:
                yield session
                session.held = session.size()
                stamp = backend.save(name, encode(session)) if backend is not None else None
            except BaseException:
                # A write refused in the block (the handlers refuse before they change anything)
                # keeps no clock tick; one a backend could not keep is not kept here either.
                session.clock -= 1
                if backend is not None:
                    self._forget(name)
                raise
            if made or backend is not None:
                self._remember(name, session, stamp)
            self._version += 1

    def reset(self, name: str | None = None) -> int:
        """Forget one session's writes, or every session's; how many sessions were forgotten."""
        with self.lock, self._reaching():
            self._version += 1
            if name is None:
                count = len(self._sessions)
                self._sessions.clear()
                self._stamps.clear()
            else:
                count = 1 if self._sessions.pop(name, None) is not None else 0
                self._stamps.pop(name, None)
            return self.backend.reset(name) if self.backend is not None else count


def selects(record: Record, position: int, criteria: dict[str, Any], members: Callable[[str], bool]) -> bool:
    """Whether a written record is one that `criteria` select, as the collection's filters would
    select a generated one: a field's value, a value its array holds (`members(field)`), a
    bound on it, or its position named."""
    for key, expected in criteria.items():
        if key == AT:
            if position not in expected:
                return False
            continue
        name = key.rstrip("<>=")
        bound = key[len(name) :]
        value = field_value(record, name)
        if bound:
            # A value that orders against nothing (absent, null) is not excluded by a bound,
            # as the generated records' filters (and `Filter.admits`) read it.
            order = compare(value, expected)
            if order is not None and order * (1 if bound == ">=" else -1) < 0:
                return False
        elif members(name):
            if not isinstance(value, list) or not any(same_value(v, expected) for v in value):
                return False
        elif not same_value(value, expected):
            return False
    return True


class Merged(Sequence[int]):
    """The positions `(base - removed) | extra`, in order, without building the list: `base` is
    sorted (a `range` of a million positions, say), `removed` a sorted subset of it and `extra`
    sorted positions not in it, both as small as a session's writes."""

    def __init__(self, base: Sequence[int], removed: list[int], extra: list[int]) -> None:
        self.base, self.removed, self.extra = base, removed, extra

    def __len__(self) -> int:
        return len(self.base) - len(self.removed) + len(self.extra)

    def _rank(self, value: int) -> int:
        """How many positions are at or before `value`."""
        kept = bisect.bisect_right(self.base, value) - bisect.bisect_right(self.removed, value)
        return kept + bisect.bisect_right(self.extra, value)

    def _at(self, index: int) -> int:
        # The smallest position with index + 1 positions at or before it.
        low = min(self.base[0] if len(self.base) else 0, self.extra[0] if self.extra else 0)
        high = max(self.base[-1] if len(self.base) else 0, self.extra[-1] if self.extra else 0)
        while low < high:
            middle = (low + high) // 2
            if self._rank(middle) >= index + 1:
                high = middle
            else:
                low = middle + 1
        return low

    def _walk(self, start: int) -> Iterator[int]:
        """The positions from the `start`-th on, merged as they come."""
        if start >= len(self):
            return
        first = self._at(start)
        b = bisect.bisect_left(self.base, first)
        r = bisect.bisect_left(self.removed, first)
        e = bisect.bisect_left(self.extra, first)
        while b < len(self.base) or e < len(self.extra):
            candidate = self.base[b] if b < len(self.base) else None
            if candidate is not None and r < len(self.removed) and self.removed[r] == candidate:
                b, r = b + 1, r + 1
                continue
            if e < len(self.extra) and (candidate is None or self.extra[e] < candidate):
                yield self.extra[e]
                e += 1
            else:
                assert candidate is not None
                yield candidate
                b += 1

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            found: list[int] = []
            for position in self._walk(start):
                if len(found) >= stop - start:
                    break
                found.append(position)
            return found
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._at(index)


class View:
    """A collection as one session sees it, with the collection's interface: the generated
    and curated records less those deleted, those written in their place, those created after."""

    def __init__(self, base: Collection, changes: Changes) -> None:
        self.base = base
        self.changes = changes

    def __len__(self) -> int:
        return self.changes.base + self.changes.added - len(self.changes.deleted)

    def positions(self, criteria: dict[str, Any]) -> Sequence[int]:
        changes = self.changes
        found = self.base.positions(criteria)
        touched = sorted(p for p in (*changes.deleted, *changes.records) if p < changes.base)
        removed = [p for p in touched if _holds(found, p)]
        extra = sorted(
            p
            for p, record in changes.records.items()
            if selects(record, p, criteria, self.base.is_membership)
        )
        return Merged(found, removed, extra)

    def item_json(self, position: int) -> bytes:
        shown = self.changes.shown.get(position)
        return shown if shown is not None else self.base.item_json(position)

    def page_json(self, offset: int, limit: int, criteria: dict[str, Any]) -> bytes:
        selected = self.positions(criteria)[offset : offset + limit]
        return b"[" + b",".join([self.item_json(p) for p in selected]) + b"]"

    def record(self, position: int) -> Record | None:
        """The whole record at a position (writeOnly fields included), None if deleted."""
        if position in self.changes.deleted or position >= self.changes.base + self.changes.added:
            return None
        written = self.changes.records.get(position)
        return dict(written) if written is not None else self.base.item(position)


def _holds(positions: Sequence[int], position: int) -> bool:
    at = bisect.bisect_left(positions, position)
    return at < len(positions) and positions[at] == position


def shown_json(record: Record, hidden: frozenset[str]) -> bytes:
    """A written record as the list and the detail read serve it: without its writeOnly fields."""
    return compact_json({k: v for k, v in record.items() if k not in hidden})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: a patch object merges into the target, key by key; `null` removes a key."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


SCALARS = frozenset({"string", "integer", "number", "boolean"})
PYTHON_TYPES = ((str, "string"), (int, "integer"), (float, "number"), (bool, "boolean"))


@dataclass(frozen=True, slots=True)
class RecordShape:
    """What the server sets and hides in a list's records, read from the item schema."""

    # readOnly fields: never taken from a request body.
    server_set: frozenset[str] = frozenset()
    # writeOnly fields: kept, never served.
    hidden: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    # Timestamps stamped at creation, and at every write: (field, "date-time" | "date" | "epoch").
    created: tuple[tuple[str, str], ...] = ()
    updated: tuple[tuple[str, str], ...] = ()
    # Fields with a declared `default`, and it.
    defaults: tuple[tuple[str, Any], ...] = ()
    # Fields of one scalar JSON type, and it.
    scalars: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, document: dict[str, JSON], item_schema: JSON) -> RecordShape:
        properties = object_properties(document, item_schema)
        resolved = {name: deref(document, schema) for name, schema in properties.items()}
        flagged = {name: schema for name, schema in resolved.items() if isinstance(schema, dict)}
        required: set[str] = set()
        schema = deref(document, item_schema)
        if isinstance(schema, dict):
            for part in [schema, *(deref(document, m) for m in schema.get("allOf") or [])]:
                if isinstance(part, dict) and isinstance(part.get("required"), list):
                    required |= {str(r) for r in part["required"]}
        stamps: dict[str, list[tuple[str, str]]] = {"created": [], "updated": []}
        for name, field_schema in flagged.items():
            kind = _stamp_kind(field_schema)
            for which, pattern in (("created", CREATED), ("updated", UPDATED)):
                if kind is not None and pattern.fullmatch(name):
                    stamps[which].append((name, kind))
        return cls(
            server_set=frozenset(n for n, f in flagged.items() if f.get("readOnly") is True),
            hidden=frozenset(n for n, f in flagged.items() if f.get("writeOnly") is True),
            required=frozenset(required),
            created=tuple(stamps["created"]),
            updated=tuple(stamps["updated"]),
            defaults=tuple((n, f["default"]) for n, f in flagged.items() if "default" in f),
            scalars=tuple((n, k) for n, f in flagged.items() if (k := scalar_type(f)) in SCALARS),
        )

    def field_for(self, name: str, value: Any) -> str | None:
        """The field named as `name` is (any spelling) that can hold `value`, or None."""
        kind = next((k for t, k in PYTHON_TYPES if type(value) is t), None)
        wanted = norm(name)
        return next((n for n, k in self.scalars if norm(n) == wanted and k == kind), None)

    def created_record(self, made: Record, sent: Record, pinned: Iterable[str]) -> Record:
        """A created record as a server stores it: what was sent, what the server sets (`pinned`
        among it), the declared defaults and the required fields (made up where not sent), and
        no optional field the client left out."""
        kept = {*sent, *self.server_set, *self.required, *pinned}
        kept.update(name for name, _ in (*self.created, *self.updated))
        record = {k: v for k, v in made.items() if k in kept}
        for name, default in self.defaults:
            if name not in record and name in made:
                record[name] = default
        return record

    def writable(self, body: Any) -> Record:
        """The fields of a request body the client may set."""
        return {k: v for k, v in body.items() if k not in self.server_set} if isinstance(body, dict) else {}

    def stamped(self, record: Record, clock: int, *, created: bool) -> Record:
        """The record with its timestamps at the logical clock's `clock`-th second."""
        second = CLOCK_START + clock
        for name, kind in (*(self.created if created else ()), *self.updated):
            record[name] = second if kind == "epoch" else iso(second)[:10] if kind == "date" else iso(second)
        return record


def _stamp_kind(schema: dict[str, Any]) -> str | None:
    kinds = types(schema)
    if "string" in kinds and schema.get("format") in ("date-time", "date"):
        return str(schema["format"])
    if kinds & {"integer", "number"} and "string" not in kinds:
        return "epoch"
    return None
