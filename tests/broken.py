"""Deliberately broken deployments: the real mock with exactly one fault injected.

Each fault rewrites the request's query before the mock sees it, or the JSON it answers with,
so everything else about the deployment stays correct.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
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


class Faulty:
    """ASGI wrapper that injects one `Fault` into an otherwise correct app."""

    def __init__(self, app: ASGIApp, fault: Fault, token: str = "dev-token") -> None:
        self.app = app
        self.fault = fault
        self.token = token
        self.counter = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/assistants"):
            await self.app(scope, receive, send)
            return
        fault = self.fault
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
        dropped = {b"content-length", *(h.encode() for h in fault.drop_headers)}
        headers = [(k, v) for k, v in started["headers"] if k.lower() not in dropped]
        if status == 200:
            if fault.raw is not None:
                body = fault.raw(body)
            if fault.body is not None:
                body = json.dumps(fault.body(json.loads(body))).encode()
            if fault.status is not None:
                status = fault.status
            if fault.content_type is not None:
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"content-type", fault.content_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


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
    if isinstance(item.get("llm_settings"), dict):
        item["llm_settings"]["temperature"] = str(item["llm_settings"]["temperature"])


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


def broken_app(name: str) -> Faulty:
    return Faulty(create_app(Settings()), FAULTS[name])
