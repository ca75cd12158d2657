"""The stub a front-end developer calls from a browser: CORS, Swagger UI, and answers that read
as the real services' do (FastAPI's and RFC 7807's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.conftest import DEV, REPO
from tests.conftest import mock_client as client

ORIGIN = {"Origin": "http://localhost:3000"}


# -------------------------------------------------------------------------------------- CORS


def test_a_browser_on_another_origin_may_call_with_a_bearer_token() -> None:
    with client() as c:
        preflight = c.options(
            "/assistants",
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        # Any origin, without credentials (cookies, HTTP authentication): a bearer token needs
        # none, and any other page the developer visits cannot call the stub as them.
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        page = c.get("/assistants?limit=5", headers={**DEV, **ORIGIN})
        assert page.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in page.headers
        assert len(page.json()) == 5
        # Errors too, so that a front-end can read them.
        refused = c.get("/assistants", headers=ORIGIN)
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"]
        assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()


def test_cors_can_be_narrowed_or_turned_off() -> None:
    with client(cors_origins="http://localhost:3000") as c:
        other = c.get("/assistants?limit=1", headers={**DEV, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        named = c.get("/assistants?limit=1", headers={**DEV, **ORIGIN})
        assert named.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert named.headers["access-control-allow-credentials"] == "true"  # a named origin's
        # The journal is cleared by tests and by the named origin's page, not by any other.
        assert (
            c.delete("/__mockserver/requests", headers={"Origin": "http://evil.example"}).status_code == 403
        )
        assert c.delete("/__mockserver/requests", headers=ORIGIN).status_code == 204
        assert c.delete("/__mockserver/requests").status_code == 204
    with client(cors_origins="") as c:
        assert (
            "access-control-allow-origin"
            not in c.get("/assistants?limit=1", headers={**DEV, **ORIGIN}).headers
        )
        preflight = c.options("/assistants", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 405


def test_the_root_leads_to_swagger_ui_without_trusting_the_host_header() -> None:
    with client() as c:
        home = c.get("/", headers={"Host": "evil.example"}, follow_redirects=False)
        assert home.status_code == 307 and home.headers["location"] == "/ui/"


# ---------------------------------------------------------------------- faithful to FastAPI

# The requests on which the mock differed from a FastAPI 0.122+ / pydantic 2 implementation of
# `GET /assistants`, with what FastAPI answers (status, media type, body).
FASTAPI = [
    *[
        (f"/assistants?active_only={v}&limit=1", DEV, 200)
        for v in ("1", "yes", "on", "t", "0", "no", "off", "f")
    ],
    ("/assistants?limit=5.0", DEV, 200),
    ("/assistants?limit=\u0663", DEV, 422),
    ("/assistants?limit=0", DEV, 422),
    ("/assistants", {"Authorization": "Bearer "}, 401),
    ("/assistants", {"Authorization": "Basic ZGV2OmRldg=="}, 401),
    ("/assistantz", DEV, 404),
]


@pytest.mark.parametrize(("url", "headers", "status"), FASTAPI)
def test_the_fastapi_style_api_answers_as_fastapi_does(
    url: str, headers: dict[str, str], status: int
) -> None:
    with client() as c:
        response = c.get(url, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if status == 200:
        assert isinstance(body, list)
    elif status == 404:
        assert body == {"detail": "Not Found"}
    elif status == 401:
        expected = (
            "Not authenticated"
            if headers["Authorization"] == "Bearer "
            else "Invalid authentication credentials"
        )
        assert body == {"detail": expected} and response.headers["www-authenticate"] == "Bearer"
    else:
        (item,) = body["detail"]
        assert item["input"] == url.split("=", 1)[1]
        if url.endswith("limit=0"):
            assert item["ctx"] == {"ge": 1} and item["type"] == "greater_than_equal"
        else:
            assert item["type"] == "int_parsing"


def test_head_and_undeclared_methods_as_fastapi_and_rfc_7807_kept_where_declared() -> None:
    with client() as c:
        head = c.head("/assistants", headers=DEV)
        assert head.status_code == 405 and head.headers["allow"] == "GET, POST"
        put = c.put("/assistants", headers=DEV)
        assert put.status_code == 405 and put.json() == {"detail": "Method Not Allowed"}
        # The other service is not FastAPI: HEAD answered, errors RFC 7807.
        assert c.head("/orgs/org_demo/assistants", headers=DEV).status_code == 200
        unknown = c.get("/orgs/org_demo/assistants/x", headers=DEV)
        assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


def test_number_fields_are_written_as_floats() -> None:
    with client() as c:
        text = c.get("/assistants?limit=20", headers=DEV).text
    records = json.loads(text)
    settings = [r["llm_settings"] for r in records]
    assert all(isinstance(s["top_p"], float) for s in settings)
    assert '"top_p":1.0' in text and '"top_p":1,' not in text


def test_swagger_ui_is_told_the_truth() -> None:
    with client() as c:
        spec = c.get("/openapi.json").json()
    assert spec["servers"][0]["url"] == "/"
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert "token alone" in scheme["description"] and "dev-token" in scheme["description"]
    responses = spec["paths"]["/orgs/{org_id}/assistants"]["get"]["responses"]
    examples = {
        code: responses[code]["content"]["application/problem+json"]["example"]
        for code in ("400", "401", "404")
    }
    assert {code: e["status"] for code, e in examples.items()} == {"400": 400, "401": 401, "404": 404}


# ------------------------------------------------------------- what a review found, kept fixed


def test_any_status_a_server_may_send_is_answered_and_nonsense_refused() -> None:
    with client() as c:
        odd = c.get("/orgs/org_demo/assistants", headers={**DEV, "Prefer": "code=599"})
        assert odd.status_code == 599 and odd.json()["title"] == "Server Error 599"
        assert c.get("/assistants", headers={**DEV, "Prefer": "code=999"}).status_code == 422
        assert c.get("/assistants", headers={**DEV, "Prefer": "fault=599"}).status_code == 599


def with_spec(tmp_path: Path, edit: Any) -> TestClient:
    import yaml

    document = yaml.safe_load((REPO / "openapi.yaml").read_text())
    edit(document)
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    return TestClient(
        create_app(Settings(spec_path=spec, fixtures_dir=REPO / "fixtures", count=20, org_count=5))
    )


def test_an_example_is_answered_only_to_an_authenticated_caller(tmp_path: Path) -> None:
    def add_example(document: dict[str, Any]) -> None:
        media = document["paths"]["/assistants"]["get"]["responses"]["200"]["content"]["application/json"]
        media["examples"] = {"empty": {"value": []}}

    with with_spec(tmp_path, add_example) as c:
        assert c.get("/assistants", headers={"Prefer": "example=empty"}).status_code == 401
        answered = c.get("/assistants", headers={**DEV, "Prefer": "example=empty"})
        assert answered.status_code == 200 and answered.json() == []
        assert c.get("/assistants", headers={**DEV, "Prefer": "dynamic=false"}).json() == []


def test_a_mistyped_x_mock_faults_is_one_line_at_start_up(tmp_path: Path) -> None:
    from mockserver.model.document import SpecError

    def broken(document: dict[str, Any]) -> None:
        document["paths"]["/assistants"]["get"]["x-mock-faults"] = {"faults": 503}

    with pytest.raises(SpecError, match="x-mock-faults: faults must be a list"):
        with_spec(tmp_path, broken)


def test_swagger_ui_calls_the_mock_first_and_finds_the_ui_under_a_base_path(tmp_path: Path) -> None:
    def production(document: dict[str, Any]) -> None:
        document["servers"] = [{"url": "https://api.example.com/v1"}]

    with with_spec(tmp_path, production) as c:
        servers = c.get("/v1/openapi.json").json()["servers"]
        assert [s["url"] for s in servers] == ["/v1", "https://api.example.com/v1"]
        assert c.get("/", follow_redirects=False).headers["location"] == "/v1/ui/"
        assert c.get("/v1/assistants?limit=1", headers=DEV).status_code == 200


def test_a_2xx_that_is_not_generated_is_refused_not_ignored() -> None:
    with client() as c:
        partial = c.get("/assistants", headers={**DEV, "Prefer": "code=206"})
        assert partial.status_code == 422 and "code=206" in partial.json()["detail"][0]["msg"]


def test_browsers_may_send_any_header_and_read_the_journal() -> None:
    with client() as c:
        preflight = c.options(
            "/assistants",
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization, x-request-id, traceparent",
            },
        )
        assert preflight.status_code == 200
        journal = c.get("/__mockserver/requests", headers=ORIGIN)
        assert journal.headers["access-control-allow-origin"] == "*"
        assert c.get("/__mockserver/requests?status=%C2%B2").status_code == 400


def test_pydantic_refuses_what_it_refuses() -> None:
    with client() as c:
        assert c.get("/assistants?limit=5.", headers=DEV).status_code == 422
        assert c.get("/assistants?active_only=%20true", headers=DEV).status_code == 422
        assert c.get("/assistants?limit=%205%20", headers=DEV).status_code == 200


def test_a_query_that_needs_no_rewriting_and_one_with_encoded_names_read_alike() -> None:
    with client() as c:
        plain = c.get("/assistants?active_only=true&limit=3", headers=DEV).content
        assert c.get("/assistants?active%5Fonly=1&limit=3", headers=DEV).content == plain
        assert c.get("/assistants?active_only=1&limit=3", headers=DEV).content == plain
