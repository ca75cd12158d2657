"""The `mockserver` command line: options in, settings out, then hand off to uvicorn.

Exit codes: 0 success, 2 the server could not start (bad option, spec or fixture); a line on
stderr says why, never a traceback.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

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
        uvicorn.run(app, host=host, port=port, log_level="info")
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
    )
