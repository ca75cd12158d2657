"""The domain checks as Schemathesis checks.

Importing this module registers them, so they run wherever Schemathesis does:
`SCHEMATHESIS_HOOKS=mockserver.contract.hooks st run openapi.yaml ...`, `mockserver contract`, and pytest
tests that call `case.call_and_validate()`.

The caller's identity is unknown to a generic run; where it matters (`$caller.user_id`) the
checks demand consistency instead, unless the run binds it to its schema with `bind_run`
(`mockserver contract --caller-user-id`).

Extra requests (the next page, a repeat) are derived cases sent with `Case.call`, Schemathesis'
public API, so they take the run's transport, headers and timeout.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case as _Case
from schemathesis import Response
from schemathesis.core.failures import Failure

from mockserver.contract import checks, writes
from mockserver.contract.options import DEFAULT_WINDOW
from mockserver.contract.outcome import reproducible
from mockserver.contract.sweep import (
    SWEEP_RULES,
    Answer,
    Request,
    Sweep,
    SweepViolation,
    Walk,
    WholeListRule,
)
from mockserver.model import rules
from mockserver.model.endpoints import Endpoint, list_items, list_total
from mockserver.model.spec import Spec, spec_from_document

Case = _Case[Any]

# Every domain check's name, in the order defined: the one list the CLI, the table of docs/contract.md and
# the tests read. Filled where each check is defined, by `domain_check` and the whole-list rules.
DOMAIN_CHECKS: list[str] = []

# Parsed semantics per loaded document. The document is kept beside its Spec so that an id
# reused by a later, different document can never return the wrong semantics.
_SPECS: dict[int, tuple[dict[str, Any], Spec]] = {}
_MAX_BINDINGS = 32


@dataclass
class _Binding:
    """What a run tells the checks about itself, and the sweeps it has made (per operation)."""

    caller: dict[str, Any] = field(default_factory=dict)
    window: int = DEFAULT_WINDOW
    # The headers that make a request the run's second caller's (`--other-token`), if any.
    other: dict[str, str] | None = None
    sweeps: dict[str, _SweepState] = field(default_factory=dict)
    # The write operations `writes_visible` has judged (once each per run), and whether a check
    # sees an answer before the run's next request (not in the fuzz engine: see writes.judge).
    writes_judged: set[str] = field(default_factory=set)
    settled: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _SweepState:
    sweep: Sweep
    lock: threading.Lock = field(default_factory=threading.Lock)
    judged: set[str] = field(default_factory=set)


# Per loaded document (newest last); a generic `st run` gets a default binding on first use.
_BINDINGS: dict[int, tuple[dict[str, Any], _Binding]] = {}


def bind_run(
    schema: Any,
    *,
    caller: dict[str, Any],
    window: int = DEFAULT_WINDOW,
    other: dict[str, str] | None = None,
    settled: bool = True,
) -> None:
    """Tell the checks who the run's token belongs to (`user_id`, `organization_id`), how many
    items of each list the whole-list checks compare, the headers of a second caller who owns
    none of the first one's records, and whether each answer is checked before the next request
    is sent; starts the run's sweeps afresh."""
    raw = schema.raw_schema
    _BINDINGS.pop(id(raw), None)
    binding = _Binding(caller=dict(caller), window=window, other=other, settled=settled)
    _BINDINGS[id(raw)] = (raw, binding)
    while len(_BINDINGS) > _MAX_BINDINGS:
        _BINDINGS.pop(next(iter(_BINDINGS)))


def _binding(case: Case) -> _Binding:
    raw = case.operation.schema.raw_schema
    entry = _BINDINGS.get(id(raw))
    if entry is None or entry[0] is not raw:
        bind_run(case.operation.schema, caller={})
        entry = _BINDINGS[id(raw)]
    return entry[1]


def _caller(case: Case) -> dict[str, Any]:
    return _binding(case).caller


class DomainFailure(Failure):
    code = "MS901"
    kind_title = "Contract semantics violated"

    def __init__(self, *, message: str, compared: tuple[str, ...] = (), **kwargs: Any) -> None:
        # Schemathesis' own reports (HTML, JUnit) show the message: it lists what was compared.
        shown = message + ("\n\nCompared:\n" + "\n".join(compared) if compared else "")
        super().__init__(message=shown, **kwargs)
        self.rule_message = message
        # Each request the rule compared, as a curl line and what came back.
        self.compared = compared

    @property
    def _unique_key(self) -> str:
        # Schemathesis keeps one failure per class and operation by default; each domain rule
        # is a distinct finding, so the rule's title is part of the identity.
        return self.title


