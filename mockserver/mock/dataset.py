"""The served data: per organization, an ordered list of curated then generated assistants.

A generated record depends only on (seed, operation, tenant, index), so a page costs O(page
size) whatever `--count` is. The only per-record state kept is one byte per record for each
field a declared filter constrains, from which the matching positions of a filter combination
are computed once and cached.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.mock.cache import BytesLRU
from mockserver.mock.identities import Directory
from mockserver.mock.records import Record, assistant_response_json, org_assistant
from mockserver.mock.settings import Settings
from mockserver.mock.values import Pools, compact_json

# Generated `/assistants` ids interleave organizations above this base; curated ids stay below.
GENERATED_ID_BASE = 1000
# Share of generated assistants that are active.
ACTIVE_PER_256 = 204
# Serialized records and pages kept for reuse, one budget for the whole dataset. A warm page
# costs a dictionary lookup; a cold one reuses every record it shares with pages already served
# (skip moved by a few items).
RECORD_CACHE_BYTES = 24 * 2**20
PAGE_CACHE_BYTES = 64 * 2**20


@dataclass(frozen=True, slots=True)
class Attribute:
    """One filterable field for every position: `values[codes[position]]`."""

    codes: bytes
    values: tuple[Any, ...]

    def mask(self, expected: Any) -> bytes:
        table = bytes(
            1 if code < len(self.values) and self.values[code] == expected else 0 for code in range(256)
        )
        return self.codes.translate(table)


def _and(masks: Sequence[bytes]) -> bytes:
    # Big-integer AND runs in C; far faster than a Python loop over a million bytes.
    result = int.from_bytes(masks[0], "big")
    for mask in masks[1:]:
        result &= int.from_bytes(mask, "big")
    return result.to_bytes(len(masks[0]), "big")


class Collection:
    """One tenant's assistants in their stable order: curated first, then generated."""

    def __init__(
        self,
        curated: Sequence[Record],
        count: int,
        attributes: dict[str, Attribute],
        build_json: Callable[[int], bytes],
        records: BytesLRU,
        pages: BytesLRU,
    ) -> None:
        self._curated = tuple(curated)
        self._count = count
        self._attributes = attributes
        self._build_json = build_json
        self._matches: dict[tuple[tuple[str, Any], ...], Sequence[int]] = {}
        self._lock = threading.Lock()
        # Shared caches: keys carry this collection's identity.
        self._records = records
        self._pages = pages

    def __len__(self) -> int:
        return len(self._curated) + self._count

    def item(self, position: int) -> Record:
        if position < len(self._curated):
            return self._curated[position]
        record: Record = orjson.loads(self.item_json(position))
        return record

    def positions(self, criteria: dict[str, Any]) -> Sequence[int]:
        """Positions of the items whose fields equal `criteria`, in order."""
        if not criteria:
            return range(len(self))
        key = tuple(sorted(criteria.items(), key=lambda kv: kv[0]))
        with self._lock:
            found = self._matches.get(key)
            if found is None:
                mask = _and([self._attributes[f].mask(v) for f, v in key])
                found = [m.start() for m in re.finditer(b"\x01", mask)]
                self._matches[key] = found
            return found

    def page(self, offset: int, limit: int, criteria: dict[str, Any]) -> list[Record]:
        selected = self.positions(criteria)[offset : offset + limit]
        return [self.item(position) for position in selected]

    def item_json(self, position: int) -> bytes:
        key = (id(self), position)
        cached = self._records.get(key)
        if cached is None:
            curated = len(self._curated)
            if position < curated:
                cached = compact_json(self._curated[position])
            else:
                cached = self._build_json(position - curated)
            self._records.put(key, cached)
        return cached

    def page_json(self, offset: int, limit: int, criteria: dict[str, Any]) -> bytes:
        """The page serialized; byte-identical to `compact_json(self.page(...))`."""
        key = (id(self), offset, limit, tuple(sorted(criteria.items(), key=lambda kv: kv[0])))
        cached = self._pages.get(key)
        if cached is None:
            selected = self.positions(criteria)[offset : offset + limit]
            cached = b"[" + b",".join([self.item_json(p) for p in selected]) + b"]"
            self._pages.put(key, cached)
        return cached


