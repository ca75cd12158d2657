"""The domain checks as Schemathesis checks.

Importing this module registers them, so they run wherever Schemathesis does:
`SCHEMATHESIS_HOOKS=mockserver.hooks st run openapi.yaml ...`, `mockserver contract`, and pytest
tests that call `case.call_and_validate()`.

The caller's identity is unknown to a generic run; where it matters (`$caller.user_id`) the
checks demand consistency instead, unless `MOCKSERVER_CALLER_USER_ID` and
`MOCKSERVER_CALLER_ORGANIZATION_ID` name it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case as _Case
from schemathesis import Response
from schemathesis.core.failures import Failure

from mockserver import checks
from mockserver.spec import Operation, Spec, spec_from_document

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


class DomainFailure(Failure):
    code = "MS901"
    kind_title = "Contract semantics violated"

    @property
    def _unique_key(self) -> str:
        # Schemathesis keeps one failure per class and operation by default; each domain rule
        # is a distinct finding, so the rule's title is part of the identity.
        return self.title


def caller_from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ) if environ is None else environ
    caller: dict[str, Any] = {}
    for attr in ("user_id", "organization_id"):
        raw = environ.get(f"MOCKSERVER_CALLER_{attr.upper()}")
        if raw:
            caller[attr] = int(raw) if raw.isdigit() else raw
    return caller


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


def _send(ctx: Any, case: Case, query: dict[str, Any]) -> Response:
    probe = case.operation.Case(
        path_parameters=dict(case.path_parameters or {}),
        query={k: _query_value(v) for k, v in query.items()},
        headers=dict(case.headers or {}),
    )
    kwargs = dict(ctx.internals.transport_kwargs or {})
    if case.operation.app is not None:
        kwargs.setdefault("app", case.operation.app)
    ctx.internals.record_case(parent_id=case.id, case=probe)
    response: Response = case.operation.schema.transport.send(probe, **kwargs)
    ctx.internals.record_response(case_id=probe.id, response=response)
    return response


Rule = Callable[[Any, Case, Operation, dict[str, Any], list[Any]], None]


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
        try:
            rule(ctx, case, operation, params, items)
        except checks.DomainViolation as violation:
            raise DomainFailure(
                operation=case.operation.label,
                title=violation.title,
                message=violation.message,
                case_id=case.id,
            ) from None
        return True

    check.__name__ = rule.__name__
    check.__doc__ = rule.__doc__
    return check


def page_size_within_limit(
    ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """A page never holds more items than its size parameter asks for."""
    checks.check_page_size(op, params, items)


def pages_continue(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """Consecutive pages continue each other: no overlap, no gap (fetches the pages it needs)."""

    def fetch(query: dict[str, Any]) -> list[Any] | None:
        return checks._items(_send(ctx, case, query))

    checks.check_continuity(op, params, fetch)


def filters_hold(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """Every item satisfies every filter the request switched on."""
    checks.check_filters(op, params, items, caller_from_environment())


def single_tenant(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """One page is one organization's."""
    checks.check_tenant(op, items, caller_from_environment())


def children_reference_parent(
    ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]
) -> None:
    """Child records (`x-parent-id`) point at the object that holds them."""
    checks.check_parent_references(op, items)


def repeatable_reads(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """The same request twice gives the same answer."""
    again = checks._items(_send(ctx, case, dict(case.query or {})))
    checks.check_repeatable(items, again)


def timestamps_ordered(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """A timestamp marked `x-not-before: other` is never earlier than `other`."""
    checks.check_timestamps(op, items)


def unique_ids(ctx: Any, case: Case, op: Operation, params: dict[str, Any], items: list[Any]) -> None:
    """No id appears twice in a page."""
    checks.check_unique_ids(items)


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

__all__ = ["DOMAIN_CHECKS", "DomainFailure", "caller_from_environment"]
