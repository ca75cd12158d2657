"""`mockserver.contract.progress`: the line a person watching a run reads."""

from __future__ import annotations

from mockserver.contract.progress import TEST_PHASES, RunProgress, clock


def test_a_contract_run_says_its_phase_its_operations_and_about_how_long_is_left() -> None:
    progress = RunProgress(started=100.0, operations=100, phases=TEST_PHASES)
    assert progress.line(101.0) == "[00:01] starting: 100 operations selected"
    progress.enter("probing")  # not a test phase: not counted
    assert progress.fraction() is None
    progress.enter("examples")
    for number in range(50):
        progress.scenario(f"GET /things/{number}", cases=3)
    progress.found()
    # Half of the first of four phases in 20 s: an eighth of the run, 140 s left.
    assert progress.line(120.0) == (
        "[00:20] examples phase (1 of 4): 50 of 100 operations, 150 cases, 1 distinct failure, "
        "about 02:20 left"
    )
    progress.enter("coverage")
    assert "coverage phase (2 of 4): 0 of 100 operations" in progress.line(130.0)


def test_no_estimate_is_made_from_too_little() -> None:
    progress = RunProgress(started=0.0, operations=100, phases=TEST_PHASES)
    progress.enter("examples")
    progress.scenario("GET /a", cases=1)
    assert "left" not in progress.line(5.0)


def test_a_fuzz_run_counts_against_its_time_box() -> None:
    progress = RunProgress(started=0.0, operations=6, time_box=600.0)
    progress.scenario("Fuzz", cases=117)
    progress.found()
    progress.found()
    assert progress.line(75.0) == "[01:15 of 10:00] 117 cases, 2 distinct failures so far"


def test_the_clock_reads_hours_past_an_hour() -> None:
    assert clock(5) == "00:05"
    assert clock(3723) == "1:02:03"
