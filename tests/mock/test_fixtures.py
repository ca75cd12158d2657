"""Bad fixtures stop start-up with the file and the JSON path; good ones are served first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.mock.app import create_app
from mockserver.mock.fixtures import FixtureError
from mockserver.mock.settings import Settings
from tests.conftest import DEV, REPO

ASSISTANT = json.loads((REPO / "fixtures/records/assistants/customer-service-bot.json").read_text())[0]
ORG_ASSISTANT = json.loads((REPO / "fixtures/records/orgs/org_demo/assistants/front-desk.json").read_text())[
    0
]


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures", target)
    return target


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)


def error_for(fixtures: Path) -> str:
    with pytest.raises(FixtureError) as info:
        create_app(Settings(fixtures_dir=fixtures))
    return str(info.value)


def test_wrong_type_names_file_and_path(fixtures: Path) -> None:
    bad = json.loads(json.dumps(ASSISTANT))
    bad["llm_settings"]["temperature"] = "0.5"
    write(fixtures / "records/assistants/bad.json", [bad])
    assert error_for(fixtures) == (
        "fixtures/records/assistants/bad.json: /0/llm_settings/temperature: '0.5' is not of type 'number'"
    )


def test_a_partial_record_is_completed_and_keeps_what_it_states(fixtures: Path) -> None:
    partial = {"id": "ast_partial0000000000001", "name": "Only a name"}
    write(fixtures / "records/orgs/org_demo/assistants/front-desk.json", [partial])
    app = create_app(Settings(fixtures_dir=fixtures))
    with TestClient(app) as client:
        first = client.get("/orgs/org_demo/assistants?take=1", headers=DEV).json()[0]
        again = client.get("/orgs/org_demo/assistants?take=1", headers=DEV).json()[0]
    assert first["id"] == partial["id"] and first["name"] == "Only a name"
    assert {"config", "integrations", "actions", "created_at", "updated_at"} <= set(first)
    assert all(child["assistant_id"] == partial["id"] for child in first["integrations"] + first["actions"])
    assert first == again


def test_a_completed_record_is_still_held_to_the_domain_rules(fixtures: Path) -> None:
    partial = {
        "id": "ast_partial0000000000001",
        "created_at": "2024-05-01T00:00:00Z",
        "updated_at": "2024-04-01T00:00:00Z",
    }
    write(fixtures / "records/orgs/org_demo/assistants/front-desk.json", [partial])
    assert error_for(fixtures) == (
        "fixtures/records/orgs/org_demo/assistants/front-desk.json: /0/updated_at: '2024-04-01T00:00:00Z' "
        "is before created_at '2024-05-01T00:00:00Z'"
    )


def test_invalid_json_names_line_and_column(fixtures: Path) -> None:
    write(fixtures / "records/assistants/broken.json", '[{"name": ')
    assert error_for(fixtures).startswith(
        "fixtures/records/assistants/broken.json: invalid JSON at line 1 column 11"
    )


def test_child_must_reference_parent(fixtures: Path) -> None:
    bad = json.loads(json.dumps(ORG_ASSISTANT))
    bad["actions"][0]["assistant_id"] = "ast_someone_else"
    write(fixtures / "records/orgs/org_demo/assistants/front-desk.json", [bad])
    assert error_for(fixtures) == (
        "fixtures/records/orgs/org_demo/assistants/front-desk.json: /0/actions/0/assistant_id: "
        "'ast_someone_else', but the object holding it has id 'ast_frontdesk0000000001'"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organization_id": 9}, "/0/organization_id: unknown organization 9"),
        ({"user_id": 7}, "/0/user_id: 7 is not a user of organization 1"),
        ({"id": 5000}, "/0/id: curated ids must be below 1000 (generated ids start there)"),
    ],
)
def test_record_semantics(fixtures: Path, change: dict[str, Any], message: str) -> None:
    write(fixtures / "records/assistants/customer-service-bot.json", [{**ASSISTANT, **change}])
    assert error_for(fixtures) == f"fixtures/records/assistants/customer-service-bot.json: {message}"


def test_duplicate_ids(fixtures: Path) -> None:
    write(fixtures / "records/assistants/zz-again.json", [ASSISTANT])
    assert error_for(fixtures) == "fixtures/records/assistants/zz-again.json: /0/id: duplicate id 1"


def test_unknown_org_directory_and_unknown_layout(fixtures: Path) -> None:
    write(fixtures / "records/orgs/org_nope/assistants/a.json", [])
    assert "unknown organization slug 'org_nope'" in error_for(fixtures)
    (fixtures / "records/orgs/org_nope/assistants/a.json").unlink()
    write(fixtures / "records/agents/a.json", [])
    assert "fixtures/records/agents/a.json: no operation serves agents/" in error_for(fixtures)


def test_identities_are_validated(fixtures: Path) -> None:
    data = json.loads((fixtures / "identities.json").read_text())
    data["users"][0]["organization_id"] = "one"
    write(fixtures / "identities.json", data)
    assert error_for(fixtures) == (
        "fixtures/identities.json: /users/0/organization_id: 'one' is not of type 'integer'"
    )
    data["users"][0]["organization_id"] = 42
    write(fixtures / "identities.json", data)
    assert (
        error_for(fixtures) == "fixtures/identities.json: /users/0/organization_id: unknown organization 42"
    )


def test_curated_records_are_served_first(fixtures: Path) -> None:
    extra = {**ASSISTANT, "id": 2, "name": "Night Shift Line", "is_active": False, "user_id": 2}
    write(fixtures / "records/assistants/zz-night.json", [extra])
    client = create_app(Settings(fixtures_dir=fixtures)).test_client()
    headers = {"Authorization": "Bearer dev-token"}
    names = [a["name"] for a in client.get("/assistants?limit=3", headers=headers).json()]
    assert names[:2] == ["Customer Service Bot", "Night Shift Line"]
    active = client.get("/assistants?active_only=true&limit=2", headers=headers).json()
    assert "Night Shift Line" not in [a["name"] for a in active]


def test_cli_reports_a_bad_fixture_in_one_line_with_exit_2(fixtures: Path) -> None:
    write(fixtures / "records/assistants/broken.json", "{")
    result = CliRunner().invoke(main, ["serve", "--fixtures", str(fixtures)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        "mockserver: error: fixtures/records/assistants/broken.json: invalid JSON at "
        "line 1 column 2: Expecting property name enclosed in double quotes"
    ]
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ hostile fixture files


def test_a_fifo_is_refused_instead_of_waited_on(fixtures: Path) -> None:
    import os

    os.mkfifo(fixtures / "records/assistants/pipe.json")
    assert (
        error_for(fixtures)
        == "fixtures/records/assistants/pipe.json: cannot read: not a regular file (a FIFO)"
    )


def test_a_symlink_to_an_endless_device_is_refused(fixtures: Path) -> None:
    (fixtures / "records/assistants/zero.json").symlink_to("/dev/zero")
    assert error_for(fixtures) == (
        "fixtures/records/assistants/zero.json: cannot read: not a regular file (a character device)"
    )


def test_an_oversized_file_is_refused_before_it_is_read(fixtures: Path) -> None:
    from mockserver.model import limits

    with open(fixtures / "records/assistants/big.json", "wb") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    assert error_for(fixtures).endswith(f"over the {limits.MAX_FILE_BYTES}-byte limit")


def test_deep_nesting_names_the_path_where_it_goes_too_deep(fixtures: Path) -> None:
    record = json.loads(json.dumps(ASSISTANT))
    record["description"] = json.loads("[" * 100 + "]" * 100)
    write(fixtures / "records/assistants/deep.json", [record])
    message = error_for(fixtures)
    assert message.startswith("fixtures/records/assistants/deep.json: /0/description/0/0/")
    assert message.endswith("nested deeper than 64 levels")


def test_deeply_nested_json_does_not_recurse(fixtures: Path) -> None:
    write(fixtures / "records/assistants/deeper.json", "[" * 100_000 + "]" * 100_000)
    assert "nested deeper than 64 levels" in error_for(fixtures)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "/0/llm_settings/temperature: NaN is not JSON"),
        ("Infinity", "/0/llm_settings/temperature: Infinity is not JSON"),
        ("1e400", "/0/llm_settings/temperature: 1e400 is out of range for a JSON number"),
    ],
)
def test_numbers_no_json_peer_can_read_are_refused(fixtures: Path, text: str, message: str) -> None:
    record = json.loads(json.dumps(ASSISTANT))
    record["llm_settings"]["temperature"] = "__NUMBER__"
    write(fixtures / "records/assistants/nan.json", json.dumps([record]).replace('"__NUMBER__"', text))
    assert error_for(fixtures) == f"fixtures/records/assistants/nan.json: {message}"


def test_a_record_updated_before_it_was_created_is_refused(fixtures: Path) -> None:
    record = json.loads(json.dumps(ASSISTANT))
    record["id"] = 901
    record["updated_at"] = "2001-01-01T00:00:00Z"
    write(fixtures / "records/assistants/time.json", [record])
    message = error_for(fixtures)
    assert message.startswith(
        "fixtures/records/assistants/time.json: /0/updated_at: '2001-01-01T00:00:00Z' is before"
    )


def test_serve_with_a_hostile_fixture_is_one_line_and_exit_2(fixtures: Path) -> None:
    write(fixtures / "records/assistants/deeper.json", "[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(main, ["serve", "--fixtures", str(fixtures)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "fixtures/records/assistants/deeper.json: /0/0/" in result.output
