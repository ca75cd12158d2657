"""A contract run against hostile deployments ends on its own, in one readable report.

Each run is a real `mockserver contract` process, so a traceback printed by any thread, or a
hang, shows up exactly as a CI job would see it. `HANG_GUARD` only fails a run that hangs; how
long each took is measured by hand (docs/contract.md, "Bounded runs"), never asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import hostile_server

MOCKSERVER = str(Path(sys.executable).parent / "mockserver")
HANG_GUARD = 120


def contract(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            MOCKSERVER,
            "contract",
            "--url",
            url,
            "--token",
            "hostile-run-token",
            "--org-id",
            "acme",
            "--timeout",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("drip_headers", "no complete response within 1s"),
        ("drip_body", "no complete response within 1s"),
        ("silent", "no complete response within 1s"),
        ("redirect_loop", "redirects"),
        ("deep_json", "nested deeper than 64 levels"),
        ("huge_body", "over the 33554432-byte limit"),
    ],
)
def test_a_hostile_api_ends_the_run_with_one_line_per_problem(name: str, expected: str) -> None:
    with hostile_server(name) as url:
        result = contract(url, "--max-examples", "5")
    output = result.stdout + result.stderr
    assert result.returncode in (1, 2), output
    assert "Traceback" not in output
    assert expected in output
    # Each distinct problem is printed once per operation, however often it happened (the
    # three that read: without --writes, nothing that writes is sent).
    problem_lines = [line for line in output.splitlines() if expected in line]
    assert 1 <= len(problem_lines) <= 3, output
    assert (
        "not sent: DELETE /assistants/{assistant_id}, PATCH /assistants/{assistant_id}, POST /assistants"
        in output
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["drip_headers", "drip_body", "silent"])
def test_a_hanging_root_fails_the_preflight_in_one_line(name: str) -> None:
    with hostile_server(name, preflight_too=True) as url:
        result = contract(url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"mockserver: error: {url}: no response within 1s"
