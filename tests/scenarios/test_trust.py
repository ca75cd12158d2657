"""What makes a contract run trustworthy in CI: it never passes having tested nothing, a
cancelled run keeps its findings, fuzzing keeps exploring, and reproductions run when pasted."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.contract.runner import run
from tests.broken import broken_app
from tests.conftest import run_options
from tests.scenarios.test_processes import MOCKSERVER, free_port, server

HANG_GUARD = 120


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """An ASGI app on a real loopback port, for runs that go over HTTP."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(10)


def contract(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOCKSERVER, "contract", "--max-examples", "5", *args],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def served_mock() -> Iterator[str]:
    with server() as base:
        yield base


@pytest.mark.slow
def test_the_right_token_and_organization_conform(served_mock: str) -> None:
    result = contract("--url", served_mock, "--token", "dev-token", "--org-id", "org_demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: conforms" in result.stdout
    assert re.search(r"GET /assistants: \d+ cases, [1-9]\d* answered 2xx", result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--token", "wrong", "--org-id", "org_demo"],
            "every request to GET /assistants was answered 401: is --token right?",
        ),
        (["--token", "", "--org-id", "org_demo"], "every request to GET /assistants was answered 401"),
        (["--org-id", "org_demo"], "every request to GET /assistants was answered 401: no --token was given"),
        (
            ["--token", "dev-token", "--org-id", "org_typo"],
            "GET /orgs/{org_id}/assistants answered 404 for org 'org_typo': is --org-id right?",
        ),
    ],
)
def test_a_run_that_never_got_a_2xx_exits_2_saying_why(served_mock: str, args: list[str], line: str) -> None:
    env_free = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
    result = subprocess.run(
        [MOCKSERVER, "contract", "--max-examples", "5", "--url", served_mock, *args],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        env=env_free,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert line in result.stdout
    assert "verdict: error" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--include-operation", "nope"], "--include-operation selects nothing for 'nope'"),
        (["--include-operation", ","], "--include-operation selects no operation"),
        (["--checks", ","], "--checks selects no check"),
        (["--checks", "made_up"], "unknown check(s): made_up"),
        (["--report", "pdf"], "unknown report format(s): pdf"),
    ],
)
def test_a_selection_of_nothing_exits_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["contract", *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"mockserver: error: {message}")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "http://[::1"],
        ["--url", "http://127.0.0.1:abc"],
        ["--url", "http://a..b"],
        ["--url", "ftp://example.com"],
        ["--url", "http://127.0.0.1:99999"],
        ["--rate-limit", "fast"],
        ["--rate-limit", "0/s"],
        ["--max-duration", "0"],
        ["--max-duration", "-5m"],
        ["--max-duration", "soon"],
        ["--timeout", "0"],
        ["--token", "€uro"],
        ["--token", "two words"],
        ["--url", "http://user:pw5ecret@127.0.0.1:8000"],
        ["--url", "http://user:pw5ecret@127.0.0.1:abc"],
        ["--url", "http://user:pw5ecret@[::1"],
        ["--url", "http://user:pw5ecret@127.0.0.1:abc"],
        ["--url", "http://user:pw5ecret@[::1"],
        ["--workers", "many"],
        ["--no-such-option"],
    ],
)
def test_a_bad_option_value_is_one_line_and_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["contract", *args])
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("mockserver: error: ")
    assert "pw5ecret" not in line


def test_an_unwritable_report_dir_is_refused_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["contract", "--report-dir", str(blocker / "reports")])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"mockserver: error: --report-dir {blocker / 'reports'}: cannot write there"
    )


def test_schemathesis_checks_can_be_selected_by_name() -> None:
    result = CliRunner().invoke(
        main,
        ["contract", "--max-examples", "3", "--checks", "status_code_conformance,page_size_within_limit"],
    )
    assert result.exit_code == 0, result.output
    assert "2 checks" in result.output


def test_fuzz_leaves_ignored_auth_to_contract() -> None:
    result = CliRunner().invoke(main, ["fuzz", "--duration", "5s", "--checks", "ignored_auth"])
    assert result.exit_code == 2
    assert "ignored_auth cannot run in fuzz mode" in result.output


@pytest.mark.slow
def test_max_duration_ends_the_run_and_a_refused_run_still_exits_2(served_mock: str) -> None:
    result = contract(
        "--url", served_mock, "--token", "wrong", "--org-id", "org_demo", "--max-duration", "2s"
    )
    assert result.returncode == 2, result.stdout
    assert "is --token right?" in result.stdout
    summary_line = result.stdout.strip().splitlines()[-1]
    assert "verdict: error" in summary_line


@pytest.mark.slow
def test_a_wrong_base_url_is_named(served_mock: str) -> None:
    result = contract("--url", served_mock + "/v9", "--token", "dev-token", "--org-id", "org_demo")
    assert result.returncode == 2, result.stdout
    assert "is --url the API's base?" in result.stdout


