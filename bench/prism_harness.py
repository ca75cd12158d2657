"""Stoplight Prism's own test harness, run against this mock: how many of its cases it passes.

Run: `python bench/prism_harness.py FOLDER [--only SUBSTRING] [--json OUT]`, where the
folder holds Prism's `test-harness/specs` tree (exported from github.com/stoplightio/prism; never
copied into this repository). Each `**/*.txt` case (Prism's own glob) has `====spec====`,
`====server====`, `====command====` and one of `====expect====`, `====expect-loose====`,
`====expect-keysOnly====`. Swagger 2.0 cases are skipped and counted; each OpenAPI 3.x case gets a
fresh in-process mock (`create_app` on the case's spec, no fixtures) and the case's curl command,
parsed as the harness's shell would (`&` ends the command, `-H "Accept:"` drops curl's default
`Accept: */*`, `-I` prints no body, `-d` implies POST and form encoding, `-F` is multipart).

How Prism's harness judges (test-harness/index.ts): Gavel 10 on the parsed curl output, where the
status code must be equal, every expected header must be present (values compared, lower-cased,
only for content-type and the accept-* headers) and the body is compared by Gavel (JSON: every
expected key present, recursively, values ignored; text: equal); `expect` also needs the body
byte-equal, `expect-keysOnly` the same top-level keys in the same order; an XML body is compared by
element structure only. That is the *harness verdict* here (JSON is compared parsed, key order
kept, so that whitespace does not count).

Each aspect (status, each expected header, body) also gets a *generic verdict*: what any OpenAPI
mock owes the document, or none where the expectation is Prism's own behaviour:
- status: equal, except where Prism's status is its own invention for a status the operation
  does not declare (no exact, `NXX` or `default` response): an invalid request Prism answers 422
  may be 400 or 422 (or 404 when the path has an empty segment for a path parameter); Prism's 404
  for a status code or example name the document lacks may be any 4xx; an operation declaring no
  2XX or `default` may answer any status it declares (Prism takes the first written); Prism-only
  failures (`VIOLATIONS` of `--errors`, `SCHEMA_TOO_COMPLEX`, `NO_COMPLEX_OBJECT_TEXT`), Prism's
  "Reserved characters" 422 on a multipart body (OpenAPI ignores `allowReserved` there) and HEAD
  where only GET is declared (RFC 9110 9.1: HEAD goes wherever GET does) have none.
- headers: content-type must be, of the media types the answered response declares, one the
  request's Accept header ranks highest (RFC 9110 12.5.1: q-values, the most specific range; no
  Accept or `*/*` leaves the choice to the server), else the expected media type; parameters such
  as charset are ignored; no generic verdict on a status the operation does not declare (the error
  shape is the mock's choice). Prism's `sl-*` headers have none; any other must be present.
- body: Prism's error bodies (`https://stoplight.io/prism/errors#...`) have none. An empty
  expected body needs an empty answer where the answered response is declared without content.
  Otherwise the answer must use a media type the answered response declares, and be: the named
  example when the request names one of it (`Prefer: example=`); one of the document's examples
  when the media type has no schema; else valid against the declared schema (JSON parsed, text by
  the schema's scalar type, XML well-formed; `discriminator` read as the hint it is), unless that
  schema rejects Prism's expected body too (then none). Which example, or which schema-valid
  value, a mock picks is its own choice (Prism's static mode takes the first example, else
  "string", 0 and defaults): only the harness verdict sees it.
A case *passed* when every harness verdict holds, *failed* when a generic verdict does not, and is
*prism-specific* otherwise (only Prism's static example or value choices, error wording, headers or
status inventions differ). It is *refused to start* when `create_app` raises: a SpecError or
ValueError is the mock's refusal, any other exception is listed as a crash.

A case not passed as sent is also sent in this mock's spelling of the same request, and that
answer decides between failed and prism-specific: Prism's query selectors `__code`, `__example`,
`__dynamic` become `Prefer: code=`, `example=`, `dynamic=`; a static `mock` server (no `-d`) adds
`Prefer: dynamic=false`; where Prism grants access (expected status not 401/403), a bearer, basic
or API-key credential becomes this mock's dev credential (Prism accepts any value, this mock
only its dev ones).

It prints a table per category (cases, passed, failed, prism-specific, refused to start), then one
line per failure and per refusal, then why each prism-specific case is one. `--json OUT` writes
every case with each aspect's expectation, answer and verdicts.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shlex
import sys
import tempfile
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema.exceptions import SchemaError
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing.exceptions import Unresolvable

# Connexion imports starlette.testclient, which warns about httpx (as in pyproject's pytest filters).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

    from mockserver.mock.app import Plan, create_app
    from mockserver.mock.settings import Settings
    from mockserver.model.document import SpecError

SECTION = re.compile(r"====(server|test|spec|command|expect|expect-loose|expect-keysOnly)====\r?\n", re.I)
STATUS_LINE = re.compile(r"^(.+) ([0-9]{3}) (.*)$")
PRISM_ERROR = "https://stoplight.io/prism/errors#"
PRISM_ONLY_ERRORS = {"VIOLATIONS", "SCHEMA_TOO_COMPLEX", "NO_COMPLEX_OBJECT_TEXT"}
# The headers whose values Gavel compares (HeadersJsonExample's valuesStrict).
VALUE_HEADERS = {"content-type", "accept", "accept-charset", "accept-encoding", "accept-language"}
CURL_AGENT = "curl/8.5.0"
DEV_BEARER = "Bearer dev-token"
DEV_BASIC = "Basic " + base64.b64encode(b"dev:dev").decode()
DEV_KEY = "dev-key"
SELECTORS = {"__code", "__example", "__dynamic"}
CATEGORIES = {
    "content-negotiation": "content negotiation",
    "cors": "CORS / OPTIONS",
    "default-responses": "statuses / Prefer",
    "range-status-codes": "statuses / Prefer",
    "empty-responses": "empty bodies / HEAD",
    "head-requests": "empty bodies / HEAD",
    "deprecated-keyword": "parameter validation",
    "validate-query-params": "parameter validation",
    "validate-path-params": "parameter validation",
    "validate-header-params": "parameter validation",
    "validate-body-params": "request body validation",
    "security": "security",
    "routing": "routing",
    "static-examples": "examples",
    "selecting-examples": "examples",
    "dynamic-responses": "generated bodies",
    "generated-responses": "generated bodies",
    "json-schema-faker-fillProperties": "generated bodies",
    "references": "$ref handling",
    "serialization": "serialization",
    "violations": "violations (sl-violations, --errors)",
    "proxy": "proxy",
    "multi-process-mode": "multi-process mode",
}


@dataclass(frozen=True)
class Message:
    """An HTTP response as the harness sees it: curl's `-i` output, parsed."""

    status: int
    headers: dict[str, str]
    body: str

    @property
    def media(self) -> str:
        return essence(self.headers.get("content-type", ""))


