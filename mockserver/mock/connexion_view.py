"""The document as Connexion 3 is given it to route and validate requests.

Integer formats become the bounds they imply (`int32`, `int64`), which Connexion's validators
do not check on their own, so that an out-of-range id is the declared 4xx, not a 200 or a 500.
Connexion 3 validates documents against the OpenAPI 3.0 schema only, so a 3.1 document is
also handed to it rewritten: type arrays with "null" become `nullable`, `const` a one-value enum,
numeric `exclusiveMinimum`/`exclusiveMaximum` the 3.0 boolean form, `examples` arrays in schemas
one `example`, and the 3.1-only top-level members are dropped. The generators read the original.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from connexion.spec import Specification

from mockserver.model.document import SpecError, deref

# Keys whose values are maps of names to schemas (or to objects holding schemas).
_NAMED = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "content",
        "paths",
        "callbacks",
        "links",
        "examples",
        "encoding",
        "securitySchemes",
        "variables",
        "mapping",
    }
)


@contextmanager
def trusted_document() -> Iterator[None]:
    """Connexion's own validation of the document left out while it loads one.

    The document was read leniently and checked in `model/document.py` (a `default` its schema
    refuses is a warning there, a refusal here), and Connexion's Draft 4 check of every default
    takes longer than the rest of start-up on a large document. `Specification._validate_spec`
    is private: Connexion is pinned exactly, and tests/test_connexion_api.py fails when the
    method or its call in `Specification.__init__` changes.
    """
    original = Specification.__dict__["_validate_spec"]
    Specification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        Specification._validate_spec = original


def routed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its paths in the order Starlette should try them: a concrete segment
    before a templated one at the same place (`/reports/latest` before `/reports/{id}`), as
    OpenAPI says, whatever order the document wrote them in. The rest keep their order."""

    def key(item: tuple[str, Any]) -> tuple[int, ...]:
        return tuple(1 if "{" in segment else 0 for segment in item[0].split("/"))

    paths = document.get("paths") or {}
    return {**document, "paths": dict(sorted(paths.items(), key=key))}


INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def for_connexion(document: dict[str, Any]) -> dict[str, Any]:
    document = _without_ref_fields(_lowercase_schemes(document))
    if not str(document.get("openapi", "")).startswith("3.1"):
        bounded: dict[str, Any] = _typed_forms(_typed_parameters(_bounded(document)))
        return bounded
    converted: dict[str, Any] = _typed_forms(_typed_parameters(_bounded(_convert(document))))
    converted["openapi"] = "3.0.3"
    for key in ("webhooks", "jsonSchemaDialect"):
        converted.pop(key, None)
    info = dict(converted.get("info") or {})
    info.pop("summary", None)
    if isinstance(info.get("license"), dict):
        info["license"] = {k: v for k, v in info["license"].items() if k != "identifier"}
    converted["info"] = info
    components = dict(converted.get("components") or {})
    components.pop("pathItems", None)
    converted["components"] = components
    converted.setdefault("paths", {})
    return converted


def _convert(node: Any, parent_key: str | None = None) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if parent_key in _NAMED:
        return {key: _convert(value) for key, value in node.items()}
    out = {
        key: _convert(value, key) for key, value in node.items() if key not in ("$schema", "$id", "$comment")
    }
    kind = out.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) < len(kind):
            out["nullable"] = True
        if len(kinds) == 1:
            out["type"] = kinds[0]
        else:
            out.pop("type")
            if kinds:
                out["anyOf"] = [{"type": k} for k in kinds]
    elif kind == "null":
        out.pop("type")
        out["nullable"] = True
        out["enum"] = [None]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    out = _nullable_any_of(out)
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[flag] = value
            out[bound] = True
    if isinstance(out.get("examples"), list) and parent_key not in ("content",) and "type" in node:
        examples = out.pop("examples")
        if examples:
            out.setdefault("example", examples[0])
    for key in (
        "contentMediaType",
        "contentEncoding",
        "unevaluatedProperties",
        "prefixItems",
        "dependentRequired",
    ):
        out.pop(key, None)
    return out