def test_a_deployment_that_only_fails_is_a_violation_not_an_empty_run() -> None:
    outcome = run(run_options(app=broken_app("server_error"), max_examples=3))
    assert outcome.exit_code == 1
    assert outcome.untested and not outcome.untested_is_fatal
    from mockserver.contract.outcome import summary_lines

    assert any(line.startswith("note: no 2xx: ") for line in summary_lines(outcome))


@pytest.mark.slow
def test_a_token_echoed_by_the_deployment_is_scrubbed_from_every_report(tmp_path: Path) -> None:
    secret = "echoed-S3CRET-token"

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        body = json.dumps([{"seen": headers.get(b"authorization", b"").decode()}]).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    with serving(echo) as base:
        result = contract(
            "--url",
            base,
            "--token",
            secret,
            "--org-id",
            "acme",
            "--report-dir",
            str(tmp_path),
            "--report",
            "har,vcr,ndjson,pytest",
        )
    assert result.returncode in (1, 2)
    assert secret not in result.stdout + result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        assert secret not in path.read_text(errors="replace"), path


def test_a_short_token_does_not_garble_the_words_around_it() -> None:
    from mockserver.contract.outcome import REDACTED, redact

    assert (
        redact("Authorization: Bearer t at http://x", ("t",))
        == f"Authorization: Bearer {REDACTED} at http://x"
    )


def test_fuzz_refuses_a_zero_duration() -> None:
    result = CliRunner().invoke(main, ["fuzz", "--duration", "0"])
    assert result.exit_code == 2
    assert "is not a positive duration" in result.output


def org_contract(report_dir: Path, *extra: str) -> Any:
    """A short in-process contract run of the organization API, reports in `report_dir`."""
    arguments = ["--max-examples", "3", "--include-operation", "list_org_assistants"]
    return CliRunner().invoke(main, ["contract", *arguments, *extra, "--report-dir", str(report_dir)])


def test_the_summary_counts_2xx_per_operation_and_junit_marks_skipped_checks(tmp_path: Path) -> None:
    result = org_contract(tmp_path)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    operation = summary["operations"]["GET /orgs/{org_id}/assistants"]
    assert operation["answered_2xx"] > 0 and operation["statuses"]["200"] == operation["answered_2xx"]
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert suites.get("timestamp") and suites.get("time")
    (suite,) = suites.findall("testsuite")
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["seed"] == "20231107"
    assert (tmp_path / "html" / "index.html").exists()


