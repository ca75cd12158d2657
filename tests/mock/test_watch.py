"""`mockserver.mock.watch`: edits served from the next request, without a restart."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.mock.watch import WatchingApp
from tests.conftest import DEV, REPO


def test_an_edited_fixture_is_served_by_the_next_request_and_a_broken_one_is_not(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures", fixtures)
    record = fixtures / "records" / "assistants" / "customer-service-bot.json"
    settings = Settings(fixtures_dir=fixtures, count=10, org_count=5)
    from mockserver.cli.common import startup_errors

    with TestClient(WatchingApp(settings, create_app, startup_errors())) as c:
        assert c.get("/assistants?limit=1", headers=DEV).json()[0]["name"] == "Customer Service Bot"
        edited = json.loads(record.read_text())
        edited[0]["name"] = "Night Desk"
        record.write_text(json.dumps(edited))
        assert c.get("/assistants?limit=1", headers=DEV).json()[0]["name"] == "Night Desk"
        record.write_text("{ not json")
        with caplog.at_level(logging.ERROR, logger="mockserver.watch"):
            still = c.get("/assistants?limit=1", headers=DEV)
        assert still.status_code == 200 and still.json()[0]["name"] == "Night Desk"
        (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert "customer-service-bot.json" in line and "still serving the last good version" in line
