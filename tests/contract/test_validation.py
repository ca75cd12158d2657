"""`mockserver validate`: the spec, its examples, the fixtures and captured responses."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mockserver.cli import main
from tests import public_corpus
from tests.conftest import REPO

DRIFT = REPO / "fixtures" / "drift" / "assistants-page-example.json"


def test_the_project_validates_and_lists_known_drift() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "openapi.yaml: valid OpenAPI 3.0.3" in result.output
    assert "0 invalid" in result.output
    assert "fixtures: valid" in result.output
    assert "known documentation drift, 3 violations of list_assistants" in result.output


def test_the_seed_pages_example_is_invalid_with_each_path() -> None:
    result = CliRunner().invoke(main, ["validate", str(DRIFT)])
    assert result.exit_code == 1
    for path in ("/0/id", "/0/organization_id", "/0/user_id"):
        assert f"assistants-page-example.json: {path}: " in result.output


def test_a_captured_response_is_matched_to_its_operation(tmp_path: Path) -> None:
    sample = json.loads((REPO / "fixtures/records/orgs/org_demo/assistants/front-desk.json").read_text())
    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample))
    result = CliRunner().invoke(main, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "good.json: valid as list_org_assistants" in result.output
    sample[0]["enabled"] = "yes"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(sample))
    result = CliRunner().invoke(main, ["validate", "--operation", "list_org_assistants", str(bad)])
    assert result.exit_code == 1
    assert "bad.json: /0/enabled: 'yes' is not of type 'boolean'" in result.output


def test_unknown_operation_and_unreadable_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--operation", "nope", str(DRIFT)])
    assert result.exit_code == 2
    assert "unknown operation 'nope'" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "not a readable JSON file" in result.output


def test_invalid_fixtures_fail_validation(tmp_path: Path) -> None:
    import shutil

    fixtures = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures", fixtures)
    (fixtures / "records/assistants/bad.json").write_text('[{"id": "x"}]')
    result = CliRunner().invoke(main, ["validate", "--fixtures", str(fixtures)])
    assert result.exit_code == 1
    assert "fixtures/records/assistants/bad.json: /0" in result.output


def test_a_missing_file_cannot_be_validated_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"mockserver: error: {tmp_path / 'missing.json'}: cannot read: No such file or directory"
    )


def test_the_domain_rules_apply_to_a_captured_page(tmp_path: Path) -> None:
    sample = json.loads((REPO / "fixtures/records/orgs/org_demo/assistants/front-desk.json").read_text())
    sample[0]["integrations"][0]["assistant_id"] = "someone-else"
    captured = tmp_path / "page.json"
    captured.write_text(json.dumps(sample))
    result = CliRunner().invoke(main, ["validate", "--operation", "list_org_assistants", str(captured)])
    assert result.exit_code == 1
    assert "page.json: /0/integrations/0/assistant_id: Child points at another parent: 'someone-else'" in (
        result.output
    )
    duplicated = tmp_path / "twice.json"
    duplicated.write_text(json.dumps(sample[:1] * 2).replace("someone-else", sample[0]["id"]))
    result = CliRunner().invoke(main, ["validate", "--operation", "list_org_assistants", str(duplicated)])
    assert result.exit_code == 1
    assert "twice.json: /1/id: Duplicate ids in a page" in result.output


def test_an_error_body_is_checked_against_its_declared_status(tmp_path: Path) -> None:
    good = tmp_path / "422.json"
    good.write_text(
        json.dumps(
            {"detail": [{"type": "int_parsing", "loc": ["query", "limit"], "msg": "bad", "input": "x"}]}
        )
    )
    result = CliRunner().invoke(
        main, ["validate", "--operation", "list_assistants", "--status", "422", str(good)]
    )
    assert result.exit_code == 0, result.output
    bad = tmp_path / "401.json"
    bad.write_text(json.dumps({"error": "nope"}))
    result = CliRunner().invoke(
        main, ["validate", "--operation", "list_assistants", "--status", "401", str(bad)]
    )
    assert result.exit_code == 1
    assert "401.json: /: 'detail' is a required property" in result.output
    result = CliRunner().invoke(
        main, ["validate", "--operation", "list_assistants", "--status", "418", str(bad)]
    )
    assert result.exit_code == 1
    assert "status 418 is not declared" in result.output


def test_fixtures_that_cannot_be_read_cannot_be_validated_exit_2(tmp_path: Path) -> None:
    import os
    import shutil

    result = CliRunner().invoke(main, ["validate", "--fixtures", str(tmp_path / "nope")])
    assert result.exit_code == 2
    fixtures = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures", fixtures)
    os.mkfifo(fixtures / "records/assistants/pipe.json")
    result = CliRunner().invoke(main, ["validate", "--fixtures", str(fixtures)])
    assert result.exit_code == 2
    assert result.output.strip().endswith("pipe.json: cannot read: not a regular file (a FIFO)")


def test_an_operation_is_named_by_its_label_too(tmp_path: Path) -> None:
    sample = json.loads((REPO / "fixtures/records/orgs/org_demo/assistants/front-desk.json").read_text())
    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample))
    result = CliRunner().invoke(main, ["validate", "--operation", "GET /orgs/{org_id}/assistants", str(good)])
    assert result.exit_code == 0, result.output
    assert "good.json: valid as list_org_assistants" in result.output


def test_any_document_validates_without_a_traceback() -> None:
    public_corpus.require()
    spec = public_corpus.path("twilio.com/twilio_conversations_v1.json")
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "twilio_conversations_v1.json: valid OpenAPI 3.0.1" in result.output


def test_a_default_its_schema_refuses_is_a_warning_with_its_pointer(tmp_path: Path) -> None:
    # Defects real vendors ship: an integer whose default is prose, a boolean's default a string,
    # an array's default an object. Prism serves such documents; so does the mock, and says why.
    spec = tmp_path / "vendor.yaml"
    spec.write_text(
        """
