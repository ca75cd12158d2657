"""Bounded JSON: nesting found without recursion, numbers no JSON peer can read refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.model import limits

documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=30,
)


def depth(node: Any) -> int:
    if isinstance(node, list):
        return 1 + max((depth(v) for v in node), default=0)
    if isinstance(node, dict):
        return 1 + max((depth(v) for v in node.values()), default=0)
    return 0


@given(documents, st.integers(1, 8))
@example(['[\\"]', {"a]": [[]]}], 2)
def test_the_scan_agrees_with_the_parsed_depth(document: Any, max_depth: int) -> None:
    data = json.dumps(document).encode()
    assert (limits.nesting_violation(data, max_depth) is not None) == (depth(document) > max_depth)


def test_the_pointer_names_keys_and_indexes() -> None:
    data = json.dumps({"a/b": [0, {"c": [[[1]]]}]}).encode()
    violation = limits.nesting_violation(data, 4)
    assert violation is not None and violation.pointer == "/a~1b/1/c/0"


def test_keys_in_the_pointer_are_decoded() -> None:
    data = json.dumps({'a"b': {"c\\": {"é": [[1]]}}}).encode()
    violation = limits.nesting_violation(data, 4)
    assert violation is not None and violation.pointer == '/a"b/c\\/é/0'


def test_a_hundred_thousand_levels_are_refused_without_recursion() -> None:
    with pytest.raises(limits.JsonLimitError, match="nested deeper than 64 levels"):
        limits.loads(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        (b'{"x": [1, NaN]}', "/x/1"),
        (b'{"a": {"b": -Infinity}}', "/a/b"),
        (b"[1e400]", "/0"),
        (b"[1, 2e999]", "/1"),
    ],
)
def test_unrepresentable_numbers_are_refused_where_they_are(data: bytes, pointer: str) -> None:
    with pytest.raises(limits.JsonLimitError) as info:
        limits.loads(data)
    assert info.value.pointer == pointer


def test_64_bit_integers_pass_and_larger_ones_do_not() -> None:
    assert limits.loads(b"[18446744073709551615, -9223372036854775808]") == [2**64 - 1, -(2**63)]
    with pytest.raises(limits.JsonLimitError, match="64-bit"):
        limits.loads(b"[18446744073709551616]")


def test_an_unterminated_string_of_escaped_quotes_is_scanned_in_one_pass() -> None:
    # A backtracking string pattern took 38 s on 128 KB of this; the scan is linear.
    hostile = b"[" * 65 + b'"' + b'\\"' * 500_000
    violation = limits.nesting_violation(hostile)
    assert violation is not None and violation.pointer == "/0" * 64
    assert limits.nesting_violation(b'"' + b'\\"' * 500_000 + b"[" * 70) is None  # all inside a string