def test_junit_marks_checks_that_never_applied_as_skipped() -> None:
    from mockserver.contract.outcome import RunOutcome, Tally, junit_xml

    outcome = RunOutcome(seed=1, target="t", selected_checks=("unique_ids", "pages_continue"))
    outcome.operations["GET /x"] = {"unique_ids": Tally(passed=3)}
    suite = ET.fromstring(junit_xml(outcome)).find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("tests") == "2"
    skipped = [c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert skipped == ["pages_continue"]


def started_fuzzing(report_dir: Path, *args: str, settle: float = 4) -> subprocess.Popen[str]:
    """A `fuzz` process `settle` seconds after its first line (past start-up, however slow the
    machine)."""
    process = subprocess.Popen(
        [MOCKSERVER, "fuzz", "--duration", "10m", "--report-dir", str(report_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("Fuzzing ")
    time.sleep(settle)
    return process


@pytest.mark.slow
def test_sigterm_right_at_start_still_leaves_reports(tmp_path: Path) -> None:
    process = started_fuzzing(tmp_path, settle=0)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 143, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert json.loads((tmp_path / "summary.json").read_text())["interrupted"] is True


def wait_for_a_finished_case(report_dir: Path, process: subprocess.Popen[str]) -> None:
    """Until the run's event stream holds a finished case, however slow the machine."""
    events = report_dir / "events.ndjson"
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline and process.poll() is None:
        if events.exists() and '"FuzzScenarioFinished"' in events.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError("no case finished")


@pytest.mark.slow
def test_sigterm_stops_a_fuzz_run_and_keeps_its_reports(tmp_path: Path) -> None:
    process = started_fuzzing(tmp_path, "--seed", "7", "--report", "ndjson", settle=0)
    wait_for_a_finished_case(tmp_path, process)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 143, stdout + stderr
    assert "Run stopped early (SIGTERM)" in stdout
    assert "Traceback" not in stdout + stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["exit_code"] == 143
    assert sum(op["cases"] for op in summary["operations"].values()) > 0
    ET.parse(tmp_path / "junit.xml")
    assert (tmp_path / "html" / "index.html").exists()


@pytest.mark.slow
def test_ctrl_c_exits_130_and_says_so(tmp_path: Path) -> None:
    process = started_fuzzing(tmp_path)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 130, stdout + stderr
    assert "Run stopped early (SIGINT)" in stdout
    assert json.loads((tmp_path / "summary.json").read_text())["interrupted"] is True


@pytest.mark.slow
def test_fuzzing_keeps_exploring_to_the_end_and_reports_a_fault_once(tmp_path: Path) -> None:
    app = broken_app("limit_plus_five")
    first_seen: dict[str, float] = {}
    started = time.monotonic()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            url = scope["path"] + "?" + scope["query_string"].decode()
            first_seen.setdefault(url, time.monotonic() - started)
        await app(scope, receive, send)

    outcome = run(
        run_options(
            app=recording,
            mode="fuzz",
            max_time=60,
            max_examples=1_000_000,
            seed=11,
            database=tmp_path / "db",
        )
    )
    elapsed = time.monotonic() - started
    new_late = [url for url, at in first_seen.items() if at > elapsed * 2 / 3]
    assert len(new_late) > 0, f"{len(first_seen)} distinct URLs, none first seen in the last third"
    too_large = [f for f in outcome.findings if f.check == "page_size_within_limit"]
    assert len(too_large) == 1
    assert outcome.occurrences[too_large[0].key()] > 1


@pytest.mark.slow
def test_fuzz_progress_off_a_terminal_is_a_handful_of_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [MOCKSERVER, "fuzz", "--duration", "35s", "--seed", "3", "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert 1 <= len(progress) <= 2, result.stdout
    # It counts what the summary counts, cases (requests), not the engine's scenarios.
    counted = [int(re.search(r"\] ([\d,]+) cases, ", line)[1].replace(",", "")) for line in progress]
    summed = sum(int(n) for n in re.findall(r": (\d+) cases, ", result.stdout))
    assert counted == sorted(counted) and counted[-1] <= summed, result.stdout


@pytest.mark.slow
def test_a_pages_continue_failure_shows_both_pages_and_its_curl_lines_reproduce_it() -> None:
    with serving(broken_app("skip_ignored")) as base:
        outcome = run(
            run_options(
                url=base,
                token="dev-token",
                org_id="org_demo",
                checks=("pages_continue",),
                include_operations=("list_assistants",),
                max_examples=5,
            )
        )
        (finding,) = [f for f in outcome.findings if f.check == "pages_continue"]
        curls = [entry.splitlines()[0] for entry in finding.compared]
        assert len(curls) == 3  # the two pages and the page that covers both
        assert all('-H "Authorization: Bearer $MOCKSERVER_TOKEN"' in curl for curl in curls)
        assert "dev-token" not in "\n".join(finding.compared)
        pages = [
            json.loads(
                subprocess.run(
                    ["bash", "-c", curl + " --silent"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    env={**os.environ, "MOCKSERVER_TOKEN": "dev-token"},
                    check=True,
                ).stdout
            )
            for curl in curls
        ]
    first, second = ({item["id"] for item in page} for page in pages[:2])
    assert first & second, "the pasted curl lines should show the two pages overlapping"
    assert "Pages overlap" in finding.title


# Schemathesis' CLI opens each report file once to check it is writable and leaves it to the GC.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_schemathesis_reports_are_written_on_request_and_hold_no_token(tmp_path: Path) -> None:
    app_token = "dev-token"
    result = org_contract(tmp_path, "--report", "har,vcr,ndjson,pytest")
    assert result.exit_code == 0, result.output
    for name in ("har.json", "vcr.yaml", "events.ndjson", "test_reproduce.py", "html/index.html"):
        assert (tmp_path / name).is_file(), name
        assert f"Bearer {app_token}" not in (tmp_path / name).read_text(errors="replace"), name
    # Only credentials are filtered: the page token is data a reproduction needs.
    har = (tmp_path / "har.json").read_text()
    assert "next_page_token" in har and "[Filtered]" in har
    assert '"name": "next_page_token", "value": "[Filtered]"' not in har.replace("\n", "")


def test_fuzz_max_examples_ends_a_smoke_run_before_its_time_box(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["fuzz", "--max-examples", "5", "--duration", "10m", "--seed", "1", "--report-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] is False
    assert all(op["cases"] >= 5 for op in summary["operations"].values())


@pytest.mark.parametrize(
    "text",
    [
        "GET /x?access_token=dev-token-42&a=1",
        "/sessions/dev-token-42",
        "dev-token-42.",
        "a-dev-token-42",
        "xdev-token-42y",
    ],
)
def test_a_real_token_is_redacted_wherever_it_appears(text: str) -> None:
    from mockserver.contract.outcome import redact

    assert "dev-token-42" not in redact(text, ("dev-token-42",))


def test_a_max_duration_that_left_an_operation_untested_is_not_a_pass() -> None:
    outcome = run(run_options(max_time=0.05))
    assert outcome.interrupted_by == "time limit"
    assert outcome.exit_code == 2
    assert any("before --max-duration ended the run" in why for why in outcome.untested.values())


def test_a_signal_as_the_engine_starts_leaves_no_deadline_behind() -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    outcome = run(run_options(max_time=600), on_engine_start=interrupted)
    assert outcome.interrupted_by == "SIGINT" and outcome.exit_code == 130
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]
