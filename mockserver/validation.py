"""`mockserver validate`: is the spec, its examples, a fixture or a captured response valid?

Pure functions returning `Problem`s; the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.readers import read_from_filename

from mockserver.fixtures import FixtureError, load_directory, load_records, schema_errors
from mockserver.spec import Spec, SpecError, load_spec, resolve_refs

DRIFT_DIR = "drift"


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.path}: {self.message}" if self.path else f"{self.source}: {self.message}"
        )


def check_spec(path: Path) -> list[Problem]:
    try:
        document, _ = read_from_filename(str(path))
        validate_openapi(document)
    except Exception as exc:  # the validator raises one of several types
        return [Problem(str(path), "", str(exc).splitlines()[0])]
    return []


def examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(JSON pointer, example, schema) for every `example` in the document."""

    def walk(node: Any, at: str) -> Iterator[tuple[str, Any, dict[str, Any]]]:
        if isinstance(node, dict):
            if "example" in node and "schema" in node:  # a parameter or media type
                yield f"{at}/example", node["example"], resolve_refs(node["schema"], document)
            elif "example" in node:
                schema = {k: v for k, v in node.items() if k != "example"}
                yield f"{at}/example", node["example"], resolve_refs(schema, document)
            for key, value in node.items():
                if key != "example":
                    yield from walk(value, f"{at}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{at}/{i}")

    yield from walk(document, "")


def check_examples(spec: Spec) -> tuple[int, list[Problem]]:
    found = list(examples(spec.document))
    problems = [
        Problem(spec.path.name, at, f"example {pointer}: {message}")
        for at, example, schema in found
        for pointer, message in schema_errors(example, schema)
    ]
    return len(found), problems


def check_fixtures(fixtures_dir: Path, spec: Spec) -> list[Problem]:
    try:
        directory = load_directory(fixtures_dir)
        load_records(fixtures_dir, spec, directory)
    except FixtureError as exc:
        return [Problem("fixtures", "", str(exc))]
    return []


def operation_problems(data: Any, spec: Spec, operation_id: str) -> list[Problem]:
    operation = spec.operations[operation_id]
    array = {"type": "array", "items": operation.item_schema}
    return [Problem(operation_id, pointer, message) for pointer, message in schema_errors(data, array)]


def check_file(path: Path, spec: Spec, operation_id: str | None) -> tuple[str, list[Problem]]:
    """Validate a captured response; infer its operation when not given (fewest violations)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return "", [Problem(str(path), "", f"not a readable JSON file: {exc}")]
    if operation_id is not None:
        if operation_id not in spec.operations:
            raise SpecError(f"unknown operation {operation_id!r} (known: {', '.join(spec.operations)})")
        candidates = [operation_id]
    else:
        candidates = list(spec.operations)
    scored = sorted((len(operation_problems(data, spec, op)), op) for op in candidates)
    chosen = scored[0][1]
    problems = [Problem(str(path), p.path, p.message) for p in operation_problems(data, spec, chosen)]
    return chosen, problems


def drift_files(fixtures_dir: Path) -> list[Path]:
    return sorted((fixtures_dir / DRIFT_DIR).glob("*.json"))


def load(spec_path: Path) -> Spec:
    return load_spec(spec_path)
