"""Reading an OpenAPI document: the raw tree, checked, and its local references followed.

Everything else in `model/` reads the document through these helpers, so that a reference
that is dangling, external or cyclic is refused or cut in one place.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from mockserver.model import limits, patterns

JSON = Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b|^\*/\*$")


class SpecError(Exception):
    """The spec could not be read, or a vendor extension in it is malformed."""


def load_document(path: Path, *, strict: bool = False, notes: list[str] | None = None) -> dict[str, JSON]:
    """The document at `path` (YAML or JSON), read as real vendors publish it; a SpecError names
    the file, the JSON pointer and the reason in one line.

    Lenient by default, as Prism and Schemathesis are: the defects a document can be served
    despite (an unquoted `200:` response code, no `info`, a response without `description`, a
    `required` list naming a field twice, a `default` its own schema refuses, anything else the
    OpenAPI schema refuses) are repaired or set aside, each kind one warning line in `notes` with
    its count and its first pointers. What is then served is held to the schemas by the compiler.
    `strict` refuses every such defect, with openapi-spec-validator's full checks besides."""
    try:
        data = limits.read_regular_file(path, limits.MAX_DOCUMENT_BYTES)
        text = data.decode("utf-8")
        # JSON is YAML, but Python's JSON reader is some fifty times faster on large documents.
        # Either is bounded in depth (and YAML in its aliases' expansion) before it is read.
        is_json = text.lstrip().startswith("{")
        too_much = (
            limits.nesting_violation(data, limits.MAX_DOCUMENT_DEPTH)
            if is_json
            else limits.yaml_violation(text)
        )
        if too_much is not None:
            raise SpecError(f"{path.name}: {too_much}")
        document = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise SpecError(f"{path.name}: cannot read the OpenAPI document: {reason[:300]}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise SpecError(f"{path.name}: /: not an OpenAPI document (no 'paths')")
    version = str(document.get("openapi", ""))
    if not (version.startswith("3.0") or version.startswith("3.1")):
        raise SpecError(
            f"{path.name}: /openapi: only OpenAPI 3.0 and 3.1 are served, not {version or 'Swagger 2'}"
        )
    if not isinstance(document["paths"], dict):
        raise SpecError(f"{path.name}: /paths: not an object")
    defects = Defects()
    repair(document, path.stem, defects)
    check_references(document, path.name)
    for line in drop_invalid_defaults(document):
        at, _, message = line.partition(": ")
        defects.add("a default its own schema refuses, ignored", at, message)
    for at, message in structural_errors(document):
        defects.add("refused by the OpenAPI schema", at, message)
    if strict:
        if defects.found:
            raise SpecError(f"{path.name}: {defects.first()}")
        from openapi_spec_validator import validate as validate_openapi

        try:
            validate_openapi(document)
        except Exception as exc:  # the validator raises one of several types
            at = "/" + "/".join(
                str(p).replace("~", "~0").replace("/", "~1") for p in getattr(exc, "absolute_path", []) or []
            )
            message = str(getattr(exc, "message", exc)).splitlines()[0]
            raise SpecError(f"{path.name}: {at}: {message[:300]}") from None
    if notes is not None:
        notes.extend(f"warning: {path.name}: {line}" for line in defects.lines())
    return document


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


class Defects:
    """Defects found while reading, by kind: each kind one line, with its count and first pointers."""

    SHOWN = 3

    def __init__(self) -> None:
        self.found: dict[str, list[tuple[str, str]]] = {}

    def add(self, kind: str, at: str, message: str = "") -> None:
        self.found.setdefault(kind, []).append((at or "/", message))

    def first(self) -> str:
        kind, [(at, message), *_] = next(iter(self.found.items()))
        return f"{at}: {message or kind}"

    def lines(self) -> list[str]:
        out = []
        for kind, places in self.found.items():
            shown = "; ".join(
                f"{at}{': ' + message[:160] if message else ''}" for at, message in places[: self.SHOWN]
            )
            more = f" (and {len(places) - self.SHOWN} more)" if len(places) > self.SHOWN else ""
            out.append(f"{len(places)} x {kind}: {shown}{more}")
        return out


# Keys whose values are data, not the document's structure: an example may hold any `type`.
DATA_KEYS = frozenset({"example", "default", "enum", "const", "value"})


def objects(document: JSON, *, structure: bool = False) -> Iterator[tuple[dict[str, JSON], str, str | None]]:
    """Every object in `document` with its JSON pointer and the key it sits under; its children
    are visited after the caller has seen (and perhaps mended) it. With `structure`, examples,
    defaults, enums and extensions are not entered: what they hold is data."""
    stack: list[tuple[Any, str, str | None]] = [(document, "", None)]
    while stack:
        node, at, parent = stack.pop()
        if isinstance(node, list):
            stack.extend((v, f"{at}/{i}", None) for i, v in enumerate(node))
        elif isinstance(node, dict):
            yield node, at, parent
            stack.extend(
                (v, f"{at}/{_escape(k)}", str(k))
                for k, v in node.items()
                if isinstance(v, (dict, list))
                and not (
                    structure
                    and (
                        k in DATA_KEYS or str(k).startswith("x-") or (k == "examples" and isinstance(v, list))
                    )
                )
            )


def check_references(document: dict[str, JSON], name: str) -> None:
    """Every `$ref` points inside the document at something; a SpecError names the first that
    does not by its own pointer. Nothing outside the document is read (nor its content echoed)."""
    seen: set[str] = set()
    for node, at, parent in objects(document):
        ref = node.get("$ref")
        if not isinstance(ref, str) or parent in ("properties", "examples") or ref in seen:
            continue
        if not ref.startswith("#"):
            raise SpecError(
                f"{name}: {at}/$ref: {ref[:200]}: only references inside the document are followed"
            )
        try:
            target = ref_target(document, ref)
        except SpecError:
            raise SpecError(f"{name}: {at}/$ref: {ref[:200]} points at nothing") from None
        chain = [ref]
        while isinstance(target, dict) and isinstance(target.get("$ref"), str):
            # A reference to a reference: the chain must end at something that is not one.
            following = str(target["$ref"])
            if following in chain:
                cycle = " -> ".join(r[:100] for r in [*chain[chain.index(following) :], following])
                raise SpecError(f"{name}: {at}/$ref: a cycle of references with nothing else in it: {cycle}")
            chain.append(following)
            try:
                target = ref_target(document, following)
            except SpecError:
                break  # reported where that reference is written
        seen.add(ref)


# Keys whose values map names to objects: a schema, parameter or header there may be named
# `type` or `pattern` (Vonage's `components/parameters/type`).
_NAMED_SCHEMAS = frozenset(
    {
        "properties",
        "patternProperties",
        "definitions",
        "$defs",
        "schemas",
        "parameters",
        "responses",
        "headers",
        "requestBodies",
        "securitySchemes",
        "examples",
        "links",
        "callbacks",
        "pathItems",
        "content",
        "encoding",
        "variables",
        "mapping",
        "paths",
        "webhooks",
    }
)
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})


