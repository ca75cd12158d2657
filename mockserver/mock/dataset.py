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
import functools
import hashlib
import json
import math
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.mock.cache import BytesLRU
from mockserver.mock.context import MISSING, Ctx, Gen
from mockserver.mock.fixtures import GENERATED_ID_BASE
from mockserver.mock.identities import Directory
from mockserver.mock.recipes import BASE62, Values
from mockserver.mock.settings import Settings
from mockserver.model.document import SpecError
from mockserver.model.endpoints import Endpoint
from mockserver.model.semantics import CALLER_PREFIX, RANGES, compare, field_value, same_value, set_field

Record = dict[str, Any]

# Share of generated records for which a boolean filter field is true.
TRUE_PER_256 = 204
# Records sampled for the values an inferred filter's field takes, and the most kept: a filter
# then selects about one record in so many, and one byte per record says which values it holds.
POOL_SAMPLES = 32
POOL_SIZE = 6
# The criterion that names records by position, as a tuple: what a filter on the id selects.
AT = "@at"
# Records indexed by id where ids cannot be decoded (a pattern or format the codec does not
# write): a detail read finds records among the first so many.
INDEXED = 100_000
# Values of an array field that a membership filter constrains: at most this many per record.
MEMBERS_PER_RECORD = 3
# Items of a list that does not page.
UNPAGED_COUNT = 10
# Serialized records and pages kept for reuse, one budget for the whole dataset. A warm page
# costs a dictionary lookup; a cold one reuses every record it shares with pages already served
# (skip moved by a few items).
RECORD_CACHE_BYTES = 24 * 2**20
PAGE_CACHE_BYTES = 64 * 2**20


