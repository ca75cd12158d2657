"""What a list operation means: how it pages, where its total is, what each filter constrains and
how it is scoped to the caller.

Inferred from the document (parameter names and types, the item schema, the envelope), as real
APIs describe themselves; the `x-` extensions (`x-pagination`, `x-filter`, `x-tenant`) correct
or extend that inference. The mock and the contract checks both read these values, never the
raw extensions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver.model.document import JSON, SpecError

CALLER_PREFIX = "$caller."

# Parameter names of the common pagination conventions, most specific first.
OFFSET_NAMES = ("skip", "offset", "start")
PAGE_NAMES = ("page", "page_number", "pageNumber", "Page")
SIZE_NAMES = (
    "limit",
    "per_page",
    "perPage",
    "page_size",
    "pageSize",
    "PageSize",
    "size",
    "take",
    "count",
    "max_results",
    "maxResults",
)
# Parameters that take a cursor: an opaque token, or (`starting_after`) the last record's key.
CURSOR_NAMES = (
    "cursor",
    "page_token",
    "pageToken",
    "next_token",
    "nextToken",
    "continuation_token",
    "continuationToken",
    "starting_after",
    "after",
)
# Parameters whose cursor is the last record's key rather than a token the API hands out.
KEY_CURSOR_NAMES = ("starting_after", "after")
# Envelope fields (at the top, or one object down: Slack's `response_metadata.next_cursor`) that
# hold the next page's cursor, or a URL carrying it.
NEXT_NAMES = (
    "next_page_url",
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
    "next",
    "next_page",
    "nextPage",
    "next_url",
)
# Where the cursor of the next page comes from, besides an envelope field.
NEXT_IS_LAST_KEY = "$last"
NEXT_IN_LINK = "$link"
# Query parameters that shape an answer without choosing its items: never filters.
NOT_FILTERS = frozenset(
    {
        "q",
        "query",
        "search",
        "term",
        "sort",
        "sort_by",
        "sortby",
        "order",
        "order_by",
        "orderby",
        "ordering",
        "direction",
        "dir",
        "fields",
        "select",
        "expand",
        "include",
        "embed",
        "format",
        "lang",
        "locale",
        "callback",
        "pretty",
        "cursor",
        "after",
        "before",
        "page_token",
        "pagetoken",
        "starting_after",
        "ending_before",
    }
)
# The sub-field a parameter named for an object field compares with (`author` -> author.username).
KEY_FIELDS = ("username", "login", "slug", "name", "handle", "key", "code", "id", "email")
# Envelope fields that count the whole list, most specific first.
TOTAL_PATTERN = re.compile(
    r"^(total|total_?count|totalcount|count|total_?results|total_?items|items_?total|num_?results)$"
    r"|^.+(_count|Count|_total|Total)$",
)
HAS_MORE_NAMES = frozenset({"has_more", "hasMore", "hasNext", "has_next", "more"})
# Envelope fields that count the pages of the list (at the page size asked for).
PAGE_COUNT_NAMES = ("pages", "total_pages", "totalPages", "page_count", "pageCount", "num_pages", "numPages")
# Item fields that name the record's owner: on a list that needs credentials, the records a
# caller owns, which another caller must not be shown.
OWNER_NAMES = ("owner_id", "ownerId", "owner", "user_id", "userId", "created_by", "creator_id", "author_id")


@dataclass(frozen=True, slots=True)
class Pagination:
    """How an operation pages: `offset` (skip/limit), `page` (page number/size) or `cursor` (a
    cursor parameter, with the next cursor in the body, the Link header or the last key)."""

    style: str
    # offset style: the offset and limit parameters; page style: the page and size parameters;
    # cursor style: the cursor and size parameters (a size may be missing: "").
    # An empty start parameter: the list can only be cut to a size (its first page).
    start_param: str
    size_param: str
    first_page: int = 1
    # cursor style: an envelope field (a dotted path), NEXT_IS_LAST_KEY or NEXT_IN_LINK.
    next_from: str | None = None

    @property
    def cursor(self) -> bool:
        return self.style == "cursor"

    def next_cursor(self, body: Any, items: list[Any] | None, link: str | None, key: str, more: Any) -> Any:
        """What the page after this answer is asked with, or None where the list ends here: a
        cursor value; or, where the API hands out the next page's URL (a Link header, a `next`
        field holding a URL), that URL's whole query, as a client follows it."""
        if not self.cursor or more is False:
            return None
        if self.next_from == NEXT_IS_LAST_KEY:
            last = items[-1] if items else None
            return last.get(key) if isinstance(last, dict) and more is not None else None
        if self.next_from == NEXT_IN_LINK:
            target = link_target(link or "", "next")
            return None if target is None else url_query(target)
        found = field_value(body, str(self.next_from))
        if not isinstance(found, str | int) or isinstance(found, bool) or found == "":
            return None
        return url_query(found) if isinstance(found, str) and "?" in found else found

    def window(self, params: dict[str, Any]) -> tuple[int, int]:
        """The (offset, limit) into the full ordered list that the request asks for."""
        size = int(params[self.size_param])
        if not self.start_param or self.cursor:
            return 0, size
        if self.style == "offset":
            return int(params[self.start_param]), size
        return (int(params[self.start_param]) - self.first_page) * size, size

    def describe(self) -> str:
        if not self.start_param:
            return f"{self.size_param} (size only)"
        if self.cursor:
            source = {NEXT_IS_LAST_KEY: "the last item's key", NEXT_IN_LINK: "the Link header"}.get(
                str(self.next_from), repr(self.next_from)
            )
            return f"{self.start_param}/{self.size_param or '-'} (cursor from {source})"
        return f"{self.start_param}/{self.size_param} ({self.style})"


