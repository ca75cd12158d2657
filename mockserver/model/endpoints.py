"""Every operation of any OpenAPI document, and what kind of resource operation it is: the one
operation model that the mock, the contract checks, `validate` and the fixtures all read.

Each operation is classified once: a *list* (a 200 body that is an array, or an object holding
the array under one field, through `$ref` and `allOf`), an *item* (`GET /things/{id}` beside a
list of things), a *write* (POST/PUT/PATCH/DELETE) or any other read. What a list means (how it
pages, its total, its filters, its scoping) is inferred from the document (`semantics.py`) and
the `x-` extensions override or extend that inference.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.model.document import JSON, SpecError, deref, json_media, resolve_refs
from mockserver.model.semantics import (
    CALLER_PREFIX,
    HAS_MORE_NAMES,
    KEY_FIELDS,
    PAGE_COUNT_NAMES,
    Filter,
    Pagination,
    Tenant,
    infer_cursor,
    infer_filters,
    infer_links,
    infer_owner,
    infer_pagination,
    infer_total,
    norm,
    parameter_schema,
    parse_filters,
    parse_pagination,
    parse_tenant,
    scalar_type,
    types,
)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# allOf members merged into one envelope or item, at most this deep (a bound on hostile nesting).
MAX_MERGE_DEPTH = 16


@dataclass(frozen=True, slots=True)
class Listing:
    """How a list operation's 200 body holds its items, counts them and pages."""

    item_schema: JSON
    # None: the body is the array itself; else the envelope's field that holds it.
    items_field: str | None
    pagination: Pagination | None
    inferred: bool
    # The envelope's field counting the whole (filtered) list, and its "more pages" flag.
    total_field: str | None = None
    has_more_field: str | None = None
    # What a next-cursor (or next-link) field holds on the last page: null where its schema
    # admits it, else "".
    end_cursor: str | None = None
    # The envelope's field counting the pages of the list at the size asked for.
    pages_field: str | None = None
    # Whether the next-cursor field holds the next page's URL rather than a bare cursor.
    next_is_url: bool = False
    # Offset and page lists: the envelope fields holding the next and previous pages' URLs.
    next_link: str | None = None
    previous_link: str | None = None


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
    # What the vendor extensions, the inference and the parameter defaults say, read once.
    tenant: Tenant | None = None
    filters: tuple[Filter, ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()
    # Whether the operation declared its operationId (else `operation_id` is made up).
    declared_id: bool = True
    # The item field that identifies a record (the one the detail operation is addressed by),
    # on a list and on its item operations. An item operation's `record_field`: the body field
    # holding the record (`{article: {...}}`).
    key_field: str = "id"
    record_field: str | None = None
    # A list's: the item field naming each record's owner (the declared tenant's field, or an
    # inferred `owner_id`, `user_id`, ... on a list that needs credentials).
    owner_field: str | None = None

    @property
    def label(self) -> str:
        """`GET /path`, as Schemathesis and the reports name an operation."""
        return f"{self.method.upper()} {self.path}"

    @property
    def query(self) -> dict[str, JSON]:
        """The query parameters by name."""
        return {name: p for (location, name), p in self.parameters.items() if location == "query"}

    @property
    def pagination(self) -> Pagination | None:
        return self.listing.pagination if self.listing is not None else None

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
        """The declared success status (the lowest 2xx) and its response object; where none is
        declared, `default`, else the lowest status declared (a redirect, say): never one the
        operation does not declare."""
        for status in sorted(self.responses):
            if status.startswith("2") or status == "2XX":
                return status, self.responses[status]
        if "default" in self.responses or not self.responses:
            return "default", self.responses.get("default", {})
        status = min(self.responses, key=lambda s: (not s[:1].isdigit(), s))
        return status, self.responses[status]

    def validation_status(self) -> int:
        """The status this operation declares for invalid parameters."""
        return 422 if "422" in self.responses else 400

    def matches(self, selector: str) -> bool:
        """Whether `selector` names this operation: its operationId or `GET /path`."""
        if selector == self.operation_id:
            return True
        method, _, path = selector.strip().partition(" ")
        return method.lower() == self.method and path.strip() == self.path

    def understood(self, details: dict[str, Endpoint] | None = None) -> str:
        """What was understood of a list, in one line, naming where it came from."""
        listing = self.listing
        assert listing is not None
        parts = [
            f"pages by {listing.pagination.describe()}" if listing.pagination else "not paged",
            f"items at {listing.items_field!r}" if listing.items_field else "items: the body",
        ]
        if listing.total_field:
            parts.append(f"total at {listing.total_field!r}")
        if listing.has_more_field:
            parts.append(f"more at {listing.has_more_field!r}")
        if listing.pages_field:
            parts.append(f"page count at {listing.pages_field!r}")
        if listing.next_link:
            parts.append(f"next page's URL at {listing.next_link!r}")
        parts.extend(f"filter {f.describe()}" for f in self.filters)
        detail = (details or {}).get(self.operation_id)
        if detail is not None:
            parts.append(
                f"detail {detail.label}" + (f" at {detail.record_field!r}" if detail.record_field else "")
            )
        if self.key_field != "id":
            parts.append(f"records keyed by {self.key_field!r}")
        if self.tenant is not None:
            parts.append(f"scoped by {self.tenant.describe()}")
        elif self.owner_field is not None:
            parts.append(f"owned by {self.owner_field!r}")
        source = "inferred" if listing.inferred else "x-pagination"
        return f"{self.label}: a list, {', '.join(parts)} ({source})"


def list_items(body: Any, listing: Listing) -> list[Any] | None:
    """The items a list answer holds: the body itself, or its envelope's field."""
    if listing.items_field is not None:
        body = body.get(listing.items_field) if isinstance(body, dict) else None
    return body if isinstance(body, list) else None


def list_total(body: Any, listing: Listing) -> int | None:
    """The count of the whole list a list answer states, if its envelope has one."""
    if listing.total_field is None or not isinstance(body, dict):
        return None
    total = body.get(listing.total_field)
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def operation_id(method: str, path: str) -> str:
    """A stable id for an operation that declares none: `get_pets_petId`."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return "_".join([method, *words])


def object_properties(
    document: dict[str, JSON], schema: JSON, depth: int = 0, seen: set[int] | None = None
) -> dict[str, JSON]:
    """The properties an object schema declares, its `allOf` members' included (each member
    once: a schema that is its own `allOf` member is read in finite time)."""
    schema = deref(document, schema)
    seen = set() if seen is None else seen
    if not isinstance(schema, dict) or depth > MAX_MERGE_DEPTH or id(schema) in seen:
        return {}
    seen.add(id(schema))
    found: dict[str, JSON] = {}
    for member in schema.get("allOf") or []:
        found.update(object_properties(document, member, depth + 1, seen))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        found.update(properties)
    return found


def _resolver(document: dict[str, JSON]) -> Callable[[JSON], JSON]:
    """A node with its own `$ref` chain followed, for the inference's schema reading."""

    def resolve(node: JSON) -> JSON:
        return deref(document, node)

    return resolve