@dataclass(frozen=True, slots=True)
class Attribute:
    """One filterable field for every position: `values[codes[position]]`; for a membership
    filter, the code's bits say which `values` the record's array holds."""

    codes: bytes
    values: tuple[Any, ...]
    members: bool = False

    def mask(self, expected: Any, bound: str = "") -> bytes:
        """One byte per record: 1 where the record is selected by `expected` (its value, a value
        its array holds, or with `bound` ">=" / "<=" a value at or beyond that bound)."""
        if bound:
            sign = 1 if bound == ">=" else -1
            table = bytes(
                1
                if code < len(self.values) and (compare(self.values[code], expected) or 0) * sign >= 0
                else 0
                for code in range(256)
            )
            if compare(expected, expected) is None:
                table = bytes(256)  # a bound that orders against nothing selects nothing
        elif self.members:
            wanted = [i for i, v in enumerate(self.values) if same_value(v, expected)]
            bit = 1 << wanted[0] if wanted else 0
            table = bytes(1 if code & bit else 0 for code in range(256))
        else:
            table = bytes(
                1 if code < len(self.values) and same_value(self.values[code], expected) else 0
                for code in range(256)
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
        self._index: dict[str, int] | None = None
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
        """Positions of the items that `criteria` select, in order: a field's value (or a value
        its array holds), or with `>=` / `<=` after the field's name, a bound on it."""
        if not criteria:
            return range(len(self))
        key = tuple(sorted(criteria.items(), key=lambda kv: kv[0]))
        if AT in criteria:
            # Records named by position (a filter on the id), with whatever else is asked.
            rest = {k: v for k, v in criteria.items() if k != AT}
            chosen = self.positions(rest) if rest else range(len(self))
            return [p for p in sorted(criteria[AT]) if p in chosen]
        with self._lock:
            found = self._matches.get(key)
            if found is None:
                mask = _and(
                    [self._attributes[f.rstrip("<>=")].mask(v, f[len(f.rstrip("<>=")) :]) for f, v in key]
                )
                found = [m.start() for m in re.finditer(b"\x01", mask)]
                self._matches[key] = found
            return found

    def is_membership(self, field: str) -> bool:
        """Whether a filter on `field` selects records whose array holds the value."""
        attribute = self._attributes.get(field)
        return attribute is not None and attribute.members

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

    def find(self, field: str, value: Any) -> int | None:
        """The position of the record whose `field` is `value`, through an index of the first
        INDEXED records built on first use (ids the codec cannot address)."""
        with self._lock:
            if self._index is None:
                index: dict[str, int] = {}
                for position in range(min(len(self), INDEXED)):
                    found = orjson.loads(self.item_json(position)).get(field)
                    index.setdefault(str(found), position)
                self._index = index
            return self._index.get(str(value))

    def page_json(self, offset: int, limit: int, criteria: dict[str, Any]) -> bytes:
        """The page serialized; byte-identical to `compact_json(self.page(...))`."""
        key = (id(self), offset, limit, tuple(sorted(criteria.items(), key=lambda kv: kv[0])))
        cached = self._pages.get(key)
        if cached is None:
            selected = self.positions(criteria)[offset : offset + limit]
            cached = b"[" + b",".join([self.item_json(p) for p in selected]) + b"]"
            self._pages.put(key, cached)
        return cached


def _subsets(size: int) -> bytes:
    """A byte translation table from a random byte to a non-empty subset of `size` values (at
    most MEMBERS_PER_RECORD of them), as a bit mask."""
    masks = [m for m in range(1, 1 << size) if bin(m).count("1") <= MEMBERS_PER_RECORD]
    return bytes(masks[b % len(masks)] for b in range(256))


def _attribute(
    curated: Sequence[Record], field: str, generated: bytes, generated_values: tuple[Any, ...]
) -> Attribute:
    values = list(generated_values)
    codes = bytearray()
    for record in curated:
        value = field_value(record, field)
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
# The fewest bits a short id may carry: room for 16 million records over all tenants.
SHORT_ID_BITS = 24
_SALT = 0x5DEECE66DA3B9F1


class IdCodec:
    """Ids of generated records as a function of (tenant position, index), and back, in the id
    schema's own shape: an integer, a UUID, or a string of the pattern's prefix and characters
    (`^CH[0-9a-fA-F]{32}$`) or the example's prefix. An id schema of another shape (a `format`,
    a pattern beyond a prefix and one character class) is *opaque*: records keep the value their
    schema generates, and are found by an index instead."""

    def __init__(self, schema: dict[str, Any], tenants: int, field: str = "id") -> None:
        # The record field the id is written to (`id`, or `slug` where the item path says so).
        self.field = field
        self.tenants = max(tenants, 1)
        kinds = schema.get("type")
        self.integer = kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)
        self.uuid = schema.get("format") == "uuid"
        example = str(schema.get("example", ""))
        prefix = re.match(r"^([A-Za-z]+[_-])", example)
        self.prefix = prefix.group(1) if prefix else ""
        self.alphabet = BASE62
        self.length = max(len(example) - len(self.prefix), 12) if example else 20
        self.suffix = ""
        self.opaque = False
        self.bits = 64
        if not (self.integer or self.uuid):
            self._shape(schema)

    def _shape(self, schema: dict[str, Any]) -> None:
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            tokens = _pattern_tokens(pattern)
            carriers = [i for i, (chars, _low, _high) in enumerate(tokens or []) if len(chars) >= 2]
            if not tokens or not carriers:
                self.opaque = True
                return
            # The numbers go into the class that may repeat most; every other part is fixed.
            at = max(carriers, key=lambda i: (tokens[i][2] if tokens[i][2] is not None else 1 << 30, i))
            self.alphabet, low, high = tokens[at]
            self.prefix = "".join(chars[0] * least for chars, least, _ in tokens[:at])
            self.suffix = "".join(chars[0] * least for chars, least, _ in tokens[at + 1 :])
            self.length = low if high == low else max(low, min(self.length, high if high is not None else 64))
        elif schema.get("format") not in (None, "", "uuid"):
            self.opaque = True
            return
        least, most = schema.get("minLength"), schema.get("maxLength")
        fixed = len(self.prefix) + len(self.suffix)
        if isinstance(least, int):
            self.length = max(self.length, least - fixed)
        if isinstance(most, int):
            self.length = min(self.length, most - fixed)
        # Every 64-bit number must fit in the digits the length allows; a shorter id
        # (`^ord_[a-z0-9]{8}$`) carries a number of the bits it has room for, when they are
        # enough to tell every record of every tenant apart.
        self.digits = math.ceil(64 / math.log2(len(self.alphabet)))
        if 0 < self.length < self.digits:
            bits = int(self.length * math.log2(len(self.alphabet)))
            if bits >= SHORT_ID_BITS:
                self.bits, self.digits = bits, self.length
        self.opaque = self.length < self.digits

    def encode(self, tenant: int, index: int) -> Any:
        if self.integer:
            return GENERATED_ID_BASE + index * self.tenants + tenant
        if self.bits < 64:
            mask = (1 << self.bits) - 1
            # The salt keeps the first record's id from being all zeros.
            number = (((index * self.tenants + tenant) * _MULTIPLIER) ^ _SALT) & mask
        else:
            number = ((tenant << 40 | index) * _MULTIPLIER) & _MASK
        if self.uuid:
            # The 64 bits of the number around the version (4) and variant (8) digits of a
            # random UUID, so that they decode back; filler after them.
            n, m = f"{number:016x}", f"{(number * _MULTIPLIER) & _MASK:016x}"
            return f"{n[:8]}-{n[8:12]}-4{n[12:15]}-8{n[15]}{m[:2]}-{m[2:14]}"
        base, digits = len(self.alphabet), []
        for _ in range(self.digits):
            number, rest = divmod(number, base)
            digits.append(self.alphabet[rest])
        tail = "".join(digits)
        filler = "".join(self.alphabet[(ord(c) * 7 + i) % base] for i, c in enumerate(tail * 4))
        return self.prefix + (tail + filler)[: self.length] + self.suffix

    def decode(self, value: Any) -> tuple[int, int] | None:
        """(tenant position, index) of a generated id, or None when it is not one."""
        if self.opaque:
            return None
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
            digits = text.replace("-", "")
            uuid_like = re.fullmatch(r"[0-9a-f-]{36}", text) and len(digits) == 32
            number = int(digits[:12] + digits[13:16] + digits[17], 16) if uuid_like else -1
        else:
            if not text.startswith(self.prefix) or not text.endswith(self.suffix):
                return None
            tail = text[len(self.prefix) : len(self.prefix) + self.digits]
            if len(tail) != self.digits or any(c not in self.alphabet for c in tail):
                return None
            base = len(self.alphabet)
            number = sum(self.alphabet.index(c) * base**i for i, c in enumerate(tail))
        if number < 0 or number > _MASK:
            return None
        if self.bits < 64:
            position = ((number ^ _SALT) * _INVERSE) & ((1 << self.bits) - 1)
            index, tenant = divmod(position, self.tenants)
            return (tenant, index) if self.encode(tenant, index) == value else None
        position = (number * _INVERSE) & _MASK
        tenant, index = position >> 40, position & (2**40 - 1)
        return (tenant, index) if self.encode(tenant, index) == value else None


