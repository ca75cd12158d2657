"""The served data: per list operation and tenant, an ordered list of curated then generated
records, built by the compiled generators of the document's schemas.

A generated record depends only on (seed, operation, tenant, index), so a page costs O(page
size) whatever `--count` is. The only per-record state kept is one byte per record for each
field a declared filter constrains, from which the matching positions of a filter combination
are computed once and cached. Ids are an invertible function of the position, so an item
operation finds the very record the list holds without any index.
"""

from __future__ import annotations

import _random
import hashlib
import json
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.mock.cache import BytesLRU
from mockserver.mock.context import Ctx, Gen
from mockserver.mock.fixtures import GENERATED_ID_BASE
from mockserver.mock.identities import Directory
from mockserver.mock.recipes import BASE62, Values
from mockserver.mock.settings import Settings
from mockserver.model.endpoints import Endpoint
from mockserver.model.spec import CALLER_PREFIX, SpecError

Record = dict[str, Any]

# Share of generated records for which a boolean filter field is true.
TRUE_PER_256 = 204
# Items of a list that does not page.
UNPAGED_COUNT = 10
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
    """One tenant's records in their stable order: curated first, then generated."""

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

    @property
    def curated(self) -> tuple[Record, ...]:
        return self._curated

    @property
    def generated(self) -> int:
        return self._count

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


_SEED = _random.Random.seed


def record_rng(stem_key: int, index: int) -> random.Random:
    """The generator of record `index`: reseeded per record, one object per thread.

    Seeding with an int skips hashing a string, and reusing the object skips allocating the
    Mersenne Twister state; per thread, because requests may build records concurrently.
    """
    rng: random.Random | None = getattr(_LOCAL, "rng", None)
    if rng is None:
        rng = _LOCAL.rng = random.Random()
    # The C seeding, without `random.Random.seed`'s Python-level type dispatch: for an int, the
    # same state (that wrapper also clears a cached `gauss` value, which nothing here draws).
    _SEED(rng, (stem_key << 40) | index)
    return rng


def stem_key(stem: str) -> int:
    return int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=8).digest(), "big")


