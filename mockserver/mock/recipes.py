"""Value recipes from a data file (`fixtures/values.yaml`): realistic values with no Python.

A recipe says how to make one field's value: a template over the record's draws
(`"{persona.company} {persona.role.name}"`), a weighted choice, a range, a sample of a table, a
Faker provider. Draws are made once per record on first use (a persona whose name, company,
prompt and welcome message agree; an LLM provider whose URL, key prefix and model agree), so
related fields of one record fit together. Everything is compiled once into small closures.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import random
import re
import string
from bisect import insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from faker import Faker

from mockserver.mock.context import CHOICES, CONSTANT, MISSING, PLAIN, Ctx, Gen

FAKER_POOL = 256
BASE62 = string.digits + string.ascii_letters
# One C call per token instead of one Python call per character (a slight bias towards the
# first letters is harmless here).
_BASE62_TABLE = bytes(ord(BASE62[b % 62]) for b in range(256))
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class RecipeError(Exception):
    """The values file is unreadable or a recipe in it is malformed (names file and path)."""


def token(rng: random.Random, length: int) -> str:
    return rng.randbytes(length).translate(_BASE62_TABLE).decode()


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


def _digits(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(4 * length + 8) % 10**length:0{length}d}"


_RANDOM_PIECES: dict[str, Callable[[random.Random, int], str]] = {
    "token": token,
    "hex": _hex,
    "digits": _digits,
}


def _getter(path: str) -> Callable[[Ctx], Any]:
    """`persona.role.name`: the record's draw `persona`, then keys (or attributes) inside it."""
    path, _, transform = path.partition("|")
    head, *rest = path.split(".")
    if transform not in ("", "lower", "upper"):
        raise ValueError(f"unknown transform |{transform} (known: lower, upper)")

    def get(ctx: Ctx) -> Any:
        value = ctx.lookup(head)
        for key in rest:
            value = value[key] if isinstance(value, dict) else getattr(value, key)
        if transform:
            return str(value).lower() if transform == "lower" else str(value).upper()
        return value

    if transform or len(rest) > 1:
        return get
    # The common paths, `persona` and `persona.company`, without the loop (a hot path).
    if not rest:

        def get_draw(ctx: Ctx) -> Any:
            try:
                return ctx.scope[head]
            except KeyError:
                return ctx.lookup(head)

        return get_draw
    (field,) = rest

    def get_field(ctx: Ctx) -> Any:
        try:
            value = ctx.scope[head]
        except KeyError:
            value = ctx.lookup(head)
        return value[field] if value.__class__ is dict else getattr(value, field)

    return get_field


def _random_piece(make: Callable[[random.Random, int], str], length: int) -> Callable[[Ctx], str]:
    return lambda ctx: make(ctx.rng, length)


def _template(text: str) -> Callable[[Ctx], str]:
    pieces: list[str | Callable[[Ctx], Any]] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces.append(text[last : match.start()])
        name, _, size = match.group(1).partition(":")
        if name in _RANDOM_PIECES and size.isdigit():
            pieces.append(_random_piece(_RANDOM_PIECES[name], int(size)))
        else:
            pieces.append(_getter(match.group(1)))
        last = match.end()
    pieces.append(text[last:])
    parts = tuple(p for p in pieces if p != "")
    if len(parts) == 1 and isinstance(parts[0], str):
        return _constant(parts[0])
    if len(parts) == 1:
        only = parts[0]
        assert not isinstance(only, str)
        return lambda ctx: str(only(ctx))
    # Constant text as functions too, so that joining calls each piece without a type test.
    calls = tuple(_constant(p) if isinstance(p, str) else p for p in parts)
    return lambda ctx: "".join([str(piece(ctx)) for piece in calls])


def _structure(value: Any) -> Callable[[Ctx], Any]:
    """A template that is a mapping or a list: its strings are templates, the rest constants."""
    if isinstance(value, str):
        return _template(value)
    if isinstance(value, dict):
        members = [(k, _structure(v)) for k, v in value.items()]
        return lambda ctx: {k: make(ctx) for k, make in members}
    if isinstance(value, list):
        items = [_structure(v) for v in value]
        return lambda ctx: [make(ctx) for make in items]
    return _constant(value)


