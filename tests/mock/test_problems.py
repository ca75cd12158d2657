"""Error answers as each document declares them (`mockserver/mock/problems.py`)."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.conftest import TESTS

CRUD = TESTS / "documents" / "crud.yaml"
DEV = {"Authorization": "Bearer dev-token"}


def test_a_document_whose_every_detail_is_a_string_gets_string_details() -> None:
    # `{detail: string}` everywhere is no FastAPI document (its 422 holds a list of errors).
    with TestClient(create_app(Settings(spec_path=CRUD, fixtures_dir=CRUD.parent / "none"))) as c:
        invalid = c.get("/notes?limit=0", headers=DEV)
        assert invalid.status_code == 422
        assert invalid.headers["content-type"] == "application/json"
        assert isinstance(invalid.json()["detail"], str) and "limit" in invalid.json()["detail"]
        assert isinstance(c.get("/notes").json()["detail"], str)


def test_an_id_no_record_can_have_is_the_declared_404_where_no_validation_error_is_declared() -> None:
    with TestClient(create_app(Settings(spec_path=CRUD, fixtures_dir=CRUD.parent / "none"))) as c:
        # GET /notes/{note_id} declares 200, 401 and 404: a URL no note can be at is not found.
        assert c.get("/notes/not-a-note-id", headers=DEV).status_code == 404
        # PUT declares a 422: the same id there is invalid input.
        put = c.put("/notes/not-a-note-id", json={"title": "x", "done": False}, headers=DEV)
        assert put.status_code == 422


def test_an_invalid_body_is_refused_as_fastapi_refuses_it(tmp_path: Path) -> None:
    # The mock of the document FastAPI generates, beside FastAPI itself, on the same bodies:
    # one item per violation, `loc` into the body, pydantic's words, types and bounds.
    from tests.deployments import write_document
    from tests.fastapi_deployment import TOKEN
    from tests.fastapi_deployment import app as deployment

    document = write_document(deployment, tmp_path, "assistants-fastapi")
    bodies: list[object] = [
        {},
        {"name": ""},
        {"name": 5, "is_active": "maybe"},
        {"name": "x", "llm_settings": {"temperature": "hot"}},
        [1],
    ]
    with (
        TestClient(create_app(Settings(spec_path=document, fixtures_dir=tmp_path / "none"))) as mock,
        TestClient(deployment) as real,
    ):
        for body in bodies:
            served = mock.post("/assistants", json=body, headers=DEV)
            answered = real.post("/assistants", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
            assert (served.status_code, served.json()) == (answered.status_code, answered.json()), body
