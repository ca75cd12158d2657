"""Schemathesis against the in-process app: every check, positive and negative data."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings()))
schema.config.update(headers={"Authorization": "Bearer dev-token"})
schema.config.generation.update(modes=list(GenerationMode), max_examples=60)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_honours_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_harness_catches_a_broken_server() -> None:
    """The same harness against an app whose ids are strings must fail, or the test above is moot."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    document = create_app(Settings()).test_client().get("/openapi.json").content

    async def spec(_: Request) -> Response:
        return Response(document, media_type="application/json")

    async def assistants(_: Request) -> JSONResponse:
        return JSONResponse([{"id": "asst_1", "name": "x"}])

    broken = Starlette(routes=[Route("/openapi.json", spec), Route("/assistants", assistants)])
    broken_schema = schemathesis.openapi.from_asgi("/openapi.json", broken)
    case = broken_schema["/assistants"]["GET"].Case(
        query={"limit": 2}, headers={"Authorization": "Bearer dev-token"}
    )
    with pytest.raises(FailureGroup) as found:
        case.call_and_validate()
    kinds = {type(failure).__name__ for failure in found.value.exceptions}
    assert {"JsonSchemaError", "IgnoredAuth"} <= kinds