def _constant(value: Any) -> Callable[[Ctx], Any]:
    def make(ctx: Ctx) -> Any:
        return value

    CONSTANT[make] = value
    return make


def _uniform(seq: tuple[Any, ...]) -> Callable[[Ctx], Any]:
    count = len(seq)

    def choose(ctx: Ctx) -> Any:
        return seq[int(ctx.rand() * count)]

    CHOICES[choose] = seq
    return choose


def _float(value: Any) -> Any:
    return float(value) if type(value) is int else value


def as_floats(gen: Gen) -> Gen:
    """`gen`, with whole numbers written as floats (`1.0`, not `1`), as a typed server writes a
    `number` field (pydantic's `float`); a choice or a constant stays one."""
    plain = PLAIN.get(gen)
    if plain is None:
        return lambda ctx, over: _float(gen(ctx, over))
    if plain in CHOICES:
        made = _uniform(tuple(_float(v) for v in CHOICES[plain]))
    elif plain in CONSTANT:
        made = _constant(_float(CONSTANT[plain]))
    else:

        def made(ctx: Ctx) -> Any:
            return _float(plain(ctx))

    def floats(ctx: Ctx, over: Any) -> Any:
        return made(ctx) if over is MISSING else _float(over)

    PLAIN[floats] = made
    if made in CONSTANT:
        CONSTANT[floats] = CONSTANT[made]
    return floats


def _weighted(choices: Sequence[Any], weights: Sequence[float] | None) -> Callable[[Ctx], Any]:
    seq = tuple(choices)
    if not seq:
        raise ValueError("an empty choice")
    if not weights:
        return _uniform(seq)
    if len(weights) != len(seq):
        raise ValueError("weights and choices differ in length")
    total = float(sum(weights))
    cumulative: list[float] = []
    running = 0.0
    for w in weights:
        running += w / total
        cumulative.append(running)

    def pick(ctx: Ctx) -> Any:
        roll = ctx.rand()
        for i, edge in enumerate(cumulative):
            if roll < edge:
                return seq[i]
        return seq[-1]

    return pick


