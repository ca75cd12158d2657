"""Compiling a JSON Schema into a record generator, once, at start-up.

Each schema node becomes a small closure; a record is then a few dozen cheap draws with its own
`random.Random`, never a schema walk. A field's value comes from, in order: a recipe in the
values file (by schema and property), Prism's `x-faker`, `const`/`enum`, the `format`, a recipe
for the property's name, the schema's `example`, its `pattern`, and finally its type and bounds.
Each candidate is tried on sample records and kept only if every sample is valid against the
field's schema, so a recipe that no longer fits the contract falls through instead of serving
invalid data (and says so in `notes`).
"""

from __future__ import annotations

import calendar
import email.utils
import json
import math
import random
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import rstr
import rstr.xeger
from jsonschema import Draft202012Validator
from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker

from mockserver.mock.context import ABSENT, CHOICES, CONSTANT, MISSING, PLAIN, Ctx, Gen
from mockserver.mock.recipes import RecipeError, Values, as_floats, token
from mockserver.model.document import Defects, SpecError, deref
from mockserver.model.patterns import bounded, matches

SAMPLES = 12
MAX_REF_DEPTH = 2
# References followed in full before the rest of a value is made lean (below): vendor documents
# link hundreds of schemas by expandable fields (Stripe's `anyOf: [string, $ref]`), and a value
# made in full through all of them is exponential in size and in compile time.
MAX_NESTING = 5
# What a schema may ask of one answer at least: past these, it asks more than an answer can
# carry (`minItems: 1000000000`), and it is refused with its pointer rather than served slowly.
MAX_MIN_ITEMS = 1_000
MAX_MIN_PROPERTIES = 1_000
MAX_MIN_LENGTH = 100_000
# Items over nested arrays' least counts (1,000 of 1,000 is already a million).
MAX_VOLUME = 100_000
PATTERN_POOL = 64
# How often rstr repeats a `+` or `*` when drawing from a pattern (see _draw_pattern).
PATTERN_REPEATS = 8
# Creation times grow with the record's index but stay within a fixed window whatever the count:
# t(i) = START + SPAN * i / (i + HALF_LIFE). The first HALF_LIFE records fill half the window.
TIMELINE_START = 1672531200  # 2023-01-01T00:00:00Z
TIMELINE_SPAN = 900 * 86400
TIMELINE_HALF_LIFE = 400
CREATED = re.compile(r"^(created|creation|inserted|date_?created)(_?(at|on|date|time))?$", re.I)
UPDATED = re.compile(r"^(updated|modified|last_?modified|changed)(_?(at|on|date|time))?$", re.I)
ISO = "%Y-%m-%dT%H:%M:%SZ"


# JSON Schema 2020-12's own format checker: `time` is RFC 3339's full-time (with an offset),
# not the draft-3 `HH:MM:SS` that the generic checker applies.
_FORMATS_31 = Draft202012Validator.FORMAT_CHECKER
_OAS30, _OAS31 = bounded(OAS30Validator), bounded(OAS31Validator)


class CannotGenerate(SpecError):
    """No value can be made for a schema (contradictory keywords, unbounded recursion)."""


def iso(ts: int) -> str:
    return time.strftime(ISO, time.gmtime(ts))


def created_at(index: int, rand: Callable[[], float]) -> int:
    base = TIMELINE_START + TIMELINE_SPAN * index // (index + TIMELINE_HALF_LIFE)
    # Jitter below the gap to the next index keeps the order strictly by index where it can.
    gap = TIMELINE_SPAN * TIMELINE_HALF_LIFE // ((index + TIMELINE_HALF_LIFE) ** 2)
    return base + (int(rand() * gap) if gap > 1 else 0)


def updated_after(created: int, rand: Callable[[], float]) -> int:
    # A third of records were never edited; the rest were, up to four months later.
    roll = rand()
    return created if roll < 0.33 else created + 60 + int((roll - 0.33) / 0.67 * 120 * 86400)


def _instant(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) < 19:
        return None
    try:
        # fromisoformat is C; strptime, which this replaced, was a tenth of a record's cost.
        moment = datetime.fromisoformat(value[:19])
    except ValueError:
        return None
    return calendar.timegm(moment.timetuple())


def _unrolled(
    template: dict[str, Any],
    steps: list[tuple[str, Gen, float, Any, int]],
    open_extras: bool,
    extra: Callable[[Ctx, int], dict[str, Any]] | None,
    least: int,
    min_props: int,
) -> Gen:
    """An object's generator as one function with lines per property, compiled once.

    A record is a hundred-odd properties; a loop over the steps paid, per property, for
    unpacking and branching on what the compiler already knew, about a third of a record's cost.
    The lines keep the steps' order, and so the order in which the record's random numbers are
    drawn: the bytes are the loop's. With curated values (a list's id and filter fields, a
    fixture), each property takes its curated value where there is one.
    """
    env: dict[str, Any] = {"template": template, "extra": extra, "MISSING": MISSING, "ABSENT": ABSENT}

    def made_fresh(i: int, absent: float, how: int, pad: str) -> list[str]:
        """Lines that make property i with nothing curated."""
        out = []
        if absent:
            out += [f"{pad}if rand() < {absent!r}:", f"{pad}    del obj[k{i}]"]
            if not how:
                return out
            out.append(f"{pad}else:")
            pad += "    "
        if how == 1 and env[f"m{i}"] in CHOICES:  # a uniform choice, inline: the most common recipe
            env[f"s{i}"] = CHOICES[env[f"m{i}"]]
            out.append(f"{pad}obj[k{i}] = s{i}[int(rand() * {len(env[f's{i}'])})]")
        elif how == 1:  # a recipe's plain function: never ABSENT
            out.append(f"{pad}obj[k{i}] = m{i}(ctx)")
        elif how == 2:
            out += [
                f"{pad}value = m{i}(ctx, MISSING)",
                f"{pad}if value is ABSENT:",
                f"{pad}    del obj[k{i}]",
                f"{pad}else:",
                f"{pad}    obj[k{i}] = value",
            ]
        return out

    fresh: list[str] = []
    curated: list[str] = []
    for i, (key, made, absent, make, how) in enumerate(steps):
        env[f"k{i}"], env[f"m{i}"], env[f"c{i}"] = key, make, made
        fresh += made_fresh(i, absent, how, "        ")
        curated += [
            f"        given = over.get(k{i}, MISSING)",
            "        if given is not MISSING:",
            f"            value = c{i}(ctx, given)",
            "            if value is ABSENT:",
            f"                del obj[k{i}]",
            "            else:",
            f"                obj[k{i}] = value",
        ]
        otherwise = made_fresh(i, absent, how, "            ")
        if otherwise:
            curated += ["        else:", *otherwise]
    extras = [
        "        for key, value in over.items():",
        "            if key not in obj:",
        "                obj[key] = value",
    ]
    lines = [
        "def gen(ctx, over):",
        "    rand = ctx.rand",
        "    obj = template.copy()",
        "    objects = ctx.objects",
        "    objects.append(obj)",
        "    if over is MISSING:",
        *fresh,
        "        pass",
        "    elif isinstance(over, dict):",
        *curated,
        *(extras if open_extras else []),
        "        pass",
        "    else:",
        "        objects.pop()",
        "        return over",
        "    objects.pop()",
    ]
    if extra is not None:
        lines.append(f"    if len(obj) < {least}:")
        lines.append(f"        obj.update(extra(ctx, max({min_props} - len(obj), 1)))")
    lines.append("    return obj")
    # The source holds no text from the document or the values file: keys and makers are names.
    exec("\n".join(lines), env)
    compiled: Gen = env["gen"]
    return compiled


