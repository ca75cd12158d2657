"""Domain checks: what the parameters and the data model *mean*, read from the one operation model.

Schemathesis checks types and status codes; it cannot know that `limit` caps the page, that
`skip` moves a window, or that `active_only` constrains `is_active`. The model infers those
semantics from the document and the vendor extensions correct it (`x-pagination`, `x-filter`,
`x-tenant`, `x-parent-id`, `x-not-before`); each check below reads the model, so nothing here
names a field or a parameter.

Each check is a plain Schemathesis check `(ctx, response, case)`: importing `mockserver.contract.hooks`
registers them for `st run` and pytest alike. Checks that need more requests (the next page, a
repeat) send them through the run's own transport, so credentials and timeouts carry over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mockserver.model.endpoints import Endpoint, list_items
from mockserver.model.rules import DomainViolation
from mockserver.model.rules import ids as _ids
from mockserver.model.semantics import CALLER_PREFIX, Pagination, field_value, parameter_schema

# Caller attributes known to the run (e.g. `user_id` of the token's user). Unknown attributes
# are checked for consistency instead: a page filtered by "created by me" has one creator.
CallerAttrs = dict[str, Any]


def body(response: Any, success: bool = False) -> Any:
    """The JSON body of a 200 (of any 2xx with `success`), or None."""
    if not (200 <= response.status_code < 300 if success else response.status_code == 200):
        return None
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        return None  # response_schema_conformance reports bodies that are not JSON


def _items(response: Any, operation: Endpoint | None = None) -> list[Any] | None:
    """The items of a list answer (its envelope's, where it has one)."""
    found = body(response)
    if operation is not None and operation.listing is not None:
        return list_items(found, operation.listing)
    return found if isinstance(found, list) else None


def _params(operation: Endpoint, query: dict[str, Any] | None) -> dict[str, Any]:
    params = dict(operation.defaults)
    declared = operation.query
    for name, value in (query or {}).items():
        if name in declared:
            params[name] = _coerce(declared[name], value)
    return params


def _coerce(parameter: dict[str, Any], value: Any) -> Any:
    kind = parameter_schema(parameter).get("type")
    if isinstance(value, str):
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            return value.lower() == "true"
    return value


def _window_is_valid(operation: Endpoint, params: dict[str, Any]) -> bool:
    """Only positive cases within the declared bounds, and within what a page can mean (a size
    of at least 1, a start at or after the first), say anything about pagination: a bound the
    document forgot (`limit=-5` admitted) is fuzzing's business, not the page rules'."""
    pagination = operation.pagination
    if pagination is None:
        return True
    declared = operation.query
    lowest = {pagination.size_param: 1, pagination.start_param: 0}
    if pagination.style == "page":
        lowest[pagination.start_param] = pagination.first_page
    for name in (pagination.start_param, pagination.size_param):
        if not name or (pagination.cursor and name == pagination.start_param):
            continue  # a cursor is whatever the API handed out
        schema = parameter_schema(declared.get(name, {}))
        value = params.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        low = max(lowest[name], schema.get("minimum", lowest[name]))
        if value < low or value > schema.get("maximum", value):
            return False
    return True


def _where(index: int, field: str) -> str:
    return f"/{index}/{field}"


# -------------------------------------------------------------------- single-response rules


def check_page_size(operation: Endpoint, params: dict[str, Any], items: list[Any]) -> None:
    pagination = operation.pagination
    if pagination is None:
        return
    size = params.get(pagination.size_param)
    if isinstance(size, int) and not isinstance(size, bool) and len(items) > size:
        raise DomainViolation(
            "Page larger than requested",
            f"{len(items)} items returned for {pagination.size_param}={size}",
        )


def check_filters(operation: Endpoint, params: dict[str, Any], items: list[Any], caller: CallerAttrs) -> None:
    for rule in operation.filters:
        value = params.get(rule.param)
        if not rule.active(value):
            continue
        if rule.relation != "flag":
            for i, item in enumerate(items):
                if isinstance(item, dict) and not rule.admits(item, value, caller):
                    raise DomainViolation(
                        "Filter not applied",
                        f"{_where(i, rule.field.replace('.', '/'))}: "
                        f"{field_value(item, rule.field)!r} returned for {rule.param}={value!r}",
                    )
            continue
        equals = rule.equals
        if isinstance(equals, str) and equals.startswith(CALLER_PREFIX):
            attr = equals.removeprefix(CALLER_PREFIX)
            if attr not in caller:
                _same_value(items, rule.field, f"{rule.param}=true")
                continue
            equals = caller[attr]
        for i, item in enumerate(items):
            found = field_value(item, rule.field)
            if isinstance(item, dict) and found != equals:
                raise DomainViolation(
                    "Filter not applied",
                    f"{_where(i, rule.field.replace('.', '/'))}: {found!r} returned for "
                    f"{rule.param}=true, which only admits {equals!r}",
                )


def _same_value(items: list[Any], field: str, why: str) -> None:
    values = [(i, field_value(item, field)) for i, item in enumerate(items) if isinstance(item, dict)]
    first = values[0][1] if values else None
    for i, value in values:
        if value != first:
            raise DomainViolation(
                "Filter not applied",
                f"{_where(i, field)}: {value!r} differs from /0/{field} {first!r}; with {why} "
                f"every item belongs to the caller",
            )


def check_tenant(operation: Endpoint, items: list[Any], caller: CallerAttrs) -> None:
    tenant = operation.tenant
    field = tenant.field if tenant is not None else None
    if tenant is None or field is None:
        return
    attr = str(tenant.equals).removeprefix(CALLER_PREFIX)
    expected = caller.get(attr, items[0].get(field) if items and isinstance(items[0], dict) else None)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get(field) != expected:
            raise DomainViolation(
                "Items from another organization",
                f"{_where(i, field)}: {item.get(field)!r}, but this page belongs to {expected!r}",
            )


# ------------------------------------------------------------------- rules with more requests

Fetch = Callable[[dict[str, Any]], "list[Any] | None"]


def windows(
    pagination: Pagination, params: dict[str, Any], maximum: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Two consecutive pages and one page covering both, as query parameters."""
    start, size = int(params[pagination.start_param]), int(params[pagination.size_param])
    size = max(1, min(size, maximum // 2, 25))
    if pagination.style == "offset":
        first, second, both = start, start + size, start
    else:
        start = min(start, 50)
        # The covering page must start where the first does: an odd number of pages before it.
        if (start - pagination.first_page) % 2:
            start -= 1
        first, second = start, start + 1
        both = (start - pagination.first_page) // 2 + pagination.first_page
    p, s = pagination.start_param, pagination.size_param
    return ({**params, p: first, s: size}, {**params, p: second, s: size}, {**params, p: both, s: size * 2})


def check_continuity(operation: Endpoint, params: dict[str, Any], fetch: Fetch) -> None:
    pagination = operation.pagination
    if pagination is None or not pagination.start_param or pagination.cursor:
        return  # cursor chains are walked whole by pages_agree
    maximum = parameter_schema(operation.query.get(pagination.size_param, {})).get("maximum", 50)
    first_q, second_q, both_q = windows(pagination, params, int(maximum))
    first, second, both = fetch(first_q), fetch(second_q), fetch(both_q)
    if first is None or second is None or both is None:
        return
    p, s = pagination.start_param, pagination.size_param
    a, b, whole = _ids(first), _ids(second), _ids(both)
    describe = (
        f"{p}={first_q[p]}&{s}={first_q[s]} then {p}={second_q[p]}&{s}={second_q[s]}, "
        f"against {p}={both_q[p]}&{s}={both_q[s]}"
    )
    overlap = [x for x in a if x in b and x is not None]
    if overlap:
        raise DomainViolation("Pages overlap", f"{describe}: id {overlap[0]!r} is on both pages")
    if a + b != whole:
        raise DomainViolation(
            "Pages do not continue each other",
            f"{describe}: the two pages hold ids {a + b!r}, the covering page {whole!r}",
        )


def check_repeatable(first: list[Any], again: list[Any] | None) -> None:
    if again is not None and again != first:
        raise DomainViolation(
            "Same request, different answer", "the response changed when the identical request was sent again"
        )


# ------------------------------------------------------------------------ HTTP's own rules

JSON_TYPE = re.compile(r"^application/([\w.+-]+\+)?json\s*(;|$)", re.I)


def check_http_semantics(status: int, headers: dict[str, list[str]], body: bytes) -> None:
    """What HTTP requires of any response, whatever the document declares (RFC 9110)."""
    if status == 401 and not any(v.strip() for v in headers.get("www-authenticate", [])):
        raise DomainViolation(
            "401 without a challenge",
            "A 401 MUST carry WWW-Authenticate with at least one challenge (RFC 9110 §11.6.1); "
            "clients and browsers cannot tell how to authenticate without it.",
        )
    if status == 405 and "allow" not in headers:
        raise DomainViolation(
            "405 without Allow",
            "A 405 MUST list the methods the resource supports in Allow (RFC 9110 §15.5.6).",
        )
    if status in (204, 304) and body:
        raise DomainViolation(
            f"Body on a {status}",
            f"A {status} response ends with its header section (RFC 9110 §15.3.5, §15.4.5); "
            f"{len(body)} bytes of content were sent.",
        )
    media = (headers.get("content-type") or [""])[0]
    if body and JSON_TYPE.match(media):
        try:
            json.loads(body)
        except ValueError:
            raise DomainViolation(
                "Body does not match its Content-Type",
                f"Content-Type says {media}, but the body is not JSON: {body[:60]!r}",
            ) from None
