"""openapi.yaml: valid, faithful to both seed pages' typed schemas, examples valid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mockserver.model.document import resolve_refs
from mockserver.model.schemas import schema_errors
from mockserver.model.spec import load_spec
from tests.conftest import REPO

SPEC_PATH = REPO / "openapi.yaml"
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def test_spec_is_valid_openapi() -> None:
    document, _ = read_from_filename(str(SPEC_PATH))
    validate(document)


def _flatten(schema: dict[str, Any]) -> dict[str, Any]:
    """Merge `allOf` members, as our spec uses them only to annotate a reference."""
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for member in schema.get("allOf", []):
        merged = {**_flatten(member), **merged}
    return merged


def _walk(sample: Any, schema: dict[str, Any], path: str) -> Iterator[tuple[str, str, str]]:
    """(path, sample type, declared type) for every field of a seed's typed sample."""
    schema = _flatten(schema)
    declared = schema.get("type", "any")
    yield path, JSON_TYPES[type(sample)], declared
    if isinstance(sample, dict):
        for key, value in sample.items():
            sub = schema.get("properties", {}).get(key)
            if sub is None:
                yield f"{path}/{key}", JSON_TYPES[type(value)], "missing"
            else:
                yield from _walk(value, sub, f"{path}/{key}")
    elif isinstance(sample, list):
        for value in sample:
            yield from _walk(value, schema.get("items", {}), f"{path}/0")


@pytest.mark.parametrize(
    ("sample_file", "schema_name"),
    [
        ("assistants-typed-sample.json", "AssistantResponse"),
        ("org-assistants-typed-sample.json", "Assistant"),
    ],
)
def test_every_seed_field_is_declared_with_its_type(sample_file: str, schema_name: str) -> None:
    spec = load_spec(SPEC_PATH)
    sample = json.loads((REPO / "fixtures" / "seeds" / sample_file).read_text())
    fields = list(_walk(sample[0], spec.schema(schema_name), ""))
    assert len(fields) > 40
    for path, actual, declared in fields:
        compatible = declared == actual or (declared == "number" and actual == "integer")
        assert compatible, f"{schema_name}{path}: seed has {actual}, spec declares {declared}"


def _examples(node: Any, document: dict[str, Any], at: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(node, dict):
        if "example" in node and ("type" in node or "$ref" in node):
            yield (
                at,
                node["example"],
                resolve_refs({k: v for k, v in node.items() if k != "example"}, document),
            )
        if "example" in node and "schema" in node:  # a parameter's example
            yield at, node["example"], resolve_refs(node["schema"], document)
        for key, value in node.items():
            if key != "example":
                yield from _examples(value, document, f"{at}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _examples(value, document, f"{at}/{i}")


def test_every_example_is_valid_against_its_schema() -> None:
    spec = load_spec(SPEC_PATH)
    found = list(_examples(spec.document, spec.document, ""))
    assert len(found) > 50
    for at, example, schema in found:
        assert schema_errors(example, schema) == [], at


def test_the_seed_pages_own_example_is_drift() -> None:
    spec = load_spec(SPEC_PATH)
    drift = json.loads((REPO / "fixtures" / "drift" / "assistants-page-example.json").read_text())
    errors = dict(schema_errors(drift, {"type": "array", "items": spec.schema("AssistantResponse")}))
    assert errors["/0/id"] == "'asst_a1b2c3d4e5f67890' is not of type 'integer'"
    assert "/0/organization_id" in errors and "/0/user_id" in errors


def test_declared_semantics_are_parsed() -> None:
    operations = load_spec(SPEC_PATH).lists
    assets = operations["list_assistants"]
    orgs = operations["list_org_assistants"]
    assert [(f.param, f.field, f.relation) for f in assets.filters] == [
        ("active_only", "is_active", "flag"),
        ("created_by_me", "user_id", "flag"),
    ]
    assert assets.pagination is not None and orgs.pagination is not None
    assert assets.pagination.window({"skip": 30, "limit": 10}) == (30, 10)
    assert orgs.pagination.window({"page": 3, "take": 10}) == (20, 10)
    assert orgs.tenant is not None
    assert orgs.tenant.key({"orgs": {"org_demo"}}, {"org_id": "org_demo"}) == "org_demo"
    assert orgs.tenant.key({"orgs": {"org_demo"}}, {"org_id": "org_x"}) is None
