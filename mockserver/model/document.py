"""Reading an OpenAPI document: the raw tree, checked, and its local references followed.

Everything else in `model/` reads the document through these helpers, so that a reference
that is dangling, external or cyclic is refused or cut in one place.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

JSON = Any

JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b|^\*/\*$")


class SpecError(Exception):
    """The spec could not be read, or a vendor extension in it is malformed."""


def load_document(path: Path, *, validate: bool = True, notes: list[str] | None = None) -> dict[str, JSON]:
    """The document at `path` (YAML or JSON), checked against the OpenAPI 3.0/3.1 schema; a
    SpecError names the file, the JSON pointer and the reason in one line.

    A `default` that its own schema refuses (`default: "20 - summary"` on an integer, `"false"`
    on a boolean: defects real vendors ship) is dropped with a warning naming its pointer,
    appended to `notes`, instead of refusing the whole document."""
    try:
        text = path.read_text(encoding="utf-8")
        # JSON is YAML, but Python's JSON reader is some fifty times faster on large documents.
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_Loader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise SpecError(f"{path.name}: cannot read the OpenAPI document: {reason}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise SpecError(f"{path.name}: /: not an OpenAPI document (no 'paths')")
    version = str(document.get("openapi", ""))
    if not (version.startswith("3.0") or version.startswith("3.1")):
        raise SpecError(
            f"{path.name}: /openapi: only OpenAPI 3.0 and 3.1 are served, not {version or 'Swagger 2'}"
        )
    dropped = drop_invalid_defaults(document)
    if notes is not None:
        notes.extend(f"warning: {path.name}: {line}" for line in dropped)
    if validate:
        from openapi_spec_validator import validate as validate_openapi

        try:
            validate_openapi(document)
        except Exception as exc:  # the validator raises one of several types
            at = "/" + "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
            message = str(getattr(exc, "message", exc)).splitlines()[0]
            raise SpecError(f"{path.name}: {at}: {message}") from None
    return document


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader (libyaml's parser where PyYAML has it), with timestamps kept as the
    strings the document wrote (JSON has no dates, and an example `2023-12-25` must stay one)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def ref_target(document: dict[str, JSON], ref: str) -> JSON:
    """The node a local `$ref` points at; SpecError names the reference when it is dangling."""
    if not ref.startswith("#"):
        raise SpecError(f"{ref}: only local references (#/...) are supported")
    node: Any = document
    for part in ref.removeprefix("#").split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SpecError(f"{ref}: the reference points at nothing") from None
    return node


def deref(document: dict[str, JSON], node: JSON) -> JSON:
    """`node` with its own `$ref` chain followed (one level of object, not deep)."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = str(node["$ref"])
        if ref in seen:
            raise SpecError(f"{ref}: the reference refers to itself")
        seen.add(ref)
        node = ref_target(document, ref)
    return node


def resolve_refs(node: JSON, document: dict[str, JSON], _open: tuple[str, ...] = ()) -> JSON:
    """A copy of `node` with every local `$ref` replaced by its target. A reference met again
    inside its own expansion (a recursive schema: a tree, a comment's replies) is left as the
    `$ref`, so that any document resolves in finite time."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = str(node["$ref"])
            if ref in _open:
                return {"$ref": ref}
            target = ref_target(document, ref)
            return resolve_refs(copy.deepcopy(target), document, (*_open, ref))
        return {key: resolve_refs(value, document, _open) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, document, _open) for item in node]
    return node


def json_media(content: dict[str, JSON] | None) -> tuple[str, JSON] | None:
    """(media type, media object) of the first JSON-like entry of a `content` map."""
    for media_type, media in (content or {}).items():
        if JSON_MEDIA.match(media_type):
            return media_type, media
    return None


# Keywords that make a mapping a schema (a `responses` map also has a `default` key).
_SCHEMA_KEYS = frozenset({"type", "enum", "const", "$ref", "allOf", "anyOf", "oneOf", "properties", "items"})


def drop_invalid_defaults(document: dict[str, JSON]) -> list[str]:
    """Remove every schema `default` its schema refuses; one line per removal, with its pointer."""
    from openapi_schema_validator import OAS30Validator, OAS31Validator

    validator = OAS31Validator if str(document.get("openapi", "")).startswith("3.1") else OAS30Validator
    found: list[str] = []
    stack: list[tuple[Any, str, str | None]] = [(document, "", None)]
    while stack:
        node, at, parent = stack.pop()
        if isinstance(node, list):
            stack.extend((v, f"{at}/{i}", None) for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if "default" in node and parent != "responses" and _SCHEMA_KEYS & node.keys():
            schema = {k: v for k, v in node.items() if k not in ("default", "example", "examples")}
            try:
                if "$ref" in schema:
                    schema = {**deref(document, schema), **{k: v for k, v in schema.items() if k != "$ref"}}
                errors = list(validator(schema).iter_errors(node["default"]))
            except Exception:  # a reference deeper in the schema, or a schema the validator refuses
                errors = []  # not judged here: the document's validation says what is wrong
            if errors and not (node["default"] is None and node.get("nullable")):
                found.append(f"{at}/default: {errors[0].message}; the default is ignored")
                del node["default"]
        for key, value in node.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            stack.append((value, f"{at}/{escaped}", str(key)))
    return sorted(found)