def link_target(header: str, rel: str) -> str | None:
    """The URL of the RFC 8288 link with relation `rel` in a Link header, or None."""
    for part in re.finditer(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)", header):
        relations = re.search(r"""rel\s*=\s*"?([^";]+)"?""", part.group(2))
        if relations and rel in relations.group(1).split():
            return part.group(1)
    return None


def url_query(url: str) -> dict[str, str]:
    """The query parameters of a URL, in order (a repeated one keeps its last value)."""
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# How a filter parameter relates to the field it constrains:
# * flag: when the parameter is true, the field equals `equals` (false or absent: no filter);
# * equals: the field equals the parameter's value;
# * contains: the field is an array holding the parameter's value;
# * min / max: the field is at least / at most the parameter's value (a number, a date or a
#   date-time). Whether the bound itself is kept differs between APIs (`created_after` is often
#   strict, `since` not), so an item exactly at the bound may be kept or not.
RELATIONS = ("flag", "equals", "contains", "min", "max")
RANGES = ("min", "max")


@dataclass(frozen=True, slots=True)
class Filter:
    """A query parameter that selects items by `field` (a dotted path into an item).

    `equals` (relation flag) is a literal or `$caller.<attribute>`.
    """

    param: str
    field: str
    equals: Any = True
    relation: str = "flag"
    inferred: bool = False

    def expected(self, caller_attrs: dict[str, Any]) -> Any:
        if isinstance(self.equals, str) and self.equals.startswith(CALLER_PREFIX):
            return caller_attrs[self.equals.removeprefix(CALLER_PREFIX)]
        return self.equals

    def active(self, value: Any) -> bool:
        """Whether the parameter's value selects anything (a flag only when true)."""
        if self.relation == "flag":
            return value is True
        # `?tag=` reads as "no tag filter" in as many APIs as it reads as "tag is empty".
        return value is not None and value != ""

    def admits(self, item: Any, value: Any, caller_attrs: dict[str, Any]) -> bool:
        """Whether `item` may be in the list the parameter set to `value` selects."""
        if not self.active(value):
            return True
        found = field_value(item, self.field)
        if self.relation == "flag":
            return bool(found == self.expected(caller_attrs))
        if self.relation == "contains":
            return isinstance(found, list) and any(same_value(v, value) for v in found)
        if self.relation in RANGES:
            order = compare(found, value)
            return order is None or (order >= 0 if self.relation == "min" else order <= 0)
        return same_value(found, value)

    def requires(self, item: Any, value: Any, caller_attrs: dict[str, Any]) -> bool:
        """Whether `item` must be in that list (a range's own bound may go either way)."""
        if self.relation in RANGES and self.active(value):
            order = compare(field_value(item, self.field), value)
            return order is not None and (order > 0 if self.relation == "min" else order < 0)
        return self.admits(item, value, caller_attrs)

    def describe(self) -> str:
        how = {
            "flag": f"true keeps {self.field} == {self.equals!r}",
            "equals": f"keeps {self.field} == value",
            "contains": f"keeps {self.field} containing value",
            "min": f"keeps {self.field} >= value",
            "max": f"keeps {self.field} <= value",
        }[self.relation]
        return f"{self.param} ({how}{', inferred' if self.inferred else ''})"


