"""What every command shares: one-line errors and their exit code, the `--spec` option, and the
mock's settings from the options.

Nothing here imports the mock or the checker: `mockserver --help` loads only click.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mockserver.contract.outcome import EXIT_ERROR, EXIT_SIGINT

if TYPE_CHECKING:
    from mockserver.mock.settings import Settings

# Bad options, a spec or fixture that cannot be served, a run that could not be made.
EXIT_STARTUP_ERROR = EXIT_ERROR


def fail(message: str) -> None:
    click.secho(f"mockserver: error: {message}", fg="red", err=True)
    sys.exit(EXIT_STARTUP_ERROR)


class OneLineErrors(click.Group):
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


def parsed(parse: Callable[[Any], Any]) -> Any:
    """A click callback from a `ValueError`-raising parser, so bad values are one line, exit 2."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


_UNITS = {
    "": 1,
    "B": 1,
    "KB": 1024,
    "KIB": 1024,
    "MB": 1024**2,
    "MIB": 1024**2,
    "GB": 1024**3,
    "GIB": 1024**3,
}


def byte_count(text: str) -> int:
    """`10MB`, `64KiB`, `512KB` or `1048576` as a number of bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?I?B?)\s*", text.upper())
    if match is None or match[2] not in _UNITS:
        raise ValueError(f"{text!r} is not a size (e.g. 10MB, 64KiB, 1048576)")
    return int(match[1]) * _UNITS[match[2]]


def split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated and comma-separated values as one tuple."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def default(of: type, name: str) -> Any:
    """The default a settings dataclass owns for `name`, so the options never restate it."""
    for f in fields(of):
        if f.name == name:
            return f.default
    raise KeyError(name)


SPEC_OPTION = click.option(
    "--spec",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The OpenAPI 3.0/3.1 document, YAML or JSON (default: the bundled openapi.yaml). Its "
    "fixtures (identities.json, records/, values.yaml) are read from a fixtures/ folder beside it.",
)


def startup_errors() -> tuple[type[Exception], ...]:
    """What a document or its fixtures raise when they cannot be served: one line, exit 2."""
    from mockserver.mock.fixtures import FixtureError
    from mockserver.mock.recipes import RecipeError
    from mockserver.model.document import SpecError

    return (FixtureError, SpecError, RecipeError, ValueError)


def mock_settings(spec: Path | None, fixtures_dir: Path | None, **options: Any) -> Settings:
    """Settings for the mock: a user's spec brings the fixtures beside it, if any."""
    from mockserver.mock.settings import Settings

    paths: dict[str, Any] = {}
    if spec is not None:
        paths["spec_path"] = spec.resolve()
        paths["fixtures_dir"] = spec.resolve().parent / "fixtures"
    if fixtures_dir is not None:
        paths["fixtures_dir"] = fixtures_dir.resolve()
    if spec is not None and not spec.is_file():
        fail(f"{spec}: no such file")
    return Settings(**options, **paths)
