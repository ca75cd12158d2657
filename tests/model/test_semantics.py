"""What the one operation model infers of a list from a document alone, and how the `x-`
extensions override it: small documents written the way public APIs describe themselves."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.model.endpoints import Endpoint, endpoints
from mockserver.model.semantics import Filter, Pagination, link_target, url_query


def _list(
    parameters: list[dict[str, Any]],
    body: dict[str, Any],
    *,
    extensions: dict[str, Any] | None = None,
    schemas: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
    security: list[Any] | None = None,
) -> Endpoint:
    ok: dict[str, Any] = {"description": "ok", "content": {"application/json": {"schema": body}}}
    if headers:
        ok["headers"] = headers
    operation: dict[str, Any] = {"parameters": parameters, "responses": {"200": ok}, **(extensions or {})}
    if security is not None:
        operation["security"] = security
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"get": {"operationId": "list_things", **operation}}},
        "components": {"schemas": schemas or {}},
    }
    return endpoints(document)["list_things"]


def _query(name: str, kind: str = "string", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": kind, **schema}}


THING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "tagList": {"type": "array", "items": {"type": "string"}},
        "author": {
            "type": "object",
            "properties": {"username": {"type": "string"}, "bio": {"type": "string"}},
        },
        "favorited": {"type": "boolean"},
        "owner_id": {"type": "integer"},
    },
}


def test_an_envelope_built_with_all_of_is_a_list_with_its_total_and_next_cursor() -> None:
    # Spotify's paging object: the envelope is `allOf` a shared paging schema and the items.
    schemas = {
        "Paging": {
            "type": "object",
            "properties": {"total": {"type": "integer"}, "next": {"type": "string", "nullable": True}},
        },
        "Thing": THING,
    }
    body = {
        "allOf": [
            {"$ref": "#/components/schemas/Paging"},
            {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}},
            },
        ]
    }
    found = _list([_query("limit", "integer"), _query("offset", "integer")], body, schemas=schemas)
    assert found.listing is not None
    assert found.listing.items_field == "items"
    assert found.listing.total_field == "total"
    assert found.pagination == Pagination("offset", "offset", "limit")


def test_filters_are_inferred_from_names_and_types_and_others_left_alone() -> None:
    parameters = [
        _query("status"),
        _query("tag"),
        _query("author"),
        _query("favorited"),  # a username against a boolean field: no relation to infer
        _query("q"),
        _query("sort"),
        _query("limit", "integer"),
    ]
    found = _list(parameters, {"type": "array", "items": THING})
    assert found.filters == (
        Filter("status", "status", None, "equals", inferred=True),
        Filter("tag", "tagList", None, "contains", inferred=True),
        Filter("author", "author.username", None, "equals", inferred=True),
    )


def test_declared_filters_and_pagination_override_what_is_inferred() -> None:
    parameters = [
        {**_query("mine", "boolean"), "x-filter": {"field": "owner_id", "equals": "$caller.user_id"}},
        {**_query("label"), "x-filter": {"field": "tagList", "relation": "contains"}},
        _query("from", "integer"),
        _query("take", "integer"),
    ]
    body = {
        "type": "object",
        "properties": {"results": {"type": "array", "items": THING}, "n": {"type": "integer"}},
    }
    declared = {
        "x-pagination": {
            "style": "offset",
            "offset": "from",
            "limit": "take",
            "items": "results",
            "total": "n",
        }
    }
    found = _list(parameters, body, extensions=declared)
    assert found.listing is not None and not found.listing.inferred
    assert (found.listing.items_field, found.listing.total_field) == ("results", "n")
    assert found.pagination == Pagination("offset", "from", "take")
    assert [(f.param, f.field, f.relation) for f in found.filters] == [
        ("mine", "owner_id", "flag"),
        ("label", "tagList", "contains"),
    ]


@pytest.mark.parametrize(
    ("parameters", "body", "headers", "expected"),
    [
        # Slack: the next cursor one object down.
        (
            [_query("cursor"), _query("limit", "integer")],
            {
                "type": "object",
                "properties": {
                    "members": {"type": "array", "items": THING},
                    "response_metadata": {
                        "type": "object",
                        "properties": {"next_cursor": {"type": "string"}},
                    },
                },
            },
            None,
            Pagination("cursor", "cursor", "limit", next_from="response_metadata.next_cursor"),
        ),
        # Stripe: the last record's id, beside has_more.
        (
            [_query("starting_after"), _query("limit", "integer")],
            {
                "type": "object",
                "properties": {"data": {"type": "array", "items": THING}, "has_more": {"type": "boolean"}},
            },
            None,
            Pagination("cursor", "starting_after", "limit", next_from="$last"),
        ),
        # GitHub-style: a plain array and a declared Link header.
        (
            [_query("after"), _query("per_page", "integer")],
            {"type": "array", "items": THING},
            {"Link": {"schema": {"type": "string"}}},
            Pagination("cursor", "after", "per_page", next_from="$link"),
        ),
    ],
)
def test_cursor_pagination_is_inferred_with_where_its_next_cursor_comes_from(
    parameters: list[dict[str, Any]], body: dict[str, Any], headers: Any, expected: Pagination
) -> None:
    assert _list(parameters, body, headers=headers).pagination == expected


def test_the_next_cursor_is_read_where_the_api_hands_it_out() -> None:
    link = '<https://api.example.com/events?after=abc&per_page=2>; rel="next", <https://x/?p=1>; rel="first"'
    assert link_target(link, "next") == "https://api.example.com/events?after=abc&per_page=2"
    assert url_query("https://x/events?after=abc&per_page=2") == {"after": "abc", "per_page": "2"}
    by_link = Pagination("cursor", "after", "per_page", next_from="$link")
    assert by_link.next_cursor(None, [], link, "id", None) == {"after": "abc", "per_page": "2"}
    assert by_link.next_cursor(None, [], "", "id", None) is None
    by_key = Pagination("cursor", "starting_after", "limit", next_from="$last")
    assert by_key.next_cursor({}, [{"id": "a"}, {"id": "b"}], None, "id", True) == "b"
    assert by_key.next_cursor({}, [{"id": "a"}], None, "id", False) is None
    by_field = Pagination("cursor", "cursor", "limit", next_from="meta.next")
    assert by_field.next_cursor({"meta": {"next": "t2"}}, [], None, "id", None) == "t2"
    assert by_field.next_cursor({"meta": {"next": ""}}, [], None, "id", None) is None


def test_an_owner_is_inferred_only_on_a_list_that_needs_credentials() -> None:
    body = {"type": "array", "items": THING}
    assert _list([], body, security=[{"bearer": []}]).owner_field == "owner_id"
    assert _list([], body).owner_field is None
    assert _list([], body, security=[{}, {"bearer": []}]).owner_field is None


def test_a_thing_with_one_array_field_is_not_a_list() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/holders/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "name": {"type": "string"},
                                            "deadlines": {"type": "array", "items": THING},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }
    (found,) = endpoints(document).values()
    assert found.kind == "read"


def test_ranges_are_inferred_for_bounds_on_numbers_and_dates() -> None:
    item = {
        "type": "object",
        "properties": {
            "created_at": {"type": "string", "format": "date-time"},
            "price": {"type": "number"},
            "title": {"type": "string"},
        },
    }
    parameters = [
        _query("created_after", format="date-time"),
        _query("created_before", format="date-time"),
        _query("min_price", "number"),
        _query("price_lte", "integer"),
        _query("title_from"),  # text has no order the API would share: not a range
    ]
    found = _list(parameters, {"type": "array", "items": item})
    assert [(f.param, f.field, f.relation) for f in found.filters] == [
        ("created_after", "created_at", "min"),
        ("created_before", "created_at", "max"),
        ("min_price", "price", "min"),
        ("price_lte", "price", "max"),
    ]
    bound = found.filters[0]
    assert bound.admits({"created_at": "2025-01-02T00:00:00Z"}, "2025-01-01T00:00:00+00:00", {})
    assert not bound.admits({"created_at": "2024-12-31T23:00:00Z"}, "2025-01-01T00:00:00Z", {})
    # The bound itself may be kept or not: admitted, but not required.
    assert bound.admits({"created_at": "2025-01-01T00:00:00Z"}, "2025-01-01T00:00:00Z", {})
    assert not bound.requires({"created_at": "2025-01-01T00:00:00Z"}, "2025-01-01T00:00:00Z", {})


def test_paging_as_real_apis_spell_it_and_number_it() -> None:
    body = {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": THING},
            "page_count": {"type": "integer"},
            "count": {"type": "integer"},
            "total_count": {"type": "integer"},
        },
    }
    # Spring's Pageable numbers pages from 0; the page size parameter is spelled as it likes.
    zero_based = _list([_query("page", "integer", minimum=0), _query("PageSize", "integer")], body)
    assert zero_based.pagination == Pagination("page", "page", "PageSize", 0)
    assert zero_based.listing is not None and zero_based.listing.total_field == "total_count"
    # A page parameter alone (Django REST framework) pages at the API's own size.
    assert _list([_query("page", "integer")], body).pagination == Pagination("page", "page", "", 1)
    # Paging parameters are integers: a string `page` (a search's token) is no page number.
    assert _list([_query("page"), _query("size")], body).pagination is None


def test_the_document_switches_inference_off() -> None:
    parameters = [{**_query("status"), "x-filter": False}, _query("limit", "integer")]
    assert _list(parameters, {"type": "array", "items": THING}).filters == ()
    unlisted = _list([], {"type": "array", "items": THING}, extensions={"x-pagination": False})
    assert unlisted.listing is None


def test_boolean_schemas_of_3_1_are_read_without_error() -> None:
    body = {"type": "object", "properties": {"data": {"type": "array", "items": THING}, "has_more": True}}
    found = _list([_query("has_more", "boolean"), _query("limit", "integer")], body)
    assert found.listing is not None and found.listing.has_more_field is None
