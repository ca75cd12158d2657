"""Every operation of any OpenAPI document, and what kind of resource operation it is.

The mock serves all of them with no code per operation, so each is classified once, at start-up:
a *list* (a 200 body that is an array, or an object holding the array under one field), an *item*
(`GET /things/{id}` beside a list of things), a *write* (POST/PUT/PATCH/DELETE) or any other
read. Pagination is read from `x-pagination` where the document declares it and otherwise
inferred from the parameters' names (`skip`/`offset` + `limit`, `page` + `per_page`/`size`/...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.model.spec import (
    CALLER_PREFIX,
    JSON,
    Filter,
    Pagination,
    SpecError,
    Tenant,
    _parse_pagination,
    parse_filters,
    parse_tenant,
    resolve_refs,
)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b|^\*/\*$")

# Parameter names of the common pagination conventions, most specific first.
OFFSET_NAMES = ("skip", "offset", "start")
PAGE_NAMES = ("page", "page_number", "pageNumber", "Page")
SIZE_NAMES = ("limit", "per_page", "perPage", "page_size", "pageSize", "PageSize", "size", "take", "count")


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


def json_media(content: dict[str, JSON] | None) -> tuple[str, JSON] | None:
    """(media type, media object) of the first JSON-like entry of a `content` map."""
    for media_type, media in (content or {}).items():
        if JSON_MEDIA.match(media_type):
            return media_type, media
    return None


@dataclass(frozen=True, slots=True)
class Listing:
    """How a list operation's 200 body holds its items and how it pages."""

    item_schema: JSON
    # None: the body is the array itself; else the envelope's field that holds it.
    items_field: str | None
    pagination: Pagination | None
    inferred: bool


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    operation_id: str
    pointer: str
    parameters: dict[tuple[str, str], JSON]
    responses: dict[str, JSON]
    request_body: JSON | None
    security: tuple[dict[str, list[str]], ...]
    listing: Listing | None = None
    item_of: str | None = None
    id_parameter: str | None = None
    extensions: dict[str, JSON] = field(default_factory=dict)
    # What the vendor extensions and parameter defaults say, read once.
    tenant: Tenant | None = None
    filters: tuple[Filter, ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def needs_callers(self) -> bool:
        """Tenancy and `$caller` filters mean nothing without real callers."""
        return self.tenant is not None or any(
            isinstance(f.equals, str) and f.equals.startswith(CALLER_PREFIX) for f in self.filters
        )

    @property
    def kind(self) -> str:
        if self.method in WRITE_METHODS:
            return "write"
        if self.listing is not None:
            return "list"
        return "item" if self.item_of is not None else "read"

    def success(self) -> tuple[str, JSON]:
        """The declared success status (the lowest 2xx) and its response object."""
        for status in sorted(self.responses):
            if status.startswith("2") or status == "2XX":
                return status, self.responses[status]
        return "default", self.responses.get("default", {})


def operation_id(method: str, path: str) -> str:
    """A stable id for an operation that declares none: `get_pets_petId`."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return "_".join([method, *words])


def _listing(
    document: dict[str, JSON], op: dict[str, JSON], parameters: dict[tuple[str, str], JSON], where: str
) -> Listing | None:
    responses = op.get("responses", {})
    ok = deref(document, responses.get("200") or responses.get("2XX") or {})
    media = json_media(ok.get("content") if isinstance(ok, dict) else None)
    if media is None:
        return None
    schema = deref(document, media[1].get("schema", {}))
    if not isinstance(schema, dict):
        return None
    items_field: str | None = None
    declared = op.get("x-pagination")
    if _is_array(schema):
        items = schema.get("items", {})
    elif isinstance(declared, dict) and "items" in declared:
        items_field = str(declared["items"])
        items = deref(document, schema.get("properties", {}).get(items_field, {})).get("items", {})
    else:
        arrays = [
            name
            for name, sub in schema.get("properties", {}).items()
            if isinstance(deref(document, sub), dict) and _is_array(deref(document, sub))
        ]
        if len(arrays) != 1:
            return None
        items_field = arrays[0]
        items = deref(document, schema["properties"][items_field]).get("items", {})
    if not isinstance(deref(document, items), dict) or "object" not in _types(deref(document, items)):
        return None
    query = {name for (location, name) in parameters if location == "query"}
    if isinstance(declared, dict):
        return Listing(items, items_field, _parse_pagination(declared, where), inferred=False)
    return Listing(items, items_field, infer_pagination(query), inferred=True)


def _types(schema: dict[str, JSON]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return set(kind)
    if kind is None and "properties" in schema:
        return {"object"}
    return (
        {kind}
        if isinstance(kind, str)
        else {"object"}
        if "allOf" in schema or "oneOf" in schema or "anyOf" in schema
        else set()
    )


def _is_array(schema: dict[str, JSON]) -> bool:
    return "array" in _types(schema)


def infer_pagination(query: set[str]) -> Pagination | None:
    size = next((n for n in SIZE_NAMES if n in query), None)
    if size is None:
        return None
    offset = next((n for n in OFFSET_NAMES if n in query and n != size), None)
    if offset is not None:
        return Pagination("offset", offset, size)
    page = next((n for n in PAGE_NAMES if n in query and n != size), None)
    if page is not None:
        return Pagination("page", page, size, 1)
    return Pagination("offset", "", size)


def endpoints(document: dict[str, JSON]) -> dict[str, Endpoint]:
    """Every operation of the document by operation id, classified."""
    found: dict[str, Endpoint] = {}
    default_security = tuple(document.get("security", []) or [])
    for path, item in (document.get("paths") or {}).items():
        item = deref(document, item)
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            where = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
            parameters: dict[tuple[str, str], JSON] = {}
            for raw in [*shared, *op.get("parameters", [])]:
                param = resolve_refs(raw, document) if "$ref" in raw else raw
                parameters[(param["in"], param["name"])] = param
            body = deref(document, op["requestBody"]) if "requestBody" in op else None
            op_id = str(op.get("operationId") or operation_id(method, path))
            query = {name: p for (location, name), p in parameters.items() if location == "query"}
            found[op_id] = Endpoint(
                method=method,
                path=path,
                operation_id=op_id,
                pointer=where,
                parameters=parameters,
                responses={str(k): deref(document, v) for k, v in (op.get("responses") or {}).items()},
                request_body=body,
                security=tuple(op.get("security", default_security) or []),
                listing=_listing(document, op, parameters, where) if method == "get" else None,
                extensions={k: v for k, v in op.items() if k.startswith("x-")},
                tenant=parse_tenant(op.get("x-tenant")),
                filters=parse_filters(query),
                defaults=tuple(
                    (name, p["schema"]["default"])
                    for name, p in query.items()
                    if isinstance(p.get("schema"), dict) and "default" in p["schema"]
                ),
            )
    return _pair_items(found)


def _pair_items(found: dict[str, Endpoint]) -> dict[str, Endpoint]:
    """`GET /things/{id}` is the item operation of `GET /things` when that one is a list."""
    lists = {e.path.rstrip("/"): e for e in found.values() if e.listing is not None}
    paired: dict[str, Endpoint] = {}
    for op_id, endpoint in found.items():
        match = re.fullmatch(r"(.*)/\{([^}/]+)\}", endpoint.path.rstrip("/"))
        parent = lists.get(match.group(1)) if match else None
        if match and parent is not None and endpoint.listing is None:
            endpoint = replace(endpoint, item_of=parent.operation_id, id_parameter=match.group(2))
        paired[op_id] = endpoint
    return paired
