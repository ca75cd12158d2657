"""An independent implementation of the two APIs, written from openapi.yaml alone.

It shares no code with the mock: plain Starlette, its own tiny dataset, its own validation (of
bodies, against the document's schemas, as a service generated from it would). The contract
suite must pass against it untouched and catch each fault injected into it, which shows the
checks judge the contract rather than the mock's particular data. Each app keeps its own
assistants, so that the writes of one test never reach another.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import yaml
from openapi_schema_validator import OAS30WriteValidator
from referencing import Registry, Resource
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import REPO

TOKEN = "ref-token"
CALLER = {"user_id": 41, "organization_id": 10, "orgs": {"acme"}}
OTHER_USER = 42


def _assistant(n: int) -> dict[str, Any]:
    created = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00Z"
    return {
        "id": 500 + n,
        "organization_id": 10,
        "user_id": CALLER["user_id"] if n % 3 else OTHER_USER,
        "name": f"Acme line {n}",
        "description": None,
        "is_active": n % 4 != 0,
        "llm_settings": {"temperature": 0.4, "max_tokens": 400, "system_prompt": "Be brief."},
        "created_at": created,
        "updated_at": created.replace("08:00", "09:30"),
    }


def _org_assistant(n: int) -> dict[str, Any]:
    aid = f"acme-{n:04d}"
    return {
        "id": aid,
        "name": f"Acme web agent {n}",
        "enabled": True,
        "secret_key": None,
        "avatar_url": None,
        "config": {"language": "auto", "model": "gpt-4o"},
        "integrations": [
            {
                "id": f"i-{n}",
                "enabled": True,
                "integration_id": "internal",
                "assistant_id": aid,
                "created_at": "2024-02-01",
                "updated_at": "2024-02-02",
            }
        ],
        "actions": [],
        "created_at": "2024-02-01",
        "updated_at": "2024-03-01",
    }


ASSISTANTS = [_assistant(n) for n in range(137)]
ORG_ASSISTANTS = {"acme": [_org_assistant(n) for n in range(53)], "globex": []}


def _int(raw: str | None, default: int, low: int, high: int | None) -> tuple[int | None, str | None]:
    if raw is None:
        return default, None
    try:
        value = int(raw)
    except ValueError:
        return None, "Input should be a valid integer, unable to parse string as an integer"
    if value < low:
        return None, f"Input should be greater than or equal to {low}"
    if high is not None and value > high:
        return None, f"Input should be less than or equal to {high}"
    return value, None


def _authorized(request: Request) -> bool:
    return request.headers.get("authorization", "") == f"Bearer {TOKEN}"


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(json.dumps(body), status, headers=headers, media_type="application/problem+json")


def _unauthorized() -> Response:
    return JSONResponse({"detail": "Not authenticated"}, 401, {"WWW-Authenticate": "Bearer"})


@functools.cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "openapi.yaml").read_text())
    return document


def _body_errors(body: Any, component: str) -> list[dict[str, Any]]:
    """FastAPI-like 422 items for a body that its component schema refuses."""
    document = _document()
    registry: Registry[Any] = Registry().with_resource("urn:openapi", Resource.opaque(document))
    schema = {"$ref": f"urn:openapi#/components/schemas/{component}"}
    validator = OAS30WriteValidator(schema, registry=registry)
    return [
        {"type": e.validator, "loc": ["body", *e.absolute_path], "msg": e.message}
        for e in validator.iter_errors(body)
    ]


async def _read_body(request: Request, component: str) -> tuple[Any, Response | None]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        return None, JSONResponse({"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "JSON"}]}, 422)
    if body is None:
        return None, JSONResponse(
            {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]}, 422
        )
    errors = _body_errors(body, component)
    return body, JSONResponse({"detail": errors}, 422) if errors else None


def _stamp(n: int) -> str:
    return f"2025-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T10:00:00Z"


async def create_assistant(request: Request) -> Response:
    if not _authorized(request):
        return _unauthorized()
    body, refused = await _read_body(request, "AssistantCreate")
    if refused is not None:
        return refused
    state = request.app.state
    state.writes += 1
    identifier = max(state.assistants, default=500) + 1
    record = {
        "is_active": True,
        **body,
        "id": identifier,
        "organization_id": CALLER["organization_id"],
        "user_id": CALLER["user_id"],
        "created_at": _stamp(state.writes),
        "updated_at": _stamp(state.writes),
    }
    state.assistants[identifier] = record
    return JSONResponse(record, 201)


async def assistant(request: Request) -> Response:
    """GET, PATCH and DELETE /assistants/{assistant_id}."""
    if not _authorized(request):
        return _unauthorized()
    raw = request.path_params["assistant_id"]
    identifier, error = _int(raw, 0, -(2**63), None)
    if error:
        item = {"type": "int_parsing", "loc": ["path", "assistant_id"], "msg": error, "input": raw}
        return JSONResponse({"detail": [item]}, 422)
    state = request.app.state
    record = state.assistants.get(identifier)
    if record is None:
        return JSONResponse({"detail": "Assistant not found"}, 404)
    if request.method == "DELETE":
        del state.assistants[identifier]
        return Response(status_code=204)
    if request.method == "PATCH":
        body, refused = await _read_body(request, "AssistantUpdate")
        if refused is not None:
            return refused
        state.writes += 1
        record.update(body, updated_at=_stamp(state.writes))
    return JSONResponse(record)


async def assistants(request: Request) -> Response:
    if request.method == "POST":
        return await create_assistant(request)
    if not _authorized(request):
        return _unauthorized()
    q = request.query_params
    errors = []
    skip, e1 = _int(q.get("skip"), 0, 0, None)
    limit, e2 = _int(q.get("limit"), 100, 1, 1000)
    flags = {}
    for name, error in (("skip", e1), ("limit", e2)):
        if error:
            errors.append({"loc": ["query", name], "msg": error, "type": "value_error"})
    for name in ("active_only", "created_by_me"):
        raw = q.get(name, "false")
        if raw not in ("true", "false"):
            errors.append(
                {"loc": ["query", name], "msg": "Input should be a valid boolean", "type": "bool_parsing"}
            )
        flags[name] = raw == "true"
    if errors:
        return JSONResponse({"detail": errors}, 422)
    assert skip is not None and limit is not None
    items = [
        a
        for a in request.app.state.assistants.values()
        if (not flags["active_only"] or a["is_active"])
        and (not flags["created_by_me"] or a["user_id"] == CALLER["user_id"])
    ]
    return JSONResponse(items[skip : skip + limit])


async def org_assistants(request: Request) -> Response:
    if not _authorized(request):
        return _problem(401, "Unauthorized", "Missing or invalid token", {"WWW-Authenticate": "Bearer"})
    q = request.query_params
    page, e1 = _int(q.get("page"), 1, 1, None)
    take, e2 = _int(q.get("take"), 20, 1, 100)
    if e1 or e2:
        return _problem(400, "Bad Request", e1 or e2 or "")
    org = request.path_params["org_id"]
    if org not in CALLER["orgs"] or org not in ORG_ASSISTANTS:
        return _problem(404, "Not Found", "No such organization")
    assert page is not None and take is not None
    start = (page - 1) * take
    return JSONResponse(ORG_ASSISTANTS[org][start : start + take])


async def spec(_: Request) -> Response:
    return JSONResponse(_document())


async def not_found(request: Request, exc: Exception) -> Response:
    return _problem(404, "Not Found", "No such resource")


def reference_app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/assistants", assistants, methods=["GET", "POST"]),
            Route("/assistants/{assistant_id}", assistant, methods=["GET", "PATCH", "DELETE"]),
            Route("/orgs/{org_id}/assistants", org_assistants),
        ],
        exception_handlers={404: not_found},
    )
    app.state.assistants = {a["id"]: copy.deepcopy(a) for a in ASSISTANTS}
    app.state.writes = 0
    return app
