"""Any OpenAPI document is served with no code: public documents, and ours as its owners edit it."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.contract.runner import run
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.conftest import DEV, REPO, run_options

CORPUS = REPO / "tests" / "corpus"
DOCUMENTS = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".yaml", ".json"))
# Checks whose failure would be the mock's fault whatever the document declares. Undeclared
# statuses (a 401 the document forgot, a 400 where it declares no error) are the document's.
MOCK_FAULTS = {
    "not_a_server_error",
    "response_schema_conformance",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
    "content_type_conformance",
}
# Served and fuzzed clean by Schemathesis today (see README "Use it with your own spec").
FUZZED = [
    "oai-petstore-3.0.yaml",
    "oai-petstore-expanded-3.0.json",
    "oai-link-example-3.0.yaml",
    "oai-tictactoe-3.1.yaml",
]


def corpus_app(name: str) -> Any:
    spec = CORPUS / name
    return create_app(Settings(spec_path=spec, fixtures_dir=spec.parent / "fixtures"))


def dev_credentials(name: str) -> tuple[tuple[str, str], ...]:
    document = yaml.safe_load((CORPUS / name).read_text())
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return ((scheme["name"], "dev-key"),)
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "basic":
            return (("Authorization", "Basic " + base64.b64encode(b"dev:dev").decode()),)
    return ()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_corpus_document_is_served(name: str) -> None:
    document = yaml.safe_load((CORPUS / name).read_text())
    base = urlsplit(str((document.get("servers") or [{}])[0].get("url", "/"))).path.rstrip("/")
    with TestClient(corpus_app(name)) as client:
        assert client.get(f"{base}/openapi.json").status_code == 200
        assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("name", FUZZED)
def test_schemathesis_finds_nothing_that_is_the_mocks_fault(name: str) -> None:
    credentials = dev_credentials(name)
    outcome = run(
        run_options(
            app=corpus_app(name),
            spec_path=CORPUS / name,
            headers=credentials,
            token=None if credentials else "dev-token",
            max_examples=5,
        )
    )
    faults = sorted({(f.check, f.operation, f.title) for f in outcome.findings if f.check in MOCK_FAULTS})
    assert faults == []
    assert outcome.cases


# ------------------------------------------------------------- the owners edit openapi.yaml


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    return tmp_path


def save(tmp_path: Path, document: dict[str, Any]) -> Settings:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    return Settings(spec_path=spec, fixtures_dir=tmp_path / "fixtures", count=30, org_count=10)


def ours() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "openapi.yaml").read_text())
    return document


def assistants(settings: Settings, query: str = "limit=30") -> list[dict[str, Any]]:
    with TestClient(create_app(settings)) as client:
        response = client.get(f"/assistants?{query}", headers=DEV)
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body


def test_a_new_optional_property_is_served(edited: Path) -> None:
    document = ours()
    document["components"]["schemas"]["AssistantResponse"]["properties"]["phone_number"] = {
        "type": "string",
        "description": "The number callers dial.",
    }
    records = assistants(save(edited, document))
    assert all(isinstance(r["phone_number"], str) and r["phone_number"] for r in records)


def test_a_new_required_property_is_on_every_record_curated_ones_included(edited: Path) -> None:
    document = ours()
    schema = document["components"]["schemas"]["AssistantResponse"]
    schema["properties"]["region"] = {"type": "string", "enum": ["eu-west-1", "us-east-1"]}
    schema["required"].append("region")
    records = assistants(save(edited, document))
    assert records[0]["id"] < 1000  # the curated record comes first
    assert {r["region"] for r in records} <= {"eu-west-1", "us-east-1"}
    assert all("region" in r for r in records)


def test_a_new_item_operation_returns_the_lists_record_and_404_for_an_unknown_id(edited: Path) -> None:
    document = ours()
    list_op = document["paths"]["/assistants"]["get"]
    document["paths"]["/assistants/{assistant_id}"] = {
        "get": {
            "operationId": "get_assistant",
            "parameters": [
                {"name": "assistant_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": {
                    "description": "The assistant.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/AssistantResponse"}}
                    },
                },
                "401": list_op["responses"]["401"],
                "404": {
                    "description": "No such assistant.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}},
                },
                "422": list_op["responses"]["422"],
            },
        }
    }
    with TestClient(create_app(save(edited, document))) as client:
        page = json.loads(client.get("/assistants?skip=5&limit=3", headers=DEV).content)
        for record in page:
            detail = client.get(f"/assistants/{record['id']}", headers=DEV)
            assert detail.status_code == 200
            assert detail.content == json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
        missing = client.get("/assistants/999999999", headers=DEV)
        assert missing.status_code == 404 and "detail" in missing.json()
        # Another organization's assistant is as unknown as a missing one.
        other = client.get(
            f"/assistants/{page[0]['id']}", headers={"Authorization": "Bearer other-org-token"}
        )
        assert other.status_code == 404


def test_a_new_create_operation_validates_its_body_and_answers_201(edited: Path) -> None:
    document = ours()
    list_op = document["paths"]["/assistants"]["get"]
    document["paths"]["/assistants"]["post"] = {
        "operationId": "create_assistant",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "description": {"type": "string"},
                        },
                    }
                }
            },
        },
        "responses": {
            "201": {
                "description": "Created.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/AssistantResponse"}}
                },
            },
            "401": list_op["responses"]["401"],
            "422": list_op["responses"]["422"],
        },
    }
    with TestClient(create_app(save(edited, document))) as client:
        created = client.post("/assistants", json={"name": "Night Line"}, headers=DEV)
        assert created.status_code == 201
        assert created.json()["name"] == "Night Line" and "llm_settings" in created.json()
        again = client.post("/assistants", json={"name": "Night Line"}, headers=DEV)
        assert again.content == created.content
        invalid = client.post("/assistants", json={"name": 5}, headers=DEV)
        assert invalid.status_code in (400, 422)
        assert client.post("/assistants", json={"name": "x"}).status_code == 401


def test_a_document_it_cannot_serve_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses: {}\n"
    )
    result = CliRunner().invoke(main, ["serve", "--spec", str(bad)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("mockserver: error: bad.yaml: /paths")
    swagger = tmp_path / "old.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    result = CliRunner().invoke(main, ["serve", "--spec", str(swagger)])
    assert result.exit_code == 2 and "only OpenAPI 3.0 and 3.1" in result.output