def _is_array(schema: JSON) -> bool:
    return isinstance(schema, dict) and "array" in types(schema)


def _listing(
    document: dict[str, JSON],
    op: dict[str, JSON],
    parameters: dict[tuple[str, str], JSON],
    where: str,
    path: str,
) -> Listing | None:
    responses = op.get("responses", {})
    ok = deref(document, responses.get("200") or responses.get("2XX") or {})
    media = json_media(ok.get("content") if isinstance(ok, dict) else None)
    if media is None or not isinstance(media[1], dict):
        return None
    schema = deref(document, media[1].get("schema", {}))
    if not isinstance(schema, dict):
        return None
    items_field: str | None = None
    envelope: dict[str, JSON] = {}
    declared = op.get("x-pagination")
    if declared is False:
        return None  # the document says this is no list
    if _is_array(schema):
        items = schema.get("items", {})
    else:
        envelope = {name: deref(document, sub) for name, sub in object_properties(document, schema).items()}
        if isinstance(declared, dict) and "items" in declared:
            items_field = str(declared["items"])
        else:
            arrays = [name for name, sub in envelope.items() if _is_array(sub)]
            if len(arrays) != 1:
                return None
            items_field = arrays[0]
        holder = envelope.get(items_field)
        if not isinstance(holder, dict) or not _is_array(holder):
            raise SpecError(f"{where}/x-pagination/items: {items_field!r} is not an array of the 200 body")
        items = holder.get("items", {})
    target = deref(document, items)
    if not isinstance(target, dict) or "object" not in types(target):
        return None
    query = {name: p for (location, name), p in parameters.items() if location == "query"}
    has_more = next(
        (n for n, sub in envelope.items() if n in HAS_MORE_NAMES and scalar_type(sub) == "boolean"), None
    )
    headers = {str(h).lower() for h in (ok.get("headers") or {})} if isinstance(ok, dict) else set()

    resolve = _resolver(document)
    link = "link" in headers
    pagination = infer_cursor(query, envelope, has_more, link, resolve) or infer_pagination(query, resolve)
    if (
        items_field is not None
        and not isinstance(declared, dict)
        and pagination is None
        and re.search(r"/\{[^}/]+\}/?$", path)
    ):
        return None  # `GET /things/{id}` whose one array field is a part of the thing
    declared_total = declared.get("total") if isinstance(declared, dict) else None
    total = str(declared_total) if declared_total else infer_total(envelope, items_field)
    inferred = True
    if isinstance(declared, dict) and "style" in declared:
        inferred, pagination = False, parse_pagination(declared, where)
    end = None
    next_is_url = False
    if pagination is not None and pagination.cursor and pagination.next_from not in ("$last", "$link"):
        holder, _, name = str(pagination.next_from).rpartition(".")
        if holder and holder not in envelope:
            raise SpecError(f"{where}/x-pagination/next: the 200 body has no {holder!r} to hold {name!r}")
        fields = object_properties(document, envelope[holder]) if holder else envelope
        schema = deref(document, fields.get(name, {}))
        end = None if isinstance(schema, dict) and _admits_null(schema) else ""
        next_is_url = isinstance(schema, dict) and (
            parameter_schema({"schema": schema}).get("format") in ("uri", "url", "uri-reference")
            or "url" in name.lower()
        )
    pages = next(
        (n for n in PAGE_COUNT_NAMES if n in envelope and scalar_type(envelope[n]) == "integer"), None
    )
    if pagination is None or not pagination.size_param or pagination.cursor:
        pages = None  # a page count means nothing without a page size
    links: tuple[str | None, str | None] = (None, None)
    if pagination is not None and pagination.start_param and not pagination.cursor:
        links = infer_links(envelope, resolve)
        if links[0] is not None:
            holder, _, name = links[0].rpartition(".")
            fields = object_properties(document, envelope[holder]) if holder else envelope
            schema = deref(document, fields.get(name, {}))
            end = None if isinstance(schema, dict) and _admits_null(schema) else ""
    return Listing(items, items_field, pagination, inferred, total, has_more, end, pages, next_is_url, *links)


