"""The README's pictures, made from real runs: `.venv/bin/python docs/images/make.py`.

- swagger-ui.png: the stub's Swagger UI after Authorize, Try it out and Execute on GET /assistants;
- html-report.png: the HTML report of a contract run against a deployment that ignores `skip`
  (`skip_ignored` in tests/broken.py): every page is the first;
- progress.svg: the live line of a contract run, as rich draws it, taken halfway through a run.

Needs Debian's Chromium (`.ci/install-browser.sh`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.text import Text  # noqa: E402

from mockserver.contract.options import RunOptions  # noqa: E402
from mockserver.contract.progress import RunProgress  # noqa: E402
from mockserver.contract.runner import run  # noqa: E402
from tests.broken import broken_app  # noqa: E402
from tests.conftest import MOCK_IDENTITY, READS  # noqa: E402
from tests.scenarios.test_browser import FLAGS, try_list_assistants  # noqa: E402
from tests.scenarios.test_processes import server  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def swagger_ui(browser: object) -> None:
    with server("--count", "200") as base:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
        try_list_assistants(page, base, limit="2")
        page.locator(".live-responses-table").first.wait_for()
        page.locator(".live-responses-table").first.scroll_into_view_if_needed()
        page.screenshot(path=str(HERE / "swagger-ui.png"))
        page.close()


def html_report(browser: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        reports = Path(folder)
        options = RunOptions(
            app=broken_app("skip_ignored"),
            include_operations=("list_assistants",),
            max_examples=5,
            reports=("html",),
            report_dir=reports,
            **MOCK_IDENTITY,  # type: ignore[arg-type]
        )
        run(options)
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.goto((reports / "html" / "index.html").as_uri())
        page.get_by_text("/assistants").first.click()  # the failing operation, opened
        page.wait_for_timeout(500)
        page.screenshot(path=str(HERE / "html-report.png"))
        page.close()


def progress_line() -> None:
    progress = RunProgress(started=time.monotonic())
    lines: list[str] = []

    def watch(stop: threading.Event) -> None:
        while not stop.wait(0.2):
            fraction = progress.fraction()
            if fraction is not None and fraction >= 0.3 and progress.phase == "coverage":
                lines.append(progress.line(time.monotonic()))
                return

    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
    watcher.start()
    from mockserver.mock.app import create_app
    from mockserver.mock.settings import Settings

    run(RunOptions(app=create_app(Settings()), include_operations=READS, **MOCK_IDENTITY), progress=progress)  # type: ignore[arg-type]
    stop.set()
    console = Console(record=True, width=112, file=open("/dev/null", "w"))  # noqa: SIM115
    # What ran: the in-process mock, judged on the reads of openapi.yaml.
    command = "$ mockserver contract --include-operation list_assistants,get_assistant,list_org_assistants"
    console.print(command, style="bold")
    console.print(Text(lines[0] if lines else progress.line(time.monotonic()), style="cyan"))
    console.save_svg(str(HERE / "progress.svg"), title="mockserver contract")


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        swagger_ui(browser)
        html_report(browser)
        browser.close()
    progress_line()


if __name__ == "__main__":
    main()
