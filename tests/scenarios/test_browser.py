"""The stub in a real browser: a page on another origin calls it, and Swagger UI is driven end to
end. Debian's Chromium, driven by Playwright (`.ci/install-browser.sh` installs it; CI sets
MOCKSERVER_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping)."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TESTS
from tests.scenarios.test_processes import free_port, server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this machine needs: no sandbox as root, and no background calls to closed networks.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
if CHROMIUM is None:
    if os.environ.get("MOCKSERVER_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required here: run .ci/install-browser.sh")
    pytest.skip("Chromium is not installed (.ci/install-browser.sh installs it)", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def stub() -> Iterator[str]:
    with server("--count", "200", "--org-count", "20") as base:
        yield base


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A front-end's page, served from another origin (another port)."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><title>front-end</title><p>app</p>")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(root))  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        yield page
        report: Any = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            # What the browser showed when it failed, kept with pytest's temporary files.
            shot = tmp_path / f"{request.node.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        browser.close()


def test_a_page_on_another_origin_fetches_assistants_with_a_bearer_token(
    page: Page, stub: str, other_origin: str
) -> None:
    page.goto(other_origin + "/index.html")
    count = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {headers: {Authorization: 'Bearer dev-token'}});
            return (await response.json()).length;
        }""",
        f"{stub}/assistants?limit=5",
    )
    assert count == 5
    refused = page.evaluate(
        "async (url) => (await fetch(url)).status",
        f"{stub}/assistants?limit=5",
    )
    assert refused == 401  # the error is readable across origins too


def try_list_assistants(page: Page, stub: str, limit: str | None = None) -> None:
    """What a person does in Swagger UI: Authorize with the dev token, open `GET /assistants`,
    Try it out (with `limit`, if given), Execute."""
    page.goto(stub + "/")  # leads to /ui/
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill("dev-token")
    dialog.get_by_role("button", name="Authorize", exact=True).click()
    dialog.get_by_role("button", name="Close").first.click()
    operation = page.locator("#operations-assistants-list_assistants, .opblock-get").first
    operation.locator(".opblock-summary").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    if limit is not None:
        page.locator("input[placeholder='limit']").first.fill(limit)
    page.get_by_role("button", name="Execute").first.click()


def test_swagger_ui_authorize_try_it_out_execute(page: Page, stub: str) -> None:
    try_list_assistants(page, stub)
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=15_000)
    assert status.inner_text().strip().startswith("200")
    body = page.locator(".live-responses-table .microlight, .live-responses-table pre").first.inner_text()
    assert '"llm_provider"' in body


@pytest.fixture(scope="module")
def notes_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    document = TESTS / "documents" / "crud.yaml"
    fixtures = tmp_path_factory.mktemp("no-fixtures")
    with server("--spec", str(document), "--fixtures", str(fixtures), "--count", "12") as base:
        yield base


def test_a_page_on_another_origin_creates_edits_and_deletes_and_every_list_sees_it(
    page: Page, notes_stub: str, other_origin: str
) -> None:
    page.goto(other_origin + "/index.html")
    story = page.evaluate(
        """async (base) => {
            const headers = {Authorization: 'Bearer dev-token', 'X-Mock-Session': 'browser'};
            const json = {...headers, 'Content-Type': 'application/json'};
            const list = async () => (await fetch(`${base}/notes?offset=0&limit=100`, {headers})).json();
            const before = await list();
            const created = await fetch(`${base}/notes`, {
                method: 'POST', headers: json, body: JSON.stringify({title: 'From the browser', done: false}),
            });
            const note = await created.json();
            const listed = await list();
            const edited = await fetch(`${base}/notes/${note.id}`, {
                method: 'PATCH',
                headers: {...headers, 'Content-Type': 'application/merge-patch+json'},
                body: JSON.stringify({done: true}),
            });
            const done = await (await fetch(`${base}/notes?done=true&limit=100`, {headers})).json();
            const removed = await fetch(`${base}/notes/${note.id}`, {method: 'DELETE', headers});
            const after = await list();
            return {
                before: before.total, created: created.status, listed: listed.total,
                last: listed.items[listed.items.length - 1].id, id: note.id,
                edited: (await edited.json()).done, inDone: done.items.some(n => n.id === note.id),
                removed: removed.status, after: after.total, gone: !after.items.some(n => n.id === note.id),
            };
        }""",
        notes_stub,
    )
    assert (story["created"], story["removed"]) == (201, 204)
    # Created last, counted, edited into the filter, deleted out of every page.
    assert story["listed"] == story["before"] + 1 and story["last"] == story["id"]
    assert story["edited"] is True and story["inDone"] is True
    assert story["after"] == story["before"] and story["gone"] is True
