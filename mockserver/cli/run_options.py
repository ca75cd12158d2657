"""The options `contract` and `fuzz` share, read into one `RunArguments`, and the one builder of
the run's `RunOptions` from them; what a run does with signals, and how it ends.

A new option of both commands goes in `OPTIONS`, a field of `RunArguments` of the same name,
and its place in `RunArguments.options`.
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from mockserver import arguments
from mockserver.cli.common import (
    SPEC_OPTION,
    byte_count,
    default,
    fail,
    mock_settings,
    parsed,
    split,
    startup_errors,
)
from mockserver.cli.progress import Display
from mockserver.contract.options import RunOptions
from mockserver.contract.outcome import REPORT_FORMATS

EXIT_HELP = """
Exit codes: 0 the deployment conforms; 1 contract violations were found; 2 the run could not be
made or tested nothing (bad arguments, unreachable URL, every request refused, invalid spec),
with a one-line reason; 130 and 143 the run was stopped by SIGINT (Ctrl-C) or SIGTERM, after
writing the reports with what it had found.
"""


def _headers(_ctx: Any, _param: Any, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found = []
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip() or any(c in name for c in " \r\n") or "\n" in content:
            fail(f'--header {name.strip()!r}...: expected "Name: value" on one line')
        found.append((name.strip(), content.strip()))
    return tuple(found)


def identifier(_ctx: Any, _param: Any, value: str | None) -> int | str | None:
    """An id as the deployment writes it: a number stays a number, a UUID or a slug a string."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        fail("a caller id must not be empty")
    return int(text) if text.isascii() and text.isdigit() else text


OPTIONS = [
    SPEC_OPTION,
    click.option(
        "--url",
        envvar="MOCKSERVER_URL",
        default=None,
        callback=parsed(arguments.url),
        help="Deployment to test. Without it, the in-process mock (no port) is tested, with its own "
        "dev credentials. [env: MOCKSERVER_URL]",
    ),
    click.option(
        "--token",
        envvar="MOCKSERVER_TOKEN",
        default=None,
        callback=parsed(arguments.token),
        help="Bearer token; never printed nor written to reports, and curl lines read it "
        "from $MOCKSERVER_TOKEN. [env: MOCKSERVER_TOKEN]",
    ),
    click.option(
        "--header",
        "headers",
        multiple=True,
        callback=_headers,
        help='A request header to send, such as an API key ("X-API-Key: k", "Authorization: '
        'Token k"; repeat). Its value is treated as a secret, like --token.',
    ),
    click.option(
        "--other-token",
        envvar="MOCKSERVER_OTHER_TOKEN",
        default=None,
        callback=parsed(arguments.token),
        help="A second caller's bearer token, one who owns none of the first caller's "
        "records: tenant_isolated then holds that no list or detail read shows it the "
        "first caller's own records. Never printed. [env: MOCKSERVER_OTHER_TOKEN]",
    ),
    click.option(
        "--writes",
        is_flag=True,
        default=False,
        help="Also send the operations that write (POST, PUT, PATCH, DELETE) to --url, and "
        "check that each write shows in its list: a created record listed once and readable "
        "by its id, a changed one changed there, a deleted one gone. They change the "
        "deployment. In-process, writes are always sent (to the mock's own session).",
    ),
    click.option(
        "--org-id",
        envvar="MOCKSERVER_ORG_ID",
        default=None,
        help="Organization for /orgs/{org_id}/assistants (in-process: org_demo). [env: MOCKSERVER_ORG_ID]",
    ),
    click.option(
        "--caller-user-id",
        callback=identifier,
        default=None,
        help="The token's user id: `created_by_me` is then checked exactly, not only for consistency.",
    ),
    click.option(
        "--caller-organization-id",
        callback=identifier,
        default=None,
        help="The token's organization id, for the tenant check.",
    ),
    click.option(
        "--caller-org",
        multiple=True,
        help="Another organization the token's user belongs to (repeat): tenant_isolated "
        "does not probe it as a stranger's.",
    ),
    click.option(
        "--window",
        default=default(RunOptions, "window"),
        show_default=True,
        type=click.IntRange(1, 100_000),
        help="Items of each list the whole-list checks compare (page sizes, filters, one "
        "record per id), once per operation and run; each walk takes at most 50 pages.",
    ),
    click.option(
        "--workers",
        default=default(RunOptions, "workers"),
        show_default=True,
        type=click.IntRange(1, 64),
        help="Concurrent Schemathesis workers.",
    ),
    click.option(
        "--rate-limit",
        default=None,
        callback=parsed(arguments.rate_limit),
        help="Maximum request rate, e.g. 100/s or 1000/m.",
    ),
    click.option(
        "--timeout",
        default=default(RunOptions, "timeout"),
        show_default=True,
        type=click.FloatRange(0.1, 600),
        help="Seconds for each whole response (headers and body, however slowly sent).",
    ),
    click.option(
        "--checks",
        "checks_",
        multiple=True,
        help="Only these checks (repeat or comma-separate); default: all of Schemathesis' "
        "and the domain checks.",
    ),
    click.option(
        "--include-operation",
        multiple=True,
        help='Only these operations: operationIds or "GET /path" (repeat or comma-separate).',
    ),
    click.option(
        "--report",
        "reports",
        multiple=True,
        help=f"Also write Schemathesis' reports: {', '.join(REPORT_FORMATS)} (comma-separate). "
        "html is always written with --report-dir.",
    ),
    click.option(
        "--report-body-limit",
        default=f"{default(RunOptions, 'report_body_limit') // 1024}KiB",
        show_default=True,
        callback=parsed(byte_count),
        help="Bytes of each request and response body the reports keep; the rest is cut, and the "
        "cut is marked (0 keeps whole bodies). Checks always see whole bodies.",
    ),
]