def _is_type(kind: Any) -> bool:
    if isinstance(kind, list):
        return bool(kind) and all(isinstance(k, str) and k in _TYPES for k in kind)
    return isinstance(kind, str) and kind in _TYPES


def repair(document: dict[str, JSON], title: str, defects: Defects) -> None:
    """Mend, in place, what vendors commonly ship and every reader takes in stride."""
    info = document.get("info")
    if not isinstance(info, dict):
        document["info"] = info = {}
        defects.add("no info object, one made up", "/info")
    for key, value in (("title", title), ("version", "0")):
        if not isinstance(info.get(key), str):
            info[key] = str(info[key]) if isinstance(info.get(key), (int, float)) else value
            defects.add(f"no info {key}, one made up", f"/info/{key}")
    for route in list(document["paths"]):
        if isinstance(route, str) and not route.startswith("/"):
            document["paths"]["/" + route] = document["paths"].pop(route)
            defects.add("paths that do not start with /, read from the root", f"/paths/{_escape(route)}")
        names = re.findall(r"\{([^}/]*)\}", str(route))
        if len(set(names)) < len(names):
            del document["paths"][route]
            defects.add("paths naming one parameter twice, not served", f"/paths/{_escape(route)}")
    for route, item in list(document["paths"].items()):
        if not isinstance(item, dict):
            continue
        for method in [m for m in item if m in METHODS]:
            responses = item[method].get("responses") if isinstance(item[method], dict) else None
            if not isinstance(responses, dict) or not responses:
                # Answering it would mean inventing a status and a body: it is not served.
                del item[method]
                defects.add(
                    "operations that declare no response, not served", f"/paths/{_escape(route)}/{method}"
                )
    for node, at, parent in objects(document, structure=True):
        if parent == "responses":
            for code in [k for k in node if not isinstance(k, str)]:
                node[str(code)] = node.pop(code)
                defects.add("response codes written as numbers, read as strings", f"{at}/{code}")
            for code, response in node.items():
                if isinstance(response, dict) and "$ref" not in response and "description" not in response:
                    response["description"] = ""
                    defects.add("responses without a description", f"{at}/{_escape(code)}")
        if parent == "content" and any("/" in str(k) for k in node):
            for media_type in [k for k, v in node.items() if not isinstance(v, dict)]:
                del node[media_type]
                defects.add("media types that are not objects, ignored", f"{at}/{_escape(media_type)}")
        kind = node.get("type")
        if (
            "type" in node
            and parent not in _NAMED_SCHEMAS
            and not _is_type(kind)
            and not at.startswith("/components/securitySchemes/")
        ):
            del node["type"]
            defects.add("types that are no JSON Schema type, ignored", f"{at}/type", str(kind)[:40])
        pattern = node.get("pattern")
        if isinstance(pattern, str) and parent != "properties":
            readable = python_pattern(pattern)
            if readable is None:
                del node["pattern"]
                defects.add(
                    "patterns no regular expression engine here reads, ignored", f"{at}/pattern", pattern[:80]
                )
            elif readable != pattern:
                node["pattern"] = readable
                defects.add(
                    "patterns written for another engine (\\p{...}, (?<name>)), translated", f"{at}/pattern"
                )
        required = node.get("required")
        if (
            isinstance(required, list)
            and parent not in ("parameters",)
            and len(set(map(str, required))) < len(required)
        ):
            node["required"] = list(dict.fromkeys(required))
            defects.add("required lists naming a field twice, read once", f"{at}/required")


