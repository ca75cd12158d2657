"""Deliberately broken deployments: the real mock with exactly one fault injected.

Each fault rewrites the request's query before the mock sees it, or the JSON it answers with,
so everything else about the deployment stays correct.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings

Query = list[tuple[str, str]]


@dataclass(frozen=True)
class Fault:
    expected_check: str
    # Let requests without a valid token through, as the dev token's user.
    skip_auth: bool = False
    query: Callable[[Query], Query] | None = None
    body: Callable[[Any], Any] | None = None
    status: int | None = None
    content_type: str | None = None
    # Headers left out of every answer, and the 200 body's bytes rewritten.
    drop_headers: tuple[str, ...] = ()
    raw: Callable[[bytes], bytes] | None = None
    # The 200 page rewritten knowing the query the client sent.
    page: Callable[[dict[str, str], Any], Any] | None = None
    # A page number past the last page answers the last page instead of an empty one.
    clamp_to_last_page: bool = False
    # Whole-list faults in the organization path:
    # - the path's organization is ignored, the deployment's own organization is served;
    own_org_for_any_slug: bool = False
    # - the caller's membership is not checked (the token of a member is used instead);
    members: tuple[tuple[str, str], ...] = ()
    # - these existing organizations answer the caller who is not in them 403, not 404.
    forbidden_orgs: tuple[str, ...] = ()
    # Only the mock's identities can express this fault.
    mock_only: bool = False


class Faulty:
    """ASGI wrapper that injects one `Fault` into an otherwise correct app."""

    def __init__(self, app: ASGIApp, fault: Fault, token: str = "dev-token", org: str = "org_demo") -> None:
        self.app = app
        self.fault = fault
        self.token = token
        self.org = org
        self.counter = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/assistants"):
            await self.app(scope, receive, send)
            return
        fault = self.fault
        sent = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        slug = scope["path"].split("/")[2] if scope["path"].startswith("/orgs/") else None
        if slug is not None and fault.own_org_for_any_slug:
            scope = _with_path(scope, f"/orgs/{self.org}/assistants")
        if slug is not None and dict(fault.members).get(slug):
            scope = _with_header(scope, b"authorization", f"Bearer {dict(fault.members)[slug]}".encode())
        if fault.skip_auth:
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            bearer = f"Bearer {self.token}".encode()
            scope = {**scope, "headers": [*headers, (b"authorization", bearer)]}
        if fault.query is not None:
            query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            scope = {**scope, "query_string": urlencode(fault.query(query)).encode()}
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        status = started["status"]
        page = int(sent.get("page", "1")) if sent.get("page", "1").isdigit() else 1
        while fault.clamp_to_last_page and status == 200 and body == b"[]" and page > 1:
            page -= 1
            started.clear()
            chunks.clear()
            query = urlencode({**sent, "page": str(page)}).encode()
            await self.app({**scope, "query_string": query}, _no_body, capture)
            body, status = b"".join(chunks), started["status"]
        if status == 404 and slug in fault.forbidden_orgs:
            status = 403
            body = json.dumps({"type": "about:blank", "title": "Forbidden", "status": 403}).encode()
        dropped = {b"content-length", *(h.encode() for h in fault.drop_headers)}
        headers = [(k, v) for k, v in started["headers"] if k.lower() not in dropped]
        if status == 200:
            if fault.raw is not None:
                body = fault.raw(body)
            if fault.body is not None:
                body = json.dumps(fault.body(json.loads(body))).encode()
            if fault.page is not None:
                body = json.dumps(fault.page(sent, json.loads(body))).encode()
            if fault.status is not None:
                status = fault.status
            if fault.content_type is not None:
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"content-type", fault.content_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _with_path(scope: Scope, path: str) -> Scope:
    return {**scope, "path": path, "raw_path": path.encode()}


def _with_header(scope: Scope, name: bytes, value: bytes) -> Scope:
    return {**scope, "headers": [*[(k, v) for k, v in scope["headers"] if k.lower() != name], (name, value)]}


def _cap(name: str, most: int) -> Callable[[Query], Query]:
    return lambda q: [(k, str(min(int(v), most)) if k == name and v.isdigit() else v) for k, v in q]


def _bump(name: str, by: int) -> Callable[[Query], Query]:
    return lambda q: [(k, str(int(v) + by) if k == name and v.isdigit() else v) for k, v in q]


def _drop(name: str) -> Callable[[Query], Query]:
    return lambda q: [(k, v) for k, v in q if k != name]


def _each(change: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    def apply(items: Any) -> Any:
        for item in items:
            change(item)
        return items

    return apply


def _second_item(change: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    def apply(items: Any) -> Any:
        if len(items) > 1:
            change(items[1])
        return items

    return apply


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda item: item.update(values)


def _wrong_parent(item: dict[str, Any]) -> None:
    for child in item.get("integrations", []):
        child["assistant_id"] = "ast_somebody_else"


def _time_travel(item: dict[str, Any]) -> None:
    item["updated_at"] = "2001-01-01T00:00:00Z"


def _temperature_as_string(item: dict[str, Any]) -> None:
    settings = item.get("llm_settings")
    if isinstance(settings, dict) and "temperature" in settings:
        settings["temperature"] = str(settings["temperature"])


class _Drifting:
    """Every answer differs a little from the previous one."""

    def __init__(self) -> None:
        self.calls = itertools.count()

    def __call__(self, items: Any) -> Any:
        if items:
            items[0]["name"] = f"{items[0]['name']} v{next(self.calls)}"
        return items


def _clamp_invalid(q: Query) -> Query:
    out = []
    for k, v in q:
        if k in ("limit", "take") and (not v.lstrip("-").isdigit() or not 1 <= int(v) <= 100):
            v = "10"
        out.append((k, v))
    return out


def _filtered_after_paging(query: Query) -> Query:
    # The database page is cut first; the handler then filters it in Python.
    return [(k, v) for k, v in query if k != "active_only"]


def _keep_active(sent: dict[str, str], items: Any) -> Any:
    return [i for i in items if i["is_active"]] if sent.get("active_only") == "true" else items


def _false_means_inactive(sent: dict[str, str], items: Any) -> Any:
    # `WHERE is_active = :active_only` whenever the parameter is given.
    return [i for i in items if not i["is_active"]] if sent.get("active_only") == "false" else items


def _last_filter_wins(query: Query) -> Query:
    # `if created_by_me: ... elif active_only: ...`: two filters, one applied.
    sent = dict(query)
    if sent.get("active_only") == "true" and sent.get("created_by_me") == "true":
        return [(k, v) for k, v in query if k != "active_only"]
    return query


def _filtered_by_name(sent: dict[str, str], items: Any) -> Any:
    # The filtered branch's query lost its ORDER BY; the index on name decides.
    filtered = sent.get("active_only") == "true" or sent.get("created_by_me") == "true"
    return sorted(items, key=lambda i: i["name"]) if filtered else items


def _big_pages_unordered(sent: dict[str, str], items: Any) -> Any:
    # No ORDER BY: past some LIMIT the database picks another plan and another order.
    return sorted(items, key=lambda i: i["name"]) if int(sent.get("limit", "100")) > 100 else items


def _big_pages_summarised(sent: dict[str, str], items: Any) -> Any:
    # Big pages skip loading the settings relation (a "summary" query) but keep the same model.
    if int(sent.get("limit", "100")) > 100:
        for item in items:
            item.pop("llm_settings", None)
    return items


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _stamp(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


class _TouchedOnRead:
    """The list endpoint updates `updated_at` of what it reads (an ORM `onupdate` fired by a
    "last viewed" write): each read moves every timestamp on."""

    def __init__(self) -> None:
        self.reads = itertools.count(1)

    def __call__(self, sent: dict[str, str], items: Any) -> Any:
        later = timedelta(seconds=next(self.reads))
        for item in items:
            item["updated_at"] = _stamp(_instant(item["updated_at"]) + later)
        return items


FAULTS: dict[str, Fault] = {
    # Domain checks: what the parameters and the data model mean.
    "limit_plus_five": Fault("page_size_within_limit", query=_bump("limit", 5)),
    "take_plus_one": Fault("page_size_within_limit", query=_bump("take", 1)),
    "skip_ignored": Fault("pages_continue", query=_drop("skip")),
    "page_ignored": Fault("pages_continue", query=_drop("page")),
    "active_only_ignored": Fault("filters_hold", query=_drop("active_only")),
    "created_by_me_ignored": Fault("filters_hold", query=_drop("created_by_me")),
    "foreign_item": Fault("single_tenant", body=_second_item(_set(organization_id=2))),
    "wrong_parent": Fault("children_reference_parent", body=_each(_wrong_parent)),
    "drifting_answers": Fault("repeatable_reads", body=_Drifting()),
    "updated_before_created": Fault("timestamps_ordered", body=_second_item(_time_travel)),
    "duplicate_ids": Fault("unique_ids", body=lambda items: items + items[:1]),
    # Whole lists: every rule broken in each direction, as list endpoints ship it.
    # pages_agree: a page cut below the size the contract allows; a page past the end that
    # repeats the last one; big pages in another order.
    "page_size_capped": Fault("pages_agree", query=_cap("limit", 100)),
    "past_end_repeats_last_page": Fault("pages_agree", clamp_to_last_page=True),
    "big_pages_unordered": Fault("pages_agree", page=_big_pages_unordered),
    # filters_exact: a filter applied after paging (matching items missing); `false` read as
    # "inactive only"; two filters of which one is applied; a filtered list in another order.
    "filter_after_paging": Fault("filters_exact", query=_filtered_after_paging, page=_keep_active),
    "false_means_inactive": Fault("filters_exact", page=_false_means_inactive),
    "last_filter_wins": Fault("filters_exact", query=_last_filter_wins),
    "filtered_order_lost": Fault("filters_exact", page=_filtered_by_name),
    # records_consistent: one id, two records on pages of two sizes; `updated_at` moved by reads.
    "big_pages_summarised": Fault("records_consistent", page=_big_pages_summarised),
    "updated_at_touched_on_read": Fault("records_consistent", page=_TouchedOnRead()),
    # tenant_isolated: another organization's data served (membership unchecked, or the path's
    # organization ignored); a non-member told the organization exists (403, not the 404).
    "membership_unchecked": Fault(
        "tenant_isolated", members=(("org_globex", "other-org-token"),), mock_only=True
    ),
    "org_from_token_not_path": Fault("tenant_isolated", own_org_for_any_slug=True),
    "forbidden_not_hidden": Fault(
        "tenant_isolated", forbidden_orgs=("org_demo", "org_globex", "acme", "globex")
    ),
    # HTTP's own rules: a FastAPI before 0.122, or an auth dependency raising a bare 401; a
    # handler that returns `str(records)` with a JSON content type.
    "no_auth_challenge": Fault("http_semantics", drop_headers=("www-authenticate",)),
    "python_repr_as_json": Fault("http_semantics", raw=lambda body: repr(json.loads(body)).encode()),
    # Generic categories, caught by Schemathesis' own checks.
    "auth_ignored": Fault("ignored_auth", skip_auth=True),
    "wrong_type": Fault("response_schema_conformance", body=_each(_temperature_as_string)),
    "server_error": Fault("not_a_server_error", status=500),
    "wrong_content_type": Fault("content_type_conformance", content_type="text/plain"),
    "undeclared_status": Fault("status_code_conformance", status=203),
    "accepts_invalid_input": Fault("negative_data_rejection", query=_clamp_invalid),
}


def _lagging_index(sent: dict[str, str], items: Any) -> Any:
    """The list is read from a search index that lags the database by an hour; reading one
    record by id goes to the database."""
    for item in items:
        updated, created = _instant(item["updated_at"]), _instant(item["created_at"])
        if updated - created > timedelta(hours=1):
            item["updated_at"] = _stamp(updated - timedelta(hours=1))
    return items


# Faults that need a spec whose list has a detail operation (`GET .../assistants/{id}`).
DETAIL_FAULTS: dict[str, Fault] = {
    "list_from_lagging_index": Fault("records_consistent", page=_lagging_index),
}


def broken_app(name: str) -> Faulty:
    return Faulty(create_app(Settings()), FAULTS[name])


# Faults of writes: whole-app wrappers, since each keeps what it answered before.
class _ListCacheNeverInvalidated:
    """The list's answers cached by URL and credential, and never invalidated by a write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache: dict[tuple[str, bytes, bytes], list[Message]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith("/assistants"):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], dict(scope["headers"]).get(b"authorization", b""))
        if key not in self.cache:
            sent: list[Message] = []

            async def keep(message: Message) -> None:
                sent.append(message)

            await self.app(scope, receive, keep)
            if sent[0]["status"] != 200:
                for message in sent:
                    await send(message)
                return
            self.cache[key] = sent
        for message in self.cache[key]:
            await send(message)


class _CountCached:
    """The envelope's `total` counted at the first request and kept (a cached COUNT(*))."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.total: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/notes":
            await self.app(scope, receive, send)
            return
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        body = b"".join(m.get("body", b"") for m in sent[1:])
        if sent[0]["status"] == 200:
            page = json.loads(body)
            self.total = page["total"] if self.total is None else self.total
            body = json.dumps({**page, "total": self.total}).encode()
        headers = [(k, v) for k, v in sent[0]["headers"] if k != b"content-length"]
        await send({**sent[0], "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class WriteFault:
    expected_check: str
    wrap: Callable[[ASGIApp], ASGIApp]


WRITE_FAULTS: dict[str, WriteFault] = {
    # On openapi.yaml: a created assistant never shows in the list.
    "list_cache_never_invalidated": WriteFault("writes_visible", _ListCacheNeverInvalidated),
    # On tests/documents/crud.yaml: the notes' total ignores every create and delete.
    "count_cached": WriteFault("writes_visible", _CountCached),
}
