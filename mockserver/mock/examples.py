"""The examples a document writes for its responses, per media type, ready to send.

A media type's `examples` (each by name, `$ref`s followed), its `example` (named `example`), else
its schema's own `example`. They answer `Prefer: example=NAME` and `Prefer: dynamic=false`, and
they are the body of a media type that declares no schema: what else would the API send there?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.mock.dataset import compact_json
from mockserver.mock.representation import kind_of, render
from mockserver.model.document import SpecError, deref


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    media_type: str
    body: bytes


def encoded(value: Any, media_type: str, root: str = "root") -> bytes:
    """An example's value as the bytes of its media type: text as written, JSON serialized,
    structured values in XML or CSV written as `render` writes generated ones."""
    if isinstance(value, str) and kind_of(media_type) != "json":
        return value.encode()
    if kind_of(media_type) == "json":
        return compact_json(value)
    return render(value, media_type, root)


def named_values(document: dict[str, Any], media: Any) -> dict[str, Any]:
    """A media type's example values by name: its `examples`, its `example`, else its schema's."""
    if not isinstance(media, dict):
        return {}
    named: dict[str, Any] = {}
    examples = media.get("examples")
    for name, example in (examples or {}).items() if isinstance(examples, dict) else ():
        try:
            example = deref(document, example)
        except SpecError:
            continue
        if isinstance(example, dict) and "value" in example:
            value = example["value"]
            if isinstance(value, dict) and isinstance(value.get("$ref"), str):
                try:  # a value written once and referred to (`$ref` to a schema's example)
                    value = deref(document, value)
                except SpecError:
                    continue
            named[str(name)] = value
    if "example" in media:
        named.setdefault("example", media["example"])
    if not named:
        try:
            schema = deref(document, media.get("schema"))
        except SpecError:
            schema = None
        if isinstance(schema, dict) and "example" in schema:
            named["example"] = schema["example"]
    return named


def response_examples(document: dict[str, Any], response: Any, root: str = "root") -> tuple[Example, ...]:
    """Every example of a response, in the document's order of media types and names."""
    response = deref(document, response) if isinstance(response, dict) else None
    content = response.get("content") if isinstance(response, dict) else None
    found: list[Example] = []
    for media_type, media in (content or {}).items() if isinstance(content, dict) else ():
        for name, value in named_values(document, media).items():
            try:
                found.append(Example(name, str(media_type), encoded(value, str(media_type), root)))
            except (TypeError, ValueError):
                continue  # a value its media type cannot carry (bytes in JSON): not offered
    return tuple(found)


def pick(examples: tuple[Example, ...], name: str | None, media_type: str | None) -> Example | None:
    """The example called `name` (any, without a name), in `media_type` where there is one."""
    candidates = [e for e in examples if name is None or e.name == name]
    return next((e for e in candidates if e.media_type == media_type), None) or next(iter(candidates), None)


def names(examples: tuple[Example, ...]) -> list[str]:
    return list(dict.fromkeys(e.name for e in examples))