# ECMA-262's Unicode property classes, which Python's `re` lacks, as the nearest ranges it reads
# (inside a character class: they are spliced into one). Approximate outside ASCII.
_PROPERTIES = {
    "L": "a-zA-Z\u00aa-\u02ff\u0370-\u1fff\u2c00-\ud7ff\uf900-\uffdc",
    "Lu": "A-Z\u00c0-\u00de",
    "Ll": "a-z\u00df-\u00ff",
    "N": "0-9\u00b2\u00b3\u00b9\u00bc-\u00be\u0660-\u0669",
    "Nd": "0-9\u0660-\u0669",
    "Z": "\\s",
    "Zs": "\\s",
    "S": "$+<=>^`|~\u00a2-\u00a9\u00ac\u00ae-\u00b1\u00b4\u00d7\u00f7",
    "P": "!-#%-*,-/:;?@\\[-\\]_{}\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf",
    "M": "\u0300-\u036f",
}
_PROPERTY = re.compile(r"\\([pP])\{(?:[A-Za-z_]+=)?([A-Za-z_]+)\}")


def python_pattern(pattern: str) -> str | None:
    """`pattern` as Python's `re` reads it: Unicode property classes approximated; None when it
    still cannot be compiled (a construct of another engine)."""

    def replace(match: re.Match[str]) -> str:
        ranges = _PROPERTIES.get(match.group(2), _PROPERTIES.get(match.group(2)[:1], "\\w"))
        inside = pattern[: match.start()].count("[") > pattern[: match.start()].count("]")
        if match.group(1) == "P":
            return f"[^{ranges}]" if not inside else "\\W"
        return ranges if inside else f"[{ranges}]"

    if not patterns.readable(pattern):
        return None  # a counted repeat past what any engine here compiles in bounded memory
    readable = _PROPERTY.sub(replace, pattern) if "\\p" in pattern or "\\P" in pattern else pattern
    readable = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", readable)  # ECMA-262's named groups
    readable = re.sub(r"\\k<([A-Za-z_]\w*)>", r"(?P=\1)", readable)
    try:
        re.compile(readable)
    except (re.error, RecursionError, OverflowError):
        return None
    return readable


def structural_errors(document: dict[str, JSON], limit: int = 200) -> list[tuple[str, str]]:
    """(pointer, message) for what the OpenAPI 3.0/3.1 JSON Schema refuses in `document`, by a
    compiled validator: openapi-spec-validator's deeper checks take minutes on the largest."""
    import jsonschema_rs

    found = []
    try:
        for error in jsonschema_rs.validator_for(_oas_schema(str(document.get("openapi")))).iter_errors(
            document
        ):
            found.append(
                ("/" + "/".join(_escape(p) for p in error.instance_path), error.message.splitlines()[0][:200])
            )
            if len(found) >= limit:
                break
    except ValueError as exc:  # a value the validator cannot represent (a huge integer)
        found.append(("/", str(exc).splitlines()[0][:200]))
    return found


@functools.cache
def _oas_schema(version: str) -> dict[str, JSON]:
    from importlib.resources import files

    folder = "v3.1" if version.startswith("3.1") else "v3.0"
    resource = files("openapi_spec_validator") / "resources" / "schemas" / folder / "schema.json"
    loaded: dict[str, JSON] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


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
    # A reference is a URI: its fragment is percent-encoded (`~1%7Bid%7D` for `/{id}`).
    for part in unquote(ref.removeprefix("#")).split("/")[1:]:
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


def resolve_refs(
    node: JSON, document: dict[str, JSON], _open: tuple[str, ...] = (), *, depth: int | None = None
) -> JSON:
    """A copy of `node` with every local `$ref` replaced by its target. A reference met again
    inside its own expansion (a recursive schema: a tree, a comment's replies), or `depth`
    references down, is left as the `$ref`, so that any document resolves in finite time (and,
    with a depth, in bounded size: Stripe's expandable fields link every schema to the others)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = str(node["$ref"])
            if ref in _open or (depth is not None and len(_open) >= depth):
                return {"$ref": ref}
            return resolve_refs(ref_target(document, ref), document, (*_open, ref), depth=depth)
        return {key: resolve_refs(value, document, _open, depth=depth) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, document, _open, depth=depth) for item in node]
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

    validator = patterns.bounded(
        OAS31Validator if str(document.get("openapi", "")).startswith("3.1") else OAS30Validator
    )
    found: list[str] = []
    for node, at, parent in objects(document):
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
    return sorted(found)
