"""The domain checks as Schemathesis checks.

Importing this module registers them, so they run wherever Schemathesis does:
`SCHEMATHESIS_HOOKS=mockserver.contract.hooks st run openapi.yaml ...`, `mockserver contract`, and pytest
tests that call `case.call_and_validate()`.

The caller's identity is unknown to a generic run; where it matters (`$caller.user_id`) the
checks demand consistency instead, unless the run binds it to its schema with `bind_caller`
(`mockserver contract --caller-user-id`).

Extra requests (the next page, a repeat) are derived cases sent with `Case.call`, Schemathesis'
public API, so they take the run's transport, headers and timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case as _Case
from schemathesis import Response
from schemathesis.core.failures import Failure

from mockserver.contract import checks
from mockserver.contract.outcome import reproducible
from mockserver.model import rules
from mockserver.model.spec import Operation, Spec, spec_from_document

Case = _Case[Any]

DOMAIN_CHECKS: tuple[str, ...] = (
    "page_size_within_limit",
    "pages_continue",
    "filters_hold",
    "single_tenant",
    "children_reference_parent",
    "repeatable_reads",
    "timestamps_ordered",
    "unique_ids",
)

# Parsed semantics per loaded document. The document is kept beside its Spec so that an id
# reused by a later, different document can never return the wrong semantics.
_SPECS: dict[int, tuple[dict[str, Any], Spec]] = {}
# The caller's identity bound to a loaded document by the run that loaded it (newest last).
_CALLERS: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
_MAX_BINDINGS = 32


def bind_caller(schema: Any, caller: dict[str, Any]) -> None:
    """Tell the checks who the run's token belongs to (`user_id`, `organization_id`)."""
    raw = schema.raw_schema
    _CALLERS.pop(id(raw), None)
    _CALLERS[id(raw)] = (raw, dict(caller))
    while len(_CALLERS) > _MAX_BINDINGS:
        _CALLERS.pop(next(iter(_CALLERS)))


def _caller(case: Case) -> dict[str, Any]:
    raw = case.operation.schema.raw_schema
    entry = _CALLERS.get(id(raw))
    return entry[1] if entry is not None and entry[0] is raw else {}


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


def _operation(case: Case) -> Operation | None:
    raw = case.operation.schema.raw_schema
    entry = _SPECS.get(id(raw))
    if entry is None or entry[0] is not raw:
        entry = _SPECS[id(raw)] = (raw, spec_from_document(raw, Path("openapi.yaml")))
    return entry[1].operations.get(case.operation.definition.raw.get("operationId", ""))


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
        """Each request as a curl line (credentials filtered as in every report) and its answer."""
        lines = []
        headers = dict(self.case.operation.schema.config.headers_for(operation=self.case.operation) or {})
        for probe, response in self.sent:
            ids = rules.ids(checks._items(response) or [])
            shown = f"ids {ids}" if len(ids) <= 30 else f"{len(ids)} ids {ids[:30]}..."
            # The only header filtered here is the run's own credential (the checks send the
            # configured headers), so the curl line may name it through the environment.
            curl = reproducible(probe.as_curl_command(headers=headers), token="")
            lines.append(f"{curl}\n  -> {response.status_code}, {shown}")
        return tuple(lines)


Rule = Callable[["Probes", Case, Operation, dict[str, Any], list[Any]], None]


def _domain_check(rule: Rule) -> Callable[[Any, Response, Case], bool | None]:
    """Adapt a rule to Schemathesis: only valid, successful list responses are judged."""

    def check(ctx: Any, response: Response, case: Case) -> bool | None:
        operation = _operation(case)
        if operation is None or (case.meta is not None and not case.meta.generation.mode.is_positive):
            return None
        items = checks._items(response)
        try:
            params = checks._params(operation, case.query)
        except (TypeError, ValueError):
            return None
        if items is None or not checks._window_is_valid(operation, params):
            return None
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
        return True

    check.__name__ = rule.__name__
    check.__doc__ = rule.__doc__
    return check


def page_size_within_limit(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """A page never holds more items than its size parameter asks for."""
    checks.check_page_size(op, params, items)


def pages_continue(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """Consecutive pages continue each other: no overlap, no gap (fetches the pages it needs)."""

    def fetch(query: dict[str, Any]) -> list[Any] | None:
        return checks._items(probes.send(query))

    checks.check_continuity(op, params, fetch)


def filters_hold(probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """Every item satisfies every filter the request switched on."""
    checks.check_filters(op, params, items, _caller(case))


def single_tenant(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """One page is one organization's."""
    checks.check_tenant(op, items, _caller(case))


def children_reference_parent(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """Child records (`x-parent-id`) point at the object that holds them."""
    rules.check_parent_references(op, items)


def repeatable_reads(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """The same request twice gives the same answer."""
    probes.include_checked()
    again = checks._items(probes.send(dict(case.query or {})))
    checks.check_repeatable(items, again)


def timestamps_ordered(
    probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """A timestamp marked `x-not-before: other` is never earlier than `other`."""
    rules.check_timestamps(op, items)


def unique_ids(probes: Probes, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
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
    return True


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


schemathesis.check(http_semantics)

for _rule in (
    page_size_within_limit,
    pages_continue,
    filters_hold,
    single_tenant,
    children_reference_parent,
    repeatable_reads,
    timestamps_ordered,
    unique_ids,
):
    schemathesis.check(_domain_check(_rule))

__all__ = ["DOMAIN_CHECKS", "DomainFailure", "bind_caller"]
