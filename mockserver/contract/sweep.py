"""Whole-list rules: what a list operation means across pages, page sizes, filters and tenants.

The per-response checks (`checks.py`) judge one answer at a time, so each can only see one side
of a rule: every filtered item matches, but is any matching item missing? A page holds at most
`limit` items, but is a short page really the last? The sweep asks the deployment for one
bounded window of the list several ways (the largest page the contract allows, smaller page
sizes, unaligned offsets, each filter on and off, filters combined, other tenants) and holds the
answers against each other:

* `pages_agree`: every page size gives the same sequence; a page shorter than its size is the
  last one, and the page after it is empty; item k of (skip, limit) is item skip+k of the list.
* `filters_exact`: a filtered list is the unfiltered list restricted to the matching items, in
  the same order; `false` and absence filter nothing; several filters are their conjunction.
* `records_consistent`: an id is one record wherever it appears, and two reads with no write
  between them agree field for field (`updated_at` included).
* `tenant_isolated`: organizations the caller was not given answer the declared "not yours"
  status, never data.
* `totals_exact`: an envelope's total is the same on every page of a walk, and is the count of
  the (filtered) list where a walk reached its end; a "more" flag is false on the last page only.

Lists are read through the one operation model: an envelope's items, its total, filters declared
or inferred with their relation (a flag, equality, membership in an array).

This module is pure: it sends requests through a `Send` function it is given (the Schemathesis
edge is `hooks.py`) and raises `SweepViolation`s naming the answers that disagree.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from mockserver.contract.options import DEFAULT_WINDOW
from mockserver.model.endpoints import Endpoint
from mockserver.model.rules import DomainViolation
from mockserver.model.semantics import CALLER_PREFIX, RANGES, Filter, compare, field_value, parameter_schema

# A page size no walk goes below: smaller ones cost a request per item and find nothing more.
SMALLEST_WALKED_SIZE = 7
# Filter combinations tried beyond each filter alone and all of them together.
MAX_FILTER_PAIRS = 6
# The largest page requested, whatever the contract allows (unless the window is larger): a
# `maximum: 2147483647` must not ask a deployment for its whole table.
LARGEST_REQUESTED = 1000
# Pages one walk takes at most, whatever the window and the page size: the cost stays bounded.
MAX_PAGES_PER_WALK = 50
# Other organizations probed per tenant-scoped operation.
MAX_TENANT_PROBES = 4
# Listed records read again through the detail operation.
DETAIL_READS = 3

# Every whole-list rule by name, with the sentence that says what it holds: filled by the
# `whole_list_rule` decorator where each rule is defined (the Schemathesis edge registers one
# check per entry).
Rule = Callable[["Sweep"], None]


@dataclass(frozen=True, slots=True)
class WholeListRule:
    judge: Rule
    doc: str
    # Whether the rule has anything to judge on a list (else it is reported skipped, not passed).
    applies: Callable[[Endpoint, bool], bool]


SWEEP_RULES: dict[str, WholeListRule] = {}


def whole_list_rule(
    doc: str, *, applies: Callable[[Endpoint, bool], bool] = lambda op, other: True, changing: bool = False
) -> Callable[[Rule], Rule]:
    """Register a `Sweep` method as the whole-list rule named after it. `applies(operation,
    with_other_caller)` says whether it judges anything there; a `changing` rule's violation is
    first checked against a list that changed while it was compared."""

    def register(rule: Rule) -> Rule:
        def judge(sweep: Sweep) -> None:
            if changing:
                sweep.judged(lambda: rule(sweep))
            else:
                rule(sweep)

        SWEEP_RULES[rule.__name__] = WholeListRule(judge, doc, applies)
        return rule

    return register


@dataclass(frozen=True, slots=True)
class Request:
    """One request of the sweep: its query, and path parameters that differ from the case's."""

    query: tuple[tuple[str, Any], ...]
    path: tuple[tuple[str, Any], ...] = ()
    # Sent as the run's second caller (`--other-token`), not as the run's own.
    other: bool = False

    def describe(self) -> str:
        shown = [f"{k}={_text(v)}" for k, v in (*self.path, *self.query)]
        return ("&".join(shown) or "(no parameters)") + (" (as the other caller)" if self.other else "")


@dataclass(frozen=True, slots=True, eq=False)
class Answer:
    request: Request
    status: int
    # The items a 200 carried (the array, or the envelope's), or None.
    items: list[Any] | None
    # The edge's own record of the exchange, for reports (a Schemathesis case and response).
    exchange: Any = None
    # What the envelope says of the whole list: its total, and whether more pages follow.
    total: int | None = None
    more: bool | None = None
    # Cursor pagination: the cursor of the next page (None: the list ends here).
    next: Any = None
    # The page count the envelope states, if it has one.
    pages: int | None = None


Send = Callable[[Request], Answer]
# Reads one record by id through the list's detail operation (`GET /things/{id}`), if any.
ReadOne = Callable[[Any], Answer]


class SweepViolation(DomainViolation):
    """A rule of `check` is broken; `answers` are the exchanges that show it."""

    def __init__(self, check: str, title: str, message: str, answers: Iterable[Answer]) -> None:
        super().__init__(title, message)
        self.check = check
        self.answers = tuple(dict.fromkeys(answers))


@dataclass
class Walk:
    """Consecutive pages of one size from the start of the list."""

    size: int
    # The filter parameters sent, with their values.
    flags: tuple[tuple[str, Any], ...]
    items: list[Any] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    # A page came back shorter than its size: the list ended there.
    ended: bool = False
    # The request that came back refused (not a 200 array), if any.
    refused: Answer | None = None
    # The field that identifies an item.
    key: str = "id"
    # Cursor pagination: the answer whose next cursor was one the walk had already followed.
    looped: Answer | None = None
    # Walked as the run's second caller.
    other: bool = False

    @property
    def ids(self) -> list[Any]:
        return [record_id(item, self.key) for item in self.items]

    def answer_at(self, position: int) -> Answer:
        """The answer whose page holds item `position`."""
        seen = 0
        for answer in self.answers:
            seen += len(answer.items or [])
            if position < seen:
                return answer
        return self.answers[-1]


