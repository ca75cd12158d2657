"""One answer in the media type the client accepts, as the operation's `content` offers it.

Content negotiation follows RFC 9110 section 12.5.1: the `Accept` header's ranges with their
q-values, the most specific range deciding for each offered type, ties broken by the document's
order; `application/json` also accepts a structured `+json` type (a client asking for JSON
reads `application/vnd.acme+json`). The generators make one value per answer; this module
writes it as JSON, XML, text or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape

from mockserver.model.document import JSON_MEDIA

_XML = re.compile(r"^(application|text)/([\w.+-]+\+)?xml$")
_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def kind_of(media_type: str) -> str:
    """json, xml, text or binary: how a value is written in `media_type`."""
    bare = media_type.split(";", 1)[0].strip().lower()
    if JSON_MEDIA.match(bare):
        return "json"
    if _XML.match(bare):
        return "xml"
    if bare.startswith("text/"):
        return "text"
    return "binary"


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for field in fields[1:]:
            name, _, value = field.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((kind, sub, q))
    return out


def _quality(ranges: list[tuple[str, str, float]], offered: str) -> float:
    kind, _, sub = offered.split(";", 1)[0].strip().lower().partition("/")
    best, quality = -1, 0.0
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            specificity = 4
        elif r_kind == kind and r_sub == "json" and sub.endswith("+json"):
            specificity = 3
        elif r_kind == kind and r_sub == "*":
            specificity = 2
        elif r_kind == "*" and r_sub == "*":
            specificity = 1
        else:
            continue
        if specificity > best:
            best, quality = specificity, q
    return quality


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type `accept` prefers; the first offered when `accept` says nothing;
    None when it accepts none of them (a 406)."""
    if not offered:
        return None
    ranges = _ranges(accept or "")
    if not ranges:
        return offered[0]
    scored = [(_quality(ranges, media_type), -i, media_type) for i, media_type in enumerate(offered)]
    quality, _, chosen = max(scored)
    return chosen if quality > 0 else None


def render(value: Any, media_type: str, root: str = "root") -> bytes:
    """`value` (what the JSON answer would hold) written in `media_type`."""
    kind = kind_of(media_type)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    if kind == "xml":
        return (
            b'<?xml version="1.0" encoding="UTF-8"?>' + _xml(_NAME.sub("_", root) or "root", value).encode()
        )
    if isinstance(value, str):
        return value.encode()
    if media_type.split(";", 1)[0].strip().lower() == "text/csv":
        return _csv(value).encode()
    return json.dumps(value, ensure_ascii=False).encode()


def _xml(tag: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(_NAME.sub("_", str(k)) or "field", v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml("item", v) for v in value)
    elif value is None:
        return f"<{tag}/>"
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


def _csv(value: Any) -> str:
    rows = value if isinstance(value, list) else [value]
    records = [r for r in rows if isinstance(r, dict)]
    out = io.StringIO()
    if records:
        columns = list(dict.fromkeys(k for r in records for k in r))
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(
                {k: v if not isinstance(v, (dict, list)) else json.dumps(v) for k, v in record.items()}
            )
    else:
        writer2 = csv.writer(out, lineterminator="\n")
        for row in rows:
            writer2.writerow(row if isinstance(row, list) else [row])
    return out.getvalue()