openapi: 3.0.3
info: {title: vendor, version: "1"}
paths:
  /things:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, default: "20 - summary"}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}, default: {}}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties: {id: {type: integer}, enabled: {type: boolean, default: "false"}}
"""
    )
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: vendor.yaml: 3 x a default its own schema refuses, ignored: "
        "/paths/~1things/get/parameters/0/schema/default: '20 - summary' is not of type 'integer'"
    ) in result.output
    assert "/paths/~1things/get/parameters/1/schema/default: {} is not of type 'array'" in result.output
    assert "/items/properties/enabled/default: 'false' is not of type 'boolean'" in result.output
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        page = client.get("/things", params={"limit": 3})
        assert page.status_code == 200
        assert all(isinstance(item.get("enabled", True), bool) for item in page.json())


VENDOR = """
openapi: 3.0.3
paths:
  /things:
    get:
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                required: [id, id]
                properties: {id: {type: integer}}
        404: {description: none}
"""


def test_what_vendors_ship_is_read_with_one_warning_per_kind(tmp_path: Path) -> None:
    spec = tmp_path / "vendor.yaml"
    spec.write_text(VENDOR)
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    for line in (
        "warning: vendor.yaml: 1 x no info object, one made up: /info",
        "warning: vendor.yaml: 2 x response codes written as numbers, read as strings: "
        "/paths/~1things/get/responses/200; /paths/~1things/get/responses/404",
        "warning: vendor.yaml: 1 x responses without a description: /paths/~1things/get/responses/200",
        "warning: vendor.yaml: 1 x required lists naming a field twice, read once: "
        "/paths/~1things/get/responses/200/content/application~1json/schema/required",
    ):
        assert line in result.output
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        assert isinstance(client.get("/things").json()["id"], int)


def test_strict_refuses_what_is_otherwise_a_warning(tmp_path: Path) -> None:
    spec = tmp_path / "vendor.yaml"
    spec.write_text(VENDOR)
    result = CliRunner().invoke(main, ["validate", "--strict", "--spec", str(spec)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"mockserver: error: {spec}: /info: no info object, one made up"
    ]


def test_what_the_openapi_schema_refuses_is_a_warning_with_its_pointer(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(VENDOR.replace("      responses:", "      x-ok: 1\n      bogus: 1\n      responses:"))
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    assert "x refused by the OpenAPI schema: /paths/~1things/get: " in result.output


MORE_VENDOR = """
openapi: 3.0.3
info: {title: more, version: "1"}
servers:
  - url: "{scheme}://{host}/api/v3"
    variables: {scheme: {default: https}, host: {default: example.com}}
