"""Reading `openapi.yaml`: the raw document, resolved schemas and the declared semantics.

The semantics (pagination style, filters, tenant scoping) are vendor extensions in the spec, so
that the mock and the contract checks read one description instead of hard-coding it twice.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

JSON = Any

CALLER_PREFIX = "$caller."


class SpecError(Exception):
    """The spec could not be read, or a vendor extension in it is malformed."""


def load_document(path: Path, *, validate: bool = True) -> dict[str, JSON]:
    """The document at `path` (YAML or JSON), checked against the OpenAPI 3.0/3.1 schema; a
    SpecError names the file, the JSON pointer and the reason in one line."""
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


def resolve_refs(node: JSON, document: dict[str, JSON]) -> JSON:
    """Return a copy of `node` with every local `$ref` replaced by its target."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            return resolve_refs(copy.deepcopy(target), document)
        return {key: resolve_refs(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, document) for item in node]
    return node


@dataclass(frozen=True, slots=True)
class Pagination:
    """How an operation pages: `offset` (skip/limit) or `page` (page number/size)."""

    style: str
    # offset style: the offset and limit parameters; page style: the page and size parameters.
    start_param: str
    size_param: str
    first_page: int = 1

    def window(self, params: dict[str, Any]) -> tuple[int, int]:
        """The (offset, limit) into the full ordered list that the request asks for."""
        size = int(params[self.size_param])
        if self.style == "offset":
            return int(params[self.start_param]), size
        return (int(params[self.start_param]) - self.first_page) * size, size


@dataclass(frozen=True, slots=True)
class Filter:
    """When boolean query parameter `param` is true, every item has `field` equal to `equals`.

    `equals` is either a literal or `$caller.<attribute>`.
    """

    param: str
    field: str
    equals: Any

    def expected(self, caller_attrs: dict[str, Any]) -> Any:
        if isinstance(self.equals, str) and self.equals.startswith(CALLER_PREFIX):
            return caller_attrs[self.equals.removeprefix(CALLER_PREFIX)]
        return self.equals


@dataclass(frozen=True, slots=True)
class Tenant:
    """How results are scoped to the caller.

    Either each item's `field` equals a caller attribute (`equals`), or the caller must belong
    (`member_of`, a caller attribute holding a collection) to the org named by path `parameter`.
    """

    field: str | None = None
    equals: str | None = None
    parameter: str | None = None
    member_of: str | None = None

    def key(self, caller_attrs: dict[str, Any], params: dict[str, Any]) -> Any:
        """The tenant the request reads from, or None when the caller may not see it."""
        if self.parameter is not None:
            wanted = params.get(self.parameter)
            allowed = caller_attrs[str(self.member_of).removeprefix(CALLER_PREFIX)]
            return wanted if wanted in allowed else None
        return caller_attrs[str(self.equals).removeprefix(CALLER_PREFIX)]


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: dict[str, dict[str, JSON]]
    responses: dict[str, JSON]
    item_schema: dict[str, JSON]
    pagination: Pagination
    filters: tuple[Filter, ...]
    tenant: Tenant
    defaults_: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """`GET /path`, as Schemathesis and the reports name an operation."""
        return f"{self.method.upper()} {self.path}"

    def defaults(self) -> dict[str, Any]:
        """Declared parameter defaults, as a fresh dict the caller may update."""
        return dict(self.defaults_)

    def validation_status(self) -> int:
        """The status this operation declares for invalid parameters."""
        return 422 if "422" in self.responses else 400


def parse_tenant(raw: dict[str, JSON] | None) -> Tenant | None:
    """`x-tenant` of an operation, or None when it has none."""
    if not raw:
        return None
    return Tenant(**{k.replace("-", "_"): v for k, v in raw.items()})


def parse_filters(parameters: dict[str, dict[str, JSON]]) -> tuple[Filter, ...]:
    """The `x-filter`s of an operation's parameters (by name)."""
    return tuple(
        Filter(name, str(p["x-filter"]["field"]), p["x-filter"]["equals"])
        for name, p in parameters.items()
        if isinstance(p.get("x-filter"), dict)
    )


def _parse_pagination(raw: dict[str, JSON], where: str) -> Pagination:
    style = raw.get("style")
    if style == "offset":
        return Pagination("offset", raw["offset"], raw["limit"])
    if style == "page":
        return Pagination("page", raw["page"], raw["size"], int(raw.get("first", 1)))
    raise SpecError(f"{where}: x-pagination.style must be 'offset' or 'page', got {style!r}")


def _item_schema(responses: dict[str, JSON], where: str) -> JSON:
    """The schema of one item of the 200 array."""
    try:
        items = responses["200"]["content"]["application/json"]["schema"]["items"]
    except (KeyError, TypeError) as exc:
        raise SpecError(f"{where}: the 200 response must be a JSON array") from exc
    # Tools that bundle the document (Schemathesis does) may have inlined the reference already,
    # so a reference is not required.
    return items


@dataclass(frozen=True, slots=True)
class Spec:
    path: Path
    document: dict[str, JSON]
    operations: dict[str, Operation]

    def schema(self, name: str) -> dict[str, JSON]:
        """A component schema with its references resolved."""
        resolved: dict[str, JSON] = resolve_refs(self.document["components"]["schemas"][name], self.document)
        return resolved


def load_spec(path: Path) -> Spec:
    return spec_from_document(load_document(path), path)


def spec_from_document(document: dict[str, JSON], path: Path) -> Spec:
    operations: dict[str, Operation] = {}
    for route, item in document["paths"].items():
        for method, op in item.items():
            if method.startswith("x-") or "x-pagination" not in op:
                continue
            where = f"{method.upper()} {route}"
            parameters = {p["name"]: p for p in resolve_refs(op.get("parameters", []), document)}
            items = _item_schema(op["responses"], where)
            operations[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method,
                path=route,
                parameters=parameters,
                responses=op["responses"],
                item_schema=resolve_refs(items, document),
                pagination=_parse_pagination(op["x-pagination"], where),
                filters=parse_filters(parameters),
                defaults_=tuple(
                    (pname, p["schema"]["default"])
                    for pname, p in parameters.items()
                    if "default" in p.get("schema", {})
                ),
                tenant=parse_tenant(op.get("x-tenant")) or Tenant(),
            )
    return Spec(path=path, document=document, operations=operations)
