"""`mockserver serve`: the options in, the mock's settings out, then uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mockserver.cli.common import (
    SPEC_OPTION,
    byte_count,
    default,
    fail,
    mock_settings,
    parsed,
    startup_errors,
)
from mockserver.mock.settings import Settings


def _latency(text: str) -> str:
    from mockserver.mock.faults import Latency

    if text:  # none, by default
        Latency.parse(text)
    return text


def _faults(text: str) -> str:
    from mockserver.mock.faults import parse_faults

    parse_faults(text)
    return text


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


@click.command()
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
    default=default(Settings, "seed"),
    show_default=True,
    type=int,
    help="Seed of the generated data. Same seed, same bytes, in every process.",
)
@click.option(
    "--count",
    default=default(Settings, "count"),
    show_default=True,
    type=click.IntRange(0),
    help="Generated records per list (per organization where a list is scoped by the caller).",
)
@click.option(
    "--org-count",
    default=default(Settings, "org_count"),
    show_default=True,
    type=click.IntRange(0),
    help="Generated records per list scoped by a path organization (GET /orgs/{org_id}/assistants).",
)
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Fixtures directory (identities.json, records/) to use instead of the one beside the spec.",
)
@click.option(
    "--locale",
    default=default(Settings, "locale"),
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
    default=default(Settings, "cors_origins"),
    show_default=True,
    help="Origins a browser may call from, comma-separated (e.g. http://localhost:3000).",
)
@click.option("--no-cors", is_flag=True, help="No CORS headers, no preflight answers.")
@click.option(
    "--latency",
    default=default(Settings, "latency"),
    callback=parsed(_latency),
    help="Added before every answer: 120ms, or a range such as 50ms..300ms.",
)
@click.option(
    "--fault-rate",
    default=default(Settings, "fault_rate"),
    type=click.FloatRange(0, 1),
    help="Share of requests answered with a fault (drawn from --seed and the request).",
)
@click.option(
    "--faults",
    default=default(Settings, "faults"),
    show_default=True,
    callback=parsed(_faults),
    help="Faults drawn from: HTTP statuses 400-599, reset (connection cut) and timeout.",
)
@click.option(
    "--request-timeout",
    default=default(Settings, "request_timeout"),
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a client has to send a whole request; a slower one gets 408 and is closed.",
)
@click.option(
    "--journal-size",
    default=default(Settings, "journal_size"),
    show_default=True,
    type=click.IntRange(0),
    help="Requests kept at /__mockserver/requests for tests to inspect; 0 turns it off.",
)
@click.option(
    "--max-body",
    default=f"{default(Settings, 'max_body') // 1024**2}MB",
    show_default=True,
    callback=parsed(byte_count),
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
    default=default(Settings, "state"),
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
    """Serve the document as a behaving mock (Swagger UI at /ui, the document at /openapi.json,
    readiness at /healthz).

    Dev tokens of the bundled openapi.yaml: `dev-token` (user 1, organization 1, member of
    org_demo), `dev-token-2` (user 2, same organization), `other-org-token` (user 7,
    organization 2, member of org_globex). Another document's are printed at start-up.
    """
    import uvicorn

    from mockserver.mock.app import Plan, create_app, freeze_heap
    from mockserver.mock.protocol import BoundedHttpToolsProtocol, bounded_protocol
    from mockserver.mock.watch import WatchingApp

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
        request_timeout=request_timeout,
    )
    if workers > 1 and not stateless and not state.strip():
        # Each worker would keep its own writes: a read answered by another would not see them.
        apart = f"--workers {workers} would keep each worker's writes apart"
        fail(f"{apart}: add --state redis://... (or sqlite:PATH), or --stateless")
    if watch and (workers > 1 or reload):
        fail("--watch serves one process: drop --workers and --reload")
    _listenable(host, port)
    plan: list[Plan] = []
    errors = startup_errors()
    try:
        # Built here even when workers build their own, so that bad input fails fast and once.
        app = create_app(settings, plan)
    except errors as exc:
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
    if watch:
        app = WatchingApp(settings, create_app, errors, app)
    # Request heads are bounded (431) and slow requests closed (408): mockserver/mock/protocol.py.
    if workers == 1 and not reload:
        freeze_heap()
        http = bounded_protocol(settings.request_timeout)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log, http=http)
        return
    # Workers rebuild the settings (the request timeout included) from their environment.
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
        http=BoundedHttpToolsProtocol,
    )
