"""The `mockserver` command line: options in, settings out, then hand off to uvicorn.

Exit codes: 0 success, 2 the server could not start (bad option, spec or fixture); a line on
stderr says why, never a traceback.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import click

# Connexion imports starlette.testclient, which warns about httpx at import time; the warning is
# about code this command never runs, so it must not greet every user.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from mockserver.app import create_app  # noqa: E402
from mockserver.fixtures import FixtureError  # noqa: E402
from mockserver.settings import (  # noqa: E402
    DEFAULT_COUNT,
    DEFAULT_LOCALE,
    DEFAULT_ORG_COUNT,
    DEFAULT_SEED,
    Settings,
)
from mockserver.spec import SpecError  # noqa: E402

EXIT_STARTUP_ERROR = 2


def freeze_heap() -> None:
    """Move everything built at start-up (pools, indexes, the spec) out of the garbage
    collector's sight: full collections then scan only what requests allocate."""
    import gc

    gc.collect()
    gc.freeze()


def fail(message: str) -> None:
    click.secho(f"mockserver: error: {message}", fg="red", err=True)
    sys.exit(EXIT_STARTUP_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockserver")
def main() -> None:
    """A behaving mock of the two "list assistants" APIs described by openapi.yaml."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=int,
    help="Seed of the generated data. Same seed, same bytes, in every process.",
)
@click.option(
    "--count",
    default=DEFAULT_COUNT,
    show_default=True,
    type=click.IntRange(0),
    help="Generated assistants per organization on GET /assistants.",
)
@click.option(
    "--org-count",
    default=DEFAULT_ORG_COUNT,
    show_default=True,
    type=click.IntRange(0),
    help="Generated assistants per organization on GET /orgs/{org_id}/assistants.",
)
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Fixtures directory (identities.json, records/) to use instead of the bundled one.",
)
@click.option(
    "--locale",
    default=DEFAULT_LOCALE,
    show_default=True,
    help="Faker locale of names, companies and cities, e.g. de_DE or fr_FR.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Worker processes; they serve identical data.",
)
@click.option("--reload", is_flag=True, help="Restart when the package's code changes (development).")
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (off by default: the mock runs inside load and test runs).",
)
def serve(
    host: str,
    port: int,
    seed: int,
    count: int,
    org_count: int,
    fixtures_dir: Path | None,
    locale: str,
    workers: int,
    reload: bool,
    access_log: bool,
) -> None:
    """Serve the mock API (Swagger UI at /ui, spec at /openapi.json, readiness at /healthz).

    Dev tokens: `dev-token` (user 1, organization 1, member of org_demo), `dev-token-2` (user 2,
    same organization), `other-org-token` (user 7, organization 2, member of org_globex).
    """
    import uvicorn

    settings = Settings(
        seed=seed,
        count=count,
        org_count=org_count,
        locale=locale,
        **({"fixtures_dir": fixtures_dir.resolve()} if fixtures_dir else {}),
    )
    try:
        # Built here even when workers build their own, so that bad input fails fast and once.
        app = create_app(settings)
    except (FixtureError, SpecError, ValueError) as exc:
        fail(str(exc))
    if workers == 1 and not reload:
        freeze_heap()
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)
        return
    os.environ.update(settings.to_env())
    uvicorn.run(
        "mockserver.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        access_log=access_log,
    )


# ----------------------------------------------------------------------------- contract testing

EXIT_HELP = """
Exit codes: 0 the deployment conforms; 1 contract violations were found; 2 the run could not be
made (bad arguments, unreachable URL, TLS error, invalid spec), with a one-line reason.
"""


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _known_checks() -> set[str]:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    import mockserver.hooks  # noqa: F401

    return {check.__name__ for check in CHECKS.get_all()}


def _parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a duration like 90s, 10m or 1h") from None


def _target_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--url",
                envvar="MOCKSERVER_URL",
                default=None,
                help="Deployment to test. Without it, the in-process mock (no port) is tested. "
                "[env: MOCKSERVER_URL]",
            ),
            click.option(
                "--token",
                envvar="MOCKSERVER_TOKEN",
                default=None,
                help="Bearer token; never printed nor written to reports. [env: MOCKSERVER_TOKEN]",
            ),
            click.option(
                "--org-id",
                envvar="MOCKSERVER_ORG_ID",
                default=None,
                help="Organization for /orgs/{org_id}/assistants (in-process: org_demo). "
                "[env: MOCKSERVER_ORG_ID]",
            ),
            click.option(
                "--workers",
                default=1,
                show_default=True,
                type=click.IntRange(1, 64),
                help="Concurrent Schemathesis workers.",
            ),
            click.option("--rate-limit", default=None, help="Maximum request rate, e.g. 100/s or 1000/m."),
            click.option(
                "--timeout",
                default=10.0,
                show_default=True,
                type=click.FloatRange(0.1),
                help="Seconds to wait for each response.",
            ),
            click.option(
                "--report-dir",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Write junit.xml and summary.json here.",
            ),
        ]
    ):
        func = option(func)
    return func


def _finish(outcome: Any, report_dir: Path | None) -> None:
    from mockserver.outcome import summary_lines, write_reports

    for line in summary_lines(outcome):
        color = "red" if line.startswith(("FAIL", "error")) else None
        click.secho(line, fg=color)
    if report_dir is not None:
        for path in write_reports(outcome, report_dir):
            click.echo(f"Report: {path}")
    sys.exit(outcome.exit_code)


def _run_or_fail(options: Any, **hooks: Any) -> Any:
    from mockserver.runner import RunError, run

    try:
        return run(options, **hooks)
    except RunError as exc:
        fail(str(exc))


@main.command(epilog=EXIT_HELP)
@_target_options
@click.option(
    "--max-examples",
    default=25,
    show_default=True,
    type=click.IntRange(1),
    help="Generated cases per operation and phase.",
)
@click.option(
    "--seed",
    default=20231107,
    show_default=True,
    type=int,
    help="Same deployment and seed: same cases, same verdict.",
)
@click.option(
    "--checks",
    "checks_",
    multiple=True,
    help="Only these checks (repeat or comma-separate); default: all of Schemathesis' and the domain checks.",
)
@click.option(
    "--include-operation", multiple=True, help="Only these operationIds (repeat or comma-separate)."
)
def contract(
    url: str | None,
    token: str | None,
    org_id: str | None,
    workers: int,
    rate_limit: str | None,
    timeout: float,
    report_dir: Path | None,
    max_examples: int,
    seed: int,
    checks_: tuple[str, ...],
    include_operation: tuple[str, ...],
) -> None:
    """Test a deployment (or the mock) against openapi.yaml: types, status codes, auth, and what
    the parameters mean (page sizes, continuity, filters, scoping, parent references, repeatable
    reads, timestamp order, unique ids)."""
    from mockserver.runner import RunOptions

    checks = _split(checks_)
    unknown = sorted(set(checks) - _known_checks())
    if unknown:
        fail(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(sorted(_known_checks()))}")
    options = RunOptions(
        url=url,
        token=token,
        org_id=org_id,
        max_examples=max_examples,
        seed=seed,
        workers=workers,
        rate_limit=rate_limit,
        timeout=timeout,
        checks=checks,
        include_operations=_split(include_operation),
    )
    _finish(_run_or_fail(options), report_dir)


@main.command(epilog=EXIT_HELP)
@_target_options
@click.option("--duration", default="10m", show_default=True, help="Time box: 90s, 10m, 1h.")
@click.option("--seed", default=None, type=int, help="Replay a run: the seed it printed.")
def fuzz(
    url: str | None,
    token: str | None,
    org_id: str | None,
    workers: int,
    rate_limit: str | None,
    timeout: float,
    report_dir: Path | None,
    duration: str,
    seed: int | None,
) -> None:
    """Hunt for anything the API does wrong until the time box ends or Ctrl-C; report each distinct
    failure once, with a curl line to reproduce it."""
    import random

    from mockserver.runner import RunOptions

    seconds = _parse_duration(duration)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    report_dir = report_dir or Path("reports") / "fuzz"
    click.echo(
        f"Fuzzing {url or 'the in-process mock'} for {duration} with seed {seed} "
        f"(replay with --seed {seed}); Ctrl-C stops and keeps what was found."
    )
    options = RunOptions(
        url=url,
        token=token,
        org_id=org_id,
        max_examples=100_000,
        seed=seed,
        workers=workers,
        rate_limit=rate_limit,
        timeout=timeout,
        phases=("coverage", "fuzzing"),
        max_time=max(1.0, seconds),
        database=report_dir / "hypothesis",
    )
    tty = sys.stdout.isatty()
    state: dict[str, Any] = {"phase": "starting", "found": 0}
    started = time.monotonic()

    def progress(line: str) -> None:
        state["phase"] = line
        if not tty:
            click.echo(line)

    def found(finding: Any) -> None:
        state["found"] = int(state["found"]) + 1
        click.echo(
            ("\r\033[K" if tty else "") + f"found [{finding.check}] {finding.operation}: "
            f"{finding.title}\n  {finding.curl}"
        )

    def heartbeat(stop: threading.Event) -> None:
        # The engine reports per operation and phase, which can be minutes apart; a heartbeat
        # shows the run is alive: every second in place on a terminal, every minute otherwise.
        while not stop.wait(1.0 if tty else 60.0):
            elapsed = int(time.monotonic() - started)
            line = (
                f"[{elapsed // 60:02d}:{elapsed % 60:02d} of {duration}] {state['phase']}; "
                f"{state['found']} distinct failures so far"
            )
            click.echo(f"\r\033[K{line}" if tty else line, nl=not tty)

    stop = threading.Event()
    ticker = threading.Thread(target=heartbeat, args=(stop,), daemon=True)
    ticker.start()
    try:
        outcome = _run_or_fail(options, on_event=progress, on_finding=found)
    finally:
        stop.set()
        ticker.join()
    if tty:
        click.echo()
    _finish(outcome, report_dir)


@main.command(epilog=EXIT_HELP)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--operation", default=None, help="operationId a FILE belongs to (default: inferred).")
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Fixtures directory to validate (default: the bundled one).",
)
def validate(files: tuple[Path, ...], operation: str | None, fixtures_dir: Path | None) -> None:
    """Validate openapi.yaml, every example in it, the fixtures, and any captured JSON response.

    Files under fixtures/drift/ hold documentation drift; they are listed with their violations
    and do not fail the run unless named as FILE.
    """
    from mockserver import validation

    settings = Settings(fixtures_dir=fixtures_dir) if fixtures_dir else Settings()
    problems = validation.check_spec(settings.spec_path)
    if problems:
        fail(str(problems[0]))
    spec = validation.load(settings.spec_path)
    click.echo(f"{settings.spec_path.name}: valid OpenAPI {spec.document['openapi']}")
    count, example_problems = validation.check_examples(spec)
    click.echo(f"{settings.spec_path.name}: {count} examples, {len(example_problems)} invalid")
    problems += example_problems
    fixture_problems = validation.check_fixtures(settings.fixtures_dir, spec)
    click.echo(f"fixtures: {'valid' if not fixture_problems else 'invalid'}")
    problems += fixture_problems
    for drift in validation.drift_files(settings.fixtures_dir):
        chosen, found = validation.check_file(drift, spec, None)
        click.echo(f"{drift.name}: known documentation drift, {len(found)} violations of {chosen}")
        for problem in found:
            click.echo(f"  {problem.path}: {problem.message}")
    for path in files:
        try:
            chosen, found = validation.check_file(path, spec, operation)
        except SpecError as exc:
            fail(str(exc))
        click.echo(
            f"{path}: {'valid' if not found else f'{len(found)} violations'}"
            + (f" as {chosen}" if chosen else "")
        )
        problems += found
    for problem in problems:
        click.secho(str(problem), fg="red")
    sys.exit(1 if problems else 0)
