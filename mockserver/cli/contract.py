"""`mockserver contract`: one run of Schemathesis' phases and the domain checks, for CI."""

from __future__ import annotations

import time
from pathlib import Path

import click

from mockserver import arguments
from mockserver.cli.common import default, parsed
from mockserver.cli.progress import Display
from mockserver.cli.run_options import EXIT_HELP, RunArguments, Signals, run_and_report, run_options
from mockserver.contract.options import RunOptions
from mockserver.contract.progress import RunProgress


@click.command(epilog=EXIT_HELP)
@run_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write junit.xml, summary.json and the HTML report here.",
)
@click.option(
    "--max-examples",
    default=default(RunOptions, "max_examples"),
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Generated cases per operation and phase.",
)
@click.option(
    "--max-duration",
    default=None,
    callback=parsed(arguments.duration),
    help="Stop the whole run after this long (90s, 10m, 1h30m); what was found is reported.",
)
@click.option(
    "--seed",
    default=default(RunOptions, "seed"),
    show_default=True,
    type=int,
    help="Same deployment and seed: same cases, same verdict.",
)
def contract(
    run: RunArguments, report_dir: Path | None, max_examples: int, max_duration: float | None, seed: int
) -> None:
    """Test a deployment (or the mock) against the document: types, status codes, auth, and what
    the parameters mean (page sizes, continuity, filters, scoping, parent references, repeatable
    reads, timestamp order, unique ids, writes that show in their list)."""
    options = run.options(report_dir, max_examples=max_examples, seed=seed, max_time=max_duration)
    with Signals() as signals:
        display = Display(RunProgress(started=time.monotonic()))
        run_and_report(options, signals, display, said=run.in_process(options))
