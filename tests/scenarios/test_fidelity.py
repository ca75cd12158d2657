"""HTTP as the document says it (tests/documents/fidelity.yaml): Accept, concrete paths before
templated ones, parameter names that are not identifiers, declared headers and statuses, and
`Prefer: code=` answered with the declared response's own media type."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.conftest import REPO, TESTS

DOCUMENT = TESTS / "documents" / "fidelity.yaml"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(spec_path=DOCUMENT, fixtures_dir=DOCUMENT.parent / "no-fixtures"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_the_first_declared_media_type_without_accept(client: TestClient) -> None:
    response = client.get("/reports")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json(), list)


def test_xml_and_csv_when_accepted(client: TestClient) -> None:
    xml = client.get("/reports", headers={"Accept": "application/xml"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Report><item><id>')
    csv = client.get("/reports", headers={"Accept": "text/csv;q=0.9, application/xml;q=0.5"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "id,title,status"


def test_406_when_nothing_offered_is_acceptable(client: TestClient) -> None:
    response = client.get("/reports", headers={"Accept": "image/png"})
    assert response.status_code == 406
    # In the operation's declared error shape (its `default`: {error: {status, message}}).
    assert response.json()["error"]["status"] == 406


def test_a_vendor_json_type_is_served_as_declared(client: TestClient) -> None:
    response = client.get("/reports/latest", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.acme.report+json"


def test_a_concrete_path_is_matched_before_a_templated_one(client: TestClient) -> None:
    # The document declares /reports/{report-id} first; `latest` is no uuid and would be a 400.
    assert client.get("/reports/latest").status_code == 200


def test_a_path_parameter_named_with_a_hyphen_is_bound(client: TestClient) -> None:
    first = client.get("/reports").json()[0]
    response = client.get(f"/reports/{first['id']}")
    assert response.status_code == 200
    assert response.json() == first
    # No report can be at a URL whose id is no UUID: the declared 404 (the operation declares
    # no answer for invalid input, and a 400 would be one it does not document).
    assert client.get("/reports/not-a-uuid").status_code == 404


def test_declared_response_headers_are_sent(client: TestClient) -> None:
    response = client.get("/reports")
    assert 0 <= int(response.headers["x-rate-limit-remaining"]) <= 5000
    assert len(response.headers["x-request-id"]) == 36
    # The same value on every answer: a seeded start-up, not a draw per request.
    assert client.get("/reports").headers["x-request-id"] == response.headers["x-request-id"]
    accepted = client.post("/exports", json={"format": "csv"})
    assert accepted.status_code == 202 and accepted.headers["location"]


def test_prefer_answers_the_declared_response_as_declared(client: TestClient) -> None:
    down = client.get("/reports", headers={"Prefer": "code=503"})
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("text/plain")
    assert down.text == "maintenance"
    other = client.get("/reports", headers={"Prefer": "code=500"})  # under `default`
    assert other.status_code == 500 and other.json()["error"]["status"] == 500


def test_an_invalid_body_gets_the_declared_422(client: TestClient) -> None:
    response = client.post("/exports", json={"format": "pdf"})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"status", "message"}


def test_swagger_ui_has_somewhere_to_paste_the_dev_token_for_an_oauth2_document() -> None:
    oauth2 = TESTS / "documents" / "oauth2.yaml"
    app = create_app(Settings(spec_path=oauth2, fixtures_dir=oauth2.parent / "no-fixtures"))
    with TestClient(app) as c:
        published = c.get("/shelter/v2/openapi.json").json()
        scheme = published["components"]["securitySchemes"]["mockDevToken"]
        assert (
            scheme["type"] == "http" and scheme["scheme"] == "bearer" and "dev-token" in scheme["description"]
        )
        security = published["paths"]["/animals/byStatus"]["get"]["security"]
        assert {"mockDevToken": []} in security and any("shelter_oauth" in r for r in security)
        # What is pasted there is what the mock takes for the OAuth2 scheme.
        found = c.get(
            "/shelter/v2/animals/byStatus",
            params={"status": "in_care"},
            headers={"Authorization": "Bearer dev-token"},
        )
        assert found.status_code == 200


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("near=1.5", 200),  # form, exploded: `lat` is a parameter of its own
        ("lat=1.5&lng=2", 200),
        ("lat=north", 400),
        ("box=w,3,h,4", 200),  # form, not exploded
        ("box=w,wide", 400),
        ("filter[size]=3", 200),  # deepObject
        ("filter[size]=big", 400),
        ("ids=1,2,3", 200),
        ("ids=1,x", 400),
        ("words=1%202", 200),  # spaceDelimited
        ("words=1%20x", 400),
        ("codes=1|2", 200),  # pipeDelimited
        ("codes=1|x", 400),
        ("kind=daily", 200),  # a `$ref` schema without a type
        ("kind=hourly", 400),
        ("anything=at+all", 200),  # an empty schema
        ("query=%7B%7D", 200),  # a `content` parameter
    ],
)
def test_every_parameter_style_is_read_and_judged(client: TestClient, query: str, status: int) -> None:
    lat = "" if "lat=" in query else "lat=0&"
    response = client.get(f"/search?{lat}{query}")
    assert response.status_code == status, response.text


def test_a_property_of_a_form_object_is_named_as_it_is_sent(client: TestClient) -> None:
    body = client.get("/search?lat=north").json()
    assert "query parameter 'lat'" in body["error"]["message"]


def test_header_and_cookie_values_are_typed_and_judged(client: TestClient) -> None:
    base = "/search?lat=0"
    assert client.get(base, headers={"X-Versions": "1, 2"}).status_code == 200
    assert client.get(base, headers={"X-Versions": "1,two"}).status_code == 400
    assert client.get(base, headers={"Cookie": "tz_offset=60"}).status_code == 200
    refused = client.get(base, headers={"Cookie": "tz_offset=east"})
    assert refused.status_code == 400 and "cookie parameter 'tz_offset'" in refused.text


def test_an_error_body_through_allof_is_filled_from_what_went_wrong(client: TestClient) -> None:
    body = client.get("/search?lat=north").json()
    # The base error's fields (through `allOf` and `$ref`), and the enum value naming the status.
    assert body["error"]["status"] == 400
    assert "lat" in body["error"]["message"]
    assert body["code"] == "BAD_REQUEST"


def test_ids_take_the_item_operations_format(client: TestClient) -> None:
    orders = client.get("/orders").json()
    assert len({o["id"] for o in orders}) == len(orders)
    for order in orders[:5]:
        assert re.fullmatch(r"ord_[a-z0-9]{8}", order["id"])
        assert client.get(f"/orders/{order['id']}").json() == order
    assert client.get("/orders/ord_zzzzzzzz").status_code == 404


def test_openapi_3_1_keywords_are_generated_as_3_1_means_them() -> None:
    document = TESTS / "documents" / "keywords-3.1.yaml"
    app = create_app(Settings(spec_path=document, fixtures_dir=document.parent / "no-fixtures"))
    with TestClient(app) as c:
        shapes = c.get("/shapes", params={"limit": 100}).json()
    spec = yaml.safe_load(document.read_text())
    validator = OAS31Validator(
        {**spec["components"]["schemas"]["Shape"], "components": spec["components"]},
        format_checker=OAS31Validator.FORMAT_CHECKER,
    )
    assert shapes
    for shape in shapes:
        assert not list(validator.iter_errors(shape)), shape
        assert "never" not in shape
        assert email.utils.parsedate_to_datetime(shape["sent"]) is not None
        assert shape["serial"].isdigit()
    # Both ways through `if`/`then`/`else` are taken over the records.
    assert {s["unit"]["system"] for s in shapes} == {"metric", "imperial"}


@pytest.fixture(scope="module")
def shown() -> Iterator[TestClient]:
    document = TESTS / "documents" / "examples.yaml"
    app = create_app(Settings(spec_path=document, fixtures_dir=document.parent / "no-fixtures"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_a_media_type_without_a_schema_answers_its_example(shown: TestClient) -> None:
    text = shown.get("/greeting")
    assert text.headers["content-type"].startswith("text/plain") and text.text == "hello"
    xml = shown.get("/greeting", headers={"Accept": "text/plain;q=0.5, application/xml"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.text == "<greeting>hello</greeting>"
    status = shown.get("/status", headers={"X-Key": "dev-key"})
    assert status.json() == {"up": True, "version": "2.1"}


def test_prefer_names_an_example_in_the_chosen_media_type(shown: TestClient) -> None:
    named = shown.get("/greeting", headers={"Prefer": "example=bonjour"})
    assert named.status_code == 200 and named.text == "bonjour"
    # Naming the success status too changes nothing.
    assert shown.get("/greeting", headers={"Prefer": "code=200, example=bonjour"}).text == "bonjour"
    unknown = shown.get("/greeting", headers={"Prefer": "example=hola"})
    assert unknown.status_code == 422  # the operation's validation status
    assert "its examples: hello, bonjour, example" in unknown.text


def test_prefer_code_and_example_answer_that_response_s_example(shown: TestClient) -> None:
    refused = shown.get("/greeting", headers={"Prefer": "code=422, example=unknownLanguage"})
    assert refused.status_code == 422 and refused.json() == {"reason": "unknown language"}
    created = shown.get("/greeting", headers={"Prefer": "code=201"})
    assert created.status_code == 201 and created.text == "created"


def test_error_bodies_are_the_declared_example_or_scalar_or_nothing(shown: TestClient) -> None:
    unsigned = shown.get("/status")
    assert unsigned.status_code == 401 and unsigned.json() == "unauthorized"
    bad = shown.get("/score", params={"round": "first"})
    assert bad.status_code == 400 and isinstance(bad.json(), (int, float))
    # `default` declares no body: an invalid request under it is answered without one.
    wrong = shown.get("/echo", params={"lang": "de"})
    assert wrong.status_code == 400 and wrong.content == b"" and "content-type" not in wrong.headers


def test_an_operation_whose_answers_are_all_errors_answers_them_as_declared(shown: TestClient) -> None:
    assert shown.get("/maintenance", headers={"Prefer": "code=401"}).text == "default content"
    assert shown.get("/maintenance", headers={"Prefer": "code=503"}).text == "down for maintenance"


def test_an_example_goes_through_tenancy_as_any_answer_does(tmp_path: Path) -> None:
    import yaml as pyyaml

    from mockserver.mock.settings import Settings as Configured

    document = pyyaml.safe_load((REPO / "openapi.yaml").read_text())
    media = document["paths"]["/orgs/{org_id}/assistants"]["get"]["responses"]["200"]["content"]
    media["application/json"]["examples"] = {"one": {"value": []}}
    spec = tmp_path / "openapi.yaml"
    spec.write_text(pyyaml.safe_dump(document, sort_keys=False))
    app = create_app(Configured(spec_path=spec))
    with TestClient(app) as c:
        mine = {"Authorization": "Bearer dev-token", "Prefer": "example=one"}
        assert c.get("/orgs/org_demo/assistants", headers=mine).json() == []
        # Not a member of Globex: the example is no way round tenancy.
        assert c.get("/orgs/org_globex/assistants", headers=mine).status_code == 404
        others = {**mine, "Prefer": "dynamic=false"}
        assert c.get("/orgs/org_globex/assistants", headers=others).status_code == 404