@dataclass(frozen=True, slots=True)
class RunArguments:
    """What `contract` and `fuzz` were given in common, as the command line spelled it."""

    spec: Path | None
    url: str | None
    token: str | None
    headers: tuple[tuple[str, str], ...]
    other_token: str | None
    writes: bool
    org_id: str | None
    caller_user_id: int | str | None
    caller_organization_id: int | str | None
    caller_org: tuple[str, ...]
    window: int
    workers: int
    rate_limit: str | None
    timeout: float
    checks_: tuple[str, ...]
    include_operation: tuple[str, ...]
    reports: tuple[str, ...]
    report_body_limit: int

    def options(self, report_dir: Path | None, **mode: Any) -> RunOptions:
        """The run's options: these arguments, checked, with what the command itself sets."""
        checks, operations, formats = self._selection()
        _writable(report_dir)
        return RunOptions(
            **self._target(),
            other_token=self.other_token,
            # In-process, the mock's session is the run's own: writing there changes nothing else.
            writes=self.writes or self.url is None,
            window=self.window,
            workers=self.workers,
            rate_limit=self.rate_limit,
            timeout=self.timeout,
            checks=checks,
            include_operations=operations,
            reports=tuple(dict.fromkeys(("html", *formats))) if report_dir else (),
            report_dir=report_dir,
            report_body_limit=self.report_body_limit,
            **mode,
        )

    def in_process(self, options: RunOptions) -> str | None:
        """What an in-process run sends and where its curl lines point, in one line; None for a
        run against a deployment."""
        if self.url is not None:
            return None
        if options.token:
            sent = f"its dev credential (bearer {options.token})"
        elif options.headers:
            sent = f"its dev credential ({', '.join(name for name, _ in options.headers)})"
        else:
            sent = "no credential (the document asks for none)"
        return (
            f"in-process: the mock of {options.spec_path.name}, sent {sent}; curl lines name "
            "http://testserver: `mockserver serve` answers them at its own URL"
        )

    def _caller(self) -> dict[str, Any]:
        caller: dict[str, Any] = {"orgs": split(self.caller_org)} if self.caller_org else {}
        if self.caller_user_id is not None:
            caller["user_id"] = self.caller_user_id
        if self.caller_organization_id is not None:
            caller["organization_id"] = self.caller_organization_id
        return caller

    def _target(self) -> dict[str, Any]:
        """The deployment at `url`, or the mock in-process as its first dev token, or with the
        dev credential its document's schemes take (whatever identity options were given win)."""
        settings = mock_settings(self.spec, None)
        given = {
            "token": self.token,
            "org_id": self.org_id,
            "caller": self._caller(),
            "headers": self.headers,
        }
        if self.url is not None:
            return {"url": self.url, "spec_path": settings.spec_path, **given}
        from mockserver.mock.app import in_process_target

        try:
            target = in_process_target(settings)
        except startup_errors() as exc:
            fail(str(exc))
        target["spec_path"] = settings.spec_path
        target.update({key: value for key, value in given.items() if value})
        return target

    def _selection(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        checks = split(self.checks_)
        if self.checks_ and not checks:
            fail("--checks selects no check")
        known = _known_checks()
        unknown = sorted(set(checks) - known)
        if unknown:
            fail(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        operations = split(self.include_operation)
        if self.include_operation and not operations:
            fail("--include-operation selects no operation")
        formats = split(self.reports)
        bad = sorted(set(formats) - set(REPORT_FORMATS))
        if bad:
            fail(f"unknown report format(s): {', '.join(bad)}; known: {', '.join(REPORT_FORMATS)}")
        return checks, operations, formats


_NAMES = tuple(f.name for f in fields(RunArguments))


def run_options(command: Callable[..., None]) -> Callable[..., None]:
    """The shared options on a command, handed to it as one `RunArguments` (its first argument)."""

    @functools.wraps(command)
    def with_arguments(**given: Any) -> None:
        shared = RunArguments(**{name: given.pop(name) for name in _NAMES})
        command(shared, **given)

    decorated: Any = with_arguments
    for option in reversed(OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def _known_checks() -> set[str]:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    import mockserver.contract.hooks  # noqa: F401

    return set(CHECKS.get_all_names())


def _writable(directory: Path | None) -> None:
    """Refuse a report directory that cannot be written before the run, not after it."""
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".mockserver-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        fail(f"--report-dir {directory}: cannot write there ({exc.strerror or exc})")


class Signals:
    """SIGTERM (CI cancellation, `docker stop`) stops the run like Ctrl-C does, and both are
    remembered so the exit code says which one it was."""

    def __init__(self) -> None:
        self.received: str | None = None
        # Only while the run is under way does a signal unwind it; before, it is remembered.
        self.armed = False

    def __enter__(self) -> Signals:
        self.previous = {
            signal.SIGINT: signal.signal(signal.SIGINT, self._handle),
            signal.SIGTERM: signal.signal(signal.SIGTERM, self._handle),
        }
        return self

    def arm(self) -> None:
        if self.received:
            raise KeyboardInterrupt
        self.armed = True

    def _handle(self, number: int, frame: Any) -> None:
        first = self.received is None
        self.received = signal.Signals(number).name
        if first and self.armed:
            # Unwinds the engine in the main thread; Schemathesis stops its workers.
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)


def run_and_report(
    options: RunOptions, signals: Signals, display: Display, said: str | None = None, **hooks: Any
) -> None:
    """Run with its progress shown, write the reports, print the summary, and exit with the
    run's code; `said` is printed once the run is sure to start, before what it understood."""
    from mockserver.contract.outcome import RunOutcome, summary_lines, write_reports
    from mockserver.contract.runner import RunError, run

    report_dir = options.report_dir
    try:
        with display:
            outcome = run(
                options,
                progress=display.progress,
                should_stop=lambda: signals.received is not None,
                on_engine_start=signals.arm,
                on_understood=lambda lines: display.lines([*([said] if said else []), *lines]),
                **hooks,
            )
    except RunError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        # Stopped before the engine started (loading the spec, the preflight): the reports
        # still say so, so a cancelled CI job leaves the same files as any other.
        outcome = RunOutcome(seed=options.seed, target=options.url or "in-process mock")
        outcome.interrupted_by = signals.received or "SIGINT"
    finally:
        signals.armed = False
    if signals.received and outcome.interrupted_by in (None, "SIGINT", "time limit"):
        outcome.interrupted_by = signals.received
    unwritten = None
    if report_dir is not None:
        try:
            outcome.reports = [*write_reports(outcome, report_dir), *outcome.reports]
        except OSError as exc:  # a full disk, a read-only folder: the findings still come first
            unwritten = f"{report_dir}: the reports cannot be written: {exc.strerror or exc}"
        if unwritten is None and outcome.unwritten is not None:
            unwritten = f"some reports could not be written: {outcome.unwritten}"
    for line in summary_lines(outcome):
        color = "red" if line.startswith(("FAIL", "error", "Run stopped")) else None
        click.secho(line, fg=color)
    for path in outcome.reports:
        click.echo(f"Report: {path}")
    if unwritten is not None:
        click.secho(f"mockserver: error: {unwritten}", fg="red", err=True)
        # Violations found stay exit 1; otherwise the run's record is lost, which is exit 2.
        sys.exit(outcome.exit_code if outcome.exit_code == 1 else 2)
    sys.exit(outcome.exit_code)
