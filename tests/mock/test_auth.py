"""`mockserver.mock.auth`: each declared scheme takes its dev credential and refuses others."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.auth import DEV_PASSWORD, DEV_USER, challenge, declared_schemes
from mockserver.mock.settings import Settings
from tests.conftest import DEV, OTHER, TESTS
from tests.conftest import mock_client as client


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Not authenticated"),
        ({"Authorization": "Bearer"}, "Not authenticated"),
        ({"Authorization": "Bearer nobody"}, "Invalid authentication credentials"),
        ({"Authorization": "Token dev-token"}, "Invalid authentication credentials"),
    ],
)
def test_a_missing_malformed_or_unknown_bearer_token_is_a_401_that_says_how(
    headers: dict[str, str], detail: str
) -> None:
    """As FastAPI's `HTTPBearer` words it: nothing presented, or a credential it refuses."""
    with client() as c:
        refused = c.get("/assistants?limit=1", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"detail": detail}


def test_each_dev_token_is_its_own_user() -> None:
    with client() as c:
        mine = c.get("/assistants?created_by_me=true&limit=5", headers=DEV).json()
        theirs = c.get("/assistants?created_by_me=true&limit=5", headers=OTHER).json()
    assert {a["user_id"] for a in mine} == {1} and {a["user_id"] for a in theirs} == {7}


def test_a_document_without_identities_takes_one_dev_credential_per_scheme(tmp_path: Path) -> None:
    document = TESTS / "documents" / "basic-auth.yaml"
    assert [s["scheme"] for s in declared_schemes(_load(document)).values()] == ["basic"]
    settings = Settings(spec_path=document, fixtures_dir=tmp_path / "none", count=5)
    with TestClient(create_app(settings)) as c:
        assert c.get("/loans-api/loans", headers=basic(DEV_USER, DEV_PASSWORD)).status_code == 200
        wrong = c.get("/loans-api/loans", headers=basic(DEV_USER, "guess"))
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")
        assert challenge(_load(document), ({"libraryBasic": []},)).startswith("Basic")


def _load(document: Path) -> dict[str, object]:
    import yaml

    loaded: dict[str, object] = yaml.safe_load(document.read_text())
    return loaded
