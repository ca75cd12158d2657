"""Bounded reading of untrusted JSON: files that may be FIFOs or huge, documents nested without
end, numbers that no JSON peer can represent.

Used for fixtures and captured payloads (read from disk) and for responses (read off the
network). Each refusal is a `JsonLimitError` that names the JSON pointer where it happened, so
callers can print one line instead of a `RecursionError` or `MemoryError` traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

# Fixtures and captured payloads: a page of 1,000 assistants is about 4 MB.
MAX_FILE_BYTES = 32 * 1024 * 1024
# Real API documents nest a dozen levels; validators recurse a few frames per level, and Python's
# default recursion limit is 1,000 frames.
MAX_JSON_DEPTH = 64
# Integers beyond 64 bits (and floats beyond a double) change value in most JSON peers.
INT_RANGE = (-(2**63), 2**64 - 1)

_STRUCTURE = re.compile(rb"[\[\]{},]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")


class JsonLimitError(ValueError):
    """The document breaks a limit; `pointer` says where (RFC 6901)."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer
        self.message = message


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _segments(data: bytes) -> list[bytes]:
    """`data` cut at its string quotes: even items lie outside strings, odd ones are strings.

    Escapes are blanked first, each pair in place, so no quote left is escaped and a plain split
    finds every string; all of it runs in C, in time linear in the size of `data`.
    """
    return data.replace(b"\\\\", b"__").replace(b'\\"', b"__").split(b'"')


def _key(raw: bytes) -> str:
    try:
        return str(json.loads(b'"' + raw + b'"'))
    except ValueError:
        return raw.decode("utf-8", "replace")


