"""Generated values read like real ones."""

from __future__ import annotations

import inspect
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from mockserver.mock.app import compile_mock
from mockserver.mock.settings import Settings


def leaves(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in leaves(v, f"{path}/{k}")]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in leaves(v, f"{path}/{i}")]
    return [(path, node)]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    settings = Settings(count=200, org_count=50)
    ds = compile_mock(settings).dataset
    out: list[dict[str, Any]] = []
    for op, tenant in (("list_assistants", 1), ("list_org_assistants", "org_demo")):
        collection = ds.collection(op, tenant)
        assert collection is not None
        out += collection.page(0, 200, {})
    return out


def test_no_placeholder_text(records: list[dict[str, Any]]) -> None:
    # An action's input definition is a JSON Schema, where "string" is a real type name.
    placeholders = [
        p
        for record in records
        for p, v in leaves(record)
        if v in ("string", "<string>") and not p.endswith("/definition/type")
    ]
    assert placeholders == []
    text = json.dumps(records).lower()
    assert "lorem" not in text and "ipsum" not in text


def test_field_shapes(records: list[dict[str, Any]]) -> None:
    checked: dict[str, int] = {}
    patterns = {
        r"/account_sid$": r"^AC[0-9a-f]{32}$",
        r"/auth_token$": r"^[0-9a-f]{32}$",
        r"/secret_key$": r"^[0-9a-f]{64}$",
        r"/transfer_numbers/\d+$": r"^\+[1-9]\d{7,14}$",
        r"/(webhook_url|avatar_url|base_url)$": r"^https://",
        r"/stt_settings/language$": r"^[a-z]{2}-[A-Z0-9]{2,3}$",
        r"/voice_id$": r"^[A-Za-z0-9]{20}$",
        r"/(created_at|updated_at)$": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
    }
    for record in records:
        for path, value in leaves(record):
            for where, shape in patterns.items():
                if re.search(where, path) and value is not None:
                    assert re.match(shape, str(value)), f"{path}: {value!r}"
                    checked[where] = checked.get(where, 0) + 1
    assert set(checked) == set(patterns)


def test_locale_changes_names() -> None:
    def names(locale: str) -> list[str]:
        collection = compile_mock(Settings(locale=locale, count=20)).dataset.collection("list_assistants", 1)
        assert collection is not None
        return [r["name"] for r in collection.page(2, 20, {})]

    assert names("de_DE") != names("en_US")


def test_unknown_locale_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown Faker locale 'xx_YY'"):
        compile_mock(Settings(locale="xx_YY"))


def test_rstr_s_repeat_hook_is_the_one_bounded_xeger_overrides() -> None:
    # generate.BoundedXeger overrides rstr's private `_handle_repeat(start, end, value)`.
    from importlib import metadata

    import rstr

    assert metadata.version("rstr") == "3.2.2"
    hook = inspect.signature(rstr.Rstr._handle_repeat)
    assert list(hook.parameters) == ["self", "start_range", "end_range", "value"]
    assert "_handle_repeat(*x)" in inspect.getsource(rstr.Rstr.__init__)


def test_open_repeats_are_short_and_counted_ones_exact() -> None:
    from mockserver.mock.generate import BoundedXeger

    maker = BoundedXeger(random.Random(1), 8)
    pattern = r"^arn(:[a-z0-9]+([.-][a-z0-9]+)*){2}:service/svc-[0-9a-z]{17}$"
    drawn = [maker.xeger(pattern) for _ in range(50)]
    assert all(re.fullmatch(pattern, value) for value in drawn)
    assert max(map(len, drawn)) <= 200  # the document's maxLength, which the draws must meet


def answered(tmp_path: Path, schema: dict[str, Any], version: str = "3.0.3") -> Any:
    """What the mock answers `GET /one` of a document whose 200 is `schema`."""
    from starlette.testclient import TestClient

    from mockserver.mock.app import create_app

    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    document = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {"/one": {"get": {"responses": {"200": ok}}}},
    }
    spec = tmp_path / "one.json"
    spec.write_text(json.dumps(document))
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        return client.get("/one").json()


@pytest.mark.parametrize(
    ("version", "shape"), [("3.0.3", r"^\d\d:\d\d:\d\d$"), ("3.1.0", r"^\d\d:\d\d:\d\dZ$")]
)
def test_a_required_time_is_written_as_the_documents_version_checks_it(
    tmp_path: Path, version: str, shape: str
) -> None:
    # 3.0's checker takes draft 3's `HH:MM:SS`; 3.1's RFC 3339 full-time needs an offset.
    schema = {
        "type": "object",
        "required": ["at"],
        "properties": {"at": {"type": "string", "format": "time"}},
    }
    assert re.match(shape, answered(tmp_path, schema, version)["at"])


def test_a_required_field_the_object_does_not_declare_is_still_made(tmp_path: Path) -> None:
    # `required: [date]` beside properties that lack it (Codat's, Microcks' documents): any value,
    # as additionalProperties admits, but present, or the answer breaks its own schema.
    schema = {
        "type": "object",
        "required": ["id", "date"],
        "properties": {"id": {"type": "string"}},
        "additionalProperties": {"type": "string", "format": "date"},
    }
    day = answered(tmp_path, schema)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day["date"]) and isinstance(day["id"], str)
