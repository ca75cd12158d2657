"""`mockserver.mock.faults`: latency and faults, from the command line and `x-mock-faults`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.conftest import DEV, REPO
from tests.conftest import mock_client as client


def test_latency_is_added_to_every_answer(slept: list[float]) -> None:
    with client(latency="50ms..300ms") as c:
        for _ in range(5):
            c.get("/assistants?limit=1", headers=DEV)
    assert len(slept) == 5 and all(0.05 <= s <= 0.3 for s in slept) and len(set(slept)) > 1


def faulted(seed: int, rate: float = 0.3) -> list[int]:
    with client(seed=seed, fault_rate=rate, faults="500,503") as c:
        return [c.get(f"/assistants?limit=1&skip={i}", headers=DEV).status_code for i in range(40)]


def test_faults_are_drawn_from_the_seed_and_the_request_so_a_run_replays_them() -> None:
    first, again, other = faulted(1), faulted(1), faulted(2)
    assert first == again
    assert first != other
    assert {500, 503, 200} == set(first)
    assert faulted(1, rate=0.0) == [200] * 40


def test_a_fault_can_be_asked_for_per_request_and_a_reset_cuts_the_connection() -> None:
    with client() as c:
        unavailable = c.get("/assistants?limit=1", headers={**DEV, "Prefer": "fault=503"})
        assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "1"
    # A reset: the head promises a body that never comes, and the server (uvicorn) closes the
    # connection when the app returns; what the app sends is what decides it.
    app = create_app(Settings(count=10, org_count=5))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"host", b"testserver"), (b"authorization", b"Bearer dev-token"), (b"prefer", b"fault=reset")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/assistants",
        "raw_path": b"/assistants",
        "query_string": b"limit=1",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert (b"content-length", b"1024") in sent[0]["headers"]


def test_faults_per_operation_in_the_spec(tmp_path: Path) -> None:
    import yaml

    document = yaml.safe_load((REPO / "openapi.yaml").read_text())
    document["paths"]["/orgs/{org_id}/assistants"]["get"]["x-mock-faults"] = {"rate": 1, "faults": [503]}
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document))
    settings = Settings(spec_path=spec, fixtures_dir=REPO / "fixtures", count=20, org_count=5)
    with TestClient(create_app(settings)) as c:
        assert c.get("/orgs/org_demo/assistants", headers=DEV).status_code == 503
        assert c.get("/assistants?limit=1", headers=DEV).status_code == 200