def _admits_null(schema: dict[str, JSON]) -> bool:
    kinds = schema.get("type")
    members = [m for m in schema.get("anyOf") or schema.get("oneOf") or [] if isinstance(m, dict)]
    return bool(
        schema.get("nullable")
        or kinds == "null"
        or (isinstance(kinds, list) and "null" in kinds)
        or any(m.get("type") == "null" for m in members)
    )


def _owner(
    document: dict[str, JSON], listing: Listing | None, tenant: Tenant | None, security: tuple[Any, ...]
) -> str | None:
    if listing is None:
        return None
    if tenant is not None:
        return tenant.field
    if not security or any(not requirement for requirement in security):
        return None  # a list anyone may read is nobody's own
    return infer_owner(object_properties(document, listing.item_schema), _resolver(document))


def _filters(
    document: dict[str, JSON], query: dict[str, JSON], listing: Listing | None
) -> tuple[Filter, ...]:
    declared = parse_filters(query)
    if listing is None:
        return declared
    pagination = listing.pagination
    taken = {f.param for f in declared}
    if pagination is not None:
        taken |= {pagination.start_param, pagination.size_param}
    properties = object_properties(document, listing.item_schema)
    return (*declared, *infer_filters(query, properties, _resolver(document), taken))


def endpoints(document: dict[str, JSON]) -> dict[str, Endpoint]:
    """Every operation of the document by operation id, classified."""
    found: dict[str, Endpoint] = {}
    default_security = tuple(document.get("security", []) or [])
    for path, item in (document.get("paths") or {}).items():
        item = deref(document, item)
        if not isinstance(item, dict):
            continue
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
            if op_id in found:
                # Two operations of one id (`/users` and `/users/~` made up alike, or a
                # document's own duplicate): the later one is numbered, so both are served.
                op_id = next(f"{op_id}_{n}" for n in range(2, len(found) + 3) if f"{op_id}_{n}" not in found)
            query = {name: p for (location, name), p in parameters.items() if location == "query"}
            listing = _listing(document, op, parameters, where, path) if method == "get" else None
            security = tuple(op.get("security", default_security) or [])
            tenant = parse_tenant(op.get("x-tenant"))
            found[op_id] = Endpoint(
                method=method,
                path=path,
                operation_id=op_id,
                pointer=where,
                parameters=parameters,
                responses={str(k): deref(document, v) for k, v in (op.get("responses") or {}).items()},
                request_body=body,
                security=security,
                listing=listing,
                extensions={k: v for k, v in op.items() if k.startswith("x-")},
                tenant=tenant,
                owner_field=_owner(document, listing, tenant, security),
                filters=_filters(document, query, listing),
                defaults=tuple(
                    (name, p["schema"]["default"])
                    for name, p in query.items()
                    if isinstance(p.get("schema"), dict) and "default" in p["schema"]
                ),
                declared_id=bool(op.get("operationId")),
            )
    return _pair_items(document, found)


