"""Validating instances against the document's schemas, with errors as JSON pointers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from mockserver.model.patterns import bounded

_OAS30 = bounded(OAS30Validator)


def pointer(path: Iterable[Any]) -> str:
    """A JSON pointer (RFC 6901) for a path of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Every violation of an OpenAPI 3.0 schema, as (JSON pointer, message) pairs."""
    validator = _OAS30(schema, format_checker=oas30_format_checker)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [(pointer(e.absolute_path), e.message) for e in found]
