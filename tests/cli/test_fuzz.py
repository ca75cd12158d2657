"""`mockserver fuzz` (and `contract`): what a run leaves behind, and where."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MOCKSERVER = str(Path(sys.executable).parent / "mockserver")

pytestmark = pytest.mark.slow  # each test is a whole run, in a process of its own


def test_a_run_writes_nothing_into_the_current_directory(tmp_path: Path) -> None:
    """Hypothesis' files and a fuzz run's reports go to mockserver's cache, unless asked."""
    here, cache = tmp_path / "project", tmp_path / "cache"
    here.mkdir()
    run = [
        MOCKSERVER,
        "fuzz",
        "--duration",
        "5m",  # ended by --max-examples, whatever the machine's speed; the time box only guards it
        "--max-examples",
        "2",
        "--include-operation",
        "list_assistants",
    ]
    done = subprocess.run(
        [*run, "--seed", "7"],
        cwd=here,
        env={**os.environ, "MOCKSERVER_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(here.iterdir()) == []
    reports = cache / "fuzz" / "7"
    assert f"--report-dir {reports}" in done.stdout
    assert (reports / "junit.xml").is_file() and (cache / "hypothesis").is_dir()


def test_reports_cut_long_bodies_and_say_so(tmp_path: Path) -> None:
    """A page of 50 assistants is about 60 KiB; with a 2 KiB limit the HAR keeps 2 KiB of it, and
    says how much was sent."""
    done = subprocess.run(
        [
            MOCKSERVER,
            "contract",
            "--include-operation",
            "list_assistants",
            "--max-examples",
            "3",
            "--report",
            "har",
            "--report-body-limit",
            "2KiB",
            "--report-dir",
            str(tmp_path),
        ],
        env={**os.environ, "MOCKSERVER_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries = json.loads((tmp_path / "har.json").read_text())["log"]["entries"]
    contents = [entry["response"]["content"] for entry in entries]
    assert contents and all(len(c.get("text") or "") <= 2048 for c in contents)
    cut = [c for c in contents if c.get("comment", "").startswith("Body truncated")]
    assert cut and all(c["size"] > 2048 for c in cut)
