"""`mockserver fuzz`: a time-boxed hunt across every operation, for QA."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import click

from mockserver import arguments
from mockserver.cli.common import parsed
from mockserver.cli.progress import Display
from mockserver.cli.run_options import EXIT_HELP, RunArguments, Signals, run_and_report, run_options
from mockserver.contract.options import DEFAULT_FUZZ_DURATION, cache_directory
from mockserver.contract.progress import RunProgress, clock


@click.command(epilog=EXIT_HELP)
@run_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write junit.xml, summary.json, the HTML report and the Hypothesis database here "
    "(default: a folder per seed in mockserver's cache, never the current directory).",
)
@click.option(
    "--duration",
    default=DEFAULT_FUZZ_DURATION,
    show_default=True,
    callback=parsed(arguments.duration),
    help="Time box: 90s, 10m, 1h30m.",
)
@click.option(
    "--max-examples",
    default=None,
    type=click.IntRange(1, 100_000),
    help="Stop once every operation got this many examples, if before the time box (a smoke run).",
)
@click.option("--seed", default=None, type=int, help="Replay a run: the seed it printed.")
def fuzz(
    run: RunArguments, report_dir: Path | None, duration: float, max_examples: int | None, seed: int | None
) -> None:
    """Hunt for anything the API does wrong until the time box ends, SIGTERM or Ctrl-C: every
    operation, valid and invalid data, on after each failure; each distinct failure is reported
    once with a count and a curl line to reproduce it."""
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    report_dir = report_dir or cache_directory() / "fuzz" / str(seed)
    options = run.options(
        report_dir,
        max_examples=max_examples or 1_000_000,
        seed=seed,
        mode="fuzz",
        max_time=duration,
        database=report_dir / "hypothesis",
    )
    display = Display(RunProgress(started=time.monotonic()))

    def found(finding: Any) -> None:
        display.echo(f"found [{finding.check}] {finding.operation}: {finding.title}")

    with Signals() as signals:
        # Said once SIGTERM is ours to handle: from this line on, a stopped run leaves its reports.
        click.echo(
            f"Fuzzing {run.url or 'the in-process mock'} for {clock(duration)} with seed {seed} "
            f"(replay with --seed {seed} --report-dir {report_dir}); Ctrl-C stops and keeps what was found."
        )
        run_and_report(options, signals, display, said=run.in_process(options), on_finding=found)