def compare(found: Any, bound: Any) -> int | None:
    """-1, 0 or 1 as a field's value is below, at or above a bound (numbers, or dates and
    date-times written in ISO 8601, a query's text included); None when they do not compare."""
    if isinstance(found, bool) or isinstance(bound, bool) or found is None:
        return None
    if isinstance(found, int | float):
        try:
            number = float(bound)
        except (TypeError, ValueError):
            return None
        return (found > number) - (found < number)
    a, b = _instant(found), _instant(bound)
    if a is None or b is None:
        return None
    return (a > b) - (a < b)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def same_value(found: Any, value: Any) -> bool:
    """Whether a field's value is the one a filter asks for (the mock's selection and the
    checks' judgement both use this rule)."""
    # A query value arrives as text; the field may hold a number or a boolean.
    if found == value:
        return True
    if isinstance(found, bool) or isinstance(value, bool):
        return str(found).lower() == str(value).lower()
    return found is not None and str(found) == str(value)


def parameter_schema(parameter: dict[str, JSON]) -> dict[str, JSON]:
    """A parameter's schema keywords, with `anyOf: [X, {type: null}]` (FastAPI's optional
    parameter) seen through to X."""
    schema = parameter.get("schema") or {}
    if not isinstance(schema, dict):
        return {}
    for member in schema.get("anyOf") or []:
        if isinstance(member, dict) and member.get("type") not in (None, "null"):
            return {**member, **{k: v for k, v in schema.items() if k != "anyOf"}}
    return dict(schema)