_NULL = {"nullable": True, "enum": [None]}


def _nullable_any_of(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` (3.1's nullable X, as FastAPI writes every optional field and
    parameter) as 3.0's `X` with `nullable: true`: Connexion reads a parameter's `type`."""
    members = schema.get("anyOf")
    if not isinstance(members, list) or "type" in schema or _NULL not in members:
        return schema
    others = [m for m in members if m != _NULL]
    if len(others) != 1 or not isinstance(others[0], dict):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    other = others[0]
    base = {"allOf": [other]} if "$ref" in other else dict(other)
    return {**base, **rest, "nullable": True}


def _typed_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """Every parameter schema with a `type`: Connexion reads a parameter's `type` to split and
    convert its value, and answers 500 where there is none (`anyOf: [$ref, null]`, FastAPI's
    optional enum). The type is the one its alternatives share, else `string` (the value is
    still validated against the alternatives)."""

    def typed_schema(parameter: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
        if not isinstance(schema, dict):
            # No schema (a `content` parameter, or none at all): its text as sent.
            return {"type": "string"}
        target = _target(document, schema)
        if "type" in target and not isinstance(target["type"], list):
            if target["type"] == "array" and depth == 0:
                items = typed_schema(parameter, target.get("items"), depth + 1)
                if items is not target.get("items"):
                    return {"allOf": [schema], "type": "array", "items": items}
            return schema
        # One kind; or the one scalar kind beside an object (Stripe's `created`: an integer, or
        # bounds), what a plain `?created=100` is converted to, except that a deepObject
        # (`created[gte]=100`) is assembled into an object only for that type.
        if parameter.get("style") == "deepObject" and "object" in _member_types(document, target):
            kind = "object"
        else:
            kind = _kind(document, target)
        if "$ref" in schema:
            return {"allOf": [schema], "type": kind}
        return {**schema, "type": kind}

    def typed(parameter: Any) -> Any:
        if not isinstance(parameter, dict) or "$ref" in parameter:
            return parameter
        schema = parameter.get("schema")
        made = typed_schema(parameter, schema)
        return parameter if made is schema else {**parameter, "schema": made}

    def items(node: Any) -> Any:
        return [typed(p) for p in node] if isinstance(node, list) else node

    paths = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            paths[path] = item
            continue
        item = {**item, "parameters": items(item["parameters"])} if "parameters" in item else dict(item)
        for method, op in list(item.items()):
            if isinstance(op, dict) and "parameters" in op:
                item[method] = {**op, "parameters": items(op["parameters"])}
        paths[path] = item
    components = document.get("components")
    if isinstance(components, dict) and isinstance(components.get("parameters"), dict):
        named = {name: typed(p) for name, p in components["parameters"].items()}
        components = {**components, "parameters": named}
        return {**document, "paths": paths, "components": components}
    return {**document, "paths": paths}


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _rewritten(node: Any, change: Callable[[dict[str, Any]], Any]) -> Any:
    """`node` with `change` applied to every object in it, bottom up, copying only what changes:
    a large document (Microsoft Graph's 47 MB) is not held twice over for a few rewritten nodes."""
    if isinstance(node, list):
        items = [_rewritten(item, change) for item in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    values = {key: _rewritten(value, change) for key, value in node.items()}
    same = all(values[key] is value for key, value in node.items())
    return change(node if same else values)


def _without_ref_fields(document: dict[str, Any]) -> Any:
    """The document without properties named `$ref` (GitHub's git refs): Connexion takes any
    `$ref` key for a reference and fails on a schema there. A reference to a value that is no
    object (an example's list, an extension's text) is that value: Connexion merges what a
    reference points at into the object that holds it. The generators read the original."""

    def change(node: dict[str, Any]) -> Any:
        ref = node.get("$ref", "")
        if not isinstance(ref, str):
            return {k: v for k, v in node.items() if k != "$ref"}
        if ref.startswith("#/"):
            try:
                target = deref(document, node)
            except SpecError:
                return node
            if not isinstance(target, dict):
                return target
        return node

    return _rewritten(document, change)


def _target(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """What a schema's `$ref` chain leads to (the schema itself when it has none)."""
    try:
        target = deref(document, schema)
    except SpecError:
        return schema
    return target if isinstance(target, dict) else {}


def _kind(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """The `type` Connexion is told for a schema without one: the one its alternatives share,
    else their one scalar type, else `string`."""
    kinds = _member_types(document, schema)
    scalars = kinds - {"object", "array"}
    if len(kinds) == 1:
        return next(iter(kinds))
    return next(iter(scalars)) if len(scalars) == 1 else "string"


def _typed_forms(document: dict[str, Any]) -> dict[str, Any]:
    """Every property of a form body with a `type`: Connexion reads each field's `type` to split
    and convert it, and answers 500 where there is none (Stripe's `anyOf` fields)."""
    paths = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            paths[path] = item
            continue
        item = dict(item)
        for method, op in list(item.items()):
            body = op.get("requestBody") if isinstance(op, dict) else None
            body = deref(document, body) if isinstance(body, dict) else None
            content = body.get("content") if isinstance(body, dict) else None
            if not isinstance(content, dict) or not any(m in content for m in FORMS):
                continue
            typed_content = dict(content)
            for media_type in FORMS:
                media = content.get(media_type)
                if not isinstance(media, dict) or not isinstance(body, dict):
                    continue
                schema = deref(document, media.get("schema"))
                properties = schema.get("properties") if isinstance(schema, dict) else None
                if not isinstance(properties, dict):
                    continue
                typed = {}
                for name, sub in properties.items():
                    resolved = deref(document, sub) if isinstance(sub, dict) else sub
                    if isinstance(resolved, dict) and "type" not in resolved:
                        resolved = {**resolved, "type": _kind(document, resolved)}
                        typed[name] = resolved
                    else:
                        typed[name] = sub
                typed_content[media_type] = {**media, "schema": {**schema, "properties": typed}}
            if isinstance(op, dict) and isinstance(body, dict):
                item[method] = {**op, "requestBody": {**body, "content": typed_content}}
        paths[path] = item
    return {**document, "paths": paths}


def _member_types(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> set[str]:
    """The JSON types a schema's `anyOf`/`oneOf`/`allOf` alternatives take (null aside)."""
    found: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key) or []:
            if isinstance(member, dict) and "$ref" in member and depth < 8:
                try:
                    member = deref(document, member)
                except SpecError:
                    continue
            if not isinstance(member, dict) or member.get("enum") == [None]:
                continue
            kind = member.get("type")
            if isinstance(kind, str) and kind != "null":
                found.add(kind)
            elif "enum" in member and all(isinstance(v, str) for v in member["enum"] if v is not None):
                found.add("string")
            else:
                found |= _member_types(document, member, depth + 1)
    return found


def _lowercase_schemes(document: dict[str, Any]) -> dict[str, Any]:
    """HTTP auth schemes are case-insensitive (RFC 9110), Connexion's schema wants lower case."""
    components = document.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    if not any(isinstance(s, dict) and isinstance(s.get("scheme"), str) for s in schemes.values()):
        return document
    lowered = {
        name: {**s, "scheme": s["scheme"].lower()}
        if isinstance(s, dict) and isinstance(s.get("scheme"), str)
        else s
        for name, s in schemes.items()
    }
    return {**document, "components": {**components, "securitySchemes": lowered}}


def _bounded(document: Any) -> Any:
    def change(node: dict[str, Any]) -> dict[str, Any]:
        bounds = INTEGER_BOUNDS.get(str(node.get("format"))) if node.get("type") == "integer" else None
        if bounds is None or ("minimum" in node and "maximum" in node):
            return node
        return {"minimum": bounds[0], "maximum": bounds[1], **node}

    return _rewritten(document, change)