@dataclass
class Values:
    """The values file, compiled on demand; one per app (seeded Faker pools live here)."""

    seed: int
    locale: str
    tables: dict[str, list[Any]] = field(default_factory=dict)
    draw_specs: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: list[tuple[str, Any]] = field(default_factory=list)
    sparse: dict[str, Any] = field(default_factory=dict)
    media: list[tuple[str, Any]] = field(default_factory=list)
    source: str = "values.yaml"
    _faker: Faker | None = None
    _pools: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _draws: dict[str, Callable[[Ctx], Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None, seed: int, locale: str) -> Values:
        values = cls(seed=seed, locale=locale)
        try:
            values._faker = Faker(locale)
        except AttributeError as exc:  # Faker's way of saying the locale does not exist
            raise ValueError(f"unknown Faker locale {locale!r}") from exc
        if path is None or not path.exists():
            return values
        values.source = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise RecipeError(f"{path.name}: cannot read: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise RecipeError(f"{path.name}: /: expected a mapping")
        values.tables = dict(data.get("tables") or {})
        values.draw_specs = dict(data.get("draws") or {})
        values.schemas = dict(data.get("schemas") or {})
        values.names = list((data.get("names") or {}).items())
        values.sparse = dict(data.get("sparse") or {})
        values.media = list((data.get("media") or {}).items())
        return values

    # ------------------------------------------------------------------------- lookup

    def for_property(self, component: str | None, path: tuple[str, ...]) -> tuple[Any, str] | None:
        """The recipe for a property: `schemas.<Component>.<dotted path>` (nearest component)."""
        if component is None or component not in self.schemas:
            return None
        dotted = ".".join(path)
        recipes = self.schemas[component] or {}
        if dotted in recipes:
            return recipes[dotted], f"/schemas/{component}/{dotted}"
        return None

    def for_name(self, name: str) -> tuple[Any, str] | None:
        """The recipe for any property called `name` (`names:`, glob patterns, first match)."""
        for pattern, recipe in self.names:
            if any(fnmatch.fnmatchcase(name, p.strip()) for p in str(pattern).split("|")):
                return recipe, f"/names/{pattern}"
        return None

    def media_body(self, media_type: str) -> bytes:
        """The body for a response of a non-JSON media type (`media:`, glob patterns, first match)."""
        for pattern, body in self.media:
            if any(fnmatch.fnmatchcase(media_type, p.strip()) for p in str(pattern).split("|")):
                try:
                    if isinstance(body, dict):
                        return base64.b64decode(str(body["base64"]), validate=True)
                    return str(body).encode()
                except (KeyError, ValueError) as exc:
                    raise RecipeError(f"{self.source}: /media/{pattern}: {exc}") from None
        return b""

    def dense(self, component: str | None) -> bool:
        """Records of these schemas always carry every field (FastAPI-style response models)."""
        return component is not None and component in (self.sparse.get("dense") or ())

    # ------------------------------------------------------------------------ compiling

    def faker_pool(self, method: str) -> tuple[Any, ...] | None:
        """`FAKER_POOL` values of a Faker provider, drawn once from a seeded instance."""
        if method not in self._pools:
            fake = self._faker
            if fake is None or not re.fullmatch(r"[a-z_][a-z0-9_]*", method):
                return None
            try:
                provider = getattr(fake, method)
            except AttributeError:
                return None
            if not callable(provider):
                return None
            fake.seed_instance(_stable(f"{self.seed}/{self.locale}/{method}"))
            try:
                self._pools[method] = tuple(provider() for _ in range(FAKER_POOL))
            except TypeError:
                return None
        return self._pools[method]

    def compile(self, recipe: Any, where: str) -> Gen:
        """A recipe as a generator; RecipeError names the values file and the recipe's path."""
        try:
            make = self._compile(recipe)
        except (KeyError, ValueError, TypeError) as exc:
            raise RecipeError(f"{self.source}: {where}: {exc}") from None

        def gen(ctx: Ctx, over: Any) -> Any:
            return make(ctx) if over is MISSING else over

        PLAIN[gen] = make
        if make in CONSTANT:
            CONSTANT[gen] = CONSTANT[make]
        return gen

    def _compile(self, recipe: Any) -> Callable[[Ctx], Any]:
        if not isinstance(recipe, dict):
            return _structure(recipe)
        make = self._kind(recipe)
        null = float(recipe.get("null", 0))
        when = recipe.get("when")
        if null:
            inner = make

            def make(ctx: Ctx) -> Any:
                return None if ctx.rand() < null else inner(ctx)

        if when is not None:
            test, otherwise, guarded = _getter(str(when)), recipe.get("else"), make
            negate = str(when).startswith("!")
            if negate:
                test = _getter(str(when)[1:])

            def make(ctx: Ctx) -> Any:
                return guarded(ctx) if bool(test(ctx)) != negate else otherwise

        return make

    def _kind(self, recipe: dict[str, Any]) -> Callable[[Ctx], Any]:
        if "template" in recipe:
            return _structure(recipe["template"])
        if "value" in recipe:
            return _getter(str(recipe["value"]))
        if "const" in recipe:
            return _constant(recipe["const"])
        if "choice" in recipe:
            return _weighted(self._sequence(recipe["choice"]), recipe.get("weights"))
        if "from" in recipe:
            source = _getter(str(recipe["from"]))
            return lambda ctx: ctx.pick(source(ctx))
        if "range" in recipe:
            low, high = recipe["range"]
            if isinstance(low, int) and isinstance(high, int):
                return lambda ctx: low + int(ctx.rand() * (high - low + 1))
            digits = int(recipe.get("digits", 2))
            return lambda ctx: round(low + ctx.rand() * (high - low), digits)
        if "sample" in recipe:
            return self._sample(recipe)
        if "faker" in recipe:
            pool = self.faker_pool(str(recipe["faker"]))
            if pool is None:
                raise ValueError(f"Faker has no provider {recipe['faker']!r}")
            return lambda ctx: pool[int(ctx.rand() * len(pool))]
        if "table" in recipe:
            return self._row_picker(str(recipe["table"]), recipe.get("unlike"))
        raise ValueError(f"unknown recipe {sorted(recipe)!r}")

    def _sequence(self, source: Any) -> tuple[Any, ...]:
        if isinstance(source, str):
            return tuple(self.tables[source])
        return tuple(source)

    def _sample(self, recipe: dict[str, Any]) -> Callable[[Ctx], list[Any]]:
        source = recipe["sample"]
        if isinstance(source, str) and source not in self.tables:
            dynamic = _getter(source)
            pool: Callable[[Ctx], Sequence[Any]] = lambda ctx: tuple(dynamic(ctx))  # noqa: E731
        else:
            fixed = self._sequence(source)
            pool = lambda ctx: fixed  # noqa: E731
        sizes = recipe.get("k", 1)
        size = _weighted(sizes if isinstance(sizes, list) else [sizes], None)
        ordered = bool(recipe.get("sorted"))
        unique = bool(recipe.get("unique", True))

        def sample(ctx: Ctx) -> list[Any]:
            items = pool(ctx)
            n = len(items)
            k = min(int(size(ctx)), n) if unique else int(size(ctx))
            if unique:
                # Drawing k of n without replacement, as popping from a copy of the pool would,
                # without the copy: the j-th draw picks among the n - j left, and is mapped back
                # to its place in the pool past the places already taken (k is a handful).
                taken: list[int] = []
                out = []
                rand = ctx.rand
                for j in range(k):
                    place = int(rand() * (n - j))
                    for earlier in taken:  # ascending
                        if earlier <= place:
                            place += 1
                        else:
                            break
                    insort(taken, place)
                    out.append(items[place])
                if ordered:
                    # Duplicated rows (weights by repetition) may repeat once drawn apart.
                    out = sorted({_key(v): v for v in out}.values(), key=_key)
                return out
            return [ctx.pick(items) for _ in range(k)]

        return sample

    def _row_picker(self, table: str, unlike: Any) -> Callable[[Ctx], Any]:
        rows = tuple(self.tables[table])
        weights = [r.get("weight", 1) for r in rows] if rows and isinstance(rows[0], dict) else None
        pick = _weighted(rows, weights)
        if unlike is None:
            return pick
        other = _getter(str(unlike))
        by_row = {
            id(row): _weighted(
                [r for r in rows if r is not row],
                [w for r, w in zip(rows, weights or [1] * len(rows), strict=True) if r is not row],
            )
            for row in rows
        }
        return lambda ctx: by_row[id(other(ctx))](ctx)

    # ------------------------------------------------------------------------- draws

    def draw(self, ctx: Ctx, name: str) -> Any:
        """Make the record's draw `name` (called once per record, on first use)."""
        make = self._draws.get(name)
        if make is None:
            spec = self.draw_specs.get(name)
            if spec is None:
                raise KeyError(f"no draw named {name!r}")
            make = self._draws[name] = self._draw_maker(name, spec)
        return make(ctx)

    def prepare_draws(self) -> None:
        """Compile every draw now (persona pools included): start-up cost, not first request."""
        for name, spec in self.draw_specs.items():
            if name not in self._draws:
                try:
                    self._draws[name] = self._draw_maker(name, spec)
                except (KeyError, ValueError, TypeError) as exc:
                    raise RecipeError(f"{self.source}: /draws/{name}: {exc}") from None

    def _draw_maker(self, name: str, spec: Any) -> Callable[[Ctx], Any]:
        if isinstance(spec, dict) and "pool" in spec:
            pool = self._pool(name, int(spec["pool"]), spec.get("fields") or {})
            return lambda ctx: pool[int(ctx.rand() * len(pool))]
        return self._compile(spec)

    def _pool(self, name: str, size: int, fields: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        """Composite draws (personas) built once: their long texts cost nothing per record."""
        makers = [(key, self._compile(recipe)) for key, recipe in fields.items()]
        rng = random.Random(f"{self.seed}/{self.locale}/{name}")
        members: list[dict[str, Any]] = []

        def no_draws(ctx: Ctx, missing: str) -> Any:
            raise KeyError(f"{missing!r} is not a field defined above it in {name}")

        for _ in range(size):
            ctx = Ctx(rng, 0, no_draws)
            for key, make in makers:
                ctx.scope[key] = make(ctx)
            members.append(ctx.scope)
        return tuple(members)


def _key(value: Any) -> str:
    return repr(value)


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
