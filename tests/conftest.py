from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from connexion import AsyncApp
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

DEV = {"Authorization": "Bearer dev-token"}
DEV2 = {"Authorization": "Bearer dev-token-2"}
OTHER = {"Authorization": "Bearer other-org-token"}
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def app() -> AsyncApp:
    return create_app(Settings())


@pytest.fixture(scope="session")
def client(app: AsyncApp) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