@dataclass(frozen=True)
class Sent:
    """One request, as the curl command would send it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    dropped: frozenset[str]
    headers_only: bool
    follow: bool

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def preferences(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in re.split(r"[,;]", self.header("prefer") or ""):
            key, _, value = part.strip().partition("=")
            if key:
                out[key.lower()] = value.strip()
        return out

    def describe(self) -> str:
        extra = [f"{k}: {v}" for k, v in self.headers if k.lower() in {"prefer", "authorization", "cookie"}]
        return " ".join([self.method, self.target, *(f"[{e}]" for e in extra)])


@dataclass
class Aspect:
    """One expected part of the answer, with the harness's verdict and the generic one."""

    name: str
    expected: str
    got: str
    harness: bool
    generic: bool | None
    required: str = ""


@dataclass
class Attempt:
    request: str
    aspects: list[Aspect]

    @property
    def outcome(self) -> str:
        if any(a.generic is False for a in self.aspects):
            return "failed"
        return "passed" if all(a.harness for a in self.aspects) else "prism-specific"


@dataclass
class Result:
    file: str
    category: str
    mode: str
    server: str
    outcome: str
    attempts: list[Attempt] = field(default_factory=list)
    refusal: str = ""


@dataclass(frozen=True)
class Case:
    file: str
    sections: dict[str, str]
    document: dict[str, Any]

    @property
    def server(self) -> str:
        return self.sections.get("server", "").strip()

    @property
    def dynamic(self) -> bool:
        return bool({"-d", "--dynamic"} & set(self.server.split()))

    @property
    def expect_kind(self) -> str:
        return next(k for k in ("expect", "expect-loose", "expect-keysonly") if k in self.sections)