# Keywords that say nothing of which values a schema admits.
ANNOTATIONS = frozenset({"description", "title", "deprecated", "externalDocs", "xml", "$comment"})


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ANNOTATIONS}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if k != "null"]
    if isinstance(kind, str):
        return [kind] if kind != "null" else []
    if "properties" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    if "enum" in schema or "const" in schema:
        return []
    return ["string"]


def _is_null(schema: dict[str, Any]) -> bool:
    """A schema that admits only null (`{type: null}`, `{const: null}`, `{enum: [null]}`)."""
    kind = schema.get("type")
    return (
        kind == "null"
        or kind == ["null"]
        or schema.get("enum") == [None]
        or ("const" in schema and schema["const"] is None)
    )


def _nullable(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind) or kind == "null"


class Compiler:
    """Compiles the schemas of one document. `notes` collects what start-up should print."""

    def __init__(self, document: dict[str, Any], values: Values) -> None:
        self.document = document
        self.values = values
        self.openapi31 = str(document.get("openapi", "3.0")).startswith("3.1")
        self.notes: list[str] = []
        self._rng = random.Random(f"{values.seed}/compile")
        # Names that array recipes bind for their items (`as:`), so that samples of the items
        # can be tried before the array exists.
        self._aliases: dict[str, Callable[[Ctx], Any]] = {}
        # Discriminators being expanded into their mapped schemas (those often `allOf` the
        # schema that holds the discriminator: expanding once is enough).
        self._expanding: set[int] = set()
        self._pattern_pools: dict[tuple[str, int, int], tuple[str, ...]] = {}
        self._leaves: dict[tuple[str, str | None], Gen] = {}
        # Lean: past MAX_NESTING references, or inside a cycle, a value is the least its schema
        # allows (required properties, empty arrays, null, a branch without references), so that
        # every cycle ends where the schema lets it and never by dropping a required property.
        self._lean_open: list[str] | None = None
        self._made: dict[tuple[Any, ...], Gen] = {}
        # The least number of items the arrays around the value being compiled hold together.
        self._volume = 1
        self._unsatisfiable: dict[str, None] = {}

    # ------------------------------------------------------------------------ public

    def compile(self, schema: Any, where: str, *, writing: bool = False) -> Gen:
        """The generator of a response (or, `writing`, a request) body schema at `where`."""
        gen = self._node(schema, where, None, (), None, (), dense=False, writing=writing)
        if gen is None:
            raise CannotGenerate(f"{where}: the schema refers to itself with no way to stop")
        return gen

    def unsatisfiable(self) -> list[str]:
        """One warning for the optional properties left out because no value satisfies them."""
        found = Defects()
        for line in self._unsatisfiable:
            at, _, message = line.partition(": ")
            found.add("optional properties no value satisfies, left out", at, message)
        return [f"warning: {line}" for line in found.lines()]

    def resolved(self, schema: Any) -> dict[str, Any]:
        """`schema` with its reference followed and its `allOf` folded in (one level)."""
        target = deref(self.document, schema)
        if not isinstance(target, dict):
            return {}
        return self._merge_all_of(target) if "allOf" in target else target

    def validator(self, schema: Any) -> Any:
        """A validator for `schema` whose local references resolve against the document."""
        # References may point anywhere in the document, into `paths` too (a response schema
        # reused from another operation's): both are in the validator's root, by reference.
        around = {key: self.document[key] for key in ("components", "paths") if key in self.document}
        root = {**around, **(schema if isinstance(schema, dict) else {})}
        if isinstance(schema, bool):
            root = around if schema else {"not": {}}
        if self.openapi31:
            return _OAS31(root, format_checker=_FORMATS_31)
        return _OAS30(root, format_checker=oas30_format_checker)

    def sample_ctx(self, index: int = 0) -> Ctx:
        aliases, draw = self._aliases, self.values.draw

        def sample_draw(ctx: Ctx, name: str) -> Any:
            return aliases[name](ctx) if name in aliases else draw(ctx, name)

        return Ctx(random.Random(self._rng.random()), index, sample_draw)

    # ------------------------------------------------------------------------ walking

    def _merge_all_of(self, schema: dict[str, Any], _open: frozenset[int] = frozenset()) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        _open = _open | {id(schema)}
        for member in schema.get("allOf", []):
            part = deref(self.document, member)
            if not isinstance(part, dict) or id(part) in _open:
                continue  # not a schema, or an `allOf` that includes itself
            part = self._merge_all_of(part, _open)
            for key, value in part.items():
                if key == "discriminator" and isinstance(value, dict) and value.get("mapping"):
                    # A base's mapping to the schemas that extend it is not theirs: a subtype
                    # made through its `allOf` is that subtype, not the choice among them all.
                    continue
                if key == "properties" and isinstance(value, dict):
                    # A property both members declare must satisfy both: `data: {type: object}`
                    # in a base response and `data: {required: [token]}` in the one that extends it.
                    mine = merged.get("properties", {})
                    merged["properties"] = {
                        **value,
                        **{
                            k: v if k not in value or value[k] == v else {"allOf": [v, value[k]]}
                            for k, v in mine.items()
                        },
                    }
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                elif key not in merged:
                    merged[key] = value
        return merged

    def _node(
        self,
        schema: Any,
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        *,
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        if schema is True or schema == {}:
            schema = {}
        if schema is False:
            return None  # 3.1's `false`: no value (an optional property left out, no more items)
        if not isinstance(schema, dict):
            raise CannotGenerate(f"{where}: a schema must be an object")
        recipe = self.values.for_property(component, path) if path else None
        if recipe is not None:
            resolved = deref(self.document, schema)
            if isinstance(resolved, dict) and "allOf" in resolved:
                resolved = self._merge_all_of(resolved)
            gen = self._try_recipe(recipe, resolved, where, component, path, stack, dense, writing)
            if gen is not None:
                return gen
        if "$ref" in schema:
            return self._reference(schema, where, component, path, name, stack, dense, writing)
        if "allOf" in schema:
            refs = tuple(
                str(m["$ref"])
                for m in schema["allOf"]
                if isinstance(m, dict) and isinstance(m.get("$ref"), str)
            )
            merged = self._merge_all_of(schema)
            if refs:  # the references `allOf` follows count as the ones `$ref` does

                def make(inner: tuple[str, ...]) -> Gen | None:
                    return self._node(
                        merged, where, component, path, name, inner, dense=dense, writing=writing
                    )

                return self._through(stack, refs, make)
            schema = merged
        if _is_null(schema):
            return lambda ctx, over: None if over is MISSING else over
        if "if" in schema and isinstance(schema["if"], dict):
            return self._conditional(schema, where, component, path, name, stack, dense, writing)
        nullable = _nullable(schema)
        if nullable and self._lean_open is not None and _mentions_ref(schema):
            return lambda ctx, over: None if over is MISSING else over
        gen = self._value(schema, where, component, path, name, stack, dense=dense, writing=writing)
        if gen is None:
            if nullable:
                return lambda ctx, over: None if over is MISSING else over
            return None
        if nullable and not dense:
            rate = float(self.values.sparse.get("null", 0.1))
            inner = gen

            def gen(ctx: Ctx, over: Any) -> Any:
                if over is MISSING and ctx.rand() < rate:
                    return None
                return inner(ctx, over)

        return gen

    def _conditional(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        """3.1's `if`/`then`/`else`: a value made to meet `if` and `then`, or one made to meet
        `else` that does not meet `if` (else the first way). A value that meets `if` must meet
        `then`, so making it meet both is the one way that cannot go wrong."""
        base = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
        condition, then, otherwise = (
            {} if part is True else part
            for part in (schema["if"], schema.get("then", {}), schema.get("else", {}))
        )
        meets = self._node(
            self._merge_all_of({"allOf": [base, condition, then]}) if isinstance(then, dict) else False,
            where,
            component,
            path,
            name,
            stack,
            dense=dense,
            writing=writing,
        )
        if otherwise is False:
            return meets
        other = self._node(
            self._merge_all_of({"allOf": [base, otherwise]}) if isinstance(otherwise, dict) else base,
            where,
            component,
            path,
            name,
            stack,
            dense=dense,
            writing=writing,
        )
        if meets is None or other is None:
            return meets or other
        check = self.validator(condition)

        def gen(ctx: Ctx, over: Any) -> Any:
            if over is not MISSING:
                return over
            if ctx.rand() < 0.5:
                return meets(ctx, MISSING)
            value = other(ctx, MISSING)
            return meets(ctx, MISSING) if check.is_valid(value) else value

        return gen

    def _reference(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        ref = str(schema["$ref"])
        target = deref(self.document, schema)
        prefix = "#/components/schemas/"
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            component, path = ref[len(prefix) :], ()
            dense = dense or self.values.dense(component)
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        merged = {**target, **siblings} if isinstance(target, dict) else target
        # A component reached at the same depth is made the same way wherever it is met: large
        # documents refer to the same few hundred schemas from thousands of places.
        lean = self._lean_open is not None or self._leans(stack, (ref,))
        # The name matters to a leaf only (`email`, `created_at`): objects and arrays of the
        # component are the same under any property name.
        leaf = (
            isinstance(target, dict)
            and not (_types(target) and {"object", "array"} & set(_types(target)))
            and not (
                {"properties", "items", "oneOf", "anyOf", "allOf", "additionalProperties", "discriminator"}
                & target.keys()
            )
        )
        key: tuple[Any, ...] | None = (
            ref,
            lean,
            -1 if lean else len(stack),
            dense,
            writing,
            name if leaf else None,
        )
        if siblings:
            key = None
        if key is not None and key in self._made:
            return self._made[key]

        def make(inner: tuple[str, ...]) -> Gen | None:
            return self._node(merged, where, component, path, name, inner, dense=dense, writing=writing)

        gen = self._through(stack, (ref,), make)
        if gen is not None and key is not None:
            self._made[key] = gen
        return gen

    def _leans(self, stack: tuple[str, ...], refs: tuple[str, ...]) -> bool:
        return len(stack) >= MAX_NESTING or any(stack.count(ref) >= MAX_REF_DEPTH for ref in refs)

    def _through(
        self, stack: tuple[str, ...], refs: tuple[str, ...], make: Callable[[tuple[str, ...]], Gen | None]
    ) -> Gen | None:
        """`make` called past the references `refs`: lean from here on where they run too deep
        or round a cycle, and None where they close a cycle even when lean (the caller then
        takes another way: an optional property left out, another branch, or an error)."""
        if self._lean_open is not None and any(ref in self._lean_open for ref in refs):
            return None
        enters = self._lean_open is None and self._leans(stack, refs)
        if enters:
            self._lean_open = []
        if self._lean_open is not None:
            self._lean_open.extend(refs)
        try:
            return make((*stack, *refs))
        finally:
            if self._lean_open is not None:
                del self._lean_open[len(self._lean_open) - len(refs) :]
            if enters:
                self._lean_open = None

    def _value(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        *,
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._choice(schema, key, where, component, path, name, stack, dense, writing)
        discriminator = schema.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(mapping, dict) and mapping and id(discriminator) not in self._expanding:
            # A discriminator on a base schema, with no oneOf: the tag takes only mapped values,
            # and the object is the mapped schema's (the polymorphism `allOf` specs write).
            self._expanding.add(id(discriminator))
            try:
                # No `oneOf` of the document's, so none to match exactly one branch of: the tag
                # tells the mapped schemas apart (and checking that would cost the square of
                # their number: Microsoft Graph's entity maps a thousand).
                branches = [{"$ref": str(target)} for target in mapping.values()]
                return self._choice(
                    {"anyOf": branches, "discriminator": discriminator},
                    "anyOf",
                    where,
                    component,
                    path,
                    name,
                    stack,
                    dense,
                    writing,
                )
            finally:
                self._expanding.discard(id(discriminator))
        types = _types(schema)
        if "object" in types:
            return self._object(schema, where, component, path, stack, dense, writing)
        if "array" in types:
            return self._array(schema, where, component, path, name, stack, dense, writing)
        return self._leaf(schema, where, name, types)

    def _try_recipe(
        self,
        recipe: tuple[Any, str],
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        body, at = recipe
        if isinstance(body, dict) and "as" in body and "array" in _types(schema):
            # An array built from a sample: each item sees its element under the name `as`.
            sample = self.values.compile({k: v for k, v in body.items() if k != "as"}, at)
            alias = str(body["as"])
            one = self.values.compile({**{k: v for k, v in body.items() if k != "as"}, "k": 1}, at)
            self._aliases[alias] = lambda ctx: one(ctx, MISSING)[0]
            items = self._node(
                schema.get("items", {}),
                f"{where}/items",
                component,
                (*path, "[]"),
                None,
                stack,
                dense=dense,
                writing=writing,
            )
            if items is None:
                return None

            def from_sample(ctx: Ctx, over: Any) -> Any:
                if over is not MISSING:
                    return over
                out = []
                for element in sample(ctx, MISSING) or ():
                    ctx.scope[alias] = element
                    out.append(items(ctx, MISSING))
                return out

            return self._checked(from_sample, schema, where, at)
        try:
            gen = self.values.compile(body, at)
        except RecipeError as exc:
            self.notes.append(f"{exc}; generating {where} from its schema instead")
            return None
        if _types(schema) == ["number"]:
            gen = as_floats(gen)
        return self._checked(gen, schema, where, at)

    def _checked(self, gen: Gen, schema: dict[str, Any], where: str, source: str) -> Gen | None:
        """`gen` if its samples are valid against `schema`; else None, with a note."""
        validator = self.validator(schema)
        for i in range(SAMPLES):
            ctx = self.sample_ctx(i * 97)
            # A stand-in for the object that holds the sampled value (x-parent-id reads its id).
            ctx.objects.append({"id": "sample"})
            try:
                value = gen(ctx, MISSING)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
                if source.startswith("/schemas/"):
                    self.notes.append(
                        f"{self.values.source}: {source}: {exc!r}; {where} is generated from its schema"
                    )
                return None
            if value is ABSENT:
                continue
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                if source.startswith("/schemas/"):
                    self.notes.append(
                        f"{self.values.source}: {source}: gives {_short(value)}, invalid at {where} "
                        f"({error.message}); generated from the schema instead"
                    )
                return None
        return gen

    # ------------------------------------------------------------------------ composites

    def _object(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen:
        required = set(schema.get("required", []))
        dependent = {
            str(k): [str(d) for d in v]
            for k, v in (schema.get("dependentRequired") or {}).items()
            if isinstance(v, list)
        }
        # 3.1's `dependentRequired`: what a required property depends on is required too.
        grown = True
        while grown:
            grown = False
            for trigger, needs in dependent.items():
                if trigger in required and not set(needs) <= required:
                    required |= set(needs)
                    grown = True
        absent_rate = 0.0 if dense else float(self.values.sparse.get("absent", 0.1))
        properties = dict(schema.get("properties") or {})
        extra_schema = schema.get("additionalProperties", {})
        if extra_schema is not False:
            # A required field the object does not declare (`required: [date]` beside properties
            # that lack it) is still required: made as any other field the object admits.
            for key in sorted(required - properties.keys()):
                properties[key] = extra_schema if isinstance(extra_schema, dict) else {}
        declared = list(properties)
        plan: list[tuple[str, Gen, float]] = []
        for key, sub in properties.items():
            resolved = deref(self.document, sub) if isinstance(sub, dict) else sub
            hidden = "writeOnly" if not writing else "readOnly"
            if isinstance(resolved, dict) and resolved.get(hidden) and key not in required:
                continue
            if self._lean_open is not None and key not in required and _mentions_ref(sub):
                continue
            try:
                made = self._property(
                    key, sub, f"{where}/properties/{key}", component, path, stack, dense, writing
                )
            except CannotGenerate as exc:
                if key in required:
                    raise
                # An optional property no value satisfies (a pattern that matches nothing) is
                # left out: the object is still valid, and the document still served.
                self._unsatisfiable.setdefault(str(exc), None)
                continue
            if made is None:
                if key in required:
                    raise CannotGenerate(
                        f"{where}/properties/{key}: required, but it refers to itself without end"
                    )
                continue
            plan.append((key, made, 0.0 if key in required else absent_rate))
        order = _generation_order(schema, declared)
        plan.sort(key=lambda entry: order.index(entry[0]))
        # Each object starts as a copy of `template`: its keys in declared order, the constants
        # set, the others None until made (as an unset key reads to the generators that look at
        # their neighbours: x-parent-id, timelines), an absent one deleted. Per property, how it is
        # made when nothing is curated: 0 it is the template's constant (the entry holds only its
        # absence rate), 1 a recipe's plain `ctx -> value`, 2 any other generator.
        made_keys = {key for key, _made, _absent in plan}
        template: dict[str, Any] = {key: None for key in declared if key in made_keys}
        steps: list[tuple[str, Gen, float, Any, int]] = []
        for key, made, absent in plan:
            constant = CONSTANT.get(made, steps)
            if isinstance(constant, (str, int, float, bool, type(None))):
                template[key] = constant
                steps.append((key, made, absent, constant, 0))
            elif made in PLAIN:
                steps.append((key, made, absent, PLAIN[made], 1))
            else:
                steps.append((key, made, absent, made, 2))
        extra = self._additional(schema, where, component, path, stack, dense, writing)
        min_props = int(schema.get("minProperties", 0))
        if min_props > MAX_MIN_PROPERTIES:
            raise CannotGenerate(
                f"{where}/minProperties: {min_props} properties at least, more than the "
                f"{MAX_MIN_PROPERTIES} an answer may carry"
            )
        open_extras = schema.get("additionalProperties", True) is not False
        least = max(min_props, 1 if not declared else 0)

        made = _unrolled(template, steps, open_extras, extra, least, min_props)
        if not dependent:
            return made

        def meeting_dependencies(ctx: Ctx, over: Any) -> Any:
            value = made(ctx, over)
            if over is MISSING and isinstance(value, dict):
                # An optional property whose dependencies were left out is left out with them.
                for trigger, needs in dependent.items():
                    if trigger in value and not all(n in value for n in needs):
                        del value[trigger]
            return value

        return meeting_dependencies

    def _property(
        self,
        key: str,
        sub: Any,
        where: str,
        component: str | None,
        path: tuple[str, ...],
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        resolved = deref(self.document, sub) if isinstance(sub, dict) else sub
        if isinstance(resolved, dict) and "allOf" in resolved:
            resolved = self._merge_all_of(resolved)
        if isinstance(resolved, dict):
            special = self._related(key, resolved, component, path)
            if special is not None:
                return special
        return self._node(sub, where, component, (*path, key), key, stack, dense=dense, writing=writing)

    def _related(
        self, key: str, schema: dict[str, Any], component: str | None, path: tuple[str, ...]
    ) -> Gen | None:
        """Fields whose value depends on their neighbours: a parent's id, ordered timestamps."""
        if self.values.for_property(component, (*path, key)) is not None:
            return None
        if schema.get("x-parent-id"):

            def parent_id(ctx: Ctx, over: Any) -> Any:
                if over is not MISSING:
                    return over
                holders = ctx.objects
                return holders[-2].get("id") if len(holders) >= 2 else ABSENT

            return parent_id
        if "string" not in _types(schema) or schema.get("format") not in (None, "date-time"):
            return None
        if schema.get("enum") or schema.get("const"):
            return None
        sibling = schema.get("x-not-before")
        if sibling is None and UPDATED.match(key):
            sibling = "__created__"
        if sibling is not None:

            def later(ctx: Ctx, over: Any) -> Any:
                if over is not MISSING:
                    return over
                obj = ctx.objects[-1]
                base = (
                    _instant(obj.get(sibling))
                    if sibling != "__created__"
                    else next((_instant(v) for k, v in obj.items() if CREATED.match(k)), None)
                )
                if base is None:
                    base = created_at(ctx.index, ctx.rand)
                return iso(updated_after(base, ctx.rand))

            return self._checked(later, schema, key, "the timeline")
        if CREATED.match(key):

            def created(ctx: Ctx, over: Any) -> Any:
                if over is not MISSING:
                    return over
                if len(ctx.objects) <= 1:
                    return iso(created_at(ctx.index, ctx.rand))
                # A child is created within a month after the record that holds it.
                root = _instant(next((v for k, v in ctx.objects[0].items() if CREATED.match(k)), None))
                base = root if root is not None else created_at(ctx.index, ctx.rand)
                return iso(base + int(ctx.rand() * 30 * 86400))

            return self._checked(created, schema, key, "the timeline")
        return None

    def _additional(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Callable[[Ctx, int], dict[str, Any]] | None:
        extra = schema.get("additionalProperties")
        if not isinstance(extra, dict) or not extra:
            return None
        if self._lean_open is not None and _mentions_ref(extra) and not schema.get("minProperties"):
            return None
        values = self._node(
            extra,
            f"{where}/additionalProperties",
            component,
            (*path, "*"),
            None,
            stack,
            dense=dense,
            writing=writing,
        )
        if values is None:
            return None
        words = self.values.faker_pool("word") or ("key",)

        def more(ctx: Ctx, count: int) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for i in range(count):
                out[f"{ctx.pick(words)}_{i}"] = values(ctx, MISSING)
            return out

        return more

    def _array(
        self,
        schema: dict[str, Any],
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        if (
            self._lean_open is not None
            and not schema.get("minItems")
            and _mentions_ref(schema.get("items", {}))
        ):
            return lambda ctx, over: [] if over is MISSING else over
        low = int(schema.get("minItems", 0))
        volume = self._volume * max(low, 1)
        if low > MAX_MIN_ITEMS or volume > MAX_VOLUME:
            raise CannotGenerate(
                f"{where}/minItems: {low} items at least"
                + (f" (in arrays of {self._volume} at least)" if self._volume > 1 else "")
                + f", more than the {min(MAX_VOLUME, MAX_MIN_ITEMS) if low > MAX_MIN_ITEMS else MAX_VOLUME} "
                "an answer may carry"
            )
        self._volume, outer = volume, self._volume
        try:
            items = self._node(
                schema.get("items", {}),
                f"{where}/items",
                component,
                (*path, "[]"),
                None,
                stack,
                dense=dense,
                writing=writing,
            )
        finally:
            self._volume = outer
        high = int(schema.get("maxItems", max(low, 3) if low <= 3 else low))
        high = max(low, min(high, low + 4))
        if isinstance(schema.get("prefixItems"), list) or isinstance(schema.get("contains"), (dict, bool)):
            return self._tuple(schema, items, low, high, where, component, path, stack, dense, writing)
        if items is None:
            if low:
                return None
            return lambda ctx, over: [] if over is MISSING else over
        unique = bool(schema.get("uniqueItems"))
        span = high - low + 1
        if name is not None and (recipe := self.values.for_name(name)) is not None:
            named = self._try_recipe(recipe, schema, where, component, path, stack, dense, writing)
            if named is not None:
                return named

        def gen(ctx: Ctx, over: Any) -> Any:
            if over is not MISSING:
                return over
            count = low + int(ctx.rand() * span)
            if not unique:
                return [items(ctx, MISSING) for _ in range(count)]
            out: list[Any] = []
            seen: set[str] = set()
            for _ in range(count * 4):
                if len(out) >= count:
                    break
                value = items(ctx, MISSING)
                marker = repr(value)
                if marker not in seen:
                    seen.add(marker)
                    out.append(value)
            return out

        return gen

    def _tuple(
        self,
        schema: dict[str, Any],
        items: Gen | None,
        low: int,
        high: int,
        where: str,
        component: str | None,
        path: tuple[str, ...],
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        """3.1's `prefixItems` (the first items, each by its own schema, then `items`) and
        `contains` (at least `minContains` items that meet it, at most `maxContains`)."""
        prefix: list[Gen] = []
        for i, sub in enumerate(schema.get("prefixItems") or ()):
            made = self._node(
                sub,
                f"{where}/prefixItems/{i}",
                component,
                (*path, "[]"),
                None,
                stack,
                dense=dense,
                writing=writing,
            )
            if made is None:
                break  # a prefix item no value meets: the array ends before it
            prefix.append(made)
        contains = schema.get("contains")
        least = int(schema.get("minContains", 1)) if contains is not None else 0
        most = schema.get("maxContains")
        meeting: Gen | None = None
        if least:
            # An item that meets `contains` must meet `items` too.
            both = contains if schema.get("items") in (None, True) else {"allOf": [schema["items"], contains]}
            meeting = self._node(
                self._merge_all_of(both) if isinstance(both, dict) and "allOf" in both else both,
                f"{where}/contains",
                component,
                (*path, "[]"),
                None,
                stack,
                dense=dense,
                writing=writing,
            )
            if meeting is None:
                return None
        if len(prefix) + least > int(schema.get("maxItems", 10**9)):
            return None
        if len(prefix) + least < low and items is None:
            return None
        check = self.validator(contains) if most is not None and isinstance(contains, dict) else None
        room = max(0, min(high, int(schema.get("maxItems", high))) - len(prefix) - least)
        floor = max(0, low - len(prefix) - least)

        def gen(ctx: Ctx, over: Any) -> Any:
            if over is not MISSING:
                return over
            out = [made(ctx, MISSING) for made in prefix]
            if meeting is not None:
                out.extend(meeting(ctx, MISSING) for _ in range(least))
            if items is not None:
                count = floor + int(ctx.rand() * (max(room, floor) - floor + 1))
                for _ in range(count):
                    value = items(ctx, MISSING)
                    # No more than maxContains, unless minItems needs the item.
                    if check is None or not check.is_valid(value) or len(out) < low:
                        out.append(value)
            return out

        return gen

    def _choice(
        self,
        schema: dict[str, Any],
        key: str,
        where: str,
        component: str | None,
        path: tuple[str, ...],
        name: str | None,
        stack: tuple[str, ...],
        dense: bool,
        writing: bool,
    ) -> Gen | None:
        """One branch per record; for `oneOf`, only branches whose samples match no other."""
        base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        discriminator = schema.get("discriminator") or {}
        tag = discriminator.get("propertyName")
        mapping = {str(v): k for k, v in (discriminator.get("mapping") or {}).items()}
        branches: list[Gen] = []
        validators = []
        raw_branches = schema[key]
        # `anyOf: [X, {type: null}]` is how 3.1 (and every FastAPI app) writes a nullable X: the
        # null branch is the null rate, not half of the records.
        nulls = [b for b in raw_branches if isinstance(b, dict) and _is_null(b)]
        raw_branches = [b for b in raw_branches if not (isinstance(b, dict) and _is_null(b))]
        if self._lean_open is not None:
            if nulls:
                return lambda ctx, over: None if over is MISSING else over
            # Lean: the branches that reach no other schema first, and only one of them is kept.
            raw_branches = sorted(raw_branches, key=_mentions_ref)
        # Annotations and `nullable` beside the branches (taken care of above) are no part of
        # any branch: a branch that is a bare `$ref` stays one, and is made once for the document.
        base = {
            k: v
            for k, v in base.items()
            if k not in ANNOTATIONS and k != "nullable" and not k.startswith("x-")
        }
        # `null` matching two branches of a oneOf matches neither: no branch makes it then
        # (GitHub's `value: {oneOf: [string, integer, array], each nullable}`).
        shared_null = (
            key == "oneOf"
            and sum(1 for b in raw_branches if isinstance(b, dict) and _nullable(self.resolved(b))) > 1
        )
        for i, branch in enumerate(raw_branches):
            merged_branch: Any = branch
            if base and isinstance(branch, dict):
                merged_branch = {"allOf": [base, branch]} if "$ref" in branch else {**base, **branch}
            if shared_null and isinstance(merged_branch, dict):
                merged_branch = _not_null(merged_branch)
            gen = self._node(
                merged_branch,
                f"{where}/{key}/{i}",
                component,
                path,
                name,
                stack,
                dense=dense,
                writing=writing,
            )
            if gen is None:
                continue
            if tag and isinstance(branch, dict) and "$ref" in branch:
                ref = str(branch["$ref"])
                value = mapping.get(ref, ref.rsplit("/", 1)[-1])
                gen = _tagged(gen, tag, value)
            branches.append(gen)
            if key == "oneOf":
                validators.append(self.validator(branch if isinstance(branch, dict) else {}))
        if key == "oneOf" and len(branches) > 1:
            kept = []
            for gen in branches:
                exclusive = True
                for s in range(SAMPLES // 2):
                    ctx = self.sample_ctx(s)
                    ctx.objects.append({})
                    value = gen(ctx, MISSING)
                    if sum(1 for v in validators if v.is_valid(value)) != 1:
                        exclusive = False
                        break
                if exclusive:
                    kept.append(gen)
            if not kept:
                self.notes.append(
                    f"warning: {where}: no value matches exactly one branch of its oneOf (they cannot "
                    "be told apart): answers there match the first, and so the others too"
                )
                kept = branches[:1]
            branches = kept
        if not branches:
            return (lambda ctx, over: None if over is MISSING else over) if nulls else None
        if self._lean_open is not None:
            branches = branches[:1]
        choices = tuple(branches)

        def choose(ctx: Ctx, over: Any) -> Any:
            return choices[int(ctx.rand() * len(choices))](ctx, over)

        if not nulls or dense:
            return choose
        rate = float(self.values.sparse.get("null", 0.1))

        def or_null(ctx: Ctx, over: Any) -> Any:
            if over is MISSING and ctx.rand() < rate:
                return None
            return choose(ctx, over)

        return or_null

    # ------------------------------------------------------------------------ leaves

    def _leaf(self, schema: dict[str, Any], where: str, name: str | None, types: list[str]) -> Gen:
        # A leaf's generator depends on its schema's constraints and its name only; large
        # documents repeat both hundreds of times, and trying candidates on samples is costly.
        key = (json.dumps(_constraints(schema), sort_keys=True, default=str), name)
        known = self._leaves.get(key)
        if known is None:
            made = self._new_leaf(schema, where, name, types)
            known = self._leaves[key] = as_floats(made) if types == ["number"] else made
        return known

    def _new_leaf(self, schema: dict[str, Any], where: str, name: str | None, types: list[str]) -> Gen:
        least = schema.get("minLength")
        if isinstance(least, int) and least * self._volume > MAX_MIN_LENGTH:
            raise CannotGenerate(
                f"{where}/minLength: {least} characters at least, more than the {MAX_MIN_LENGTH} "
                "an answer may carry"
            )
        for source, gen in self._leaf_candidates(schema, name, types):
            checked = self._checked(gen, schema, where, source)
            if checked is not None:
                return checked
        raise CannotGenerate(f"{where}: no value satisfies this schema ({_brief(schema)})")

    def _leaf_candidates(self, schema: dict[str, Any], name: str | None, types: list[str]):  # type: ignore[no-untyped-def]
        faker = schema.get("x-faker")
        if isinstance(faker, str):
            method = _snake(faker.rsplit(".", 1)[-1])
            pool = self.values.faker_pool(method)
            if pool is not None:
                yield "x-faker", _pooled(pool)
        if "const" in schema:
            constant = schema["const"]
            yield "const", lambda ctx, over: constant if over is MISSING else over
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            options = tuple(v for v in schema["enum"] if v is not None) or (None,)
            yield "enum", _pooled(options)
        kind = types[0] if types else "string"
        fmt = schema.get("format")
        if isinstance(fmt, str):
            made = _format(fmt, kind, self.values)
            if made is not None:
                yield f"format {fmt}", made
            if fmt == "date-time":
                # Written with a numeric offset (`+00:00`, 25 characters) where a length asks it.
                yield (
                    "format date-time with an offset",
                    lambda ctx, over: (
                        iso(TIMELINE_START + int(ctx.rand() * TIMELINE_SPAN))[:-1] + "+00:00"
                        if over is MISSING
                        else over
                    ),
                )
            if fmt == "time":
                # RFC 3339's full-time (3.1) carries an offset; the draft-3 `time` that 3.0's
                # checker applies has none: the one that passes is kept.
                yield (
                    "format time",
                    lambda ctx, over: (
                        iso(TIMELINE_START + int(ctx.rand() * 86400))[11:19] if over is MISSING else over
                    ),
                )
        if name is not None and (recipe := self.values.for_name(name)) is not None:
            try:
                yield recipe[1], self.values.compile(recipe[0], recipe[1])
            except RecipeError as exc:
                self.notes.append(str(exc))
        examples = _examples(schema)
        if examples:
            yield "example", _pooled(examples)
        if "default" in schema:
            default = schema["default"]
            yield "default", lambda ctx, over: default if over is MISSING else over
        if kind == "string" and isinstance(schema.get("pattern"), str):
            pool = self._pattern_pool(schema)
            if pool:
                yield "pattern", _pooled(pool)
        for kind in types or ["string"]:
            yield f"type {kind}", _typed(kind, schema, self.values)

    def _pattern_pool(self, schema: dict[str, Any]) -> tuple[str, ...]:
        pattern = str(schema["pattern"])
        low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10**6))
        # Large documents repeat a pattern on hundreds of fields (Twilio's SIDs); drawing from a
        # regular expression is slow, and the pool depends on nothing else.
        known = self._pattern_pools.get((pattern, low, high))
        if known is None:
            known = self._pattern_pools[(pattern, low, high)] = self._draw_pattern(pattern, low, high)
        return known

    def _draw_pattern(self, pattern: str, low: int, high: int) -> tuple[str, ...]:
        try:
            re.compile(pattern)
        except re.error:
            return ()
        # rstr repeats `+` and `*` up to 100 times, and nested repeats multiply: an ARN
        # pattern's draws ran to thousands of characters, all refused by its maxLength, at
        # seconds each. Short repeats first (values as real ones look), longer ones after.
        for repeats in (PATTERN_REPEATS, 100):
            maker = BoundedXeger(random.Random(f"{self.values.seed}/{pattern}"), repeats)
            pool: list[str] = []
            try:
                for _ in range(PATTERN_POOL * 4):
                    value = maker.xeger(pattern)
                    if low <= len(value) <= high and matches(pattern, value):
                        pool.append(value)
                    if len(pool) >= PATTERN_POOL:
                        break
            except Exception:  # rstr raises plain errors for constructs it does not know
                return ()
            if pool:
                return tuple(pool)
        return ()


class BoundedXeger(rstr.Rstr):
    """rstr's drawing from a regular expression, with open repeats (`+`, `*`, `{2,}`, `{0,62}`)
    drawn at most `repeats` past their least, and counted ones (`{17}`) as counted: rstr's own
    limit caps both, and refuses `{17}` under a limit of 8. `_handle_repeat` is rstr's private
    hook: rstr is pinned exactly, and tests/test_values.py fails when it changes."""

    def __init__(self, rng: random.Random, repeats: int) -> None:
        super().__init__(rng)
        self.repeats = repeats

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        if start_range > MAX_MIN_LENGTH:
            raise ValueError(f"a repeat of {start_range} at least")  # `a{1000000000}`
        end_range = min(end_range, start_range + self.repeats)
        times = self._random.randint(start_range, end_range)
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without `null` among its values (nullable, or 3.1's `null` type)."""
    if "$ref" in schema or "allOf" in schema:
        return {"allOf": [schema], "nullable": False}
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return {**schema, "type": kinds[0] if len(kinds) == 1 else kinds, "nullable": False}
    return {**schema, "nullable": False}


def _mentions_ref(schema: Any) -> bool:
    """Whether `schema` reaches another schema by a `$ref` anywhere inside it."""
    if isinstance(schema, dict):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False


def _tagged(gen: Gen, tag: str, value: str) -> Gen:
    def tagged(ctx: Ctx, over: Any) -> Any:
        out = gen(ctx, over)
        if isinstance(out, dict) and over is MISSING:
            out[tag] = value
        return out

    return tagged


def _generation_order(schema: dict[str, Any], declared: list[str]) -> list[str]:
    """Ids first (children name them), then a field after the sibling it is declared after."""
    order = sorted(declared, key=lambda k: 0 if k == "id" else 1)
    for key, sub in (schema.get("properties") or {}).items():
        sibling = sub.get("x-not-before") if isinstance(sub, dict) else None
        if sibling in order and order.index(sibling) > order.index(key):
            order.remove(key)
            order.insert(order.index(sibling) + 1, key)
    return order


def _pooled(pool: tuple[Any, ...]) -> Gen:
    size = len(pool)
    if size == 1:
        only = pool[0]
        return lambda ctx, over: only if over is MISSING else over
    return lambda ctx, over: pool[int(ctx.rand() * size)] if over is MISSING else over


def _examples(schema: dict[str, Any]) -> tuple[Any, ...]:
    found: list[Any] = []
    if "example" in schema:
        found.append(schema["example"])
    examples = schema.get("examples")
    if isinstance(examples, list):
        found.extend(examples)
    return tuple(v for v in found if v is not None)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _brief(schema: dict[str, Any]) -> str:
    keys = ("type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "enum")
    return ", ".join(f"{k}={schema[k]!r}" for k in keys if k in schema) or "no constraints"


def _format(fmt: str, kind: str, values: Values) -> Gen | None:
    pools: dict[str, str] = {
        "email": "email",
        "uri": "url",
        "url": "url",
        "hostname": "hostname",
        "ipv4": "ipv4",
        "ipv6": "ipv6",
        "uri-reference": "uri_path",
        "iri": "url",
        "idn-email": "email",
        "idn-hostname": "hostname",
        "password": "password",
        "phone": "phone_number",
    }
    if kind == "string" and fmt in pools:
        pool = values.faker_pool(pools[fmt])
        return _pooled(pool) if pool else None
    if kind != "string":
        return None
    if fmt == "date-time":
        return lambda ctx, over: (
            iso(TIMELINE_START + int(ctx.rand() * TIMELINE_SPAN)) if over is MISSING else over
        )
    if fmt == "date":
        return lambda ctx, over: (
            iso(TIMELINE_START + int(ctx.rand() * TIMELINE_SPAN))[:10] if over is MISSING else over
        )
    if fmt == "time":
        return lambda ctx, over: (
            iso(TIMELINE_START + int(ctx.rand() * 86400))[11:] if over is MISSING else over
        )
    if fmt in ("date-time-rfc-2822", "date-time-rfc1123", "rfc1123", "http-date"):
        # HTTP's and e-mail's dates (`Wed, 01 Mar 2023 10:00:00 GMT`), as Azure documents write them.
        return lambda ctx, over: (
            email.utils.formatdate(TIMELINE_START + int(ctx.rand() * TIMELINE_SPAN), usegmt=True)
            if over is MISSING
            else over
        )
    if fmt in ("int64", "int32", "uint64", "int", "integer", "long", "decimal", "double", "float"):
        # Numbers written as strings, as documents do for values past JavaScript's 2**53.
        whole = fmt not in ("decimal", "double", "float")
        return lambda ctx, over: (
            (str(int(ctx.rand() * 10**9)) if whole else f"{ctx.rand() * 1000:.2f}")
            if over is MISSING
            else over
        )
    if fmt in ("unix-time", "unixtime", "timestamp"):
        return lambda ctx, over: (
            str(TIMELINE_START + int(ctx.rand() * TIMELINE_SPAN)) if over is MISSING else over
        )
    if fmt == "duration":
        return lambda ctx, over: f"PT{1 + int(ctx.rand() * 48)}H" if over is MISSING else over
    if fmt == "uuid":
        return lambda ctx, over: _uuid(ctx.rng) if over is MISSING else over
    if fmt == "byte":
        import base64

        return lambda ctx, over: base64.b64encode(ctx.rng.randbytes(12)).decode() if over is MISSING else over
    if fmt == "binary":
        return lambda ctx, over: token(ctx.rng, 16) if over is MISSING else over
    return None


def _uuid(rng: random.Random) -> str:
    raw = f"{rng.getrandbits(128):032x}"
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{'89ab'[int(raw[16], 16) % 4]}{raw[17:20]}-{raw[20:]}"


def _typed(kind: str, schema: dict[str, Any], values: Values) -> Gen:
    if kind == "boolean":
        return lambda ctx, over: ctx.rand() < 0.5 if over is MISSING else over
    if kind in ("integer", "number"):
        return _number(kind, schema)
    if kind == "null":
        return lambda ctx, over: None
    words = values.faker_pool("word") or ("alpha", "beta", "gamma")
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 24)))

    def text(ctx: Ctx, over: Any) -> Any:
        if over is not MISSING:
            return over
        out = ctx.pick(words)
        while len(out) < low:
            out += " " + ctx.pick(words)
        return out[:high] if len(out) > high else out

    return text


def _number(kind: str, schema: dict[str, Any]) -> Gen:
    low = schema.get("minimum")
    high = schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    # OpenAPI 3.0 spells exclusivity as booleans beside minimum/maximum; 3.1 as numbers.
    if isinstance(ex_low, bool):
        ex_low = low if ex_low else None
    if isinstance(ex_high, bool):
        ex_high = high if ex_high else None
    step = schema.get("multipleOf")
    integer = kind == "integer"
    tiny = 1 if integer else 0.01
    lo = ex_low + tiny if isinstance(ex_low, (int, float)) else low
    hi = ex_high - tiny if isinstance(ex_high, (int, float)) else high
    width = 1000 if integer else 100.0
    if lo is None and hi is None:
        lo, hi = (1, 1000) if integer else (0.0, 100.0)
    elif lo is None:
        lo = float(hi) - width  # type: ignore[arg-type]
    elif hi is None:
        hi = float(lo) + width
    assert lo is not None and hi is not None
    if step:
        first, last = math.ceil(lo / step), math.floor(hi / step)
        count = max(last - first + 1, 1)
        if integer:
            return lambda ctx, over: (
                int((first + int(ctx.rand() * count)) * step) if over is MISSING else over
            )
        # Multiples of a fraction (0.01) as a validator judges them: `value / step` must come out
        # whole in floating point, which 0.07 / 0.01 does not. Those that do, spread over the range.
        spread = (
            [first + (count - 1) * i // 199 for i in range(200)] if count > 200 else range(first, last + 1)
        )
        fit = tuple(
            dict.fromkeys(v for v in (round(k * step, 10) for k in spread) if float(v / step).is_integer())
        )
        if not fit:
            return lambda ctx, over: round(first * step, 10) if over is MISSING else over
        return _pooled(fit)
    if integer:
        a, b = math.ceil(lo), math.floor(hi)
        return lambda ctx, over: a + int(ctx.rand() * (b - a + 1)) if over is MISSING else over
    return lambda ctx, over: round(lo + ctx.rand() * (hi - lo), 2) if over is MISSING else over