def _spec(case: Case) -> Spec:
    raw = case.operation.schema.raw_schema
    entry = _SPECS.get(id(raw))
    if entry is None or entry[0] is not raw:
        entry = _SPECS[id(raw)] = (raw, spec_from_document(raw, Path("openapi.yaml")))
        while len(_SPECS) > _MAX_BINDINGS:
            _SPECS.pop(next(iter(_SPECS)))
    return entry[1]


def _operation(case: Case) -> Endpoint | None:
    """The list operation a case calls, as the one model understands it (None: not a list)."""
    found = _spec(case).by_label(case.operation.label)
    return found if found is not None and found.listing is not None else None


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else value


class Probes:
    """The extra requests one check sends, remembered so a failure can show each of them."""

    def __init__(self, case: Case, response: Response) -> None:
        self.case = case
        self.response = response
        self.sent: list[tuple[Any, Response]] = []

    def include_checked(self) -> None:
        """Show the checked request itself among the compared ones."""
        self.sent.insert(0, (self.case, self.response))

    def send(self, query: dict[str, Any]) -> Response:
        case = self.case
        probe = case.operation.Case(
            path_parameters=dict(case.path_parameters or {}),
            query={k: _query_value(v) for k, v in query.items()},
            headers=dict(case.headers or {}),
        )
        headers = case.operation.schema.config.headers_for(operation=case.operation)
        response: Response = probe.call(headers=dict(headers or {}))
        self.sent.append((probe, response))
        return response

    def described(self) -> tuple[str, ...]:
        return _described(self.case, self.sent)


def _described(case: Case, exchanges: Any) -> tuple[str, ...]:
    """Each request as a curl line (credentials filtered as in every report) and its answer."""
    lines = []
    headers = dict(case.operation.schema.config.headers_for(operation=case.operation) or {})
    operation = _operation(case)
    for probe, response in exchanges:
        items = checks._items(response, operation)
        ids = rules.ids(items or [])
        shown = f"ids {ids}" if len(ids) <= 30 else f"{len(ids)} ids {ids[:30]}..."
        # The only header filtered here is the run's own credential (the checks send the
        # configured headers), so the curl line may name it through the environment.
        curl = reproducible(probe.as_curl_command(headers=headers), token="")
        lines.append(f"{curl}\n  -> {response.status_code}" + (f", {shown}" if items is not None else ""))
    return tuple(lines)


Rule = Callable[["Probes", Case, Endpoint, dict[str, Any], list[Any]], None]


def _judged_list(case: Case, response: Response) -> tuple[Endpoint, dict[str, Any], list[Any]] | None:
    """The operation, parameters and items of a positive case answered with a list whose
    window is within the declared bounds: the only answers the domain rules judge."""
    operation = _operation(case)
    if operation is None or (case.meta is not None and not case.meta.generation.mode.is_positive):
        return None
    items = checks._items(response, operation)
    try:
        params = checks._params(operation, case.query)
    except (TypeError, ValueError):
        return None
    if items is None or not checks._window_is_valid(operation, params):
        return None
    return operation, params, items


def domain_check(rule: Rule) -> Rule:
    """Register a per-response rule as the Schemathesis check named after it."""
    schemathesis.check(_domain_check(rule))
    DOMAIN_CHECKS.append(rule.__name__)
    return rule


def _domain_check(rule: Rule) -> Callable[[Any, Response, Case], bool | None]:
    """Adapt a rule to Schemathesis: only valid, successful list responses are judged."""

    def check(ctx: Any, response: Response, case: Case) -> bool | None:
        # Schemathesis reads a true return as "skipped" and None as "passed".
        judged = _judged_list(case, response)
        if judged is None:
            return True
        operation, params, items = judged
        probes = Probes(case, response)
        try:
            rule(probes, case, operation, params, items)
        except rules.DomainViolation as violation:
            raise DomainFailure(
                operation=case.operation.label,
                title=violation.title,
                message=violation.message,
                case_id=case.id,
                compared=probes.described(),
            ) from None
        return None

    check.__name__ = rule.__name__
    check.__doc__ = rule.__doc__
    return check


@domain_check
def page_size_within_limit(
    probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]
) -> None:
    """A page never holds more items than its size parameter asks for."""
    checks.check_page_size(op, params, items)


@domain_check
def pages_continue(
    probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]
) -> None:
    """Consecutive pages continue each other: no overlap, no gap (fetches the pages it needs)."""

    def fetch(query: dict[str, Any]) -> list[Any] | None:
        return checks._items(probes.send(query), op)

    checks.check_continuity(op, params, fetch)


@domain_check
def filters_hold(probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]) -> None:
    """Every item satisfies every filter the request switched on."""
    checks.check_filters(op, params, items, _caller(case))


