"""`mockserver validate`: the document, every example in it, the fixtures, and captured answers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mockserver.cli.common import SPEC_OPTION, fail, mock_settings


@click.command(
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
    from mockserver.mock.app import compile_mock
    from mockserver.mock.fixtures import FixtureError, FixtureUnreadable
    from mockserver.mock.generate import CannotGenerate
    from mockserver.mock.recipes import RecipeError
    from mockserver.model.document import SpecError

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
