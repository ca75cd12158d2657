"""The `mockserver` command line: options in, settings out, then hand off to uvicorn.

Exit codes: 0 success, 2 the server could not start (bad option, spec or fixture); a line on
stderr says why, never a traceback.
"""

from __future__ import annotations

import os
import re
import signal
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

from mockserver import arguments  # noqa: E402
from mockserver.contract.outcome import EXIT_SIGINT, REPORT_FORMATS  # noqa: E402
from mockserver.contract.sweep import DEFAULT_WINDOW  # noqa: E402
from mockserver.mock.app import Plan, compile_mock, create_app, freeze_heap, in_process_target  # noqa: E402
from mockserver.mock.fixtures import (  # noqa: E402
    FixtureError,
    FixtureUnreadable,
)
from mockserver.mock.generate import CannotGenerate  # noqa: E402
from mockserver.mock.protocol import (  # noqa: E402
    REQUEST_TIMEOUT_S,
    TIMEOUT_VARIABLE,
    BoundedHttpToolsProtocol,
)
from mockserver.mock.recipes import RecipeError  # noqa: E402
from mockserver.mock.settings import (  # noqa: E402
    DEFAULT_COUNT,
    DEFAULT_LOCALE,
    DEFAULT_ORG_COUNT,
    Settings,
)
from mockserver.mock.steering import Latency, parse_faults  # noqa: E402
from mockserver.mock.watch import WatchingApp  # noqa: E402
from mockserver.model.defaults import DEFAULT_SEED  # noqa: E402
from mockserver.model.document import SpecError  # noqa: E402

EXIT_STARTUP_ERROR = 2


def fail(message: str) -> None:
    click.secho(f"mockserver: error: {message}", fg="red", err=True)
    sys.exit(EXIT_STARTUP_ERROR)


class _OneLineErrors(click.Group):
    """Usage errors (an unknown option, a bad value) as one red line and exit 2, like every other
    error of this command, instead of click's usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message())  # `mockserver` alone: the help, as click shows it
            sys.exit(exc.exit_code)
        except click.ClickException as exc:  # usage errors included
            fail(exc.format_message())
        except click.Abort:
            sys.exit(EXIT_SIGINT)


def _parsed(parse: Any) -> Any:
    """A click callback from a `ValueError`-raising parser, so bad values are one line, exit 2."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def byte_count(text: str) -> int:
    """`10MB`, `512KB` or `1048576` as a number of bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?B?)\s*", text.upper())
    if match is None:
        raise ValueError(f"{text!r} is not a size (e.g. 10MB, 512KB, 1048576)")
    return int(match[1]) * _UNITS[match[2]]


SPEC_OPTION = click.option(
    "--spec",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The OpenAPI 3.0/3.1 document, YAML or JSON (default: the bundled openapi.yaml). Its "
    "fixtures (identities.json, records/, values.yaml) are read from a fixtures/ folder beside it.",
)
STARTUP_ERRORS = (FixtureError, SpecError, RecipeError, ValueError)


def _listenable(host: str, port: int) -> None:
    """A port another process holds is one line and exit 2, before uvicorn says so in nine."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fail(f"--host {host}: {exc.strerror}")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(f"{host}:{port}: {exc.strerror}; pick another --port (0 picks a free one)")


def mock_settings(spec: Path | None, fixtures_dir: Path | None, **options: Any) -> Settings:
    """Settings for the mock: a user's spec brings the fixtures beside it, if any."""
    paths: dict[str, Any] = {}
    if spec is not None:
        paths["spec_path"] = spec.resolve()
        paths["fixtures_dir"] = spec.resolve().parent / "fixtures"
    if fixtures_dir is not None:
        paths["fixtures_dir"] = fixtures_dir.resolve()
    if spec is not None and not spec.is_file():
        fail(f"{spec}: no such file")
    return Settings(**options, **paths)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockserver")
def main() -> None:
    """A behaving mock of the two "list assistants" APIs described by openapi.yaml."""