@domain_check
def single_tenant(probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]) -> None:
    """One page is one organization's."""
    checks.check_tenant(op, items, _caller(case))


@domain_check
def children_reference_parent(
    probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]
) -> None:
    """Child records (`x-parent-id`) point at the object that holds them."""
    rules.check_parent_references(_spec(case).item_schema(op), items)


@domain_check
def repeatable_reads(
    probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]
) -> None:
    """The same request twice gives the same answer."""
    probes.include_checked()
    query = dict(case.query or {})
    again = checks._items(probes.send(query), op)
    if again is not None and again != items:
        # The run's own writes (the stateful and fuzz phases) may land between the case and the
        # check: an answer that changed once and then holds is a write, not a drifting read.
        third = checks._items(probes.send(query), op)
        checks.check_repeatable(again, third)


@domain_check
def timestamps_ordered(
    probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]
) -> None:
    """A timestamp marked `x-not-before: other` is never earlier than `other`."""
    rules.check_timestamps(_spec(case).item_schema(op), items)


@domain_check
def unique_ids(probes: Probes, case: Case, op: Endpoint, params: dict[str, Any], items: list[Any]) -> None:
    """No id appears twice in a page."""
    rules.check_unique_ids(items)


# Operations whose unauthenticated answer was probed, per loaded document (bounded).
_PROBED: dict[int, tuple[dict[str, Any], set[str]]] = {}


def http_semantics(ctx: Any, response: Response, case: Case) -> bool | None:
    """What HTTP itself requires: a challenge on 401, Allow on 405, no body on 204/304, JSON where
    the Content-Type says JSON. Once per operation that declares security, the request is also
    sent without credentials, so that its 401 is seen."""
    try:
        checks.check_http_semantics(response.status_code, dict(response.headers), response.content)
        if 200 <= response.status_code < 300 and _first_probe(case):
            anonymous = _without_credentials(case)
            if anonymous is not None:
                checks.check_http_semantics(anonymous.status_code, dict(anonymous.headers), anonymous.content)
    except rules.DomainViolation as violation:
        raise DomainFailure(
            operation=case.operation.label, title=violation.title, message=violation.message, case_id=case.id
        ) from None
    # It ran and held (Schemathesis reads a true return as "skipped").
    return None


def _first_probe(case: Case) -> bool:
    raw = case.operation.schema.raw_schema
    entry = _PROBED.get(id(raw))
    if entry is None or entry[0] is not raw:
        entry = _PROBED[id(raw)] = (raw, set())
        while len(_PROBED) > _MAX_BINDINGS:
            _PROBED.pop(next(iter(_PROBED)))
    if case.operation.label in entry[1]:
        return False
    entry[1].add(case.operation.label)
    return True


def _without_credentials(case: Case) -> Response | None:
    """The case sent again with none of its security schemes' credentials."""
    document = case.operation.schema.raw_schema
    security = case.operation.definition.raw.get("security", document.get("security")) or []
    if not security or any(not requirement for requirement in security):
        return None  # no security, or an alternative that needs none
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    names = {"authorization"}
    params = set()
    for requirement in security:
        for scheme in (schemes.get(name) or {} for name in requirement):
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                names.add(str(scheme.get("name", "")).lower())
            elif scheme.get("type") == "apiKey":
                params.add(str(scheme.get("name", "")))
    configured = case.operation.schema.config.headers_for(operation=case.operation) or {}
    headers = {k: v for k, v in {**configured, **(case.headers or {})}.items() if k.lower() not in names}
    probe = case.operation.Case(
        path_parameters=dict(case.path_parameters or {}),
        query={k: v for k, v in (case.query or {}).items() if k not in params},
    )
    answer: Response = probe.call(headers=headers)
    return answer


# ----------------------------------------------------------------------- whole-list checks