# One part of an id pattern: a literal or a character class, and how often it repeats.
_PATTERN_PART = re.compile(
    r"(\[(?:\\.|[^\]])+\]|\\[dw]|\\[^dwDWsSbB]|[A-Za-z0-9_:./-])(?:\{(\d+)(?:(,)(\d*))?\}|([+*?]))?"
)


def _pattern_tokens(pattern: str) -> list[tuple[str, int, int | None]] | None:
    """An id pattern as (characters, least, most) parts: `^[CGD][A-Z0-9]{8,}$` is one of C, G, D,
    then 8 or more of A-Z0-9. None when the pattern is not such a sequence (alternation, groups)."""
    body = pattern.removeprefix("^").removesuffix("$")
    tokens: list[tuple[str, int, int | None]] = []
    at = 0
    while at < len(body):
        part = _PATTERN_PART.match(body, at)
        if part is None or len(tokens) >= 16:
            return None
        atom, low, comma, high, sign = part.groups()
        chars = _characters(atom) if atom.startswith(("[", "\\d", "\\w")) else atom[-1]
        if not chars:
            return None
        if sign is not None:
            least, most = {"+": (1, None), "*": (0, None), "?": (0, 1)}[sign]
        elif low is not None:
            least = int(low)
            most = least if comma is None else (int(high) if high else None)
        else:
            least, most = 1, 1
        tokens.append((chars, least, most))
        at = part.end()
    return tokens