@main.command()
@SPEC_OPTION
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
    "--watch",
    is_flag=True,
    help="Serve edits of the spec and the fixtures from the next request; a broken edit keeps the "
    "last good version serving and logs one line.",
)
@click.option(
    "--cors-origins",
    default="*",
    show_default=True,
    help="Origins a browser may call from, comma-separated (e.g. http://localhost:3000).",
)
@click.option("--no-cors", is_flag=True, help="No CORS headers, no preflight answers.")
@click.option(
    "--latency",
    default="",
    callback=_parsed(lambda v: v and Latency.parse(v) and v),
    help="Added before every answer: 120ms, or a range such as 50ms..300ms.",
)
@click.option(
    "--fault-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Share of requests answered with a fault (drawn from --seed and the request).",
)
@click.option(
    "--faults",
    default="500,503",
    show_default=True,
    callback=_parsed(lambda v: parse_faults(v) and v),
    help="Faults drawn from: HTTP statuses 400-599, reset (connection cut) and timeout.",
)
@click.option(
    "--request-timeout",
    default=REQUEST_TIMEOUT_S,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a client has to send a whole request; a slower one gets 408 and is closed.",
)
@click.option(
    "--journal-size",
    default=1000,
    show_default=True,
    type=click.IntRange(0),
    help="Requests kept at /__mockserver/requests for tests to inspect; 0 turns it off.",
)
@click.option(
    "--max-body",
    default="10MB",
    show_default=True,
    callback=_parsed(lambda v: byte_count(v)),
    help="The largest request body read (bytes, or with KB, MB or GB); a larger one gets 413. 0: no limit.",
)
@click.option(
    "--stateless",
    is_flag=True,
    help="Forget writes at once: every answer a function of the request alone. By default each "
    "session (X-Mock-Session, else the credential) keeps its writes, and every read sees them.",
)
@click.option(
    "--state",
    default="",
    help="Where writes are kept: in this process (default), sqlite:PATH (across restarts), or "
    "redis://HOST:PORT/DB (shared by --workers and by replicas).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (off by default: the mock runs inside load and test runs).",
)
def serve(
    spec: Path | None,
    host: str,
    port: int,
    seed: int,
    count: int,
    org_count: int,
    fixtures_dir: Path | None,
    locale: str,
    workers: int,
    reload: bool,
    watch: bool,
    cors_origins: str,
    no_cors: bool,
    latency: str,
    fault_rate: float,
    faults: str,
    journal_size: int,
    request_timeout: float,
    max_body: int,
    stateless: bool,
    state: str,
    access_log: bool,
) -> None:
    """Serve the mock API (Swagger UI at /ui, spec at /openapi.json, readiness at /healthz).

    Dev tokens: `dev-token` (user 1, organization 1, member of org_demo), `dev-token-2` (user 2,
    same organization), `other-org-token` (user 7, organization 2, member of org_globex).
    """
    import uvicorn

    settings = mock_settings(
        spec,
        fixtures_dir,
        seed=seed,
        count=count,
        org_count=org_count,
        locale=locale,
        cors_origins="" if no_cors else cors_origins,
        latency=latency,
        fault_rate=fault_rate,
        faults=faults,
        journal_size=journal_size,
        max_body=max_body,
        stateless=stateless,
        state=state,
    )
    if workers > 1 and not stateless and not state.strip():
        # Each worker would keep its own writes: a read answered by another would not see them.
        apart = f"--workers {workers} would keep each worker's writes apart"
        fail(f"{apart}: add --state redis://... (or sqlite:PATH), or --stateless")
    _listenable(host, port)
    plan: list[Plan] = []
    try:
        # Built here even when workers build their own, so that bad input fails fast and once.
        app = create_app(settings, plan)
    except STARTUP_ERRORS as exc:
        fail(str(exc))
    except Exception as exc:  # a document met no test had: one line naming it, not a traceback
        reason = str(exc).splitlines()[0][:200] if str(exc) else ""
        fail(f"{settings.spec_path.name}: cannot serve this document ({type(exc).__name__}: {reason})")
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    api = base + plan[0].base_path
    click.echo(f"mockserver: serving {settings.spec_path.name} at {api}/ (Swagger UI {api}/ui/)")
    for line in plan[0].lines():
        click.echo(f"mockserver: {line}")
    if settings.journal_size:
        click.echo(f"mockserver: request journal at {base}/__mockserver/requests")
    if stateless:
        click.echo("mockserver: stateless: every write is forgotten at once")
    else:
        kept = f"in {state.strip()}" if state.strip() else "in this process"
        click.echo(f"mockserver: writes kept per session {kept}; reset: POST {base}/__mockserver/reset")
    if watch and (workers > 1 or reload):
        fail("--watch serves one process: drop --workers and --reload")
    if watch:
        app = WatchingApp(settings, create_app, STARTUP_ERRORS, app)
    # Request heads are bounded (431) and slow requests closed (408): mockserver/mock/protocol.py.
    os.environ[TIMEOUT_VARIABLE] = str(request_timeout)
    BoundedHttpToolsProtocol.timeout_s = request_timeout
    http = BoundedHttpToolsProtocol
    if workers == 1 and not reload:
        freeze_heap()
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log, http=http)
        return
    os.environ.update(settings.to_env())
    uvicorn.run(
        "mockserver.mock.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        access_log=access_log,
        http=http,
    )