def _new_sweep(case: Case, operation: Endpoint, binding: _Binding, window: int | None = None) -> Sweep:
    """A sweep of `case`'s list (its path and required parameters, its credentials), over the
    run's window unless another is given."""
    pagination = operation.pagination
    varied = {*(f.param for f in operation.filters)}
    if pagination is not None:
        varied |= {pagination.start_param, pagination.size_param}
    declared = operation.query
    base = {
        name: value
        for name, value in (case.query or {}).items()
        if name not in varied and declared.get(name, {}).get("required")
    }
    configured = dict(case.operation.schema.config.headers_for(operation=case.operation) or {})
    as_other = _as_other(configured, binding.other)
    listing = operation.listing
    assert listing is not None

    def send(request: Request) -> Answer:
        probe = case.operation.Case(
            path_parameters={**(case.path_parameters or {}), **dict(request.path)},
            query={k: _query_value(v) for k, v in request.query},
            headers=dict(case.headers or {}),
        )
        response: Response = probe.call(headers=as_other if request.other and as_other else configured)
        found = checks.body(response)
        flag = listing.has_more_field
        more = found.get(flag) if isinstance(found, dict) and flag else None
        more = more if isinstance(more, bool) else None
        items = list_items(found, listing)
        link = ", ".join(response.headers.get("link", []))
        following = (
            pagination.next_cursor(found, items, link, operation.key_field, more) if pagination else None
        )
        return Answer(
            request,
            response.status_code,
            items,
            (probe, response),
            total=list_total(found, listing),
            more=more,
            next=following if response.status_code == 200 else None,
            pages=_count(found, listing.pages_field),
        )

    return Sweep(
        operation,
        send,
        base=base,
        path=dict(case.path_parameters or {}),
        window=window or binding.window,
        caller=binding.caller,
        read_one=_reader(case, operation, configured, binding),
        others=_examples(operation, operation.tenant.parameter) if operation.tenant else (),
        other=send if as_other is not None else None,
        other_read=_reader(case, operation, as_other, binding, other=True) if as_other is not None else None,
    )


def _as_other(configured: dict[str, Any], other: dict[str, str] | None) -> dict[str, Any] | None:
    """The run's headers with the other caller's credentials in place of its own."""
    if other is None:
        return None
    replaced = {name.lower() for name in other}
    return {**{k: v for k, v in configured.items() if k.lower() not in replaced}, **other}


def _count(body: Any, field_name: str | None) -> int | None:
    value = body.get(field_name) if isinstance(body, dict) and field_name else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reader(
    case: Case, operation: Endpoint, headers: dict[str, Any], binding: _Binding, *, other: bool = False
) -> Callable[[Any], Answer] | None:
    """Reads one record through the list's detail operation (`GET /things/{id}`), if it has one."""
    detail = _spec(case).details.get(operation.operation_id)
    if detail is None or detail.id_parameter is None:
        return None
    target = case.operation.schema[detail.path]["GET"]
    name = detail.id_parameter

    def read_one(identifier: Any) -> Answer:
        path = {**(case.path_parameters or {}), name: identifier}
        probe = target.Case(path_parameters=path, headers=dict(case.headers or {}))
        response: Response = probe.call(headers=headers)
        try:
            body = json.loads(response.content) if response.status_code == 200 else None
        except (ValueError, RecursionError):
            body = None
        if detail.record_field is not None and isinstance(body, dict):
            body = body.get(detail.record_field)
        items = [body] if isinstance(body, dict) else None
        request = Request((), ((name, identifier),), other)
        return Answer(request, response.status_code, items, (probe, response))

    return read_one


def _examples(operation: Endpoint, name: str | None) -> list[str]:
    """The values the document shows for parameter `name`: other tenants a run may probe."""
    parameter: dict[str, Any] = next((p for (_, n), p in operation.parameters.items() if n == name), {})
    schema = parameter.get("schema", {})
    shown = [
        parameter.get("example"),
        schema.get("example"),
        *(e.get("value") for e in (parameter.get("examples") or {}).values() if isinstance(e, dict)),
        *(schema.get("enum") or []),
    ]
    return [value for value in shown if isinstance(value, str)]


def _sweep_check(name: str, rule: WholeListRule) -> Any:
    """A whole-list rule as a Schemathesis check: judged once per operation and run, on the
    first valid list answer, by the sweep that answer starts."""

    def check(ctx: Any, response: Response, case: Case) -> bool | None:
        judged = _judged_list(case, response)
        if judged is None:
            return True
        operation = judged[0]
        binding = _binding(case)
        if not rule.applies(operation, binding.other is not None):
            return True  # nothing of this list for the rule to judge: skipped, not passed
        with binding.lock:
            label = case.operation.label
            if label not in binding.sweeps:
                binding.sweeps[label] = _SweepState(_new_sweep(case, operation, binding))
            state = binding.sweeps[label]
        with state.lock:
            if name in state.judged:
                return True
            state.judged.add(name)
            try:
                rule.judge(state.sweep)
            except SweepViolation as violation:
                if violation.check != name:
                    return True  # another rule's verdict; that check reports it
                raise DomainFailure(
                    operation=case.operation.label,
                    title=violation.title,
                    message=violation.message,
                    case_id=case.id,
                    compared=_described(case, [a.exchange for a in violation.answers]),
                ) from None
        return None

    check.__name__ = name
    check.__doc__ = rule.doc
    return check


