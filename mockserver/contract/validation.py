"""`mockserver validate`: is the spec, its examples, a fixture or a captured response valid?

Pure functions returning `Problem`s; the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.model import limits, rules
from mockserver.model.document import SpecError, load_document, objects, resolve_refs
from mockserver.model.endpoints import Endpoint, list_items
from mockserver.model.schemas import schema_errors
from mockserver.model.spec import Spec, load_spec

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


def check_spec(path: Path, warnings: list[str] | None = None, *, strict: bool = False) -> list[Problem]:
    """The document's validity as OpenAPI 3.0/3.1 (one problem: the first), and in `warnings`
    the defects it is served despite (`strict`: refused instead)."""
    try:
        load_document(path, notes=warnings, strict=strict)
    except SpecError as exc:
        return [Problem(str(path), "", str(exc).split(": ", 1)[-1])]
    return []


def examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(JSON pointer, example, schema) for every `example` in the document, in document order."""
    found = []
    for node, at, parent in objects(document, structure=True):
        if "example" not in node or parent in ("properties", "patternProperties"):
            continue  # a property named `example` is no example
        schema = node["schema"] if "schema" in node else {k: v for k, v in node.items() if k != "example"}
        found.append((f"{at}/example", node["example"], schema))
    for at, example, schema in sorted(found, key=lambda entry: entry[0]):
        yield at, example, resolve_refs(schema, document)


def check_examples(spec: Spec) -> tuple[int, list[Problem]]:
    found = list(examples(spec.document))
    problems = [
        Problem(spec.path.name, at, f"example {pointer}: {message}")
        for at, example, schema in found
        for pointer, message in schema_errors(example, schema)
    ]
    return len(found), problems


class Unreadable(Exception):
    """A captured file could not be read at all: the run cannot judge it (exit 2)."""


def read_captured(path: Path) -> bytes:
    try:
        return limits.read_regular_file(path)
    except OSError as exc:
        raise Unreadable(f"{path}: cannot read: {exc.strerror or exc}") from None


def _response_schema(spec: Spec, operation: Endpoint, status: int) -> dict[str, Any] | None:
    declared = operation.responses.get(str(status)) or operation.responses.get(f"{str(status)[0]}XX")
    declared = declared or operation.responses.get("default")
    if declared is None:
        return None
    declared = resolve_refs(declared, spec.document)
    media: dict[str, Any] = next(iter(declared.get("content", {}).values()), {})
    schema = media.get("schema")
    return resolve_refs(schema, spec.document) if schema is not None else {}


def operation_problems(data: Any, spec: Spec, operation_id: str, status: int = 200) -> list[Problem]:
    """Schema violations of a response body, then (for a list page) the domain rules that judge
    one response alone: parent references, timestamp order, unique ids."""
    operation = spec.endpoints[operation_id]
    schema = _response_schema(spec, operation, status)
    if schema is None:
        declared = ", ".join(sorted(operation.responses))
        return [Problem(operation_id, "", f"status {status} is not declared (declared: {declared})")]
    problems = [Problem(operation_id, pointer, message) for pointer, message in schema_errors(data, schema)]
    listing = operation.listing
    items = list_items(data, listing) if listing is not None and status == 200 else None
    if not problems and items is not None and listing is not None:
        item_schema = spec.item_schema(operation)
        at = f"/{listing.items_field}" if listing.items_field else ""
        applied: tuple[Callable[[], None], ...] = (
            lambda: rules.check_parent_references(item_schema, items),
            lambda: rules.check_timestamps(item_schema, items),
            lambda: rules.check_unique_ids(items),
        )
        for rule in applied:
            try:
                rule()
            except rules.DomainViolation as violation:
                pointer, _, message = violation.message.partition(": ")
                problems.append(Problem(operation_id, at + pointer, f"{violation.title}: {message}"))
    return problems


def check_file(
    path: Path, spec: Spec, operation_id: str | None, status: int | None = None
) -> tuple[str, list[Problem]]:
    """Validate a captured response; infer its operation when not given (fewest violations)."""
    raw = read_captured(path)
    try:
        data = limits.loads(raw)
    except limits.JsonLimitError as exc:
        return "", [Problem(str(path), exc.pointer, exc.message)]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return "", [Problem(str(path), "", f"not a readable JSON file: {exc}")]
    if operation_id is not None:
        operation = spec.find(operation_id)
        if operation is None:
            raise SpecError(f"unknown operation {operation_id!r} ({known_operations(spec)})")
        candidates = [operation.operation_id]
    else:
        candidates = list(spec.lists) or list(spec.endpoints)
    if not candidates:
        raise SpecError(f"{spec.path.name}: /paths: no operation to validate against")
    code = status or 200
    scored = sorted((len(operation_problems(data, spec, op, code)), op) for op in candidates)
    chosen = scored[0][1]
    problems = [Problem(str(path), p.path, p.message) for p in operation_problems(data, spec, chosen, code)]
    return chosen, problems


def known_operations(spec: Spec, shown: int = 12) -> str:
    """The operations a selector may name, for an error line (bounded for large documents)."""
    names = sorted(spec.endpoints)
    more = f", and {len(names) - shown} more" if len(names) > shown else ""
    return "known: " + ", ".join(names[:shown]) + more + '; or name one as "GET /path"'


def drift_files(fixtures_dir: Path) -> list[Path]:
    return sorted((fixtures_dir / DRIFT_DIR).glob("*.json"))


def load(spec_path: Path) -> Spec:
    return load_spec(spec_path)
