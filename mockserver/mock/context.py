"""What a record's generators share while one record is built: its generator and its draws."""

from __future__ import annotations

import random
import weakref
from collections.abc import Callable
from typing import Any

# A compiled generator: (context, the curated value or MISSING) -> JSON value.
Gen = Callable[["Ctx", Any], Any]


class _Missing:
    """No curated value: generate one. (None is a value: JSON null.)"""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
# An optional property left out of its object.
ABSENT: Any = type("_Absent", (), {"__slots__": (), "__repr__": lambda self: "ABSENT"})()


# What the compiler knows of some generators, so that an object calls them the cheap way: the
# plain `ctx -> value` function behind a recipe (no curated value to pass), or the one scalar a
# recipe always gives. Weak, so that an app's generators go with the app.
PLAIN: weakref.WeakKeyDictionary[Callable[..., Any], Callable[[Ctx], Any]] = weakref.WeakKeyDictionary()
CONSTANT: weakref.WeakKeyDictionary[Callable[..., Any], Any] = weakref.WeakKeyDictionary()
# Uniform choices among a tuple (`seq[int(rand() * len(seq))]`), which objects inline.
CHOICES: weakref.WeakKeyDictionary[Callable[..., Any], tuple[Any, ...]] = weakref.WeakKeyDictionary()


class Ctx:
    """One record's state: its random generator, the named draws made so far (a persona, a
    provider, the element an array item is built from), the object being built, the ids of the
    objects that hold it, and the record's position (creation times grow with it)."""

    __slots__ = ("draw", "draws", "holders", "index", "objects", "rand", "rng", "scope")

    def __init__(self, rng: random.Random, index: int, draw: Callable[[Ctx, str], Any]) -> None:
        self.rng = rng
        self.rand = rng.random
        self.index = index
        self.scope: dict[str, Any] = {}
        self.objects: list[dict[str, Any]] = []
        self.holders: list[Any] = []
        self.draw = draw

    def lookup(self, name: str) -> Any:
        """A named draw of this record, made on first use so that unused ones cost nothing."""
        try:
            return self.scope[name]
        except KeyError:
            made = self.scope[name] = self.draw(self, name)
            return made

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rand() * len(seq))]
