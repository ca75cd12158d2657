"""`mockserver.mock.journal`: what the stub was sent, for a test to assert on."""

from __future__ import annotations

import json

import pytest

from mockserver.mock.journal import assert_called
from tests.conftest import DEV
from tests.conftest import mock_client as client


def test_the_journal_sees_three_calls_in_order_with_credentials_redacted() -> None:
    with client() as c:
        c.delete("/__mockserver/requests")
        c.get("/assistants?limit=2", headers=DEV)
        c.get("/orgs/org_demo/assistants?take=1", headers=DEV)
        c.get("/assistants?limit=2&active_only=true")
        entries = assert_called(
            c,
            "GET /assistants?limit=2",
            "GET /orgs/*/assistants",
            "GET /assistants?active_only=true",
            exactly=True,
        )
        assert [e["status"] for e in entries] == [200, 200, 401]
        assert entries[0]["headers"]["authorization"] == "[redacted]"
        assert "dev-token" not in json.dumps(c.get("/__mockserver/requests").json())
        # The failure names every request as sent, query and all (credentials redacted).
        with pytest.raises(AssertionError, match=r"GET /assistants\?limit=2 -> 200; GET /orgs/org_demo/"):
            assert_called(c, "POST /assistants")
        only_401 = c.get("/__mockserver/requests?status=401").json()["entries"]
        assert [e["path"] for e in only_401] == ["/assistants"]
        c.delete("/__mockserver/requests")
        assert c.get("/__mockserver/requests").json()["entries"] == []


def test_the_journal_is_bounded_and_can_be_turned_off() -> None:
    with client(journal_size=2) as c:
        for i in range(5):
            c.get(f"/assistants?limit=1&skip={i}", headers=DEV)
        assert [e["query"]["skip"] for e in c.get("/__mockserver/requests").json()["entries"]] == [
            ["3"],
            ["4"],
        ]
    with client(journal_size=0) as c:
        assert c.get("/__mockserver/requests").status_code == 404
