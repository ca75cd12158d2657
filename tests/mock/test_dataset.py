"""Dataset invariants over random seeds, counts and windows (Hypothesis)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.mock.app import compile_mock, create_app
from mockserver.mock.dataset import Dataset, IdCodec
from mockserver.mock.fixtures import load_directory, load_records
from mockserver.mock.identities import Directory
from mockserver.mock.settings import Settings
from mockserver.model.spec import load_spec

SPEC = load_spec(Settings().spec_path)
DIRECTORY: Directory = load_directory(Settings().fixtures_dir)
CURATED = load_records(Settings().fixtures_dir, SPEC, DIRECTORY)


@cache
def dataset(seed: int, count: int) -> Dataset:
    return compile_mock(Settings(seed=seed, count=count, org_count=count // 3)).dataset


seeds = st.integers(0, 2**32)
counts = st.integers(0, 300)
criteria = st.fixed_dictionaries(
    {}, optional={"is_active": st.booleans(), "user_id": st.sampled_from([1, 2, 3, 4, 99])}
)


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds,
    count=counts,
    org=st.sampled_from([1, 2]),
    crit=criteria,
    offset=st.integers(0, 400),
    limit=st.integers(1, 1000),
)
@example(seed=0, count=0, org=1, crit={}, offset=0, limit=1)
def test_a_page_is_the_window_of_the_filtered_list(
    seed: int, count: int, org: int, crit: dict[str, Any], offset: int, limit: int
) -> None:
    collection = dataset(seed, count).collection("list_assistants", org)
    assert collection is not None
    everything = [collection.item(i) for i in range(len(collection))]
    filtered = [r for r in everything if all(r[k] == v for k, v in crit.items())]
    assert collection.page(offset, limit, crit) == filtered[offset : offset + limit]
    assert all(r["organization_id"] == org for r in everything)
    assert len({r["id"] for r in everything}) == len(everything)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, count=counts, size=st.integers(1, 50), crit=criteria)
def test_pages_concatenate_without_gaps_or_duplicates(
    seed: int, count: int, size: int, crit: dict[str, Any]
) -> None:
    collection = dataset(seed, count).collection("list_assistants", 1)
    assert collection is not None
    pages: list[Any] = []
    for offset in range(0, len(collection) + size, size):
        pages += collection.page(offset, size, crit)
    assert pages == collection.page(0, len(collection), crit)


@settings(max_examples=20, deadline=None)
@given(seed=seeds, count=st.integers(1, 120), slug=st.sampled_from(["org_demo", "org_globex"]))
def test_org_children_point_at_parent_and_times_are_ordered(seed: int, count: int, slug: str) -> None:
    collection = dataset(seed, count).collection("list_org_assistants", slug)
    assert collection is not None
    for record in collection.page(0, len(collection), {}):
        assert record["updated_at"] >= record["created_at"]
        for child in record["integrations"] + record["actions"]:
            assert child["assistant_id"] == record["id"]
            assert child["updated_at"] >= child["created_at"]


@settings(max_examples=10, deadline=None)
@given(seed=seeds, index=st.integers(0, 99))
def test_same_seed_same_bytes_in_a_fresh_dataset(seed: int, index: int) -> None:
    fresh = compile_mock(Settings(seed=seed, count=100)).dataset
    first = dataset(seed, 100).collection("list_assistants", 2)
    second = fresh.collection("list_assistants", 2)
    assert first is not None and second is not None
    assert json.dumps(first.item(index)) == json.dumps(second.item(index))


def test_a_different_seed_gives_different_data() -> None:
    a = dataset(1, 10).collection("list_assistants", 1)
    b = dataset(2, 10).collection("list_assistants", 1)
    assert a is not None and b is not None
    assert a.page(1, 10, {}) != b.page(1, 10, {})


def test_a_record_does_not_depend_on_count() -> None:
    small = dataset(7, 10).collection("list_assistants", 1)
    large = dataset(7, 300).collection("list_assistants", 1)
    assert small is not None and large is not None
    assert small.page(0, 11, {}) == large.page(0, 11, {})


def test_a_million_records_cost_only_their_index() -> None:
    collection = compile_mock(Settings(count=1_000_000)).dataset.collection("list_assistants", 1)
    assert collection is not None
    assert len(collection) == 1_000_001
    last = collection.page(999_990, 100, {})
    assert len(last) == 11
    mine = collection.page(0, 5, {"user_id": 1, "is_active": True})
    assert all(r["user_id"] == 1 and r["is_active"] for r in mine)


@settings(max_examples=15, deadline=None)
@given(seed=seeds, index=st.integers(0, 10**6), locale=st.sampled_from(["en_US", "ja_JP", "de_DE"]))
def test_spliced_records_are_canonical_json(seed: int, index: int, locale: str) -> None:
    """Records are assembled from pre-serialized pieces; they must be exactly the JSON a
    serializer would write for the same data (valid, compact, same key order)."""
    import orjson

    ds = compile_mock(Settings(seed=seed, count=index + 1, locale=locale)).dataset
    collection = ds.collection("list_assistants", 1)
    assert collection is not None
    raw = collection.item_json(index)
    assert orjson.dumps(orjson.loads(raw)) == raw


def test_one_cache_budget_for_the_whole_dataset() -> None:
    from mockserver.mock.cache import BytesLRU

    cache = BytesLRU(10)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.get("a") == b"12345"  # now the most recent
    cache.put("c", b"123")
    assert cache.get("b") is None and cache.size <= 10
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None
    ds = dataset(3, 50)
    first, second = ds.collection("list_assistants", 1), ds.collection("list_assistants", 2)
    assert first is not None and second is not None
    # Same positions in two collections share the cache, not their records.
    assert first.item_json(5) != second.item_json(5)
    assert first.page_json(0, 3, {}) != second.page_json(0, 3, {})


def test_next_and_previous_links_lead_to_the_neighbouring_pages(tmp_path: Path) -> None:
    # Django REST framework's envelope: a front-end follows `next` and stays on the mock.
    book = {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}}
    link = {"type": "string", "format": "uri", "nullable": True}
    body = {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer"},
            "next": link,
            "previous": link,
            "results": {"type": "array", "items": book},
        },
    }
    parameters = [
        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
        {"name": "offset", "in": "query", "schema": {"type": "integer"}},
    ]
    ok = {"description": "ok", "content": {"application/json": {"schema": body}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "books", "version": "1"},
        "paths": {"/books/": {"get": {"parameters": parameters, "responses": {"200": ok}}}},
    }
    spec = tmp_path / "books.json"
    spec.write_text(json.dumps(document))
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        first = client.get("/books/", params={"limit": 3}).json()
        assert first["previous"] is None
        second = client.get(first["next"]).json()
        assert second["results"] == client.get("/books/", params={"limit": 3, "offset": 3}).json()["results"]
        assert client.get(second["previous"]).json()["results"] == first["results"]
        last = client.get("/books/", params={"limit": 3, "offset": first["count"] - 2}).json()
        assert last["next"] is None and len(last["results"]) == 2


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [
            {"type": "string", "pattern": "^ord_[a-z0-9]{8}$"},  # too short for 64 bits
            {"type": "string", "pattern": "^[A-F0-9]{6}$"},
            {"type": "string", "pattern": "^CH[0-9a-fA-F]{32}$"},
            {"type": "string", "format": "uuid"},
            {"type": "integer"},
        ]
    ),
    st.integers(1, 8),
    st.data(),
)
def test_ids_decode_to_the_record_they_name(schema: dict[str, Any], tenants: int, data: Any) -> None:
    codec = IdCodec(schema, tenants)
    assert not codec.opaque
    tenant = data.draw(st.integers(0, tenants - 1))
    index = data.draw(st.integers(0, 50_000))
    made = codec.encode(tenant, index)
    assert codec.decode(made) == (tenant, index)
    if "pattern" in schema:
        assert re.fullmatch(schema["pattern"], made)
    # Another record's id names that record, not this one.
    assert codec.decode(codec.encode(tenant, index + 1)) == (tenant, index + 1)
