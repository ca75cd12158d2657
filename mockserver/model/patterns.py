"""Regular expressions from documents, matched in bounded time.

A document's `pattern` is the user's (or an attacker's) code: `^(a|a)*$` against forty
characters backtracks for minutes under Python's `re`, and one request would stall the server.
Patterns are matched with the `regex` module, which gives up after `TIMEOUT_S`; a value whose
match takes longer is refused as not matching (the pattern cannot vouch for it). Every validator
that judges the document's schemas, the mock's and the checker's, uses the keyword below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import regex
from jsonschema import ValidationError, validators

# Per match. Real patterns (ids, e-mails, ARNs) take microseconds.
TIMEOUT_S = 0.05


# Counted repeats past this are refused: `regex` unrolls a repeated literal when compiling
# (some 300 bytes a count), and `a{1000000000}` would take all the memory there is.
MAX_REPEAT = 10_000
_COUNT = re.compile(r"\{\s*(\d+)\s*(?:,\s*(\d*)\s*)?\}")


def readable(pattern: str) -> bool:
    """Whether `pattern` is one this module matches (no counted repeat past MAX_REPEAT)."""
    return all(
        int(low) <= MAX_REPEAT and (not high or int(high) <= MAX_REPEAT)
        for low, high in _COUNT.findall(pattern)
    )


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    if not readable(pattern):
        raise regex.error(f"a counted repeat past {MAX_REPEAT}")
    return regex.compile(pattern)


def matches(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text` (JSON Schema's `pattern`), within the time
    bound; a pattern no engine here reads, or a match that runs out of time, is no match."""
    try:
        return _compiled(pattern).search(text, timeout=TIMEOUT_S) is not None
    except (regex.error, TimeoutError, RecursionError, OverflowError):
        return False


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance[:80]!r} does not match {pattern!r}")


def bounded(cls: Any) -> Any:
    """`cls` (a jsonschema validator class) with `pattern` matched in bounded time."""
    return validators.extend(cls, {"pattern": _pattern})