def _characters(cls: str) -> str:
    """The characters of a regex class such as `[0-9a-fA-F]`, `\\d` or `[a-z0-9-]`."""
    if cls == "\\d":
        return "0123456789"
    if cls == "\\w":
        return BASE62 + "_"
    body = cls[1:-1]
    if body.startswith("^"):
        return ""
    out: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            out.extend(chr(c) for c in range(ord(low), ord(high) + 1))
            i += 3
        elif body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(dict.fromkeys(c for c in out if c.isascii() and c.isprintable()))


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
        self._filtered: dict[str, frozenset[str]] = {}
        for op_id, (endpoint, _gen) in lists.items():
            tenants = self.tenants(endpoint)
            self._tenant_positions[op_id] = {t: i for i, t in enumerate(tenants)}
            self._codecs[op_id] = IdCodec(
                id_schemas.get(op_id) or {"type": "string"}, len(tenants), endpoint.key_field
            )

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

    def filters(self, operation_id: str, field: str) -> bool:
        """Whether the records of a list are kept filterable by `field` (an inferred filter
        whose field never holds a value selects nothing and is ignored)."""
        return field in self._filtered.get(operation_id, ())

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

    def made(self, operation_id: str, tenant: Any, position: int, over: Record) -> Record:
        """A record created at `position` (after the generated ones): what `over` says, the
        tenant's field, the collection's id for that position unless `over` names one, and every
        other field generated as a function of (seed, operation, tenant, position)."""
        endpoint, gen = self._lists[operation_id]
        collection = self.collection(operation_id, tenant)
        codec = self._codecs[operation_id]
        fixed = dict(over)
        if endpoint.tenant is not None and endpoint.tenant.field and tenant is not None:
            fixed[endpoint.tenant.field] = tenant
        if not codec.opaque and collection is not None:
            index = position - len(collection.curated)
            fixed.setdefault(codec.field, codec.encode(self._tenant_positions[operation_id][tenant], index))
        key = stem_key(f"{self._settings.seed}/{operation_id}/{tenant}/created")
        made: Record = gen(Ctx(record_rng(key, position), position, self._values.draw), fixed)
        return made

    def locate(self, operation_id: str, tenant: Any, identifier: Any) -> bytes | None:
        """The serialized record with this id in the tenant's list, as the list serves it."""
        collection = self.collection(operation_id, tenant)
        position = self.position(operation_id, tenant, identifier)
        return None if collection is None or position is None else collection.item_json(position)

    def position(self, operation_id: str, tenant: Any, identifier: Any) -> int | None:
        """Where the record with this id stands in the tenant's list, or None."""
        collection = self.collection(operation_id, tenant)
        if collection is None:
            return None
        codec = self._codecs[operation_id]
        key = codec.field
        for position, record in enumerate(collection.curated):
            if record.get(key) == identifier or str(record.get(key)) == str(identifier):
                return position
        if codec.opaque:
            return collection.find(key, identifier)
        decoded = codec.decode(identifier)
        if decoded is None:
            return None
        tenant_position, index = decoded
        if (
            tenant_position != self._tenant_positions[operation_id].get(tenant)
            or index >= collection.generated
        ):
            return None
        return len(collection.curated) + index

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
        fixed_field = endpoint.tenant.field if endpoint.tenant is not None else None
        attributes: dict[str, Attribute] = {}
        streams: list[tuple[str, bytes, tuple[Any, ...]]] = []
        member_streams: list[tuple[str, bytes, tuple[Any, ...]]] = []
        for rule in endpoint.filters:
            field, equals = rule.field, rule.equals
            if field in attributes or field == codec.field or field == fixed_field:
                # Two parameters on one field (`status` and `state`) share its values; the id and
                # the tenant's field keep theirs (a filter on them selects by what they hold).
                continue
            if rule.relation != "flag":
                ranged = rule.relation in RANGES
                pool = self._pool(
                    gen, key, field, rule.relation == "contains", POOL_SAMPLES if ranged else POOL_SIZE
                )
                if ranged:
                    # Ordered, so that a bound selects a believable share of the list.
                    pool = tuple(sorted(pool, key=functools.cmp_to_key(lambda a, b: compare(a, b) or 0)))
                if not pool:
                    continue  # the field never holds a value to filter by: nothing is selected on it
                if rule.relation == "contains":
                    raw = _stream(seed, f"{stem}/{field}", count, 256)
                    codes = raw.translate(_subsets(len(pool)))
                    attributes[field] = Attribute(codes, pool, members=True)
                    member_streams.append((field, codes, pool))
                else:
                    codes = _stream(seed, f"{stem}/{field}", count, len(pool))
                    attributes[field] = _attribute(curated, field, codes, pool)
                    streams.append((field, codes, pool))
                continue
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
            over: dict[str, Any] = dict(fixed)
            if not codec.opaque:
                over[codec.field] = codec.encode(position, index)
            for field, codes, choices in streams:
                set_field(over, field, choices[codes[index]])
            for field, codes, choices in member_streams:
                code = codes[index]
                set_field(over, field, [v for i, v in enumerate(choices) if code >> i & 1])
            ctx = Ctx(record_rng(key, index), index, values.draw)
            return compact_json(gen(ctx, over))

        self._filtered[op_id] = frozenset(attributes)
        return Collection(curated, count, attributes, build, self._records, self._pages)

    def _pool(self, gen: Gen, key: int, field: str, members: bool, size: int = POOL_SIZE) -> tuple[Any, ...]:
        """The values a filtered field takes, from records generated without it (the same ones
        for every tenant and seed-determined): what the list will hold and a filter select."""
        found: list[Any] = []
        for index in range(POOL_SAMPLES):
            ctx = Ctx(record_rng(key ^ 0x5EED, index), index, self._values.draw)
            value = field_value(gen(ctx, MISSING), field)
            for one in value if members and isinstance(value, list) else [value]:
                if isinstance(one, str | int | float | bool) and one != "" and one not in found:
                    found.append(one)
        return tuple(found[:size])

    def _caller_values(self, attribute: str, tenant: Any) -> tuple[Any, ...]:
        """The values a `$caller.<attribute>` filter field takes: the tenant's users' ones."""
        directory = self._directory
        if directory is None or attribute != "user_id":
            raise SpecError(f"x-filter on {CALLER_PREFIX}{attribute} needs identities with users")
        return directory.members(tenant) or (0,)