def _attribute(
    curated: Sequence[Record], field: str, generated: bytes, generated_values: tuple[Any, ...]
) -> Attribute:
    values = list(generated_values)
    codes = bytearray()
    for record in curated:
        value = record.get(field)
        if value not in values:
            values.append(value)
        codes.append(values.index(value))
    if len(values) > 256:
        raise ValueError(f"too many distinct values of {field!r} to index")
    return Attribute(bytes(codes) + generated, tuple(values))


_LOCAL = threading.local()


def record_rng(stem_key: int, index: int) -> random.Random:
    """The generator of record `index`: reseeded per record, one object per thread.

    Seeding with an int skips hashing a string, and reusing the object skips allocating the
    Mersenne Twister state; per thread, because requests may build records concurrently.
    """
    rng: random.Random | None = getattr(_LOCAL, "rng", None)
    if rng is None:
        rng = _LOCAL.rng = random.Random()
    rng.seed((stem_key << 40) | index)
    return rng


def stem_key(stem: str) -> int:
    return int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=8).digest(), "big")


def _stream(seed: int, name: str, count: int, modulo: int) -> bytes:
    # Whole 32-bit words: `randbytes(n)` is a prefix of `randbytes(m)` only then, and record i
    # must not change with --count.
    raw = random.Random(f"{seed}/{name}").randbytes(-(-count // 4) * 4)[:count]
    return raw.translate(bytes(b % modulo for b in range(256)))


class Dataset:
    """Every collection the mock serves, keyed by operation id and tenant."""

    def __init__(
        self, settings: Settings, directory: Directory, curated: dict[str, dict[Any, list[Record]]]
    ) -> None:
        self.pools = Pools.build(settings.seed, settings.locale)
        self._records = BytesLRU(RECORD_CACHE_BYTES)
        self._pages = BytesLRU(PAGE_CACHE_BYTES)
        self._collections: dict[str, dict[Any, Collection]] = {
            "list_assistants": {},
            "list_org_assistants": {},
        }
        organizations = directory.organizations
        for position, org in enumerate(organizations):
            self._collections["list_assistants"][org.id] = self._assistants(
                settings,
                directory,
                org.id,
                position,
                len(organizations),
                curated.get("list_assistants", {}).get(org.id, []),
            )
            self._collections["list_org_assistants"][org.slug] = self._org_assistants(
                settings,
                org.slug,
                curated.get("list_org_assistants", {}).get(org.slug, []),
            )

    def collection(self, operation_id: str, tenant: Any) -> Collection | None:
        return self._collections.get(operation_id, {}).get(tenant)

    def _assistants(
        self,
        settings: Settings,
        directory: Directory,
        org_id: int,
        position: int,
        organizations: int,
        curated: list[Record],
    ) -> Collection:
        seed, count, pools = settings.seed, settings.count, self.pools
        stem = f"{seed}/assistants/{org_id}"
        key = stem_key(stem)
        members = directory.members(org_id) or (0,)
        active = _stream(seed, f"{stem}/is_active", count, 256)
        creators = _stream(seed, f"{stem}/user_id", count, len(members))

        def build(index: int) -> bytes:
            return assistant_response_json(
                pools,
                record_rng(key, index),
                id=GENERATED_ID_BASE + index * organizations + position,
                organization_id=org_id,
                user_id=members[creators[index]],
                is_active=active[index] < ACTIVE_PER_256,
                index=index,
            )

        active_codes = active.translate(bytes(0 if b < ACTIVE_PER_256 else 1 for b in range(256)))
        attributes = {
            "is_active": _attribute(curated, "is_active", active_codes, (True, False)),
            "user_id": _attribute(curated, "user_id", creators, members),
        }
        return Collection(curated, count, attributes, build, self._records, self._pages)

    def _org_assistants(self, settings: Settings, slug: str, curated: list[Record]) -> Collection:
        key, pools = stem_key(f"{settings.seed}/orgs/{slug}"), self.pools

        def build(index: int) -> bytes:
            return compact_json(org_assistant(pools, record_rng(key, index), index=index))

        return Collection(curated, settings.org_count, {}, build, self._records, self._pages)