def nesting_violation(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> JsonLimitError | None:
    """The first container nested deeper than `max_depth`, found without parsing.

    Linear in the size of `data` whatever it holds, and it never recurses, so 100,000 nested
    arrays cost what a flat document of the same size costs.
    """
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return None  # cannot be deeper than the number of containers
    segments = _segments(data)
    depth = 0
    for byte in b"".join(segments[0::2]).translate(None, _NOT_A_BRACKET):
        depth += 1 if byte in _OPENING else -1
        if depth > max_depth:
            break
    else:
        return None
    # Too deep: walk again, keeping each container's key or index, to say where.
    stack: list[list[Any]] = []
    offset = 0
    for index, segment in enumerate(segments):
        start, offset = offset, offset + len(segment) + 1  # blanking kept every length
        if index % 2:
            if stack and stack[-1][0] and stack[-1][2]:
                stack[-1][1] = _key(data[start : start + len(segment)])
                stack[-1][2] = False
            continue
        for match in _STRUCTURE.finditer(segment):
            token = match.group()
            if token in b"[{":
                if len(stack) >= max_depth:
                    where = "/" + "/".join(_escape(str(entry[1])) for entry in stack)
                    return JsonLimitError(where, f"nested deeper than {max_depth} levels")
                is_object = token == b"{"
                # [is_object, current key or index, expecting a key]
                stack.append([is_object, "" if is_object else 0, is_object])
            elif token in b"]}":
                if stack:
                    stack.pop()
            elif stack:  # a comma
                if stack[-1][0]:
                    stack[-1][2] = True
                else:
                    stack[-1][1] += 1
    return None


def _constant(name: str) -> Any:
    raise JsonLimitError("", f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonLimitError("", f"{text} is out of range for a JSON number")
    return value


def _int(text: str) -> int:
    value = int(text)
    if not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise JsonLimitError("", f"{text} is out of range for a 64-bit integer")
    return value


def _locate(document: bytes, token: str) -> str:
    """Where a rejected number or constant sits: parsed again with it replaced by a marker."""
    marker = "__mockserver_rejected__"
    try:
        text = document.decode("utf-8")
        position = re.search(rf"(?<![\w.\"]){re.escape(token)}(?![\w.])", text)
        if position is None:
            return ""
        patched = json.loads(text[: position.start()] + f'"{marker}"' + text[position.end() :])
    except ValueError:
        return ""

    def find(node: Any, at: str) -> str | None:
        if node == marker:
            return at
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        )
        for key, value in children:
            found = find(value, f"{at}/{_escape(str(key))}")
            if found is not None:
                return found
        return None

    return find(patched, "") or ""


def loads(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON that may be hostile: refuses deep nesting, NaN/Infinity and unrepresentable
    numbers with a `JsonLimitError`; malformed JSON raises `json.JSONDecodeError` as usual."""
    too_deep = nesting_violation(data, max_depth)
    if too_deep is not None:
        raise too_deep
    try:
        return json.loads(data, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonLimitError as exc:
        token = exc.message.split(" ", 1)[0]
        raise JsonLimitError(_locate(data, token) or "/", exc.message) from None


def read_regular_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refusing anything but a regular file of at most `max_bytes`.

    Opened non-blocking, so a FIFO is refused instead of waiting forever for a writer, and read
    with a cap, so `/dev/zero` behind a symlink cannot exhaust memory. Raises OSError with a
    message fit for one line.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise OSError(f"{info.st_size} bytes, over the {max_bytes}-byte limit")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise OSError(f"over the {max_bytes}-byte limit")
        return data
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


# OpenAPI documents: the largest public one (Microsoft Graph beta) is 47 MB and nests 30 deep;
# none of the 2,639 in the public corpus nests past 64.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
MAX_DOCUMENT_DEPTH = 128
# Nodes once YAML's aliases are expanded: Graph beta holds about 4 million; a 1 KB alias bomb
# ("billion laughs") holds 10**9 though it parses in microseconds.
MAX_DOCUMENT_NODES = 20_000_000


def yaml_violation(text: str) -> JsonLimitError | None:
    """Too deep, or too large once its aliases are expanded: found from the event stream of
    YAML's parser, which keeps no tree and never recurses, before anything is composed (libyaml's
    composer recurses in C, and 100,000 nested sequences overflow its stack)."""
    import yaml

    if not _may_nest_or_alias(text):
        return None
    sizes: dict[str, int] = {}
    levels: list[_Level] = []
    total = 0

    def pointer() -> str:
        return "".join(f"/{_escape(lvl.key if lvl.mapping else str(lvl.index))}" for lvl in levels) or "/"

    def done(size: int, scalar: str | None = None) -> None:
        nonlocal total
        if not levels:
            total += size
            return
        level = levels[-1]
        level.size += size
        if not level.mapping:
            level.index += 1
        elif level.want_key:
            level.key, level.want_key = scalar if scalar is not None else "?", False
        else:
            level.want_key = True

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(levels) >= MAX_DOCUMENT_DEPTH:
                return JsonLimitError(pointer(), f"nested more than {MAX_DOCUMENT_DEPTH} levels deep")
            levels.append(_Level(event.anchor, isinstance(event, yaml.MappingStartEvent)))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            level = levels.pop()
            if level.anchor:
                sizes[level.anchor] = level.size
            done(level.size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            done(1, event.value)
        elif isinstance(event, yaml.AliasEvent):
            done(sizes.get(event.anchor or "", 1))
        else:
            continue
        if total + sum(level.size for level in levels) > MAX_DOCUMENT_NODES:
            return JsonLimitError(
                pointer(), f"more than {MAX_DOCUMENT_NODES:,} values once its aliases are expanded"
            )
    return None


class _Level:
    """One open mapping or sequence of a YAML event stream: its anchor, the values in it so far
    (aliases expanded), and where in it the parser is."""

    __slots__ = ("anchor", "index", "key", "mapping", "size", "want_key")

    def __init__(self, anchor: str | None, mapping: bool) -> None:
        self.anchor, self.mapping = anchor, mapping
        self.size, self.key, self.index, self.want_key = 1, "", 0, True


def _may_nest_or_alias(text: str) -> bool:
    """Whether `text` could hold an alias or nest past the limit (a cheap bound: block nesting
    needs indentation, flow nesting brackets), so that plain documents skip the event scan."""
    if "*" in text and "&" in text:
        return True
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    return indent + text.count("[") + text.count("{") > MAX_DOCUMENT_DEPTH
