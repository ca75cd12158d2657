"""The floor: a minimal Connexion app on the same openapi.yaml whose handlers return bytes
built before the first request (the same bytes the mock serves for the benchmark URLs).

Same spec, same request validation, same bearer security: what remains between it and the
mock is exactly the mock's own work per request. Run: uvicorn floor:create --factory.
"""

from __future__ import annotations

from typing import Any

from connexion import AsyncApp
from connexion.resolver import Resolver
from connexion.security import BearerSecurityHandler
from starlette.responses import Response

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings

PAYLOAD_URLS = {
    "list_assistants": "/assistants?limit=100",
    "list_assistants_1000": "/assistants?limit=1000",
    "list_org_assistants": "/orgs/org_demo/assistants?take=100",
}


def _payloads() -> dict[str, bytes]:
    client = create_app(Settings()).test_client()
    headers = {"Authorization": "Bearer dev-token"}
    return {name: client.get(url, headers=headers).content for name, url in PAYLOAD_URLS.items()}


class _Bearer(BearerSecurityHandler):  # type: ignore[misc]
    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return lambda token: {"sub": 1} if token == "dev-token" else None


def create() -> AsyncApp:
    payloads = _payloads()

    async def list_assistants(limit: int = 100, **_: Any) -> Response:
        body = payloads["list_assistants_1000" if limit == 1000 else "list_assistants"]
        return Response(body, media_type="application/json")

    async def list_org_assistants(**_: Any) -> Response:
        return Response(payloads["list_org_assistants"], media_type="application/json")

    async def not_measured(**_: Any) -> Response:
        return Response(status_code=501)

    handlers = {"list_assistants": list_assistants, "list_org_assistants": list_org_assistants}
    app = AsyncApp(__name__, security_map={"bearer": _Bearer})
    # The write operations are not measured against the floor: any handler serves them.
    resolver = Resolver(function_resolver=lambda name: handlers.get(name, not_measured))
    app.add_api(str(Settings().spec_path), resolver=resolver)
    return app
