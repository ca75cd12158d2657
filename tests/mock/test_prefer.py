"""`mockserver.mock.prefer`: what a request asks for with `Prefer`, obeyed."""

from __future__ import annotations

from tests.conftest import DEV
from tests.conftest import mock_client as client


def test_prefer_code_answers_the_declared_error_in_the_declared_shape() -> None:
    with client() as c:
        missing = c.get("/orgs/org_demo/assistants", headers={**DEV, "Prefer": "code=404"})
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["status"] == 404
        invalid = c.get("/assistants", headers={**DEV, "Prefer": "code=422"})
        assert invalid.status_code == 422
        (item,) = invalid.json()["detail"]
        assert {"loc", "msg", "type", "input"} <= set(item)
        # Whatever the credentials: a front-end can show its "signed out" state.
        signed_out = c.get("/assistants", headers={"Prefer": "code=401"})
        assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == "Bearer"
        # Any server may fail, declared or not.
        failed = c.get("/assistants", headers={**DEV, "Prefer": "code=500"})
        assert failed.status_code == 500 and failed.json() == {
            "detail": "Internal Server Error (asked for with Prefer)"
        }


def test_prefer_code_that_is_not_declared_says_which_are() -> None:
    with client() as c:
        teapot = c.get("/assistants", headers={**DEV, "Prefer": "code=418"})
        assert teapot.status_code == 422
        assert "declared: 200, 401, 422" in teapot.json()["detail"][0]["msg"]
        nonsense = c.get("/assistants", headers={**DEV, "Prefer": "code=abc"})
        assert nonsense.status_code == 422 and "not an HTTP status" in nonsense.json()["detail"][0]["msg"]


def test_a_2xx_preference_keeps_identity_and_pagination() -> None:
    with client() as c:
        plain = c.get("/assistants?limit=3", headers=DEV)
        preferred = c.get("/assistants?limit=3", headers={**DEV, "Prefer": "code=200, dynamic=true"})
        assert preferred.content == plain.content
        assert c.get("/assistants?limit=3", headers={"Prefer": "code=200"}).status_code == 401


def test_prefer_delay_waits_before_answering(slept: list[float]) -> None:
    with client() as c:
        assert c.get("/assistants?limit=1", headers={**DEV, "Prefer": "delay=300"}).status_code == 200
        assert slept == [0.3]
        too_long = c.get("/assistants?limit=1", headers={**DEV, "Prefer": "delay=600000"})
        assert too_long.status_code == 422
