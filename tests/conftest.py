from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connexion import AsyncApp
from starlette.testclient import TestClient

from mockserver.contract.options import RunOptions
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings

DEV = {"Authorization": "Bearer dev-token"}
DEV2 = {"Authorization": "Bearer dev-token-2"}
OTHER = {"Authorization": "Bearer other-org-token"}
TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def mock_client(**settings: Any) -> TestClient:
    """A client of a small mock of openapi.yaml (50 records per list), built with `settings`."""
    return TestClient(create_app(Settings(count=50, org_count=10, **settings)))


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the stub waited, in seconds (durations are not measured in tests)."""
    from mockserver.mock import prefer

    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(prefer.asyncio, "sleep", sleep)
    return waited


@pytest.fixture(scope="session")
def app() -> AsyncApp:
    return create_app(Settings())


@pytest.fixture(scope="session")
def client(app: AsyncApp) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# The operations of openapi.yaml that read.
READS = ("list_assistants", "get_assistant", "list_org_assistants")
# Every operation of openapi.yaml.
EVERY_OPERATION = (*READS, "create_assistant", "update_assistant", "delete_assistant")

# The bundled fixtures' first dev token, as `mockserver contract` without --url tests the mock.
MOCK_IDENTITY = {"token": "dev-token", "org_id": "org_demo", "caller": {"user_id": 1, "organization_id": 1}}


@functools.cache
def shared_mock() -> AsyncApp:
    return create_app(Settings())


def run_options(**options: Any) -> RunOptions:
    """`RunOptions` for an in-process run (writes sent): the bundled mock unless `app` is given,
    tested as the first dev token unless a token or a URL is given."""
    if "url" not in options:
        if "app" not in options:
            # The bundled document writes: each run starts from the mock's generated data, as
            # `mockserver contract` (a new mock per run) does.
            with TestClient(shared_mock()) as mock:
                mock.post("/__mockserver/reset", params={"all": "true"}).raise_for_status()
        options.setdefault("app", shared_mock())
        # In-process, the writes are sent, as `mockserver contract` sends them without --url.
        options.setdefault("writes", True)
        if "spec_path" not in options:
            # On openapi.yaml, the reads unless a test selects more: the write bodies cost about
            # 730 generated cases each, and the tests of the writes select them.
            options.setdefault("include_operations", READS)
        if "token" not in options:
            options = {**MOCK_IDENTITY, **options}
    return RunOptions(**options)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Each phase's report on the test item, so that fixtures can tell a failed test (the browser
    # test takes a screenshot then).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The story suites (tests/scenarios/) start servers, browsers and whole runs: all are slow,
    and `make test-fast` leaves them out."""
    scenarios = TESTS / "scenarios"
    for item in items:
        if scenarios in item.path.parents:
            item.add_marker(pytest.mark.slow)