# ----------------------------------------------------------------------------- contract testing

EXIT_HELP = """
Exit codes: 0 the deployment conforms; 1 contract violations were found; 2 the run could not be
made or tested nothing (bad arguments, unreachable URL, every request refused, invalid spec),
with a one-line reason; 130 and 143 the run was stopped by SIGINT (Ctrl-C) or SIGTERM, after
writing the reports with what it had found.
"""


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _known_checks() -> set[str]:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    import mockserver.contract.hooks  # noqa: F401

    return set(CHECKS.get_all_names())


def _target_options(func: Any) -> Any:
    for option in reversed(
        [
            SPEC_OPTION,
            click.option(
                "--url",
                envvar="MOCKSERVER_URL",
                default=None,
                callback=_parsed(arguments.url),
                help="Deployment to test. Without it, the in-process mock (no port) is tested. "
                "[env: MOCKSERVER_URL]",
            ),
            click.option(
                "--token",
                envvar="MOCKSERVER_TOKEN",
                default=None,
                callback=_parsed(arguments.token),
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
                callback=_parsed(arguments.token),
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
                help="Organization for /orgs/{org_id}/assistants (in-process: org_demo). "
                "[env: MOCKSERVER_ORG_ID]",
            ),
            click.option(
                "--caller-user-id",
                callback=_identifier,
                default=None,
                help="The token's user id: `created_by_me` is then checked exactly, not only for "
                "consistency.",
            ),
            click.option(
                "--caller-organization-id",
                callback=_identifier,
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
                default=DEFAULT_WINDOW,
                show_default=True,
                type=click.IntRange(1, 100_000),
                help="Items of each list the whole-list checks compare (page sizes, filters, one "
                "record per id), once per operation and run; each walk takes at most 50 pages.",
            ),
            click.option(
                "--workers",
                default=1,
                show_default=True,
                type=click.IntRange(1, 64),
                help="Concurrent Schemathesis workers.",
            ),
            click.option(
                "--rate-limit",
                default=None,
                callback=_parsed(arguments.rate_limit),
                help="Maximum request rate, e.g. 100/s or 1000/m.",
            ),
            click.option(
                "--timeout",
                default=10.0,
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
        ]
    ):
        func = option(func)
    return func


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


def _selection(checks_: tuple[str, ...], include_operation: tuple[str, ...], reports: tuple[str, ...]) -> Any:
    checks = _split(checks_)
    if checks_ and not checks:
        fail("--checks selects no check")
    known = _known_checks()
    unknown = sorted(set(checks) - known)
    if unknown:
        fail(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    operations = _split(include_operation)
    if include_operation and not operations:
        fail("--include-operation selects no operation")
    formats = _split(reports)
    bad = sorted(set(formats) - set(REPORT_FORMATS))
    if bad:
        fail(f"unknown report format(s): {', '.join(bad)}; known: {', '.join(REPORT_FORMATS)}")
    return checks, operations, formats


class _Signals:
    """SIGTERM (CI cancellation, `docker stop`) stops the run like Ctrl-C does, and both are
    remembered so the exit code says which one it was."""

    def __init__(self) -> None:
        self.received: str | None = None
        # Only while the run is under way does a signal unwind it; before, it is remembered.
        self.armed = False

    def __enter__(self) -> _Signals:
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


def _print_understood(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _run_and_report(options: Any, report_dir: Path | None, signals: _Signals, **hooks: Any) -> None:
    from mockserver.contract.outcome import RunOutcome, summary_lines, write_reports
    from mockserver.contract.runner import RunError, run

    try:
        outcome = run(
            options,
            should_stop=lambda: signals.received is not None,
            on_engine_start=signals.arm,
            on_understood=_print_understood,
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


def _target(
    spec: Path | None,
    url: str | None,
    token: str | None,
    org_id: str | None,
    caller: dict[str, Any],
    headers: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """The run's target: the deployment at `url`, or the mock in-process as its first dev token,
    or with the dev credential its document's schemes take (whatever identity options were
    given win)."""
    settings = mock_settings(spec, None)
    if url is not None:
        return {
            "url": url,
            "token": token,
            "org_id": org_id,
            "caller": caller,
            "spec_path": settings.spec_path,
            "headers": headers,
        }
    try:
        target = in_process_target(settings)
    except STARTUP_ERRORS as exc:
        fail(str(exc))
    target["spec_path"] = settings.spec_path
    given = {"token": token, "org_id": org_id, "caller": caller, "headers": headers}
    target.update({key: value for key, value in given.items() if value})
    return target


def _headers(_ctx: Any, _param: Any, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found = []
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip() or any(c in name for c in " \r\n") or "\n" in content:
            fail(f'--header {name.strip()!r}...: expected "Name: value" on one line')
        found.append((name.strip(), content.strip()))
    return tuple(found)


def _identifier(_ctx: Any, _param: Any, value: str | None) -> int | str | None:
    """An id as the deployment writes it: a number stays a number, a UUID or a slug a string."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        fail("a caller id must not be empty")
    return int(text) if text.isascii() and text.isdigit() else text


def _caller(
    user_id: int | str | None, organization_id: int | str | None, orgs: tuple[str, ...]
) -> dict[str, Any]:
    caller: dict[str, Any] = {"orgs": _split(orgs)} if orgs else {}
    if user_id is not None:
        caller["user_id"] = user_id
    if organization_id is not None:
        caller["organization_id"] = organization_id
    return caller


@main.command(epilog=EXIT_HELP)
@_target_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write junit.xml, summary.json and the HTML report here.",
)
@click.option(
    "--max-examples",
    default=25,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Generated cases per operation and phase.",
)
@click.option(
    "--max-duration",
    default=None,
    callback=_parsed(arguments.duration),
    help="Stop the whole run after this long (90s, 10m, 1h30m); what was found is reported.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=int,
    help="Same deployment and seed: same cases, same verdict.",
)
def contract(
    spec: Path | None,
    url: str | None,
    token: str | None,
    other_token: str | None,
    headers: tuple[tuple[str, str], ...],
    writes: bool,
    org_id: str | None,
    caller_user_id: int | str | None,
    caller_organization_id: int | str | None,
    caller_org: tuple[str, ...],
    window: int,
    workers: int,
    rate_limit: str | None,
    timeout: float,
    checks_: tuple[str, ...],
    include_operation: tuple[str, ...],
    reports: tuple[str, ...],
    report_dir: Path | None,
    max_examples: int,
    max_duration: float | None,
    seed: int,
) -> None:
    """Test a deployment (or the mock) against openapi.yaml: types, status codes, auth, and what
    the parameters mean (page sizes, continuity, filters, scoping, parent references, repeatable
    reads, timestamp order, unique ids)."""
    from mockserver.contract.runner import RunOptions

    checks, operations, formats = _selection(checks_, include_operation, reports)
    _writable(report_dir)
    options = RunOptions(
        **_target(
            spec, url, token, org_id, _caller(caller_user_id, caller_organization_id, caller_org), headers
        ),
        other_token=other_token,
        writes=writes or url is None,
        window=window,
        max_examples=max_examples,
        seed=seed,
        workers=workers,
        rate_limit=rate_limit,
        timeout=timeout,
        checks=checks,
        include_operations=operations,
        max_time=max_duration,
        reports=tuple(dict.fromkeys(("html", *formats))) if report_dir else (),
        report_dir=report_dir,
    )
    with _Signals() as signals:
        _run_and_report(options, report_dir, signals)


# Progress off a terminal: one line this often, so a 30-minute CI job logs about 40 lines.
LOG_PROGRESS_EVERY = 45.0


@main.command(epilog=EXIT_HELP)
@_target_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports") / "fuzz",
    show_default=True,
    help="Write junit.xml, summary.json, the HTML report and the Hypothesis database here.",
)
@click.option(
    "--duration",
    default="10m",
    show_default=True,
    callback=_parsed(arguments.duration),
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
    spec: Path | None,
    url: str | None,
    token: str | None,
    other_token: str | None,
    headers: tuple[tuple[str, str], ...],
    writes: bool,
    org_id: str | None,
    caller_user_id: int | str | None,
    caller_organization_id: int | str | None,
    caller_org: tuple[str, ...],
    window: int,
    workers: int,
    rate_limit: str | None,
    timeout: float,
    checks_: tuple[str, ...],
    include_operation: tuple[str, ...],
    reports: tuple[str, ...],
    report_dir: Path,
    duration: float,
    max_examples: int | None,
    seed: int | None,
) -> None:
    """Hunt for anything the API does wrong until the time box ends, SIGTERM or Ctrl-C: every
    operation, valid and invalid data, on after each failure; each distinct failure is reported
    once with a count and a curl line to reproduce it."""
    import random

    from mockserver.contract.runner import RunOptions

    checks, operations, formats = _selection(checks_, include_operation, reports)
    _writable(report_dir)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    options = RunOptions(
        **_target(
            spec, url, token, org_id, _caller(caller_user_id, caller_organization_id, caller_org), headers
        ),
        other_token=other_token,
        writes=writes or url is None,
        window=window,
        max_examples=max_examples or 1_000_000,
        seed=seed,
        workers=workers,
        rate_limit=rate_limit,
        timeout=timeout,
        checks=checks,
        include_operations=operations,
        mode="fuzz",
        max_time=duration,
        database=report_dir / "hypothesis",
        reports=tuple(dict.fromkeys(("html", *formats))),
        report_dir=report_dir,
    )
    tty = sys.stdout.isatty()
    state = {"cases": 0, "found": 0}
    started = time.monotonic()

    def progress(_label: str) -> None:
        state["cases"] += 1

    def found(finding: Any) -> None:
        state["found"] += 1
        click.echo(
            ("\r\033[K" if tty else "") + f"found [{finding.check}] {finding.operation}: {finding.title}"
        )

    def heartbeat(stop: threading.Event) -> None:
        # Live in place on a terminal; off a terminal one plain line every LOG_PROGRESS_EVERY s.
        while not stop.wait(1.0 if tty else LOG_PROGRESS_EVERY):
            line = (
                f"[{_clock(time.monotonic() - started)} of {_clock(duration)}] {state['cases']} scenarios, "
                f"{state['found']} distinct failures so far"
            )
            click.echo(f"\r\033[K{line}" if tty else line, nl=not tty)

    stop = threading.Event()
    ticker = threading.Thread(target=heartbeat, args=(stop,), daemon=True)
    with _Signals() as signals:
        click.echo(
            f"Fuzzing {url or 'the in-process mock'} for {_clock(duration)} with seed {seed} "
            f"(replay with --seed {seed} --report-dir {report_dir}); Ctrl-C stops and keeps what was found."
        )
        ticker.start()
        try:
            _run_and_report(options, report_dir, signals, on_event=progress, on_finding=found)
        finally:
            stop.set()
            if tty:
                click.echo()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return (
        f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else (f"{whole // 60:02d}:{whole % 60:02d}")
    )


@main.command(
    epilog="Exit codes: 0 valid; 1 violations found; 2 could not validate (missing file, bad option)."
)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@SPEC_OPTION
@click.option(
    "--operation",
    default=None,
    help='The operation a FILE belongs to: its operationId or "GET /path" (default: inferred).',
)
@click.option(
    "--status",
    default=None,
    type=click.IntRange(100, 599),
    help="The response status a FILE was captured with (default 200): error bodies are checked too.",
)
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Fixtures directory to validate (default: the bundled one).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the defects the mock reads leniently (warnings otherwise), with every check of "
    "openapi-spec-validator.",
)
def validate(
    files: tuple[Path, ...],
    spec: Path | None,
    operation: str | None,
    status: int | None,
    fixtures_dir: Path | None,
    strict: bool,
) -> None:
    """Validate openapi.yaml, every example in it, the fixtures, and any captured JSON response:
    its schema and, for a list, the domain rules (parent references, timestamp order, unique ids).

    Files under fixtures/drift/ hold documentation drift; they are listed with their violations
    and do not fail the run unless named as FILE.
    """
    from mockserver.contract import validation

    settings = mock_settings(spec, fixtures_dir)
    warnings: list[str] = []
    problems = validation.check_spec(settings.spec_path, warnings, strict=strict)
    if problems:
        fail(str(problems[0]))
    for warning in warnings:
        click.secho(warning, fg="yellow")
    loaded = validation.load(settings.spec_path)
    for path in files:
        try:
            validation.read_captured(path)
        except validation.Unreadable as exc:
            fail(str(exc))
    if status is not None and not files:
        fail("--status applies to a captured FILE; none was given")
    if operation is not None and loaded.find(operation) is None:
        fail(f"--operation: unknown operation {operation!r} ({validation.known_operations(loaded)})")
    click.echo(f"{settings.spec_path.name}: valid OpenAPI {loaded.document['openapi']}")
    count, example_problems = validation.check_examples(loaded)
    click.echo(f"{settings.spec_path.name}: {count} examples, {len(example_problems)} invalid")
    problems += example_problems
    fixture_problems = []
    try:
        # The records as served: curated ones completed, every generator compiled.
        compile_mock(settings)
    except FixtureUnreadable as exc:
        fail(str(exc))
    except CannotGenerate as exc:
        # The document asks for what no answer can be (a schema no value satisfies, more items
        # than an answer carries): it is the document that cannot be served as written.
        click.echo(f"{settings.spec_path.name}: cannot be served as written")
        problems.append(validation.Problem(settings.spec_path.name, "", str(exc)))
    except (FixtureError, RecipeError, SpecError) as exc:
        fixture_problems.append(validation.Problem("fixtures", "", str(exc)))
    click.echo(f"fixtures: {'valid' if not fixture_problems else 'invalid'}")
    problems += fixture_problems
    for drift in validation.drift_files(settings.fixtures_dir):
        chosen, found = validation.check_file(drift, loaded, None)
        click.echo(f"{drift.name}: known documentation drift, {len(found)} violations of {chosen}")
        for problem in found:
            click.echo(f"  {problem.path}: {problem.message}")
    for path in files:
        try:
            chosen, found = validation.check_file(path, loaded, operation, status)
        except (SpecError, validation.Unreadable) as exc:
            fail(str(exc))
        click.echo(
            f"{path}: {'valid' if not found else f'{len(found)} violations'}"
            + (f" as {chosen}" if chosen else "")
        )
        problems += found
    for problem in problems:
        click.secho(str(problem), fg="red")
    sys.exit(1 if problems else 0)
