"""`mockserver.cli.progress`: the run's progress off a terminal, as a CI log shows it."""

from __future__ import annotations

import time

import pytest

from mockserver.cli import progress as display_module
from mockserver.cli.progress import Display
from mockserver.contract.progress import RunProgress


def test_off_a_terminal_a_plain_line_comes_soon_and_then_regularly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(display_module, "FIRST_LOG_AFTER", 0.01)
    monkeypatch.setattr(display_module, "LOG_EVERY", 0.01)
    progress = RunProgress(started=time.monotonic(), operations=3, phases=("examples",))
    progress.enter("examples")
    out = ""
    with Display(progress, tty=False) as display:
        display.echo("understood: GET /things: a list")
        deadline = time.monotonic() + 30
        while out.count("examples phase") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # a second line is proof the log repeats
            out += capsys.readouterr().out
    out += capsys.readouterr().out
    assert out.startswith(
        "understood: GET /things: a list\n[00:00] examples phase (1 of 1): 0 of 3 operations"
    )
    assert "\r" not in out and "\033" not in out  # a log holds plain lines, nothing redrawn
    time.sleep(0.05)
    assert capsys.readouterr().out == ""  # and nothing once the run is over


def test_findings_and_understood_lines_go_out_whole_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Display(RunProgress(started=time.monotonic()), tty=False) as display:
        display.lines(["understood: a", "understood: b"])
    assert capsys.readouterr().out == "understood: a\nunderstood: b\n"
