"""The contract's data rules, read from its vendor extensions: one place, used by both sides.

The mock holds its curated fixtures to them at start-up; the contract checks hold a deployment's
pages to them. `x-parent-id` (a child names the object that holds it), `x-not-before` (a
timestamp never earlier than its sibling) and unique ids within a list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any


class DomainViolation(AssertionError):
    """A response breaks the meaning of the contract; `title` says which rule."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}\n\n{message}")
        self.title = title
        self.message = message


def walk(
    node: Any, schema: dict[str, Any], path: str, parent: Any
) -> Iterator[tuple[str, Any, dict[str, Any], Any]]:
    """(path, value, schema, containing object) for every property with a declared schema."""
    schema = merged(schema)
    if isinstance(node, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in node:
                yield f"{path}/{key}", node[key], merged(sub), node
                yield from walk(node[key], sub, f"{path}/{key}", node)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, schema.get("items", {}), f"{path}/{i}", parent)


def merged(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `allOf` members folded in (the schema's own keywords win)."""
    result = {k: v for k, v in schema.items() if k != "allOf"}
    for member in schema.get("allOf", []):
        result = {**merged(member), **result}
    return result


def check_parent_references(item_schema: dict[str, Any], items: list[Any]) -> None:
    for i, item in enumerate(items):
        # The containing object of a child is the child itself; its parent is the item that holds
        # the array, so track the nearest object that has an `id` above the child.
        for path, value, schema, holder in walk(item, item_schema, f"/{i}", None):
            if isinstance(value, list) and isinstance(holder, dict):
                for j, child in enumerate(value):
                    _check_child(child, schema.get("items", {}), f"{path}/{j}", holder.get("id"))


def _check_child(child: Any, schema: dict[str, Any], path: str, parent_id: Any) -> None:
    if not isinstance(child, dict):
        return
    for key, sub in merged(schema).get("properties", {}).items():
        if merged(sub).get("x-parent-id") and key in child and child[key] != parent_id:
            raise DomainViolation(
                "Child points at another parent",
                f"{path}/{key}: {child[key]!r}, but the object holding it has id {parent_id!r}",
            )


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.now().astimezone().tzinfo)


def check_timestamps(item_schema: dict[str, Any], items: list[Any]) -> None:
    for path, value, schema, holder in walk(items, {"items": item_schema}, "", None):
        sibling = schema.get("x-not-before")
        if sibling is None or not isinstance(holder, dict):
            continue
        later, earlier = _instant(value), _instant(holder.get(sibling))
        if later is not None and earlier is not None and later < earlier:
            raise DomainViolation(
                "Timestamps out of order",
                f"{path}: {value!r} is before {sibling} {holder.get(sibling)!r}",
            )


def check_unique_ids(items: list[Any]) -> None:
    seen: dict[Any, int] = {}
    for i, identifier in enumerate(ids(items)):
        if identifier is None:
            continue
        if identifier in seen:
            raise DomainViolation(
                "Duplicate ids in a page", f"/{i}/id: {identifier!r} already at /{seen[identifier]}/id"
            )
        seen[identifier] = i


def ids(items: list[Any]) -> list[Any]:
    return [item.get("id") if isinstance(item, dict) else None for item in items]