paths:
  users:
    get:
      responses:
        "200":
          description: The users.
          content:
            application/json:
              schema: {$ref: "#/paths/~1users~1%7Bid%7D/get/responses/200/content/application~1json/schema"}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: One user.
          content:
            application/json:
              schema:
                type: object
                required: [id, kind]
                properties:
                  id: {type: string}
                  kind: {type: {enum: [a, b]}}
                  type: {type: string, example: card}
  /users/~:
    get:
      responses: {"200": {description: Me., content: {application/json: {schema: {type: object}}}}}
  /pairs/{key}/{key}:
    get:
      responses: {"200": {description: A pair.}}
"""


def test_more_of_what_vendors_ship_is_read_and_served(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    spec = tmp_path / "more.yaml"
    spec.write_text(MORE_VENDOR)
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    for line in (
        "1 x paths that do not start with /, read from the root: /paths/users",
        "1 x paths naming one parameter twice, not served: /paths/~1pairs~1{key}~1{key}",
        "1 x types that are no JSON Schema type, ignored: "
        "/paths/~1users~1{id}/get/responses/200/content/application~1json/schema/properties/kind/type",
    ):
        assert line in result.output
    assert "properties/type/type" not in result.output  # a property named `type` is no defect
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        # Under the server URL's path, its variables at their defaults.
        one = client.get("/api/v3/users").json()  # a reference percent-encoded, into /paths
        assert {"id", "kind"} <= set(one)
        # `/users` and `/users/~` both served though their made-up operation ids would be alike.
        assert client.get("/api/v3/users/~").status_code == 200


def test_a_relative_server_url_is_read_from_the_root(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    spec = tmp_path / "relative.yaml"
    spec.write_text(MORE_VENDOR.replace('"{scheme}://{host}/api/v3"', "api/v1"))
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        assert client.get("/api/v1/users").status_code == 200
        assert client.get("/healthz").status_code == 200


STILL_MORE_VENDOR = """
openapi: 3.0.3
info: {title: still more, version: "1"}
servers: [{url: "https://example.com/api-v2/%3Fsource=web"}]
paths:
  /films:
    get:
      x-policies: {$ref: "#/components/x-policies/list"}
      parameters: [{$ref: "#/components/parameters/type"}]  # a parameter named `type` is no type
      responses:
        "200":
          description: Films, gzipped by the real server's proxy.
          headers:
            Content-Encoding: {schema: {type: string, enum: [gzip]}}
          content:
            application/json:
              schema:
                type: object
                required: [released]
                properties:
                  released: {type: string, format: date-time, minLength: 25, maxLength: 25}
              examples:
                one: {value: {$ref: "#/components/examples/film/value"}}
components:
  parameters:
    type: {name: type, in: query, schema: {type: string, enum: [feature, short]}}
  x-policies:
    list: [read, cache]
  examples:
    film: {value: {released: "2023-01-01T00:00:00+00:00"}}
"""


def test_references_to_values_and_framing_headers_are_read_as_meant(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    spec = tmp_path / "still.yaml"
    spec.write_text(STILL_MORE_VENDOR)
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        assert client.get("/api-v2/films", params={"type": "epic"}).status_code == 400
        films = client.get("/api-v2/films")  # the encoded `?` starts no path of its own
        assert films.status_code == 200
        assert "content-encoding" not in films.headers  # the body is not gzipped
        assert len(films.json()["released"]) == 25  # 2023-...+00:00, as the length asks
        example = client.get("/api-v2/films", headers={"Prefer": "example=one"})
        assert example.json() == {"released": "2023-01-01T00:00:00+00:00"}