def set_field(record: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path (`author.username`) in a record, making the objects on the way."""
    *parents, last = path.split(".")
    node = record
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def field_value(item: Any, path: str) -> Any:
    """The value at a dotted path into an item, or None."""
    node = item
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


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

    def describe(self) -> str:
        if self.parameter:
            return f"path {self.parameter} (caller must be in {self.member_of})"
        return f"{self.field} == {self.equals}"


# ------------------------------------------------------------------------- declared (x-)


def parse_tenant(raw: dict[str, JSON] | None) -> Tenant | None:
    """`x-tenant` of an operation, or None when it has none."""
    if not raw:
        return None
    try:
        return Tenant(**{k.replace("-", "_"): v for k, v in raw.items()})
    except (TypeError, AttributeError):
        raise SpecError("x-tenant: expected field and equals, or parameter and member-of") from None


def parse_filters(parameters: dict[str, dict[str, JSON]]) -> tuple[Filter, ...]:
    """The `x-filter`s of an operation's query parameters (by name)."""
    found = []
    for name, p in parameters.items():
        raw = p.get("x-filter")
        if not isinstance(raw, dict):
            continue
        relation = str(raw.get("relation", "flag"))
        if relation not in RELATIONS:
            raise SpecError(f"x-filter of {name}: relation must be one of {', '.join(RELATIONS)}")
        if "field" not in raw:
            raise SpecError(f"x-filter of {name}: names no field")
        found.append(Filter(name, str(raw["field"]), raw.get("equals", True), relation))
    return tuple(found)


def parse_pagination(raw: dict[str, JSON], where: str) -> Pagination:
    try:
        return _parse_pagination(raw, where)
    except KeyError as missing:
        raise SpecError(f"{where}/x-pagination: {raw.get('style')} pagination needs {missing}") from None


def _parse_pagination(raw: dict[str, JSON], where: str) -> Pagination:
    style = raw.get("style")
    if style == "offset":
        return Pagination("offset", raw["offset"], raw["limit"])
    if style == "page":
        return Pagination("page", raw["page"], raw["size"], int(raw.get("first", 1)))
    if style == "cursor":
        return Pagination("cursor", raw["cursor"], str(raw.get("limit", "")), next_from=str(raw["next"]))
    raise SpecError(f"{where}: x-pagination.style must be 'offset', 'page' or 'cursor', got {style!r}")


# ------------------------------------------------------------------------------ inferred


def _named(
    query: dict[str, JSON], names: tuple[str, ...], resolve: Callable[[JSON], JSON], kind: str | None = None
) -> str | None:
    """The query parameter called by one of `names` (in any spelling: `PageToken`, `page_token`),
    of type `kind` where one is given."""
    spelled = {norm(n): n for n in query}
    for name in names:
        actual = spelled.get(norm(name))
        if actual is None:
            continue
        schema = query[actual].get("schema") if isinstance(query[actual], dict) else None
        if kind is None or scalar_type(schema or {}, resolve) == kind:
            return actual
    return None


def infer_cursor(
    query: dict[str, JSON],
    envelope: dict[str, JSON],
    has_more: str | None,
    link: bool,
    resolve: Callable[[JSON], JSON],
) -> Pagination | None:
    """Cursor pagination: a cursor parameter, and where the next cursor comes from (an envelope
    field, the last record's key beside a has-more flag, or a declared Link header)."""
    cursor = _named(query, CURSOR_NAMES, resolve)
    if cursor is None:
        return None
    size = _named(query, SIZE_NAMES, resolve, "integer") or ""
    found = _next_field(envelope, resolve)
    if found is not None:
        return Pagination("cursor", cursor, size, next_from=found)
    if norm(cursor) in {norm(n) for n in KEY_CURSOR_NAMES} and has_more is not None:
        return Pagination("cursor", cursor, size, next_from=NEXT_IS_LAST_KEY)
    if link:
        return Pagination("cursor", cursor, size, next_from=NEXT_IN_LINK)
    return None


# Envelope fields that hold the URL of the previous page, beside a next one.
PREVIOUS_NAMES = ("previous", "prev", "previous_page_url", "prev_page_url", "previous_url", "prev_url")


def infer_links(envelope: dict[str, JSON], resolve: Callable[[JSON], JSON]) -> tuple[str | None, str | None]:
    """The envelope fields (dotted paths) holding the next and the previous page's URL, on a
    list paged by offset or page number (Django REST framework's `next`/`previous`)."""
    return _next_field(envelope, resolve), _next_field(envelope, resolve, PREVIOUS_NAMES)


def _next_field(
    envelope: dict[str, JSON], resolve: Callable[[JSON], JSON], names: tuple[str, ...] = NEXT_NAMES
) -> str | None:
    wanted = [norm(n) for n in names]

    def find(properties: dict[str, JSON]) -> str | None:
        spelled = {norm(n): n for n in properties}
        for name in wanted:
            actual = spelled.get(name)
            if actual is not None and scalar_type(properties[actual], resolve) == "string":
                return actual
        return None

    found = find(envelope)
    if found is not None:
        return found
    for holder, sub in envelope.items():
        inner = resolve(sub)
        properties = inner.get("properties") if isinstance(inner, dict) else None
        if isinstance(properties, dict):
            found = find(properties)
            if found is not None:
                return f"{holder}.{found}"
    return None


def infer_pagination(query: dict[str, JSON], resolve: Callable[[JSON], JSON]) -> Pagination | None:
    """Offset or page-number pagination from integer parameters named as APIs name them; pages
    number from the page parameter's `minimum` (or a `default` of 0), else from 1."""
    size = _named(query, SIZE_NAMES, resolve, "integer")
    offsets = {k: v for k, v in query.items() if k != size}
    offset = _named(offsets, OFFSET_NAMES, resolve, "integer")
    if size is not None and offset is not None:
        return Pagination("offset", offset, size)
    page = _named(offsets, PAGE_NAMES, resolve, "integer")
    if page is not None:
        # A page parameter alone (Django REST framework's default) pages at the API's own size.
        return Pagination("page", page, size or "", _first_page(query[page]))
    return Pagination("offset", "", size) if size is not None else None


def _first_page(parameter: JSON) -> int:
    schema = parameter_schema(parameter) if isinstance(parameter, dict) else {}
    for key in ("minimum", "default"):
        value = schema.get(key)
        if value in (0, 1) and not isinstance(value, bool):
            return int(value)
    return 1


def infer_total(envelope: dict[str, JSON], items_field: str | None) -> str | None:
    """The envelope field that counts the whole list (`total`, `count`, `articlesCount`, ...)."""
    names = [
        name
        for name, sub in envelope.items()
        if name != items_field and isinstance(sub, dict) and scalar_type(sub) == "integer"
    ]
    pages = {norm(n) for n in PAGE_COUNT_NAMES}
    totals = [n for n in names if TOTAL_PATTERN.match(n) and norm(n) not in pages and "page" not in n.lower()]

    def rank(name: str) -> int:
        # `total`, `total_count`, `totalResults` first; a bare `count` next (it may count the
        # page where a total exists); another `*_count` last.
        if norm(name).startswith("total") or norm(name).endswith("total"):
            return 0
        return 1 if norm(name) == "count" else 2

    totals.sort(key=rank)
    return totals[0] if totals else None


def norm(name: str) -> str:
    """A name as its spellings share it: `page_size`, `pageSize` and `PageSize` are one."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def infer_filters(
    query: dict[str, dict[str, JSON]],
    item_properties: dict[str, JSON],
    resolve: Callable[[JSON], JSON],
    taken: set[str],
) -> tuple[Filter, ...]:
    """Query parameters that name an item field, or a path into one, with the relation their
    types give: `status` == status, `tag` in tagList, `author` == author.username."""
    found = []
    fields = {norm(name): name for name in item_properties}
    for name, parameter in query.items():
        if name in taken or norm(name) in {norm(n) for n in NOT_FILTERS} or parameter.get("required"):
            continue
        if parameter.get("x-filter") is False:
            continue  # the document says this parameter is no filter
        kind = scalar_type(parameter.get("schema") or {}, resolve)
        if kind is None:
            continue
        key = norm(name)
        field = fields.get(key)
        if field is not None:
            schema = resolve(item_properties[field])
            found_kind = scalar_type(schema, resolve)
            if found_kind is not None and _compatible(kind, found_kind):
                found.append(Filter(name, field, None, "equals", inferred=True))
                continue
            if "object" in types(schema):
                param_schema = parameter_schema(parameter)
                id_like = param_schema.get("format") == "uuid" or key.endswith("id")
                sub = _key_field(resolve(schema).get("properties") or {}, kind, resolve, id_like)
                if sub is not None:
                    found.append(Filter(name, f"{field}.{sub}", None, "equals", inferred=True))
                continue
        ranged = _range(name, kind, resolve(parameter.get("schema") or {}), item_properties, resolve)
        if ranged is not None:
            found.append(ranged)
            continue
        variants = (key + "s", key + "es", key + "list", key + "set")
        plural = next((fields[k] for k in variants if k in fields), None)
        if plural is not None:
            schema = resolve(item_properties[plural])
            element = scalar_type(schema.get("items") or {}, resolve) if "array" in types(schema) else None
            if element is not None and _compatible(kind, element):
                found.append(Filter(name, plural, None, "contains", inferred=True))
    return tuple(found)


# `created_after`, `price_min`, `min_price`, `updated__gte`: a bound on a field, and which one.
_RANGE_NAME = re.compile(
    r"^(?:(?P<pre>min|max|from|to)_?(?P<field1>.+)|(?P<field2>.+?)_{1,2}"
    r"(?P<post>after|since|from|gte|gt|min|start|before|until|to|lte|lt|max|end))$",
    re.IGNORECASE,
)
_LOWER = frozenset({"min", "from", "after", "since", "gte", "gt", "start"})


def _range(
    name: str,
    kind: str,
    schema: JSON,
    item_properties: dict[str, JSON],
    resolve: Callable[[JSON], JSON],
) -> Filter | None:
    """A bound on an item field of the same kind (a number, a date or a date-time)."""
    match = _RANGE_NAME.match(name)
    if match is None:
        return None
    stem = match.group("field1") or match.group("field2")
    side = (match.group("pre") or match.group("post")).lower()
    fields = {norm(f): f for f in item_properties}
    stem_key = norm(stem)
    field = next(
        (
            fields[k]
            for k in (stem_key, stem_key + "at", stem_key + "date", stem_key + "on", stem_key + "time")
            if k in fields
        ),
        None,
    )
    if field is None:
        return None
    target = resolve(item_properties[field])
    if not _ordered(kind, schema, target):
        return None
    return Filter(name, field, None, "min" if side in _LOWER else "max", inferred=True)


def _ordered(kind: str, parameter: JSON, field: JSON) -> bool:
    """Whether a parameter's values bound a field's: numbers, or dates and date-times."""
    field_kind = scalar_type(field)
    if {kind, field_kind} <= {"integer", "number"}:
        return True
    formats = {"date", "date-time"}
    field_format = field.get("format") if isinstance(field, dict) else None
    return (
        kind == field_kind == "string"
        and field_format in formats
        and (not isinstance(parameter, dict) or parameter.get("format") in (None, *formats))
    )


def _key_field(
    properties: dict[str, JSON], kind: str, resolve: Callable[[JSON], JSON], id_like: bool = False
) -> str | None:
    for name in ("id", *KEY_FIELDS) if id_like else KEY_FIELDS:
        if name in properties:
            sub = scalar_type(properties[name], resolve)
            if sub is not None and _compatible(kind, sub):
                return name
    return None


def _compatible(param: str, field: str) -> bool:
    if param == field:
        return True
    return {param, field} <= {"integer", "number"} or (param == "string" and field in ("string",))


def scalar_type(schema: JSON, resolve: Callable[[JSON], JSON] | None = None, depth: int = 0) -> str | None:
    """The one scalar type of a schema (nullable and `anyOf: [X, null]` seen through, `$ref`s
    followed when `resolve` is given), or None."""
    if resolve is not None and depth < 8:
        schema = resolve(schema)
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    kinds = {str(k) for k in kind} if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    if not kinds and schema.get("enum") and all(isinstance(v, str) for v in schema["enum"]):
        kinds = {"string"}
    for key in ("anyOf", "oneOf"):
        for member in schema.get(key) or []:
            if isinstance(member, dict) and ("$ref" not in member or resolve is not None):
                inner = scalar_type(member, resolve, depth + 1)
                kinds |= {inner} if inner else {"null"} if member.get("type") == "null" else {"object"}
    kinds.discard("null")
    if len(kinds) == 1 and next(iter(kinds)) in ("string", "integer", "number", "boolean"):
        return next(iter(kinds))
    return None


def types(schema: JSON) -> set[str]:
    """The JSON types a schema admits, as far as its own keywords say (combinations: object; a
    3.1 boolean schema: none that can be told)."""
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if isinstance(kind, list):
        return {str(k) for k in kind}
    if kind is None and "properties" in schema:
        return {"object"}
    if isinstance(kind, str):
        return {kind}
    return {"object"} if "allOf" in schema or "oneOf" in schema or "anyOf" in schema else set()


def infer_owner(item_properties: dict[str, JSON], resolve: Callable[[JSON], JSON]) -> str | None:
    """The item field naming a record's owner, if the item has one of a scalar type."""
    for name in OWNER_NAMES:
        if name in item_properties and scalar_type(item_properties[name], resolve) in ("string", "integer"):
            return name
    return None
