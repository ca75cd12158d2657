"""What a write means for the list it belongs to: the `writes_visible` rule.

Schemathesis' stateful phase checks that a created resource can be read and a deleted one
cannot. A list is where a client looks next, and where deployments go wrong: a search index that
lags its table, a cache that keeps serving the deleted row, a count kept apart from the rows. So,
once per write operation and run, on its first successful answer:

* a create: the record it answered is listed once, and read by its id as it was answered. The
  rule then sends the same request again for a record of its own, sees the list hold it once
  with the total one higher, deletes it (where the document has the delete) and sees it gone,
  the total back, its id no longer read;
* a replace or a merge: each field the answer shows as sent is read back so by its id and in
  the list;
* a remove: the id is neither listed nor read any more.

A record the walk (`WINDOW` items, or `--window` if larger) does not reach is not judged
absent. Lists are read through the one operation model, as the whole-list rules read them
(`sweep.py`). This module is pure: the Schemathesis edge (`hooks.py`) hands it the write and the
functions that send the requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.contract.sweep import (
    Answer,
    ReadOne,
    SweepViolation,
    Walk,
    record_id,
    shared_differences,
    short,
)

CHECK = "writes_visible"
DOC = (
    "A write shows in its list: a created record is listed once with the total one higher and "
    "read back by its id, a changed one reads back changed, a deleted one is neither listed nor "
    "read (needs the write operations: --writes, or in-process)."
)
# Items of the list each walk of the rule reads at least (new records are often last; a walk
# also stops at 50 pages), and the statuses that say a record is not there (`410 Gone` too).
WINDOW = 5000
ABSENT = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Write:
    """One successful write, as the rule judges it."""

    verb: str  # create, replace, merge or remove
    # The record the write answered (create, replace, merge), None when it answered none.
    record: dict[str, Any] | None
    # The record's id: the path's (replace, merge, remove) or the answered record's (create).
    identifier: Any
    # The body sent (replace, merge).
    sent: Any
    exchange: Any


@dataclass(frozen=True, slots=True)
class Sides:
    """How the rule reaches the deployment: each call sends new requests."""

    # The list's window, walked afresh.
    walk: Callable[[], Walk]
    read_one: ReadOne | None
    # The write sent again (a create: a record of the rule's own), its answer and record.
    again: Callable[[], tuple[Answer, dict[str, Any] | None]] | None = None
    # Deletes a record by id, where the document has the delete.
    remove: Callable[[Any], Answer] | None = None
    # Whether the detail read declares an answer for an id it does not hold (404, 410, 4XX or
    # default): only then is a deleted record's read by id held to one.
    absent_declared: bool = True


def judge(write: Write, sides: Sides, key: str, settled: bool = True) -> None:
    """Raise a `SweepViolation` of `writes_visible` where the write does not show.

    `settled` is False where the run's later requests may already have changed the record the
    write answered (Schemathesis' fuzz engine checks a scenario once all of its steps are sent):
    then only a record of the rule's own is judged, which nothing else touches."""
    if write.verb == "create":
        _created(write, sides, key, settled)
    elif not settled:
        return
    elif write.verb in ("replace", "merge"):
        _changed(write, sides)
    elif write.verb == "remove":
        _gone(write.identifier, sides, [write.exchange])


def _violation(title: str, message: str, answers: list[Any]) -> SweepViolation:
    return SweepViolation(CHECK, title, message, [a for a in answers if isinstance(a, Answer)])


def _listed(walk: Walk, identifier: Any, what: str, answers: list[Any]) -> Any:
    """The record listed under `identifier`: once, or not reached by the window (None)."""
    found = [item for item in walk.items if _same(record_id(item, walk.key), identifier)]
    if len(found) > 1:
        raise _violation(
            f"{what} listed {len(found)} times",
            f"id {identifier!r} appears {len(found)} times in the list's first {len(walk.items)} items.",
            [*answers, *walk.answers],
        )
    if not found and walk.ended and walk.refused is None:
        raise _violation(
            f"{what} not listed",
            f"id {identifier!r} is not among the list's {len(walk.items)} items, which are the "
            "whole list (its last page was short).",
            [*answers, *walk.answers],
        )
    return found[0] if found else None


def _same(listed: Any, identifier: Any) -> bool:
    """Whether a listed id is `identifier`: a path parameter may carry an integer id as text."""
    return bool(listed == identifier or (isinstance(listed, int | str) and str(listed) == str(identifier)))


def _total(walk: Walk) -> int | None:
    """The list's total, as its envelope states it, or as counted where the walk saw it whole."""
    stated = walk.answers[0].total if walk.answers else None
    if stated is not None:
        return stated
    return len(walk.items) if walk.ended and walk.refused is None else None


def _created(write: Write, sides: Sides, key: str, settled: bool) -> None:
    if write.record is None or write.identifier is None:
        raise _violation(
            "Created record has no id",
            f"the create answered no record holding {key!r}, the field its list and its detail "
            "operation identify records by.",
            [write.exchange],
        )
    walk = sides.walk()
    if walk.refused is not None:
        return  # the list itself is refused: the whole-list rules report that
    if settled:
        _listed(walk, write.identifier, "Created record", [write.exchange])
        _read_back(write.identifier, write.record, sides, "Created record", [write.exchange])
    if sides.again is None:
        return
    before = _total(walk)
    answer, record = sides.again()
    if not 200 <= answer.status < 300 or record is None or not isinstance(record.get(key), str | int):
        return  # the deployment refused a second record alike (a unique name): nothing to judge
    mine = record[key]
    walk = sides.walk()
    _listed(walk, mine, "Created record", [answer])
    _read_back(mine, record, sides, "Created record", [answer])
    after = _total(walk)
    if before is not None and after is not None and after != before + 1:
        raise _violation(
            "Total unchanged by a create",
            f"the list counted {before} records before id {mine!r} was created and {after} after.",
            [answer, *walk.answers],
        )
    if sides.remove is None:
        return
    removed = sides.remove(mine)
    if not 200 <= removed.status < 300:
        return
    emptied = _gone(mine, sides, [answer, removed])
    gone = _total(emptied) if emptied is not None else None
    if after is not None and gone is not None and gone != after - 1:
        raise _violation(
            "Total unchanged by a delete",
            f"the list counted {after} records before id {mine!r} was deleted and {gone} after.",
            [answer, removed, *(emptied.answers if emptied is not None else [])],
        )


def _read_back(identifier: Any, record: dict[str, Any], sides: Sides, what: str, answers: list[Any]) -> None:
    if sides.read_one is None:
        return
    read = sides.read_one(identifier)
    if read.status != 200 or not read.items:
        raise _violation(
            f"{what} not found by its id",
            f"id {identifier!r} answered {read.status} right after the write that answered it.",
            [*answers, read],
        )
    differences = shared_differences(record, read.items[0])
    if differences:
        raise _violation(
            f"{what} reads back otherwise",
            f"id {identifier!r}, as the write answered it and then as read by its id: "
            + "; ".join(differences[:3]),
            [*answers, read],
        )


def _changed(write: Write, sides: Sides) -> None:
    if write.record is None or not isinstance(write.sent, dict):
        return
    # The fields whose answer shows the value sent: what the deployment says it kept (a field
    # it normalizes, or sets itself, is not held to what was sent).
    record = write.record
    kept = {name: value for name, value in write.sent.items() if name in record and record[name] == value}
    if not kept:
        return
    if sides.read_one is not None:
        read = sides.read_one(write.identifier)
        if read.status != 200 or not read.items:
            raise _violation(
                "Changed record not found by its id",
                f"id {write.identifier!r} answered {read.status} right after it was changed.",
                [write.exchange, read],
            )
        _holds(kept, read.items[0], f"id {write.identifier!r} read by its id", [write.exchange, read])
    walk = sides.walk()
    if walk.refused is not None:
        return
    listed = _listed(walk, write.identifier, "Changed record", [write.exchange])
    if listed is not None:
        _holds(kept, listed, f"id {write.identifier!r} in the list", [write.exchange, *walk.answers])


def _holds(kept: dict[str, Any], found: Any, where: str, answers: list[Any]) -> None:
    held = found if isinstance(found, dict) else {}
    wrong = [
        f"{name}: {short(value)} was written, {short(held.get(name))} is read"
        for name, value in kept.items()
        if held.get(name) != value
    ]
    if wrong:
        raise _violation("Change not kept", f"{where}: " + "; ".join(wrong[:3]), answers)


def _gone(identifier: Any, sides: Sides, answers: list[Any]) -> Walk | None:
    """Hold that a deleted record is neither read nor listed; the walk that shows it."""
    if sides.read_one is not None and sides.absent_declared:
        read = sides.read_one(identifier)
        if read.status not in ABSENT:
            raise _violation(
                "Deleted record still read by its id",
                f"id {identifier!r} answered {read.status} after it was deleted.",
                [*answers, read],
            )
    walk = sides.walk()
    if walk.refused is not None:
        return None
    if any(_same(record_id(item, walk.key), identifier) for item in walk.items):
        raise _violation(
            "Deleted record still listed",
            f"id {identifier!r} is still among the list's first {len(walk.items)} items after it "
            "was deleted.",
            [*answers, *walk.answers],
        )
    return walk