def record_id(item: Any, key: str = "id") -> Any:
    """What identifies an item across answers: its key (`id`, or the field the detail
    operation is addressed by) when it has a plain one, else the whole item (so two different
    records without ids never pass for one)."""
    if isinstance(item, dict) and isinstance(item.get(key), str | int | float | bool):
        return item[key]
    return json.dumps(item, sort_keys=True, default=str)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class Sweep:
    """The window of one list operation, fetched several ways and held against itself."""

    def __init__(
        self,
        operation: Endpoint,
        send: Send,
        *,
        base: dict[str, Any],
        path: dict[str, Any],
        window: int = DEFAULT_WINDOW,
        caller: dict[str, Any] | None = None,
        read_one: ReadOne | None = None,
        other: Send | None = None,
        other_read: ReadOne | None = None,
        others: Iterable[str] = (),
    ) -> None:
        self.operation = operation
        self._read_one = read_one
        # The run's second caller, who owns none of this caller's records (`--other-token`).
        self._other = other
        self._other_read = other_read
        # Organizations the document shows (`examples` of the tenant parameter): other tenants to probe.
        self.others = tuple(others)
        self.pagination = operation.pagination
        self._send = send
        self.base = dict(base)
        self.path = dict(path)
        self.window = max(1, window)
        self.caller = dict(caller or {})
        self._cache: dict[Request, Answer] = {}
        # Every answer in the order received: `records_consistent` compares all of them.
        self.received: list[Answer] = []
        self._walks: dict[tuple[int, tuple[tuple[str, Any], ...], bool], Walk] = {}
        query = operation.query
        pagination = self.pagination
        size_schema = parameter_schema(query.get(pagination.size_param, {})) if pagination else {}
        start = pagination.start_param if pagination else ""
        start_schema = parameter_schema(query.get(start, {})) if start else {}
        # Pages follow each other only where a start parameter moves the window.
        self.paged = pagination is not None and bool(pagination.start_param)
        # The largest page the contract allows (without a declared maximum, the default size: a
        # deployment may cap an unbounded size where it likes), within what one answer should hold.
        allowed = _int(size_schema.get("maximum", size_schema.get("default")), 20)
        self.largest = max(1, min(allowed, max(LARGEST_REQUESTED, self.window)))
        self.smallest = max(1, _int(size_schema.get("minimum"), 1))
        self.default_size = max(1, min(_int(size_schema.get("default"), self.largest), self.largest))
        offsets = pagination is not None and pagination.style == "offset"
        self.first = _int(start_schema.get("minimum"), 0) if offsets else 0
        self.defaults = dict(operation.defaults)
        self.key = operation.key_field
        listing = operation.listing
        # Page numbers past the last page answer 404 in many APIs (Django REST framework's
        # "Invalid page."); where the document declares its paging, the page after is `200 []`.
        self._not_found_ends = bool(
            pagination is not None and pagination.style == "page" and listing is not None and listing.inferred
        )
        # A list that does not page is whole in one answer, unless its envelope says more exists
        # (a total, a more-pages flag: paging this run did not understand). Then no walk ends.
        self.whole = pagination is None and not (
            listing is not None and (listing.total_field or listing.has_more_field)
        )

    # ------------------------------------------------------------------------------ requests

    def get(
        self,
        query: dict[str, Any],
        path: dict[str, Any] | None = None,
        *,
        again: bool = False,
        other: bool = False,
    ) -> Answer:
        """The answer to `query` (sent once, unless `again`), as the run's caller or the other."""
        request = Request(tuple(query.items()), tuple((path or {}).items()), other)
        if not again and request in self._cache:
            return self._cache[request]
        send = self._other if other and self._other is not None else self._send
        answer = send(request)
        self._cache.setdefault(request, answer)
        self.received.append(answer)
        return answer

    def page_query(self, index: int, size: int, flags: Iterable[tuple[str, Any]] = ()) -> dict[str, Any]:
        """The query for page `index` (from 0) of `size` items."""
        p = self.pagination
        if p is None:
            return {**self.base, **dict(flags)}
        if not p.start_param or p.cursor:
            return {**self.base, **dict(flags), **({p.size_param: size} if p.size_param else {})}
        start = index * size if p.style == "offset" else p.first_page + index
        return {**self.base, **dict(flags), p.start_param: start, p.size_param: size}

    def offset_query(self, offset: int, size: int) -> dict[str, Any]:
        p = self.pagination
        assert p is not None
        return {**self.base, **dict(self._no_filters()), p.start_param: offset, p.size_param: size}

    def walk(self, size: int, flags: Iterable[tuple[str, Any]] = (), *, other: bool = False) -> Walk:
        """Pages of `size` from the start until the window is covered or the list ends."""
        key = (size, tuple(flags), other)
        if key in self._walks:
            return self._walks[key]
        walk = self._walks[key] = Walk(size, key[1], key=self.key, other=other)
        if self.pagination is not None and self.pagination.cursor:
            return self._follow(walk)
        index = 0
        while len(walk.items) < self.window and not walk.ended and index < MAX_PAGES_PER_WALK:
            answer = self.get(self.page_query(index, size, key[1]), other=other)
            if answer.items is None and index > 0 and answer.status == 404 and self._not_found_ends:
                walk.ended = True  # past the last page: not found
                break
            if answer.items is None:
                walk.refused = answer
                break
            walk.answers.append(answer)
            walk.items.extend(answer.items)
            # A list that does not page is whole in its one answer.
            if index == 0 and self.pagination is not None and not self.pagination.size_param:
                size = walk.size = len(answer.items)  # pages of the API's own size: the first says which
            walk.ended = len(answer.items) < size or not answer.items or self.whole
            index += 1
            if not self.paged or (self.pagination is None and not self.whole):
                break
        return walk

    def _follow(self, walk: Walk) -> Walk:
        """A cursor chain from the first page: each page asks for the cursor the one before
        handed out, until none is handed out (the end), or the window is covered."""
        assert self.pagination is not None
        followed: set[str] = set()
        query = self.page_query(0, walk.size, walk.flags)
        while len(walk.items) < self.window and len(walk.answers) < MAX_PAGES_PER_WALK:
            answer = self.get(query, other=walk.other)
            if answer.items is None:
                walk.refused = answer
                break
            walk.answers.append(answer)
            walk.items.extend(answer.items)
            if answer.next is None:
                walk.ended = True
                break
            step = answer.next
            seen = str(sorted(step.items())) if isinstance(step, dict) else str(step)
            if seen in followed:
                walk.looped = answer
                break
            followed.add(seen)
            if isinstance(step, dict):
                # The next page's URL, followed as given: what it keeps of the query is its own.
                query = {**self.base, **step}
            else:
                query = {**self.page_query(0, walk.size, walk.flags), self.pagination.start_param: step}
        return walk

    def after(self, walk: Walk) -> Answer:
        """The page right after a walk's short last page, which must be empty."""
        last = walk.answers[-1]
        assert self.pagination is not None
        if self.pagination.style == "page":
            return self.get(self.page_query(len(walk.answers), walk.size, walk.flags))
        start = dict(last.request.query)[self.pagination.start_param]
        query = dict(last.request.query)
        query[self.pagination.start_param] = int(start) + len(last.items or [])
        return self.get(query)

    # ------------------------------------------------------------------------------- rules

    def judged(self, rule: Callable[[], None]) -> None:
        """Run `rule` (pages or filters); a violation seen while the list itself was changing
        (somebody writes to the deployment during the run) is reported as that, not as what it
        looked like. Records that change between reads are `records_consistent`'s own finding."""
        try:
            rule()
        except SweepViolation as violation:
            first = next((w.answers[0] for w in self._walks.values() if w.answers), None)
            if first is None:
                raise
            again = self.get(dict(first.request.query), dict(first.request.path), again=True)
            if again.items == first.items:
                raise
            raise SweepViolation(
                violation.check,
                "The list changed while it was compared",
                f"{first.request.describe()} answered differently when it was sent again at the end "
                f"of the check, so the comparison above cannot be trusted: {violation.title}. Run "
                "the contract against a deployment nobody writes to meanwhile (repeatable_reads "
                "also reports a list that changes by itself).",
                [first, again, *violation.answers],
            ) from None

    def unfiltered(self) -> Walk:
        """The list as the largest page the contract allows gives it, unfiltered."""
        return self.walk(self.largest, self._no_filters())

    def reference(self, check: str) -> Walk:
        """The list as `unfiltered` walks it (a refusal is reported by the check that needed it)."""
        walk = self.unfiltered()
        if walk.refused is not None:
            raise self._refused(check, walk.refused)
        return walk

    def _no_filters(self) -> tuple[tuple[str, Any], ...]:
        # Absent means the declared default; a flag on by default is switched off explicitly.
        flags = [f for f in self.operation.filters if f.relation == "flag"]
        return tuple((f.param, False) for f in flags if self._default(f) is True)

    def _default(self, rule: Filter) -> Any:
        return self.defaults.get(rule.param)

    def sizes(self) -> list[int]:
        """The page sizes walked besides the largest: the default and a small odd one."""
        if self.pagination is not None and not self.pagination.size_param:
            return []
        small = min(self.largest, max(self.smallest, SMALLEST_WALKED_SIZE))
        chosen = {small, min(self.default_size, self.largest)}
        return sorted(s for s in chosen if s != self.largest)

    @whole_list_rule(
        "Pages of every size, the largest allowed included, cut one sequence; a short page is the "
        "last and the page after it is empty; offset and size compose exactly; a cursor chain ends "
        "and passes no record twice.",
        applies=lambda op, other: op.pagination is not None,
        changing=True,
    )
    def pages_agree(self) -> None:
        if self.pagination is None:
            return  # one answer holds the whole list: there are no pages to agree
        reference = self.reference("pages_agree")
        if self.pagination.cursor:
            self._chain(reference)
        self._check_end(reference, "pages_agree")
        for size in self.sizes():
            walk = self.walk(size, self._no_filters())
            if walk.refused is not None:
                raise self._refused("pages_agree", walk.refused)
            if self.pagination.cursor:
                self._chain(walk)
            self._agree(reference, walk)
            self._check_end(walk, "pages_agree")
        if self.paged and self.pagination.style == "offset":
            self._compose(reference)

    def _chain(self, walk: Walk, check: str = "pages_agree") -> None:
        """A cursor chain ends, and passes no item twice."""
        p = self.pagination
        assert p is not None
        if walk.looped is not None:
            raise SweepViolation(
                check,
                "Cursor chain loops",
                f"{walk.looped.request.describe()} handed out {_step(p.start_param, walk.looped.next)}, "
                "which this walk had already followed: a client paging to the end never gets there.",
                [walk.looped],
            )
        seen: dict[Any, int] = {}
        for k, identifier in enumerate(walk.ids):
            if identifier in seen:
                raise SweepViolation(
                    check,
                    "Cursor chain repeats an item",
                    f"id {identifier!r} is item {seen[identifier]} and again item {k} of one walk of the "
                    f"cursor chain ({p.size_param or 'the page size'}={walk.size}): a cursor that "
                    "includes the record it names, or an order that is not stable, answers like this.",
                    [walk.answer_at(seen[identifier]), walk.answer_at(k)],
                )
            seen[identifier] = k

    def _check_end(self, walk: Walk, check: str) -> None:
        """A walk's short last page ends the list: the page after it is an empty array."""
        if not walk.ended or not walk.answers or not self.paged or self.pagination is None:
            return
        if self.pagination.cursor:
            return  # the chain ends where no next cursor is handed out: nothing lies after it
        last = walk.answers[-1]
        after = self.after(walk)
        if after.status == 404 and self._not_found_ends:
            return  # a page number past the last page is not found (Django REST framework): no more items
        if after.items is None:
            raise SweepViolation(
                check,
                "No empty page past the end",
                f"{after.request.describe()} asks for the page after the last one, which is an empty "
                f"list ([]), but was answered {after.status}"
                + ("" if after.status != 200 else " without a JSON array")
                + ". Clients page until they get a short or empty page.",
                [after],
            )
        if not after.items:
            return
        p, s = self.pagination.start_param, self.pagination.size_param
        filtered = any(on for _, on in walk.flags)
        why = (
            "A filter applied to each page after it was cut answers like this: pages come back "
            "short and matching items are skipped."
            if filtered
            else f"A deployment that caps the page below the {s} the contract allows, or repeats "
            "the last page past the end, answers like this."
        )
        raise SweepViolation(
            check,
            "Filtered page short before the end" if filtered else "A short page was not the last",
            f"{last.request.describe()} returned {len(last.items or [])} of {s}={walk.size} items, "
            f"which ends the {'filtered ' if filtered else ''}list, yet the next page "
            f"({p}={dict(after.request.query)[p]}) returned {len(after.items)} more (ids "
            f"{_ids_shown(after.items, self.key)}). {why}",
            [last, after],
        )

    def _agree(self, reference: Walk, walk: Walk, check: str = "pages_agree") -> None:
        assert self.pagination is not None
        s = self.pagination.size_param
        ref_ids, ids = reference.ids, walk.ids
        for k in range(min(len(ref_ids), len(ids))):
            if ref_ids[k] == ids[k]:
                continue
            n = min(len(ref_ids), len(ids))
            how = (
                f"id {ids[k]!r} repeats an item of an earlier page"
                if ids[k] in ids[:k]
                else "the same items come in another order"
                if set(ref_ids[:n]) == set(ids[:n])
                else f"id {ref_ids[k]!r} is not where it belongs, or missing"
            )
            raise SweepViolation(
                check,
                "Page sizes disagree",
                f"item {k} of the list is {ref_ids[k]!r} with {s}={reference.size} but {ids[k]!r} with "
                f"{s}={walk.size}: {how}. Pages of every size must cut one sequence (same ids, same "
                "order, no gap, no repeat).",
                [reference.answer_at(k), walk.answer_at(k)],
            )
        if walk.ended and len(ids) < len(ref_ids):
            last = walk.answers[-1]
            cursor = self.pagination.cursor
            raise SweepViolation(
                check,
                "Cursor chain ended early" if cursor else "A short page was not the last",
                f"{last.request.describe()} returned {len(last.items or [])} items"
                + (" and no next cursor" if cursor else "")
                + f", which ends the list at {len(ids)} items, but {s}={reference.size} shows at least "
                f"{len(ref_ids)}.",
                [last, reference.answer_at(len(ids))],
            )
        if reference.ended and len(ids) > len(ref_ids):
            raise SweepViolation(
                check,
                "Page sizes disagree",
                f"{s}={reference.size} ends the list at {len(ref_ids)} items, but {s}={walk.size} "
                f"goes on to item {len(ids) - 1} ({ids[len(ref_ids)]!r}).",
                [reference.answers[-1], walk.answer_at(len(ref_ids))],
            )

    def _compose(self, reference: Walk) -> None:
        """Unaligned windows: item k of (skip, limit) is item skip+k of the list."""
        assert self.pagination is not None
        ref_ids, p, s = reference.ids, self.pagination.start_param, self.pagination.size_param
        known = len(ref_ids)
        for skip, limit in ((3, 11), (max(0, min(self.window, known) - 4), 9)):
            skip, limit = max(skip, self.first), max(self.smallest, min(limit, self.largest))
            if skip >= known and not reference.ended:
                continue
            answer = self.get(self.offset_query(skip, limit))
            if answer.items is None:
                raise self._refused("pages_agree", answer)
            expected = ref_ids[skip : skip + limit]
            got = [record_id(i, self.key) for i in answer.items]
            complete = reference.ended or skip + limit <= known
            if got != expected and (complete or got[: len(expected)] != expected):
                raise SweepViolation(
                    "pages_agree",
                    "Offset and size do not compose",
                    f"{p}={skip}&{s}={limit} returned ids {_shown(got)}; items {skip} to "
                    f"{skip + limit - 1} of the list are {_shown(expected)}.",
                    [answer, reference.answer_at(skip)],
                )

    @whole_list_rule(
        "A filtered list is the unfiltered list restricted to matching items, in order; `false` "
        "and absence filter nothing; filters combine as a conjunction; a filtered list pages as any list.",
        applies=lambda op, other: bool(op.filters),
        changing=True,
    )
    def filters_exact(self) -> None:
        rules = self.operation.filters
        if not rules:
            return
        reference = self.reference("filters_exact")
        try:
            self.pages_agree()
        except SweepViolation:
            return  # the unfiltered list is not one sequence to compare with: pages_agree says how
        for rule in rules:
            if rule.relation != "flag" or self._default(rule) is True:
                continue  # the spec says absence filters: `false` is then the only "off"
            off = self.walk(self.largest, (*self._no_filters(), (rule.param, False)))
            if off.refused is not None:
                raise self._refused("filters_exact", off.refused)
            # Both walks take the same pages, so a deployment that filters nothing gives the same ids.
            if off.ids != reference.ids:
                n = min(len(off.ids), len(reference.ids))
                k = next((i for i in range(n) if off.ids[i] != reference.ids[i]), n)
                raise SweepViolation(
                    "filters_exact",
                    f"{rule.param}=false filtered the list",
                    f"{rule.param}=false must filter nothing, as its absence does; from item {k} the "
                    f"lists differ: {_shown(off.ids[k : k + 5])} with {rule.param}=false, "
                    f"{_shown(reference.ids[k : k + 5])} without it.",
                    [off.answer_at(k), reference.answer_at(k)],
                )
        usable = tuple(rule for rule in rules if self.probe_value(rule, reference) is not None)
        for chosen in self._combinations(usable):
            self._filtered(reference, chosen)

    def probe_value(self, rule: Filter, reference: Walk) -> Any:
        """The value a filter is tried with: true for a flag (and for an inferred boolean, whose
        `false` may mean "no filter" as a flag's does); for equality or membership, the value the
        unfiltered list holds most often that the parameter admits (so the filtered list is not
        empty); for a range, the middle of the list's values; None when nothing fits."""
        schema = parameter_schema(self.operation.query.get(rule.param, {}))
        if rule.relation == "flag" or schema.get("type") == "boolean":
            return True
        if rule.relation in RANGES:
            found = [
                v for v in (field_value(item, rule.field) for item in reference.items) if compare(v, v) == 0
            ]
            ordered = sorted(found, key=functools.cmp_to_key(lambda a, b: compare(a, b) or 0))
            return _as_parameter(ordered[len(ordered) // 2], schema) if ordered else None
        counts: dict[Any, int] = {}
        for item in reference.items:
            found = field_value(item, rule.field)
            values = found if rule.relation == "contains" and isinstance(found, list) else [found]
            for value in values:
                if isinstance(value, str | int | bool) and not (isinstance(value, str) and not value):
                    counts[value] = counts.get(value, 0) + 1
        allowed = schema.get("enum")
        fitting = [v for v in counts if not isinstance(allowed, list) or v in allowed]
        return max(fitting, key=lambda v: counts[v]) if fitting else None

    def flags_for(self, chosen: tuple[Filter, ...], reference: Walk) -> tuple[tuple[str, Any], ...]:
        """The query that switches the chosen filters on (and every other flag off)."""
        return tuple(
            {**dict(self._no_filters()), **{f.param: self.probe_value(f, reference) for f in chosen}}.items()
        )

    def _combinations(self, rules: tuple[Filter, ...]) -> Iterator[tuple[Filter, ...]]:
        yield from ((rule,) for rule in rules)
        if len(rules) > 2:
            yield from list(combinations(rules, 2))[:MAX_FILTER_PAIRS]
        if len(rules) > 1:
            yield rules

    def _filtered(self, reference: Walk, chosen: tuple[Filter, ...]) -> None:
        flags = self.flags_for(chosen, reference)
        sent = dict(flags)
        named = "&".join(f"{f.param}={_text(sent[f.param])}" for f in chosen)
        walk = self.walk(self.largest, flags)
        if walk.refused is not None:
            raise self._refused("filters_exact", walk.refused)
        if self.pagination is not None and self.pagination.cursor:
            self._chain(walk, "filters_exact")
        wanted = self._expected(chosen, walk, sent)
        if wanted is None:
            return  # a `$caller` value the run does not know, and no item to learn it from
        # What the filtered list must hold: what it may hold, less a range's own bound.
        needed = [
            admits if rule.relation == "flag" else self._requires(rule, sent[rule.param])
            for rule, admits in wanted
        ]
        position: dict[Any, int] = {}
        for k, identifier in enumerate(reference.ids):
            position.setdefault(identifier, k)
        # Places beyond the compared window all count as this one.
        beyond = len(reference.ids)
        ids = walk.ids
        for k, item in enumerate(walk.items):
            wrong = next((rule for rule, admits in wanted if not admits(item)), None)
            if wrong is not None:
                raise SweepViolation(
                    "filters_exact",
                    "Filtered list holds an item that does not match",
                    f"{named}: item {k}, id {ids[k]!r}, has {wrong.field}="
                    f"{field_value(item, wrong.field)!r}, but the filter admits only "
                    f"{self._admitted(wrong, sent, walk)}.",
                    [walk.answer_at(k)],
                )
            if reference.ended and ids[k] not in position:
                raise SweepViolation(
                    "filters_exact",
                    "Filtered list holds an item the list lacks",
                    f"{named}: item {k}, id {ids[k]!r}, is not in the unfiltered list, which ends "
                    f"at {beyond} items.",
                    [walk.answer_at(k), reference.answers[-1]],
                )
        # Filtering keeps the list's order: the items' places in the unfiltered list increase,
        # and items beyond the compared window come after every item within it.
        places = [position.get(i, beyond) for i in ids]
        for k in range(1, len(places)):
            if places[k] <= places[k - 1] and places[k] < beyond:
                raise SweepViolation(
                    "filters_exact",
                    "Filter reordered the list",
                    f"{named}: id {ids[k]!r} (item {places[k]} of the unfiltered list) comes after "
                    f"id {ids[k - 1]!r} (item {places[k - 1]} there); filtering must keep the "
                    "list's order.",
                    [walk.answer_at(k), reference.answer_at(places[k])],
                )
        self._check_end(walk, "filters_exact")
        if len(chosen) == 1:
            # A filtered list pages like any list: a filter lost on later pages (the cursor's
            # query built without it) shows only with pages smaller than the list.
            small = self.walk(min(self.largest, max(self.smallest, SMALLEST_WALKED_SIZE)), flags)
            if small.refused is not None:
                raise self._refused("filters_exact", small.refused)
            if small is not walk:
                if self.pagination is not None and self.pagination.cursor:
                    self._chain(small, "filters_exact")
                self._agree(walk, small, "filters_exact")
        # Complete: every matching item the filtered walk has gone past is in it.
        reached = beyond if walk.ended else max(places, default=-1)
        returned = set(ids)
        for k, item in enumerate(reference.items[:reached]):
            if all(need(item) for need in needed) and record_id(item, self.key) not in returned:
                shown = ", ".join(f"{rule.field}={field_value(item, rule.field)!r}" for rule, _ in wanted)
                at = next((j for j, place in enumerate(places) if place > k), None)
                raise SweepViolation(
                    "filters_exact",
                    "Filter dropped matching items",
                    f"{named}: id {record_id(item, self.key)!r} ({shown}) is item {k} of the unfiltered "
                    "list and satisfies the filter, but the filtered list "
                    + (f"skips it (its item {at} is {ids[at]!r})." if at is not None else "lacks it."),
                    [reference.answer_at(k), walk.answer_at(at) if at is not None else walk.answers[-1]],
                )

    def _admitted(self, rule: Filter, sent: dict[str, Any], walk: Walk) -> str:
        if rule.relation == "flag":
            return repr(self._flag_value(rule, walk))
        if rule.relation == "contains":
            return f"items whose {rule.field} holds {sent[rule.param]!r}"
        return repr(sent[rule.param])

    def _flag_value(self, rule: Filter, walk: Walk | None) -> Any:
        equals = rule.equals
        if isinstance(equals, str) and equals.startswith(CALLER_PREFIX):
            attr = equals.removeprefix(CALLER_PREFIX)
            if attr in self.caller:
                return self.caller[attr]
            if walk is not None and walk.items and isinstance(walk.items[0], dict):
                return field_value(walk.items[0], rule.field)
            return _UNKNOWN
        return equals

    def _expected(
        self, chosen: tuple[Filter, ...], walk: Walk, sent: dict[str, Any]
    ) -> list[tuple[Filter, Callable[[Any], bool]]] | None:
        """A test of each chosen filter, with unknown `$caller` values learnt from the filtered
        items (filters_hold already requires them to agree); None when nothing can be compared."""
        wanted: list[tuple[Filter, Callable[[Any], bool]]] = []
        fixed: dict[str, Any] = {}
        for rule in chosen:
            if rule.relation != "flag":
                wanted.append((rule, self._admits(rule, sent[rule.param])))
                continue
            equals = self._flag_value(rule, walk)
            if equals is _UNKNOWN:
                return None
            if rule.field in fixed and fixed[rule.field] != equals:
                return None  # two filters on one field that cannot both hold: nothing to compare
            fixed[rule.field] = equals
            wanted.append((rule, _equal_at(rule.field, equals)))
        return wanted

    def _admits(self, rule: Filter, value: Any) -> Callable[[Any], bool]:
        def admits(item: Any) -> bool:
            return rule.admits(item, value, self.caller)

        return admits

    def _requires(self, rule: Filter, value: Any) -> Callable[[Any], bool]:
        def requires(item: Any) -> bool:
            return rule.requires(item, value, self.caller)

        return requires

    @whole_list_rule(
        "One id is one record, field for field, on every page, page size and filter, across two "
        "reads, and read by id."
    )
    def records_consistent(self) -> None:
        """One id, one record: over every answer the other rules fetched, and a second read."""
        reference = self.reference("records_consistent")
        self._fetch_for_records()
        again = self.get(dict(reference.answers[0].request.query), again=True)
        seen: dict[Any, tuple[Any, Answer]] = {}
        for answer in self.received:
            if answer.request.path or answer.request.other or not answer.items:
                continue
            for item in answer.items:
                if not isinstance(item, dict) or not isinstance(item.get(self.key), str | int | float | bool):
                    continue  # a record without an id cannot be matched with another
                identifier = record_id(item, self.key)
                if identifier not in seen:
                    seen[identifier] = (item, answer)
                    continue
                first, where = seen[identifier]
                if first == item:
                    continue
                diff = _differences(first, item)
                reread = answer is again and where.request == again.request
                raise SweepViolation(
                    "records_consistent",
                    "Record changed between two reads" if reread else "Same id, different record",
                    f"id {identifier!r} differs between {where.request.describe()} and "
                    f"{answer.request.describe()}"
                    + (" (the same request, read twice, with no write between)" if reread else "")
                    + f": {'; '.join(diff[:3])}"
                    + (f" (and {len(diff) - 3} more)" if len(diff) > 3 else ""),
                    [where, answer],
                )
        self._list_and_detail(reference)

    def _list_and_detail(self, reference: Walk) -> None:
        """The first records of the list, read by id, are the records the list holds (the detail
        may carry more fields; the fields both carry are equal)."""
        if self._read_one is None:
            return
        keyed = [(k, item) for k, item in enumerate(reference.items) if _scalar(item, self.key)]
        for k, item in keyed[:DETAIL_READS]:
            answer = self._read_one(record_id(item, self.key))
            if answer.status != 200 or not answer.items:
                raise SweepViolation(
                    "records_consistent",
                    "Listed record not found by its id",
                    f"id {record_id(item, self.key)!r} is item {k} of the list, but reading it by id "
                    f"answered {answer.status}.",
                    [reference.answer_at(k), answer],
                )
            one = answer.items[0]
            # The detail may carry more (an expanded object, more fields): what both carry agrees.
            diff = shared_differences(item, one)
            if diff:
                raise SweepViolation(
                    "records_consistent",
                    "List and detail disagree",
                    f"id {record_id(item, self.key)!r} in the list "
                    f"({reference.answer_at(k).request.describe()}) and read by id: {'; '.join(diff[:3])}"
                    + (f" (and {len(diff) - 3} more)" if len(diff) > 3 else ""),
                    [reference.answer_at(k), answer],
                )

    def _fetch_for_records(self) -> None:
        """Fetch what the pagination and filter rules fetch; their verdicts are theirs to give."""
        with contextlib.suppress(SweepViolation):
            self.pages_agree()
        with contextlib.suppress(SweepViolation):
            self.filters_exact()

    @whole_list_rule(
        "Organizations the caller was not given answer the declared refusal, never data; a second "
        "caller is shown none of the first caller's records.",
        applies=lambda op, other: bool(op.tenant and op.tenant.parameter) or (other and bool(op.owner_field)),
    )
    def tenant_isolated(self) -> None:
        """Organizations the caller was not given answer the declared refusal, not data; and the
        run's other caller is shown none of this caller's own records, listed or read by id."""
        others = self.others
        self._owners_apart()
        tenant = self.operation.tenant
        parameter = tenant.parameter if tenant is not None else None
        if tenant is None or parameter is None:
            return
        given = self.path.get(parameter)
        refusals = [code for code in ("404", "403") if code in self.operation.responses]
        member_of = str(tenant.member_of or "").removeprefix(CALLER_PREFIX)
        # Organizations the run says its caller belongs to are not probed.
        members = {str(o) for o in self.caller.get(member_of, ())} | {str(given)}
        candidates = [o for o in dict.fromkeys([*others, *self._seen(parameter)]) if o not in members]
        # And one that exists nowhere: unknown and not-yours must look alike.
        nowhere = f"{given}-not-a-member"
        for other in [*candidates[:MAX_TENANT_PROBES], nowhere]:
            declared = refusals[:1] if other == nowhere else refusals
            answer = self.get(self.page_query(0, self.default_size), {parameter: other})
            if answer.items:
                raise SweepViolation(
                    "tenant_isolated",
                    "Data served for an organization the caller was not given",
                    f"{parameter}={other!r}, an organization this run's caller was not given "
                    f"({parameter}={given!r}), answered {answer.status} with {len(answer.items)} "
                    f"items (ids {_ids_shown(answer.items, self.key)}).",
                    [answer],
                )
            if str(answer.status) not in declared and (declared or not 400 <= answer.status < 500):
                raise SweepViolation(
                    "tenant_isolated",
                    "Another organization not refused as declared",
                    f"{parameter}={other!r}, an organization this run's caller was not given"
                    + (" (one that exists nowhere)" if other == nowhere else "")
                    + f", answered {answer.status}; the operation declares "
                    + (" or ".join(declared) if declared else "no refusal (4xx expected)")
                    + " for it, so that an organization's existence does not leak to outsiders.",
                    [answer],
                )

    @whole_list_rule(
        "An envelope's total is one number on every page, and the count of the (filtered) list "
        "where a walk reached its end; a has-more flag is false on the last page only.",
        applies=lambda op, other: (
            op.listing is not None
            and (op.listing.total_field is not None or op.listing.has_more_field is not None)
        ),
    )
    def totals_exact(self) -> None:
        """An envelope's total is one number on every page of a walk, and the count of the
        (filtered) list where the walk reached the end; "more" is false on the last page only."""
        listing = self.operation.listing
        if listing is None or (listing.total_field is None and listing.has_more_field is None):
            return
        reference = self.reference("totals_exact")
        self._fetch_for_records()
        walks = [w for w in self._walks.values() if w.answers and w.refused is None]
        walks.sort(key=lambda w: (w.flags != reference.flags, w.size != reference.size))
        for walk in walks:
            self._walk_totals(walk, listing.total_field, listing.has_more_field)

    def _walk_totals(self, walk: Walk, total_field: str | None, more_field: str | None) -> None:
        named = "&".join(f"{k}={_text(v)}" for k, v in walk.flags) or "the unfiltered list"
        first = walk.answers[0]
        if total_field is not None:
            for answer in walk.answers:
                if answer.total is None or first.total is None:
                    continue  # an optional total left out (the schema check judges a required one)
                if answer.total != first.total:
                    raise SweepViolation(
                        "totals_exact",
                        "Total changed between pages",
                        f"{named}: {total_field} is {first.total} on {first.request.describe()} but "
                        f"{answer.total} on {answer.request.describe()}; one list has one total.",
                        [first, answer],
                    )
            counted = len(walk.items)
            if walk.ended and first.total != counted:
                filtered = any(on for _, on in walk.flags)
                raise SweepViolation(
                    "totals_exact",
                    "Total is not the count of the filtered list" if filtered else "Total is not the count",
                    f"{named}: {total_field} says {first.total}, but the pages hold {counted} items "
                    "up to the end of the list"
                    + (
                        "; a total counted before the filter (or over every owner's records) "
                        "answers like this."
                        if filtered
                        else "."
                    ),
                    [first, walk.answers[-1]],
                )
            if not walk.ended and first.total is not None and first.total < counted:
                raise SweepViolation(
                    "totals_exact",
                    "Total is below the items listed",
                    f"{named}: {total_field} says {first.total}, but the pages already hold {counted}.",
                    [first, walk.answers[-1]],
                )
        pages_field = self.operation.listing.pages_field if self.operation.listing else None
        size = dict(first.request.query).get(self.pagination.size_param) if self.pagination else None
        for answer in walk.answers:
            if pages_field is None or answer.pages is None or answer.total is None or not size:
                break
            expected = -(-answer.total // int(size))
            if answer.pages != expected:
                raise SweepViolation(
                    "totals_exact",
                    f"{pages_field} is not the page count",
                    f"{answer.request.describe()}: {pages_field} is {answer.pages}, but {answer.total} "
                    f"items in pages of {size} make {expected}.",
                    [answer],
                )
        if more_field is not None and self.paged:
            # Judged only against what the walk saw: "no more" while the next page still held
            # items, or "more" on a short last page. A full last page may say either (an API that
            # counts ahead says false, one that does not learns it from the empty page after).
            for k, answer in enumerate(walk.answers):
                following = walk.answers[k + 1] if k + 1 < len(walk.answers) else None
                nothing_after = following is None or not following.items
                short = len(answer.items or []) < walk.size
                wrong = (answer.more is False and not nothing_after) or (
                    answer.more is True and walk.ended and nothing_after and (short or not answer.items)
                )
                if wrong:
                    raise SweepViolation(
                        "totals_exact",
                        f"{more_field} is wrong",
                        f"{answer.request.describe()}: {more_field} is {str(answer.more).lower()}, but "
                        + ("it is the last page of the list." if answer.more else "more pages follow it."),
                        [answer, *([following] if following is not None else [])],
                    )

    def _owners_apart(self) -> None:
        owner = self.operation.owner_field
        if self._other is None or owner is None:
            return
        mine = self.reference("tenant_isolated")
        declared = self.operation.tenant is not None and self.operation.tenant.field == owner
        owners = {str(field_value(item, owner)) for item in mine.items}
        if not declared and len(owners) != 1:
            return  # a list of several owners' records is shared, not one caller's own
        theirs = self.walk(self.largest, self._no_filters(), other=True)
        if theirs.refused is not None and theirs.refused.status == 401:
            raise SweepViolation(
                "tenant_isolated",
                "The other caller was refused",
                f"{theirs.refused.request.describe()} was answered 401, so the other caller's view "
                "could not be compared with this caller's: is --other-token right?",
                [theirs.refused],
            )
        if theirs.refused is not None and not 400 <= theirs.refused.status < 500:
            raise self._refused("tenant_isolated", theirs.refused)
        position = {identifier: k for k, identifier in enumerate(mine.ids)}
        shared = [(j, identifier) for j, identifier in enumerate(theirs.ids) if identifier in position]
        if shared:
            j, identifier = shared[0]
            k = position[identifier]
            record = mine.items[k]
            raise SweepViolation(
                "tenant_isolated",
                "Another caller's records listed",
                f"{len(shared)} records of this caller's list were shown to the other caller too, "
                f"who owns none of them (--other-token): id {identifier!r}, {owner}="
                f"{field_value(record, owner)!r}, is item {k} of this caller's list and item {j} of "
                "the other's. A list that forgot its owner condition answers like this.",
                [mine.answer_at(k), theirs.answer_at(j)],
            )
        if self._other_read is None:
            return
        for k, item in enumerate(mine.items[:DETAIL_READS]):
            answer = self._other_read(record_id(item, self.key))
            if answer.status == 200 and answer.items:
                raise SweepViolation(
                    "tenant_isolated",
                    "Another caller's record read by id",
                    f"id {record_id(item, self.key)!r} is item {k} of this caller's list ({owner}="
                    f"{field_value(item, owner)!r}); read by id as the other caller, who owns none of "
                    "this caller's records (--other-token), it was answered 200 with the record. A "
                    "detail read that checks the id but not its owner answers like this.",
                    [mine.answer_at(k), answer],
                )

    def _seen(self, parameter: str) -> list[str]:
        """Values of `parameter` that appear as fields of records already fetched."""
        found = []
        for answer in self.received:
            for item in answer.items or []:
                if isinstance(item, dict) and isinstance(item.get(parameter), str):
                    found.append(item[parameter])
        return found

    def _refused(self, check: str, answer: Answer) -> SweepViolation:
        return SweepViolation(
            check,
            "A valid list request was refused",
            f"{answer.request.describe()} is within every bound the contract declares, but was "
            f"answered {answer.status}" + ("" if answer.status != 200 else " without a JSON array") + ".",
            [answer],
        )


_UNKNOWN = object()


def _step(cursor_param: str, step: Any) -> str:
    if isinstance(step, dict):
        return "the next page " + ("&".join(f"{k}={v}" for k, v in step.items()) or "(no parameters)")
    return f"{cursor_param}={_text(step)}"


def _equal_at(path: str, value: Any) -> Callable[[Any], bool]:
    def equal(item: Any) -> bool:
        return bool(field_value(item, path) == value)

    return equal


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _shown(ids: list[Any]) -> str:
    return repr(ids) if len(ids) <= 8 else f"[{', '.join(repr(i) for i in ids[:8])}, ...]"


def _ids_shown(items: list[Any], key: str = "id") -> str:
    return _shown([record_id(i, key) for i in items])


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """`pointer: before -> after` for each leaf where two records differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in dict.fromkeys([*a, *b]):
            if a.get(key, _MISSING) != b.get(key, _MISSING):
                out.extend(_differences(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}/{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _differences(x, y, f"{path}/{i}")]
    return [f"{path or '/'}: {short(a)} then {short(b)}"]


def _as_parameter(value: Any, schema: dict[str, Any]) -> Any:
    """A field's value as the parameter takes it: a date-time's date for a `format: date`
    parameter, a whole number for an integer one."""
    if schema.get("format") == "date" and isinstance(value, str):
        return value[:10]
    if schema.get("type") == "integer" and isinstance(value, float):
        return int(value)
    return value


def _scalar(item: Any, key: str) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get(key), str | int)
        and not isinstance(item.get(key), bool)
    )


def shared_differences(listed: Any, read: Any, path: str = "") -> list[str]:
    """Where two versions of a record differ on what both carry (objects compared key by key)."""
    if isinstance(listed, dict) and isinstance(read, dict):
        return [
            d
            for key in listed
            if key in read
            for d in shared_differences(listed[key], read[key], f"{path}/{key}")
        ]
    if isinstance(listed, dict) or isinstance(read, dict):
        return []  # one side an object, the other its id or its link: an expansion, not a difference
    return [] if listed == read else _differences(listed, read, path)


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


_MISSING = _Missing()


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# The whole-list checks' names, in the order they are defined.
SWEEP_CHECKS: tuple[str, ...] = tuple(SWEEP_RULES)
