"""Any OpenAPI document is served with no code: public documents, and ours as its owners edit it."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.contract.runner import run
from mockserver.mock.app import base_path, create_app, dev_credentials
from mockserver.mock.settings import Settings
from tests import public_corpus
from tests.conftest import DEV, REPO, run_options

# Checks whose failure would be the mock's fault whatever the document declares. Undeclared
# statuses (a 401 the document forgot, a 400 where it declares no error) are the document's, and
# so is accepting what a form or XML body cannot say wrongly (docs/your-document.md).
MOCK_FAULTS = {
    "not_a_server_error",
    "response_schema_conformance",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
    "content_type_conformance",
    "positive_data_acceptance",
    "http_semantics",
}


def mocks_fault(finding: Any) -> bool:
    if finding.check not in MOCK_FAULTS:
        return False
    # Schemathesis reuses values seen in responses as parameters: a `null` from a nullable field
    # sent as a path segment is refused rightly, though Schemathesis counts the request valid.
    return not (finding.check == "positive_data_acceptance" and "/null/" in finding.curl)


def corpus_app(name: str) -> Any:
    spec = public_corpus.path(name)
    return create_app(Settings(spec_path=spec, fixtures_dir=spec.parent / ".no-fixtures"))


def corpus_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(public_corpus.path(name).read_text())
    return document


@pytest.mark.parametrize("name", public_corpus.CURATED)
def test_every_corpus_document_is_served(name: str) -> None:
    public_corpus.require()
    base = base_path(corpus_document(name))
    with TestClient(corpus_app(name)) as client:
        assert client.get(f"{base}/openapi.json").status_code == 200
        assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("name", public_corpus.CURATED)
def test_schemathesis_finds_nothing_that_is_the_mocks_fault(name: str) -> None:
    public_corpus.require()
    # The dev token where a scheme takes one, else the API key in its header, else basic.
    credentials = dev_credentials(corpus_document(name))
    outcome = run(
        run_options(
            app=corpus_app(name),
            spec_path=public_corpus.path(name),
            headers=credentials.get("headers", ()),
            token=credentials.get("token"),
            max_examples=5,
            # No stateful phase: Schemathesis' inferred links feed one resource's id into another's
            # pattern-bound path parameter (Twilio's), which the mock refuses rightly; the stateful
            # phase is judged on CRUD documents in tests/mock/test_state.py.
            phases=("examples", "coverage", "fuzzing"),
        )
    )
    faults = sorted({(f.check, f.operation, f.title) for f in outcome.findings if mocks_fault(f)})
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
        # What the client sent and what the record must hold; no optional field it left out.
        required = {"id", "organization_id", "user_id", "name", "is_active", "created_at", "updated_at"}
        assert created.json()["name"] == "Night Line" and set(created.json()) == required
        # Writes stick: a second create is a second record, and the list holds both.
        again = client.post("/assistants", json={"name": "Night Line"}, headers=DEV)
        assert again.json()["id"] != created.json()["id"] and again.json()["name"] == "Night Line"
        listed: list[dict[str, Any]] = []
        while page := client.get(f"/assistants?limit=100&skip={len(listed)}", headers=DEV).json():
            listed += page
        assert [a["id"] for a in listed[-2:]] == [created.json()["id"], again.json()["id"]]
        # The tenant's field and what `created_by_me` reads are the creator's.
        assert (created.json()["organization_id"], created.json()["user_id"]) == (1, 1)
        mine = client.get("/assistants?limit=1000&created_by_me=true", headers=DEV).json()
        assert mine[-1]["id"] == again.json()["id"]
        invalid = client.post("/assistants", json={"name": 5}, headers=DEV)
        assert invalid.status_code in (400, 422)
        assert client.post("/assistants", json={"name": "x"}).status_code == 401


def test_a_document_it_cannot_serve_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n"
        "        '200': {description: ok, content: {application/json: {schema: {$ref: '#/nope'}}}}\n"
    )
    result = CliRunner().invoke(main, ["serve", "--spec", str(bad)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(
        "mockserver: error: bad.yaml: "
        "/paths/~1x/get/responses/200/content/application~1json/schema/$ref: #/nope points at nothing"
    )
    swagger = tmp_path / "old.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    result = CliRunner().invoke(main, ["serve", "--spec", str(swagger)])
    assert result.exit_code == 2 and "only OpenAPI 3.0 and 3.1" in result.output


# ------------------------------------------------- what real documents declare, served right

SHAPES = {
    "openapi": "3.1.0",
    "info": {"title": "Shapes", "version": "1"},
    "security": [{"key": []}, {"basic": []}],
    "components": {
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "basic": {"type": "http", "scheme": "basic"},
        },
        "schemas": {
            # RFC 7807-like, with a `detail` string among other fields: not FastAPI's body.
            "Error": {
                "type": "object",
                "required": ["status", "detail"],
                "properties": {"status": {"type": "integer"}, "detail": {"type": "string"}},
            },
            "Account": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string"}},
                "discriminator": {"propertyName": "type", "mapping": {"iban": "#/components/schemas/Iban"}},
            },
            "Iban": {
                "type": "object",
                "required": ["type", "iban"],
                "properties": {"type": {"type": "string", "enum": ["iban"]}, "iban": {"type": "string"}},
            },
            "Ticket": {
                "type": "object",
                "required": ["id", "seats"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "seats": {"type": "integer"},
                    "account": {"$ref": "#/components/schemas/Account"},
                },
            },
        },
        "responses": {
            "Error": {
                "description": "An error.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    },
    "paths": {
        "/tickets": {
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}
                },
                "responses": {
                    "201": {
                        "description": "Created.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}},
                    },
                    "400": {"$ref": "#/components/responses/Error"},
                    "401": {"$ref": "#/components/responses/Error"},
                },
            }
        },
        "/tickets/{id}/qr": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The code.", "content": {"image/png": {"schema": {}}}},
                    "401": {"$ref": "#/components/responses/Error"},
                },
            },
            "delete": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Gone.", "content": {"application/json": {}}}},
            },
        },
        "/roles": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["Name", "Permission"],
                                "properties": {
                                    "Name": {"type": "string"},
                                    "Permission": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "Created."},
                    "400": {"$ref": "#/components/responses/Error"},
                },
            }
        },
    },
}
KEY = {"X-API-Key": "dev-key"}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Any:
    spec = tmp_path_factory.mktemp("shapes") / "shapes.json"
    spec.write_text(json.dumps(SHAPES))
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=spec.parent / "fixtures"))) as client:
        yield client


def test_request_bodies_are_held_to_every_format_and_an_absent_optional_body_is_no_error(shapes: Any) -> None:
    sent = {"id": "not-a-uuid", "seats": 2}
    refused = shapes.post("/tickets", json=sent, headers=KEY)
    assert refused.status_code == 400 and "uuid" in refused.json()["detail"].lower()
    # Not echoed into a 201 either: the uuid would make the response invalid.
    assert shapes.post("/tickets", headers=KEY).status_code == 201
    assert (
        shapes.post(
            "/tickets", content=b"null", headers={**KEY, "Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_an_integral_float_is_an_integer_and_only_declared_fields_are_echoed(shapes: Any) -> None:
    ticket = "0b6c3c9e-9d3c-4b8e-9a43-3f1f6f3e2a10"
    created = shapes.post("/tickets", json={"id": ticket, "seats": 3.0, "extra": "x"}, headers=KEY)
    assert created.status_code == 201
    assert created.json()["id"] == ticket and "extra" not in created.json()


def test_a_discriminator_without_oneof_takes_only_mapped_values(shapes: Any) -> None:
    accounts = [
        shapes.post("/tickets", json={"id": str(uuid), "seats": 1}, headers=KEY).json().get("account")
        for uuid in ("0b6c3c9e-9d3c-4b8e-9a43-3f1f6f3e2a1" + str(i) for i in range(10))
    ]
    assert [a for a in accounts if a] and all(a["type"] == "iban" and "iban" in a for a in accounts if a)


def test_a_wrong_credential_is_refused_even_beside_a_right_one(shapes: Any) -> None:
    basic = "Basic " + base64.b64encode(b"dev:dev").decode()
    assert shapes.get("/tickets/1/qr", headers={"Authorization": basic}).status_code == 200
    assert shapes.get("/tickets/1/qr", headers={**KEY, "Authorization": "garbage"}).status_code == 401
    wrong_key = shapes.get("/tickets/1/qr", headers={"X-API-Key": "nope", "Authorization": basic})
    assert wrong_key.status_code == 401
    # One challenge per scheme the operation accepts (RFC 9110 §11.6.1), not a bearer it has not.
    assert (
        wrong_key.headers["www-authenticate"]
        == 'ApiKey in="header", name="X-API-Key", Basic realm="mockserver"'
    )
    # The declared error body, generated from its schema: `detail` is a string here.
    assert wrong_key.json()["status"] == 401 and isinstance(wrong_key.json()["detail"], str)


def test_bodies_that_are_not_json_are_served_in_their_declared_media_type(shapes: Any) -> None:
    image = shapes.get("/tickets/1/qr", headers=KEY)
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG\r\n")
    gone = shapes.delete("/tickets/1/qr", headers=KEY)
    assert (
        gone.status_code == 204 and gone.content == b"" and gone.headers["content-type"] == "application/json"
    )


def test_a_form_that_cannot_spell_an_empty_array_is_understood(shapes: Any) -> None:
    form = {**KEY, "Content-Type": "application/x-www-form-urlencoded"}
    assert shapes.post("/roles", content=b"Name=admin", headers=form).status_code == 201
    assert (
        shapes.post("/roles", content=b"Name=admin&Permission=a&Permission=b", headers=form).status_code
        == 201
    )
    assert shapes.post("/roles", content=b"Permission=a", headers=form).status_code == 400