def _stream(seed: int, name: str, count: int, modulo: int) -> bytes:
    # Whole 32-bit words: `randbytes(n)` is a prefix of `randbytes(m)` only then, and record i
    # must not change with --count.
    raw = random.Random(f"{seed}/{name}").randbytes(-(-count // 4) * 4)[:count]
    return raw.translate(bytes(b % modulo for b in range(256)))


def compact_json(value: object) -> bytes:
    """`orjson.dumps` in an exactly sized object: orjson hands back small results in a 4 KiB
    allocation, which thousands of kept fragments would multiply into hundreds of MB.

    Integers beyond 64 bits (which a request may send and a response echo) take the slow path.
    """
    try:
        return bytes(memoryview(orjson.dumps(value)))
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# An odd multiplier and its inverse modulo 2**64 scramble positions into ids that look random
# and decode back exactly.
_MULTIPLIER = 0x9E3779B97F4A7C15
_INVERSE = pow(_MULTIPLIER, -1, 2**64)
_MASK = 2**64 - 1


class IdCodec:
    """Ids of generated records as a function of (tenant position, index), and back."""

    def __init__(self, schema: dict[str, Any], tenants: int) -> None:
        self.tenants = max(tenants, 1)
        kinds = schema.get("type")
        self.integer = kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)
        self.uuid = schema.get("format") == "uuid"
        example = str(schema.get("example", ""))
        prefix = re.match(r"^([A-Za-z]+[_-])", example)
        self.prefix = prefix.group(1) if prefix else ""
        self.length = max(len(example) - len(self.prefix), 12) if example else 20

    def encode(self, tenant: int, index: int) -> Any:
        if self.integer:
            return GENERATED_ID_BASE + index * self.tenants + tenant
        number = ((tenant << 40 | index) * _MULTIPLIER) & _MASK
        if self.uuid:
            raw = f"{number:016x}{(number * _MULTIPLIER) & _MASK:016x}"
            return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-8{raw[17:20]}-{raw[20:32]}"
        digits = []
        for _ in range(11):
            number, rest = divmod(number, 62)
            digits.append(BASE62[rest])
        tail = "".join(digits)
        filler = "".join(BASE62[(ord(c) * 7 + i) % 62] for i, c in enumerate(tail * 3))
        return self.prefix + (tail + filler)[: self.length]

    def decode(self, value: Any) -> tuple[int, int] | None:
        """(tenant position, index) of a generated id, or None when it is not one."""
        if self.integer:
            try:
                number = int(value) - GENERATED_ID_BASE
            except (TypeError, ValueError):
                return None
            if number < 0:
                return None
            return number % self.tenants, number // self.tenants
        text = str(value)
        if self.uuid:
            number = int(text.replace("-", "")[:16], 16) if re.fullmatch(r"[0-9a-f-]{36}", text) else -1
        else:
            if not text.startswith(self.prefix):
                return None
            tail = text[len(self.prefix) : len(self.prefix) + 11]
            if len(tail) != 11 or any(c not in BASE62 for c in tail):
                return None
            number = sum(BASE62.index(c) * 62**i for i, c in enumerate(tail))
        if number < 0 or number > _MASK:
            return None
        position = (number * _INVERSE) & _MASK
        tenant, index = position >> 40, position & (2**40 - 1)
        return (tenant, index) if self.encode(tenant, index) == value else None


class Dataset:
    """Every collection the mock serves, keyed by operation id and tenant."""

    def __init__(
        self,
        settings: Settings,
        directory: Directory | None,
        values: Values,
        lists: dict[str, tuple[Endpoint, Gen]],
        id_schemas: dict[str, dict[str, Any]],
    ) -> None:
        self._settings = settings
        self._directory = directory
        self._values = values
        self._lists = lists
        self._records = BytesLRU(RECORD_CACHE_BYTES)
        self._pages = BytesLRU(PAGE_CACHE_BYTES)
        self._collections: dict[str, dict[Any, Collection]] = {}
        self._codecs: dict[str, IdCodec] = {}
        self._tenant_positions: dict[str, dict[Any, int]] = {}
        for op_id, (endpoint, _gen) in lists.items():
            tenants = self.tenants(endpoint)
            self._tenant_positions[op_id] = {t: i for i, t in enumerate(tenants)}
            self._codecs[op_id] = IdCodec(id_schemas.get(op_id) or {"type": "string"}, len(tenants))

    def tenants(self, endpoint: Endpoint) -> list[Any]:
        """The tenants an operation's collections are kept for (one, None, without tenancy)."""
        if self._directory is None or endpoint.tenant is None:
            return [None]
        if endpoint.tenant.parameter:
            return [o.slug for o in self._directory.organizations]
        return [o.id for o in self._directory.organizations]

    def tenanted(self, operation_id: str) -> bool:
        """Whether the operation's records are kept per tenant (known at start-up)."""
        return None not in self._tenant_positions[operation_id]

    def build(self, curated: dict[str, dict[Any, list[Record]]]) -> None:
        for op_id, (endpoint, gen) in self._lists.items():
            self._collections[op_id] = {
                tenant: self._collection(op_id, endpoint, gen, tenant, curated.get(op_id, {}).get(tenant, []))
                for tenant in self.tenants(endpoint)
            }

    def collection(self, operation_id: str, tenant: Any) -> Collection | None:
        return self._collections.get(operation_id, {}).get(tenant)

    def codec(self, operation_id: str) -> IdCodec:
        return self._codecs[operation_id]

    def count(self, endpoint: Endpoint) -> int:
        if endpoint.listing is None or endpoint.listing.pagination is None:
            return UNPAGED_COUNT
        per_slug = endpoint.tenant is not None and endpoint.tenant.parameter
        return self._settings.org_count if per_slug else self._settings.count

    def complete(self, operation_id: str, tenant: Any, position: int, record: Record) -> Record:
        """A curated record with every field it does not state generated for it."""
        _endpoint, gen = self._lists[operation_id]
        key = stem_key(f"{self._settings.seed}/{operation_id}/{tenant}/curated")
        ctx = Ctx(record_rng(key, position), position, self._values.draw)
        completed: Record = gen(ctx, record)
        return completed

    def locate(self, operation_id: str, tenant: Any, identifier: Any) -> bytes | None:
        """The serialized record with this id in the tenant's list, as the list serves it."""
        collection = self.collection(operation_id, tenant)
        if collection is None:
            return None
        for position, record in enumerate(collection.curated):
            if record.get("id") == identifier or str(record.get("id")) == str(identifier):
                return collection.item_json(position)
        decoded = self._codecs[operation_id].decode(identifier)
        if decoded is None:
            return None
        tenant_position, index = decoded
        if (
            tenant_position != self._tenant_positions[operation_id].get(tenant)
            or index >= collection.generated
        ):
            return None
        return collection.item_json(len(collection.curated) + index)

    def _collection(
        self, op_id: str, endpoint: Endpoint, gen: Gen, tenant: Any, curated: list[Record]
    ) -> Collection:
        seed, count, values = self._settings.seed, self.count(endpoint), self._values
        stem = f"{seed}/{op_id}/{tenant}"
        key = stem_key(stem)
        position = self._tenant_positions[op_id][tenant]
        codec = self._codecs[op_id]
        fixed: dict[str, Any] = {}
        if endpoint.tenant is not None and endpoint.tenant.field and tenant is not None:
            fixed[endpoint.tenant.field] = tenant
        attributes: dict[str, Attribute] = {}
        streams: list[tuple[str, bytes, tuple[Any, ...]]] = []
        for rule in endpoint.filters:
            field, equals = rule.field, rule.equals
            if isinstance(equals, str) and equals.startswith(CALLER_PREFIX):
                choices = self._caller_values(equals.removeprefix(CALLER_PREFIX), tenant)
                codes = _stream(seed, f"{stem}/{field}", count, len(choices))
            elif isinstance(equals, bool):
                choices = (equals, not equals)
                raw = _stream(seed, f"{stem}/{field}", count, 256)
                codes = raw.translate(bytes(0 if b < TRUE_PER_256 else 1 for b in range(256)))
            else:
                raise SpecError(
                    f"{endpoint.pointer}/parameters/{rule.param}/x-filter: equals must be a boolean or "
                    f"{CALLER_PREFIX}<attribute>, got {equals!r}"
                )
            attributes[field] = _attribute(curated, field, codes, choices)
            streams.append((field, codes, choices))

        def build(index: int) -> bytes:
            over = dict(fixed)
            over["id"] = codec.encode(position, index)
            for field, codes, choices in streams:
                over[field] = choices[codes[index]]
            ctx = Ctx(record_rng(key, index), index, values.draw)
            return compact_json(gen(ctx, over))

        return Collection(curated, count, attributes, build, self._records, self._pages)

    def _caller_values(self, attribute: str, tenant: Any) -> tuple[Any, ...]:
        """The values a `$caller.<attribute>` filter field takes: the tenant's users' ones."""
        directory = self._directory
        if directory is None or attribute != "user_id":
            raise SpecError(f"x-filter on {CALLER_PREFIX}{attribute} needs identities with users")
        return directory.members(tenant) or (0,)