def parse_sections(text: str) -> dict[str, str]:
    parts = SECTION.split(text)
    sections: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections.setdefault(name.lower(), body)
    return sections


def parse_message(text: str) -> Message:
    """http-string-parser's `parseResponse`, on the trimmed text."""
    lines = re.split(r"\r?\n", text.strip())
    found = STATUS_LINE.match(lines[0])
    if found is None:
        raise ValueError(f"no status line in {lines[0]!r}")
    headers: dict[str, str] = {}
    rest = lines[1:]
    while rest:
        line = rest.pop(0)
        if line == "":
            break
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return Message(int(found.group(2)), headers, "\n".join(rest))


def parse_curl(command: str) -> Sent:
    """The request a `curl` command line sends, read with the shell's quoting."""
    lexer = shlex.shlex(command.strip(), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    for word in lexer:
        if word in {"&", "&&", ";", "|", "||"}:
            break
        words.append(word)
    if words[:1] != ["curl"]:
        raise ValueError(f"not a curl command: {command.strip()!r}")
    method: str | None = None
    url = ""
    headers: list[tuple[str, str]] = []
    dropped: set[str] = set()
    data: list[str] = []
    forms: list[tuple[str, str]] = []
    head = follow = False
    args = iter(words[1:])
    for word in args:
        for flag, value in _curl_options(word, args):
            if flag in {"-X", "--request"}:
                method = value
            elif flag in {"-H", "--header"}:
                name, _, content = value.partition(":")
                if content.strip():
                    headers.append((name.strip(), content.strip()))
                else:
                    dropped.add(name.strip().lower())
            elif flag in {"-d", "--data", "--data-raw"}:
                data.append(value)
            elif flag in {"-F", "--form"}:
                name, _, content = value.partition("=")
                forms.append((name, content))
            elif flag in {"-b", "--cookie"}:
                headers.append(("Cookie", value))
            elif flag in {"-I", "--head"}:
                head = True
            elif flag in {"-L", "--location"}:
                follow = True
            elif flag == "--url" or flag == "":
                url = value
    body: bytes | None = None
    if forms:
        boundary = uuid.uuid4().hex
        body = _multipart(forms, boundary)
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Type", f"multipart/form-data; boundary={boundary}"))
    elif data:
        body = "&".join(data).encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    split = urlsplit(url)
    target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    verb = method or ("HEAD" if head else "POST" if body is not None else "GET")
    return Sent(verb.upper(), target, tuple(headers), body, frozenset(dropped), head, follow)


def _curl_options(word: str, rest: Iterator[str]) -> Iterator[tuple[str, str]]:
    """Split one curl word into (flag, value) pairs: `-sIXGET`, `--header X`, a bare URL."""
    valued_long = {"--request", "--header", "--data", "--data-raw", "--form", "--cookie", "--url"}
    known_long = {"--head", "--location", "--silent", "--include"}
    if word.startswith("--"):
        if word in valued_long:
            yield word, next(rest)
        elif word in known_long:
            yield word, ""
        else:
            raise ValueError(f"unsupported curl option {word}")
    elif word.startswith("-") and len(word) > 1:
        letters = word[1:]
        while letters:
            letter, letters = letters[0], letters[1:]
            if letter in "XHdFb":
                yield f"-{letter}", letters or next(rest)
                return
            if letter not in "sIiL":
                raise ValueError(f"unsupported curl option -{letter}")
            yield f"-{letter}", ""
    else:
        yield "", word


def _multipart(fields: list[tuple[str, str]], boundary: str) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def essence(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def kind_of(media: str) -> str:
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in {"application/xml", "text/xml"} or media.endswith("+xml"):
        return "xml"
    return "text"


def load_json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def ordered(value: Any) -> Any:
    """A parsed JSON value compared with its key order (the harness compares serialized bodies)."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def xml_shape(text: str) -> tuple[Any, ...] | None:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None

    def shape(element: ET.Element) -> tuple[Any, ...]:
        return (element.tag, tuple(shape(child) for child in element))

    return shape(root)


# --- the document: operations, declared responses, media types, examples, schemas ----------------


def resolve(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = document
        for token in node["$ref"][2:].split("/"):
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            target = target.get(token) if isinstance(target, dict) else None
        node, seen = target, seen + 1
        if seen > 20:
            return None
    return node


def find_operation(document: dict[str, Any], method: str, target: str) -> dict[str, Any] | None:
    """The operation a path and method name, concrete templates before templated ones."""
    path = unquote(urlsplit(target).path)
    matches: list[tuple[int, dict[str, Any]]] = []
    for template, item in (document.get("paths") or {}).items():
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        operation = item.get(method.lower()) if isinstance(item, dict) else None
        if re.fullmatch(pattern, path) and isinstance(operation, dict):
            matches.append((template.count("{"), operation))
    return min(matches, key=lambda m: m[0])[1] if matches else None


def declared(
    document: dict[str, Any], operation: dict[str, Any] | None, status: int
) -> dict[str, Any] | None:
    """The response an operation declares for a status: exact, then `NXX`, then `default`."""
    if operation is None:
        return None
    responses = {str(k).upper(): v for k, v in (operation.get("responses") or {}).items()}
    for key in (str(status), f"{status // 100}XX", "DEFAULT"):
        if key in responses:
            found = resolve(document, responses[key])
            return found if isinstance(found, dict) else {}
    return None


def media_object(content: dict[str, Any], media: str) -> dict[str, Any] | None:
    for key, value in content.items():
        if essence(key) == media:
            return value if isinstance(value, dict) else {}
    for key, value in content.items():
        kind, _, sub = essence(key).partition("/")
        if (kind == "*" or kind == media.partition("/")[0]) and sub == "*":
            return value if isinstance(value, dict) else {}
    return None


def named_examples(document: dict[str, Any], media: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "example" in media:
        out[""] = media["example"]
    for name, example in (media.get("examples") or {}).items():
        found = resolve(document, example)
        if isinstance(found, dict) and "value" in found:
            out[str(name)] = found["value"]
    return out


def schema_problem(document: dict[str, Any], schema: Any, value: Any) -> str | None:
    """The first violation of `value` against `schema`, or None (valid, or a schema the
    validator cannot read)."""
    root = (
        _hintless({**schema, "components": document.get("components") or {}})
        if isinstance(schema, dict)
        else schema
    )
    if str(document.get("openapi", "")).startswith("3.0"):
        validator: Any = OAS30ReadValidator(root, format_checker=oas30_format_checker)
    else:
        validator = OAS31Validator(root, format_checker=oas31_format_checker)
    try:
        error = next(iter(validator.iter_errors(value)), None)
    except (SchemaError, Unresolvable):
        return None
    return None if error is None else error.message


def _hintless(node: Any) -> Any:
    """A schema without `discriminator` objects: a hint for readers (the validator would take a
    value that names no schema as a broken reference), validation being `oneOf`/`anyOf`'s."""
    if isinstance(node, dict):
        return {
            k: _hintless(v)
            for k, v in node.items()
            if not (k == "discriminator" and isinstance(v, dict) and "propertyName" in v)
        }
    if isinstance(node, list):
        return [_hintless(v) for v in node]
    return node


def same_body(media: str, body: str, example: Any) -> bool:
    kind = kind_of(media)
    if kind == "json":
        ok, parsed = load_json(body)
        return ok and parsed == example
    if kind == "xml" and isinstance(example, str):
        return xml_shape(body) is not None and xml_shape(body) == xml_shape(example)
    return body == (example if isinstance(example, str) else json.dumps(example))


def body_against_schema(document: dict[str, Any], media: str, schema: Any, body: str) -> str | None:
    """Why a body does not fit its declared schema, or None when it does (or cannot be told)."""
    kind = kind_of(media)
    if kind == "xml":
        return None if xml_shape(body) is not None else "not well-formed XML"
    if kind == "json":
        ok, parsed = load_json(body)
        return schema_problem(document, schema, parsed) if ok else "not JSON"
    scalar = resolve(document, schema)
    expected_type = scalar.get("type") if isinstance(scalar, dict) else None
    if expected_type in {"object", "array"}:
        return None
    if expected_type in {"number", "integer", "boolean"}:
        ok, parsed = load_json(body)
        return schema_problem(document, schema, parsed) if ok else f"not a {expected_type}"
    return schema_problem(document, schema, body)


# --- verdicts --------------------------------------------------------------------------------------


def prism_error(body: str) -> str | None:
    ok, parsed = load_json(body)
    kind = parsed.get("type") if ok and isinstance(parsed, dict) else None
    return kind[len(PRISM_ERROR) :] if isinstance(kind, str) and kind.startswith(PRISM_ERROR) else None


def gavel_body(expected: str, actual: str) -> bool:
    """Gavel's body validation: JSON as a keys-present example, text equal."""
    exp_ok, exp = load_json(expected)
    act_ok, act = load_json(actual)
    if not exp_ok and not act_ok:
        return expected == actual
    return exp_ok and act_ok and _gavel_shape(exp, act, top=True)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _gavel_shape(expected: Any, actual: Any, top: bool) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _gavel_shape(v, actual[k], top=False) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            _gavel_shape(e, a, top=False) for e, a in zip(expected, actual, strict=False)
        )
    if not top:
        return True
    want, got = _json_type(expected), _json_type(actual)
    return want == got or (want == "number" and got == "integer")


def harness_body(kind: str, expected: Message, actual: Message) -> bool:
    xml_media = kind_of(actual.media) == "xml"
    if xml_media or xml_shape(expected.body) is not None:
        return xml_shape(expected.body) is not None and xml_shape(expected.body) == xml_shape(actual.body)
    if not gavel_body(expected.body, actual.body):
        return False
    if kind == "expect":
        exp_ok, exp = load_json(expected.body)
        act_ok, act = load_json(actual.body)
        return ordered(exp) == ordered(act) if exp_ok and act_ok else expected.body == actual.body
    if kind == "expect-keysonly":
        return list(json.loads(expected.body)) == list(json.loads(actual.body))
    return True


def generic_status(
    document: dict[str, Any], expected: Message, actual: Message, error: str | None, sent: Sent
) -> tuple[bool | None, str]:
    operation = find_operation(document, sent.method, sent.target)
    if error in PRISM_ONLY_ERRORS:
        return None, ""
    if sent.method == "HEAD" and operation is None and find_operation(document, "GET", sent.target):
        # RFC 9110 9.1: a general-purpose server answers HEAD wherever it answers GET.
        return None, ""
    if error == "UNPROCESSABLE_ENTITY" and _reserved_in_multipart(expected.body, sent):
        # OAS 3.0.3/3.1 Encoding Object: allowReserved SHALL be ignored unless form-urlencoded.
        return None, ""
    if declared(document, operation, expected.status) is None:
        if error == "UNPROCESSABLE_ENTITY" or expected.status == 422:
            # A path with an empty segment for a parameter: "no such route" is as fair an answer.
            also = {404} if "//" in urlsplit(sent.target).path else set()
            return actual.status in {400, 422, *also}, "/".join(map(str, sorted({400, 422, *also}))) + (
                " (an invalid request, no error declared)"
            )
        selects = {"code", "example"} & set(sent.preferences()) or re.search(
            r"[?&]__(code|example)=", sent.target
        )
        if error == "NOT_FOUND" and selects:
            return 400 <= actual.status < 500, "a 4xx (the asked code or example is not declared)"
    elif (
        not _declares_success(operation) and "code" not in sent.preferences() and "__code=" not in sent.target
    ):
        ok = declared(document, operation, actual.status) is not None
        return ok or actual.status == expected.status, "a declared status (no success response declared)"
    return actual.status == expected.status, str(expected.status)


def _reserved_in_multipart(body: str, sent: Sent) -> bool:
    problems = (load_json(body)[1] or {}).get("validation") or []
    reserved = all(p.get("message") == "Reserved characters used in request body" for p in problems)
    return bool(problems) and reserved and essence(sent.header("content-type") or "") == "multipart/form-data"


def _declares_success(operation: dict[str, Any] | None) -> bool:
    codes = {str(k).upper() for k in ((operation or {}).get("responses") or {})}
    return "DEFAULT" in codes or any(code.startswith("2") for code in codes)


def generic_body(
    document: dict[str, Any], operation: dict[str, Any] | None, expected: Message, actual: Message, sent: Sent
) -> tuple[bool | None, str]:
    response = declared(document, operation, actual.status)
    if expected.body == "":
        if actual.body == "":
            return True, "empty"
        if response is not None and not response.get("content"):
            return False, f"empty (the {actual.status} response declares no content)"
        return None, ""
    if prism_error(expected.body) is not None or response is None:
        return None, ""
    content = response.get("content") or {}
    if not content:
        return actual.body == "", f"empty (the {actual.status} response declares no content)"
    media = media_object(content, actual.media)
    if media is None:
        return False, f"a declared media type ({', '.join(content)})"
    examples = named_examples(document, media)
    name = sent.preferences().get("example")
    if name in examples:
        return same_body(actual.media, actual.body, examples[name]), f"the example {name!r}"
    schema = media.get("schema")
    if schema is None:
        if not examples:
            return None, ""
        ok = any(same_body(actual.media, actual.body, ex) for ex in examples.values())
        return ok, "one of the document's examples " + shorten(json.dumps(list(examples.values())), 60)
    problem = body_against_schema(document, actual.media, schema, actual.body)
    if problem is not None and body_against_schema(document, actual.media, schema, expected.body) is not None:
        return None, ""
    return problem is None, "valid against the declared schema" + (f" ({problem})" if problem else "")


def preferred(accept: str | None, media_types: dict[str, Any]) -> set[str]:
    """The declared media types an Accept header ranks highest (RFC 9110 12.5.1; absent is */*)."""
    ranges: list[tuple[str, float]] = []
    for item in (accept or "*/*").split(","):
        media, *params = item.split(";")
        q = next((p.partition("=")[2] for p in params if p.strip().lower().startswith("q=")), "1")
        try:
            ranges.append((media.strip().lower(), float(q)))
        except ValueError:
            ranges.append((media.strip().lower(), 0.0))

    def quality(media: str) -> float:
        specific = {media: 2, media.partition("/")[0] + "/*": 1, "*/*": 0}
        matches = [(specific[r], q) for r, q in ranges if r in specific]
        return max(matches)[1] if matches else 0.0

    qualities = {essence(m): quality(essence(m)) for m in media_types}
    top = max(qualities.values(), default=0.0)
    return {m for m, q in qualities.items() if q == top} if top > 0 else set()


def judge(case: Case, kind: str, expected: Message, actual: Message, sent: Sent) -> list[Aspect]:
    document = case.document
    operation = find_operation(document, sent.method, sent.target)
    error = prism_error(expected.body)
    undeclared = declared(document, operation, expected.status) is None
    ok, required = generic_status(document, expected, actual, error, sent)
    aspects = [
        Aspect(
            "status", str(expected.status), str(actual.status), actual.status == expected.status, ok, required
        )
    ]
    for name, value in expected.headers.items():
        got = actual.headers.get(name)
        harness = got is not None and (name not in VALUE_HEADERS or got.lower() == value.lower())
        generic: bool | None = got is not None
        required = ""
        if name.startswith("sl-") or error in PRISM_ONLY_ERRORS or (name == "content-type" and undeclared):
            generic = None
        elif name == "content-type":
            response = declared(document, operation, actual.status) or {}
            best = preferred(
                None if "accept" in sent.dropped else sent.header("accept"), response.get("content") or {}
            )
            generic = got is not None and essence(got) in (best or {essence(value)})
            required = " or ".join(sorted(best)) + " (the best the Accept header allows)" if best else ""
        aspects.append(Aspect(name, value, got or "(absent)", harness, generic, required))
    ok, required = generic_body(document, operation, expected, actual, sent)
    aspects.append(
        Aspect(
            "body",
            shorten(expected.body, 90),
            shorten(actual.body, 90),
            harness_body(kind, expected, actual),
            ok,
            required,
        )
    )
    return aspects


# --- running ---------------------------------------------------------------------------------------


def send(client: TestClient, sent: Sent) -> Message:
    request = client.build_request(
        sent.method, sent.target, headers=[("user-agent", CURL_AGENT), *sent.headers], content=sent.body
    )
    for name in {"accept-encoding", *sent.dropped}:
        if name in request.headers:
            del request.headers[name]
    response = client.send(request, follow_redirects=sent.follow)
    body = "" if sent.headers_only else response.content.decode("utf-8", "replace")
    headers = {k.lower(): v for k, v in response.headers.items()}
    return Message(response.status_code, headers, body.replace("\r\n", "\n").rstrip())


def translated(case: Case, sent: Sent, expected: Message) -> Sent | None:
    """The same request in this mock's spelling (see the module docstring), or None if it is the same."""
    split = urlsplit(sent.target)
    parts = [p for p in split.query.split("&") if p]
    selectors = [p.partition("=") for p in parts if p.partition("=")[0] in SELECTORS]
    query = [p for p in parts if p.partition("=")[0] not in SELECTORS]
    preferences = [f"{k[2:]}={unquote(v)}" for k, _, v in selectors]
    if not case.dynamic and not any(p.startswith("dynamic=") for p in preferences):
        preferences.append("dynamic=false")
    headers = list(sent.headers)
    if preferences:
        prefer = ", ".join(filter(None, [sent.header("prefer"), *preferences]))
        headers = [(k, v) for k, v in headers if k.lower() != "prefer"] + [("Prefer", prefer)]
    if expected.status not in {401, 403}:
        headers, query = _dev_credentials(case.document, headers, query)
    target = split.path + (f"?{'&'.join(query)}" if query else "")
    changed = replace(sent, target=target, headers=tuple(headers))
    return None if changed == sent else changed


def _dev_credentials(
    document: dict[str, Any], headers: list[tuple[str, str]], query: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    schemes = [
        resolve(document, s)
        for s in ((document.get("components") or {}).get("securitySchemes") or {}).values()
    ]
    keys = {
        (scheme.get("in"), str(scheme.get("name")).lower())
        for scheme in schemes
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey"
    }
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "authorization" and value.lower().startswith("bearer "):
            value = DEV_BEARER
        elif lowered == "authorization" and value.lower().startswith("basic "):
            value = DEV_BASIC
        elif ("header", lowered) in keys:
            value = DEV_KEY
        elif lowered == "cookie":
            pairs = [p.strip().partition("=") for p in value.split(";")]
            value = "; ".join(f"{k}={DEV_KEY if ('cookie', k.lower()) in keys else v}" for k, _, v in pairs)
        out.append((name, value))
    keyed = [
        f"{p.partition('=')[0]}={DEV_KEY}" if ("query", p.partition("=")[0].lower()) in keys else p
        for p in query
    ]
    return out, keyed


def run_case(case: Case) -> Result:
    category = CATEGORIES.get(case.file.split("/")[0], case.file.split("/")[0])
    result = Result(case.file, category, "dynamic" if case.dynamic else "static", case.server, "refused")
    with tempfile.TemporaryDirectory(prefix="prism-case-") as folder:
        spec_file = Path(folder) / "spec.yml"
        spec_file.write_text(case.sections["spec"], encoding="utf-8")
        plan: list[Plan] = []
        try:
            app = create_app(
                Settings(spec_path=spec_file, fixtures_dir=spec_file.parent / ".no-fixtures"), plan
            )
        except (SpecError, ValueError) as exc:
            result.refusal = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return result
        except Exception as exc:  # a crash at start-up is reported as such, not hidden
            result.refusal = f"crashed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            return result
        client = TestClient(app, raise_server_exceptions=False)
        kind = case.expect_kind
        expected = parse_message(case.sections[kind])
        sent = parse_curl(case.sections["command"])
        first = Attempt(sent.describe(), judge(case, kind, expected, send(client, sent), sent))
        result.attempts.append(first)
        result.outcome = first.outcome
        alternative = translated(case, sent, expected) if first.outcome != "passed" else None
        if alternative is not None:
            second = Attempt(
                alternative.describe(), judge(case, kind, expected, send(client, alternative), alternative)
            )
            result.attempts.append(second)
            result.outcome = "failed" if second.outcome == "failed" else "prism-specific"
    return result


def load_cases(folder: Path, only: str | None) -> tuple[list[Case], Counter[str]]:
    """The OpenAPI 3.x cases, and how many of the others were skipped, by kind of document."""
    cases: list[Case] = []
    skipped: Counter[str] = Counter()
    for path in sorted(folder.rglob("*.txt")):
        file = path.relative_to(folder).as_posix()
        if only and only not in file:
            continue
        sections = parse_sections(path.read_text(encoding="utf-8"))
        document = yaml.safe_load(sections.get("spec", "")) or {}
        if "swagger" in document:
            skipped["Swagger 2.0"] += 1
        elif "item" in document and "openapi" not in document:
            skipped["Postman collection"] += 1
        elif str(document.get("openapi", "")).startswith("3."):
            cases.append(Case(file, sections, _string_keys(document)))
        else:
            raise ValueError(f"{file}: neither OpenAPI 3.x, Swagger 2.0 nor a Postman collection")
    return cases, skipped


def _string_keys(node: Any) -> Any:
    """YAML reads `200:` as an integer; the document means the string."""
    if isinstance(node, dict):
        return {str(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(v) for v in node]
    return node


def shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def why(attempt: Attempt, generic: bool) -> str:
    """The aspects that fail: the generic requirement (failures) or Prism's expectation (the others)."""
    parts = []
    for a in attempt.aspects:
        if generic and a.generic is False:
            parts.append(f"{a.name}: expected {a.required or a.expected}, got {a.got}")
        elif not generic and not a.harness:
            parts.append(f"{a.name}: Prism {a.expected}, got {a.got}")
    return "; ".join(parts)


def report(results: list[Result], skipped: Counter[str]) -> str:
    rows: dict[str, Counter[str]] = {}
    for r in results:
        rows.setdefault(r.category, Counter())[r.outcome] += 1
    rows["total"] = sum(rows.values(), Counter())
    width = max(map(len, rows))
    heads = ("cases", "passed", "failed", "prism-specific", "refused-to-start")
    lines = [f"{'category':<{width}}  " + "  ".join(heads)]
    for name, counts in rows.items():
        cells = [
            sum(counts.values()),
            *(counts[o] for o in ("passed", "failed", "prism-specific", "refused")),
        ]
        lines.append(
            f"{name:<{width}}  " + "  ".join(f"{c:>{len(h)}}" for c, h in zip(cells, heads, strict=True))
        )
    lines.append("skipped: " + (", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items())) or "none"))
    lines.append("\nFailures:")
    for r in results:
        if r.outcome == "failed":
            first, *then = r.attempts
            line = why(first, generic=True) or "no generic failure"
            if then:
                line = f"as sent: {line} | as {then[0].request}: {why(then[0], generic=True)}"
            lines.append(f"  {r.file} [{r.mode}]: {line}")
    lines.append("\nRefused to start:")
    lines.extend(f"  {r.file}: {r.refusal}" for r in results if r.outcome == "refused")
    lines.append("\nPrism-specific (the harness differences left):")
    for r in results:
        if r.outcome == "prism-specific":
            last = r.attempts[-1]
            via = f" (as {last.request})" if len(r.attempts) > 1 else ""
            left = why(last, generic=False) or "passes in this mock's spelling"
            lines.append(f"  {r.file} [{r.mode}]{via}: {left}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Prism's test-harness/specs tree")
    parser.add_argument("--only", help="run only the cases whose path contains this")
    parser.add_argument("--json", type=Path, help="write every case's verdicts here")
    args = parser.parse_args(argv)
    cases, skipped = load_cases(args.folder, args.only)
    results = [run_case(case) for case in cases]
    print(report(results, skipped))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