def _pair_items(document: dict[str, JSON], found: dict[str, Endpoint]) -> dict[str, Endpoint]:
    """`GET /things/{id}` is the item operation of `GET /things` when that one is a list; the
    list's records are then identified by the field the path parameter names (`{slug}`), and
    a detail answer that wraps its record (`{thing: {...}}`) is read through the wrapper."""
    lists = {e.path.rstrip("/"): e for e in found.values() if e.listing is not None}
    paired: dict[str, Endpoint] = {}
    keys: dict[str, str] = {}
    for op_id, endpoint in found.items():
        match = re.fullmatch(r"(.*)/\{([^}/]+)\}", endpoint.path.rstrip("/"))
        parent = lists.get(match.group(1)) if match else None
        if match and parent is not None and parent.listing is not None and endpoint.listing is None:
            name = match.group(2)
            key = _key(document, parent.listing.item_schema, endpoint.parameters.get(("path", name)), name)
            if key is None:
                paired[op_id] = endpoint  # its parameter names no field of the listed records
                continue
            if endpoint.method == "get":
                keys[parent.operation_id] = key
            endpoint = replace(
                endpoint,
                item_of=parent.operation_id,
                id_parameter=name,
                record_field=_record_field(document, endpoint, key),
                key_field=key,
            )
        paired[op_id] = endpoint
    return {op_id: replace(e, key_field=keys[op_id]) if op_id in keys else e for op_id, e in paired.items()}


def _key(document: dict[str, JSON], item_schema: JSON, parameter: JSON, name: str) -> str | None:
    """The item field a detail operation's path parameter names: the field of its name
    (`{slug}`, `{Sid}` for `sid`), else `id` where the types agree, else a key-like field of the
    parameter's type (`{username}` for `login`); None when the records hold none."""
    properties = object_properties(document, item_schema)
    fields = {norm(f): f for f in properties}
    if norm(name) in fields:
        return fields[norm(name)]
    resolve = _resolver(document)
    wanted = scalar_type(parameter.get("schema") if isinstance(parameter, dict) else None, resolve)
    candidates = ("id", *KEY_FIELDS)
    for candidate in candidates:
        if candidate in properties:
            kind = scalar_type(properties[candidate], resolve)
            if wanted is None or kind is None or kind == wanted or {kind, wanted} <= {"integer", "number"}:
                return candidate
    return None


def _record_field(document: dict[str, JSON], endpoint: Endpoint, key: str) -> str | None:
    """The field of a detail answer that holds the record, when the answer wraps it."""
    ok = endpoint.responses.get("200") or endpoint.responses.get("2XX") or {}
    media = json_media(ok.get("content") if isinstance(ok, dict) else None)
    if media is None or not isinstance(media[1], dict):
        return None
    fields = object_properties(document, media[1].get("schema", {}))
    if key in fields or len(fields) != 1:
        return None
    ((name, schema),) = fields.items()
    target = deref(document, schema)
    return name if isinstance(target, dict) and "object" in types(target) else None


def details(found: dict[str, Endpoint]) -> dict[str, Endpoint]:
    """Each list's detail operation (`GET /things/{id}`), by the list's operation id."""
    return {e.item_of: e for e in found.values() if e.item_of is not None and e.method == "get"}


# What a write operation does to the list it belongs to, by its method.
WRITE_VERBS = {"post": "create", "put": "replace", "patch": "merge", "delete": "remove"}


def collection_writes(found: dict[str, Endpoint]) -> dict[str, tuple[str, str]]:
    """Each write operation of a list's records, with (the list's operation id, its verb):
    `POST /things` creates in `GET /things`; `PUT`, `PATCH` and `DELETE /things/{id}` replace,
    merge into and remove the record the list holds under that id."""
    lists = {e.path.rstrip("/"): e.operation_id for e in found.values() if e.listing is not None}
    writes: dict[str, tuple[str, str]] = {}
    for op_id, endpoint in found.items():
        verb = WRITE_VERBS.get(endpoint.method)
        if verb is None:
            continue
        if verb == "create" and endpoint.path.rstrip("/") in lists:
            writes[op_id] = (lists[endpoint.path.rstrip("/")], verb)
        elif verb != "create" and endpoint.item_of is not None:
            writes[op_id] = (endpoint.item_of, verb)
    return writes


def parents(found: dict[str, Endpoint]) -> dict[str, tuple[str, str]]:
    """Each operation under a list's record (`/things/{id}/children`, `/things/{id}/children/{c}`)
    with (that list's operation id, the path parameter naming the record): what it belongs to."""
    records = {
        e.path.rstrip("/"): (str(e.item_of), str(e.id_parameter))
        for e in found.values()
        if e.item_of is not None and e.id_parameter is not None and e.method == "get"
    }
    owned: dict[str, tuple[str, str]] = {}
    for op_id, endpoint in found.items():
        path = endpoint.path.rstrip("/")
        under = [prefix for prefix in records if path.startswith(prefix + "/")]
        if under:
            owned[op_id] = records[max(under, key=len)]
    return owned