# ---------------------------------------------------------------------------------- writes


def writes_visible(ctx: Any, response: Response, case: Case) -> bool | None:
    """A write shows in its list (see writes.py), judged on the first successful answer of
    each write operation of a list, once per run."""
    spec = _spec(case)
    endpoint = spec.by_label(case.operation.label)
    belongs = spec.writes.get(endpoint.operation_id) if endpoint is not None else None
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if endpoint is None or belongs is None or not positive or not 200 <= response.status_code < 300:
        return True
    listing = spec.endpoints[belongs[0]]
    binding = _binding(case)
    with binding.lock:
        if endpoint.label in binding.writes_judged:
            return True
        binding.writes_judged.add(endpoint.label)
    write, sides = _write_and_sides(case, response, endpoint, belongs[1], listing, binding)
    try:
        writes.judge(write, sides, listing.key_field, binding.settled)
    except SweepViolation as violation:
        raise DomainFailure(
            operation=case.operation.label,
            title=violation.title,
            message=violation.message,
            case_id=case.id,
            compared=_described(case, [(case, response), *(a.exchange for a in violation.answers)]),
        ) from None
    return None


def _write_and_sides(
    case: Case, response: Response, endpoint: Endpoint, verb: str, listing: Endpoint, binding: _Binding
) -> tuple[writes.Write, writes.Sides]:
    spec = _spec(case)
    schema = case.operation.schema
    configured = dict(schema.config.headers_for(operation=case.operation) or {})
    on_path = {name for (where, name) in listing.parameters if where == "path"}
    path = {k: v for k, v in (case.path_parameters or {}).items() if k in on_path}
    list_case = schema[listing.path]["GET"].Case(path_parameters=path, headers=dict(case.headers or {}))
    detail = spec.details.get(listing.operation_id)
    record = _record(response, detail)
    identifier = (
        record.get(listing.key_field)
        if verb == "create" and record is not None
        else (case.path_parameters or {}).get(endpoint.id_parameter or "")
    )
    write = writes.Write(verb, record, identifier, case.body if verb != "remove" else None, (case, response))

    def walk() -> Walk:
        # New records are often last: the walk goes further than the whole-list rules' window.
        return _new_sweep(list_case, listing, binding, max(binding.window, writes.WINDOW)).unfiltered()

    def again() -> tuple[Answer, dict[str, Any] | None]:
        probe = case.operation.Case(
            path_parameters=dict(case.path_parameters or {}),
            query=dict(case.query or {}),
            headers=dict(case.headers or {}),
            body=case.body,
            media_type=case.media_type,
        )
        answer: Response = probe.call(headers=configured)
        made = _record(answer, detail)
        return Answer(Request(()), answer.status_code, [made] if made else None, (probe, answer)), made

    remover = next(
        (
            spec.endpoints[op]
            for op, (of, v) in spec.writes.items()
            if of == listing.operation_id and v == "remove"
        ),
        None,
    )

    def remove(identifier: Any) -> Answer:
        assert remover is not None and remover.id_parameter is not None
        target = schema[remover.path]["DELETE"]
        probe = target.Case(
            path_parameters={**path, remover.id_parameter: identifier}, headers=dict(case.headers or {})
        )
        answer: Response = probe.call(headers=configured)
        return Answer(
            Request((), ((remover.id_parameter, identifier),)), answer.status_code, None, (probe, answer)
        )

    declared = set(detail.responses) if detail is not None else set()
    sides = writes.Sides(
        walk=walk,
        read_one=_reader(list_case, listing, configured, binding),
        again=again if verb == "create" else None,
        remove=remove if remover is not None and remover.id_parameter is not None else None,
        # A detail read that declares no "not found" may answer any id (its document says so).
        absent_declared=bool(declared & {"404", "410", "4XX", "default"}),
    )
    return write, sides


def _record(response: Response, detail: Endpoint | None) -> dict[str, Any] | None:
    """The record a write answered (a 201 as well as a 200), through the wrapper the detail
    operation declares."""
    body = checks.body(response, success=True)
    if detail is not None and detail.record_field is not None and isinstance(body, dict):
        body = body.get(detail.record_field, body)
    return body if isinstance(body, dict) else None


schemathesis.check(http_semantics)
for _name, _rule in SWEEP_RULES.items():
    schemathesis.check(_sweep_check(_name, _rule))
    DOMAIN_CHECKS.append(_name)
writes_visible.__doc__ = writes.DOC
schemathesis.check(writes_visible)
DOMAIN_CHECKS.append(writes.CHECK)

__all__ = ["DOMAIN_CHECKS", "DomainFailure", "bind_run"]
