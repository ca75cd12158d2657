"""Connexion hooks that give every rejection the shape its operation declares.

Connexion validates parameters and enforces security; these hooks only collect *all* parameter
errors with their location (as FastAPI does) and render errors per the operation's style.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, Draft202012Validator, ValidationError, validators
from starlette.datastructures import Headers, QueryParams
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.mock.problems import (
    DEFAULT_STYLE,
    PROBLEM_JSON,
    ErrorStyle,
    FieldError,
    describe,
    error_body,
    field_error,
    phrase,
)
from mockserver.model import limits
from mockserver.model.patterns import bounded


class ParameterProblem(BadRequestProblem):  # type: ignore[misc]
    """Invalid request parameters, with one `FieldError` each."""

    def __init__(self, errors: tuple[FieldError, ...]) -> None:
        super().__init__(detail=describe(errors))
        self.errors = errors


class NotFoundProblem(ProblemException):  # type: ignore[misc]
    def __init__(self, detail: str) -> None:
        super().__init__(status=404, title="Not Found", detail=detail)


class ConflictProblem(ProblemException):  # type: ignore[misc]
    """A write that would make a second record of one id (409, or the declared 400/422)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status=status, title="Conflict" if status == 409 else "Bad Request", detail=detail)


class InsufficientStorageProblem(ProblemException):  # type: ignore[misc]
    """A write past what the mock keeps (sessions, records per session)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status=507, title="Insufficient Storage", detail=detail)


class UnavailableProblem(ProblemException):  # type: ignore[misc]
    """The store of the writes (a file, Redis) cannot be reached: the server's fault, for now."""

    def __init__(self, detail: str) -> None:
        super().__init__(status=503, title="Service Unavailable", detail=detail, headers={"Retry-After": "1"})


class NotAcceptableProblem(ProblemException):  # type: ignore[misc]
    def __init__(self, detail: str) -> None:
        super().__init__(status=406, title="Not Acceptable", detail=detail)


# Connexion builds its validators per request; the JSON Schema validators behind them are built
# once per schema and reused (the operation's schema dicts live as long as the app, so their
# identity is a stable key).
_VALIDATORS: dict[tuple[int, type], tuple[dict[str, Any], Draft4Validator]] = {}


# Connexion's validators, with the document's patterns matched in bounded time.
_ParameterValidator = bounded(Draft4Validator)


def _validator(schema: dict[str, Any], kind: type = _ParameterValidator) -> Draft4Validator:
    entry = _VALIDATORS.get((id(schema), kind))
    if entry is None or entry[0] is not schema:
        # Formats too: draft 4's checker, which Connexion uses, knows no `uuid`, so a `uuid` id
        # that is no UUID would pass as input (and be echoed back into a response).
        entry = _VALIDATORS[(id(schema), kind)] = (
            schema,
            kind(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
        )
    return entry[1]


def _required_unless_read_only(
    validator: Any, required: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """OpenAPI 3: a required property that is `readOnly` is required of responses only (the
    server sets it), so a request body without the record's `id` or `created_at` is valid."""
    if not validator.is_type(instance, "object") or not isinstance(required, list):
        return
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    for name in required:
        declared = properties.get(name)
        if isinstance(declared, dict) and declared.get("readOnly") is True:
            continue
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property")


def _nullable_all_of(
    validator: Any, all_of: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """`nullable: true` beside `allOf: [$ref]` admits null: OpenAPI 3.0's nullable reference, and
    3.1's `anyOf: [X, {type: null}]` (FastAPI's optional nested model) as rewritten for Connexion,
    whose `nullable` reaches `type` and `enum` only."""
    if instance is None and schema.get("nullable") is True:
        return
    yield from Draft4RequestValidator.VALIDATORS["allOf"](validator, all_of, instance, schema)


# Draft 4 holds 5.0 no integer; JSON Schema since draft 6 (so OpenAPI 3.1), pydantic and JSON
# itself hold it one. A client's serializer may write either.
_BodyValidator = bounded(
    validators.extend(
        Draft4RequestValidator,
        {"required": _required_unless_read_only, "allOf": _nullable_all_of},
        type_checker=Draft202012Validator.TYPE_CHECKER,
    )
)


class _OptionalBody:
    """An optional body that was not sent is no error (Connexion says "must not be empty");
    an empty one that was sent (`null`, an empty form) is still validated."""

    _required: bool
    _schema: dict[str, Any]

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        sent = Headers(scope=scope).get("content-length", "").strip().lstrip("0")
        if not sent and not self._required and "default" not in self._schema:
            return receive, scope
        result: tuple[Receive, Scope] = await super().wrap_receive(receive, scope=scope)  # type: ignore[misc]
        return result


def _not_json(constant: str) -> Any:
    # Python's parser reads NaN and Infinity; JSON (RFC 8259) has no such numbers.
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        # 1e400: no JSON peer (and no record the mock keeps) can hold it.
        raise ValueError(f"{text[:40]} is beyond what a double holds")
    return number


class FormatCheckingBodyValidator(_OptionalBody, JSONRequestBodyValidator):  # type: ignore[misc]
    """Connexion's JSON body validation (nullable, readOnly), with every format checked."""

    # `_validator`, `_validate`, `_schema`, `_required` and `_form_parser_cls` are private in
    # Connexion 3.3.0 (pinned); tests/test_connexion_api.py fails if they move.
    @property
    def _validator(self) -> Draft4Validator:
        return _validator(self._schema, _BodyValidator)

    # A body of `null` is valid where the schema admits null (a schema with no `type` does);
    # Connexion refuses every `null` body of a non-nullable schema, as if nothing were sent.
    async def _parse(self, stream: Any, scope: Scope) -> Any:
        raw = b"".join([message async for message in stream])
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError as exc:
            raise BadRequestProblem(detail=f"The body is not {self._encoding} text: {exc.reason}") from None
        if text.strip() == "null":
            return _NULL
        if not text:
            return None
        # Nesting is bounded before parsing (the parser recurses), wherever it is in the body.
        too_deep = limits.nesting_violation(raw)
        if too_deep is not None:
            raise BadRequestProblem(detail=f"The body is nested too deep: {too_deep}")
        try:
            return json.loads(text, parse_constant=_not_json, parse_float=_finite)
        except (ValueError, RecursionError) as exc:
            raise BadRequestProblem(detail=str(exc).split("; use sys.")[0]) from None

    def _validate(self, body: Any) -> Any:
        if body is _NULL:
            if self._validator.is_valid(None):
                return None
            body = None
        if body is None and not self._nullable:
            raise ParameterProblem((FieldError("body", "", "Field required", "missing"),))
        # Every violation with its path, as pydantic lists them (Connexion reports the first, as
        # jsonschema words it).
        found = itertools.islice(self._validator.iter_errors(body), MAX_BODY_ERRORS)
        # Once per place and kind (the members of an `allOf` may each refuse a value alike).
        errors = {(e.at, e.type): e for e in map(body_error, found)}
        if errors:
            raise ParameterProblem(tuple(errors.values()))
        return None


_NULL = object()


# Violations of a body reported at most (pydantic reports them all; a hostile body has many).
MAX_BODY_ERRORS = 20


def body_error(error: ValidationError) -> FieldError:
    """One violation of a request body as pydantic words it, `loc` continuing into the body."""
    at: tuple[str | int, ...] = tuple(error.absolute_path)
    value = error.instance
    if error.validator == "required":
        # jsonschema reports a missing property at its parent; pydantic, at the property.
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = next((n for n in error.validator_value if n not in present), None)
        at = (*at, missing) if isinstance(missing, str) else at
    schema = error.schema if isinstance(error.schema, dict) else {}
    found = field_error("body", ".".join(map(str, at)), str(error.validator), schema, value)
    return replace(found, at=at)


def _header_value(text: str, schema: Any) -> Any:
    """A header's (or cookie's) text as its schema types it (Connexion types query and path
    values only): `Content-Length: 81` is the integer 81, `simple`-style arrays split at commas."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    try:
        if kind == "integer":
            return int(text.strip())
        if kind == "number":
            return float(text.strip())
    except ValueError:
        return text  # refused by the schema, as the client sent it
    if kind == "boolean" and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    if kind == "array":
        items = schema.get("items")
        return [_header_value(part.strip(), items) for part in text.split(",")] if text.strip() else []
    return text


def _last(value: Any) -> str:
    """One query value as text (Connexion hands those it was not told of as lists)."""
    return str(value[-1] if isinstance(value, list) and value else value)


def form_object(parameter: Any) -> bool:
    """Whether a query parameter is an object in the `form` style (OpenAPI's default for the
    query), which Connexion reads in the `deepObject` style only: it is read here, and its value
    is not handed to the handler (Connexion cannot convert it)."""
    schema = parameter.get("schema") if isinstance(parameter, dict) else None
    return (
        isinstance(schema, dict)
        and (schema.get("type") == "object" or "properties" in schema)
        and parameter.get("style", "form") == "form"
    )


def _form_value(param: dict[str, Any], schema: dict[str, Any], query: Any, value: Any) -> Any:
    """A form-style object's value: exploded, its properties are parameters of their own
    (`?a=1&b=x`); not exploded, one list of names and values (`?obj=a,1,b,x`)."""
    properties = schema.get("properties") or {}
    if param.get("explode", True):
        found = {k: _header_value(_last(query.get(k)), sub) for k, sub in properties.items() if k in query}
        return found or (None if value is None else value)
    if isinstance(value, str):
        parts = value.split(",")
        if len(parts) % 2:
            return value  # refused by the schema, as the client sent it
        return {k: _header_value(v, properties.get(k)) for k, v in zip(parts[::2], parts[1::2], strict=True)}
    return value


class CollectingParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validation, reporting every invalid parameter with its location."""

    def validate_request(self, request: Any) -> None:
        sources = (
            ("query", request.query_params),
            ("path", request.path_params),
            ("header", request.headers),
            ("cookie", request.cookies),
        )
        errors: list[FieldError] = []
        for location, values in sources:
            for param in self.parameters.get(location, ()):
                name = param["name"]
                # Connexion routes `{report-id}` as Starlette's `{report_id}`.
                value = values.get(name.replace("-", "_") if location == "path" else name)
                schema = param.get("schema", {})
                if location in ("header", "cookie") and value is not None:
                    value = _header_value(value, schema)
                elif location == "query" and form_object(param):
                    value = _form_value(param, schema, values, value)
                if value == [""]:
                    value = []  # `?ids=` is the empty array (Connexion splits it into one "")
                if value is None:
                    if param.get("required"):
                        errors.append(field_error(location, name, "required", schema, None))
                    continue
                error = next(_validator(schema).iter_errors(value), None)
                if error is not None:
                    # The raw text, as the client sent it, rather than Connexion's coerced value.
                    sent = request.scope.get("extensions", {}).get(RAW_QUERY)
                    raw = QueryParams((sent or request.scope.get("query_string", b"")).decode("latin-1"))
                    shown = raw.get(name, value) if location == "query" else value
                    # The message names the constraint where it failed (an `allOf` member's).
                    failed = error.schema if isinstance(error.schema, dict) else schema
                    exploded = param.get("style", "form") == "form" and param.get("explode", True)
                    if isinstance(value, dict) and error.absolute_path and location == "query" and exploded:
                        # A property of a form-style object (`?a=z`) is named and judged as the
                        # parameter it is sent as.
                        name, failed = str(error.absolute_path[0]), error.schema
                        shown = raw.get(name, error.instance)
                    errors.append(field_error(location, name, str(error.validator), failed, shown))
        if errors:
            raise ParameterProblem(tuple(errors))


class FormBodyValidator(_OptionalBody, FormDataValidator):  # type: ignore[misc]
    """Connexion's form validation, with every format checked and empty arrays understood."""

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        # Starlette refuses more than 1,000 fields or parts, a missing boundary and one past 256
        # bytes with MultiPartException, which Connexion leaves to become a 500.
        try:
            return await super()._parse(stream, scope)
        except MultiPartException as exc:
            raise BadRequestProblem(detail=f"The form cannot be read: {exc.message}") from None

    @property
    def _validator(self) -> Draft4Validator:
        return _validator(self._schema, _BodyValidator)

    def _validate(self, body: Any) -> dict[str, Any] | None:
        # A form cannot spell an empty array: a required array field that is absent is one.
        if isinstance(body, dict):
            properties = self._schema.get("properties") or {}
            for name in self._schema.get("required") or ():
                if name not in body and (properties.get(name) or {}).get("type") == "array":
                    body[name] = []
        result: dict[str, Any] | None = super()._validate(body)
        return result


class MultiPartBodyValidator(FormBodyValidator):
    @property
    def _form_parser_cls(self) -> type:
        return MultiPartParser


# pydantic 2's lax readings of a query string (FastAPI's): booleans from these words, integers
# from ASCII digits with an optional `.0` fraction; Python's `int()` would also take `٣` (3).
PYDANTIC_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
PYDANTIC_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
PYDANTIC_INT = re.compile(r"[+-]?[0-9]+(?:\.0+)?")
RAW_QUERY = "mockserver.raw_query"


class PydanticQueryMiddleware:
    """Query parameters of FastAPI-style operations read as pydantic 2 reads them.

    The query string is rewritten into the spellings Connexion validates (`yes` to `true`, `5.0`
    to `5`, a non-ASCII digit to something no integer parser takes), and the original is kept
    for error messages, which quote what the client sent.
    """

    def __init__(self, app: ASGIApp, kinds: dict[str, dict[str, str]]) -> None:
        self.app = app
        # Per operation: query parameter name -> "boolean" or "integer".
        self.kinds = kinds
        # Per operation, the queries with nothing to rewrite (most requests): booleans spelled
        # `true`/`false`, integers plain digits, any other parameter as sent.
        self.canonical = {op: _canonical(found) for op, found in kinds.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {}) if scope["type"] == "http" else {}
        operation = routing.get("operation_id") or ""
        kinds = self.kinds.get(operation)
        query = scope.get("query_string", b"") if kinds else b""
        plain = b"%" not in query and b"+" not in query  # an encoded name or value is read in full
        if kinds and query and not (plain and self.canonical[operation].fullmatch(query)):
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            read = [(name, _pydantic(kinds.get(name), value)) for name, value in pairs]
            if read != pairs:
                extensions = {**scope.get("extensions", {}), RAW_QUERY: query}
                scope = {**scope, "query_string": urlencode(read).encode("latin-1"), "extensions": extensions}
        await self.app(scope, receive, send)


def _canonical(kinds: dict[str, str]) -> re.Pattern[bytes]:
    def names(kind: str) -> bytes:
        return b"|".join(re.escape(quote(n).encode()) for n, k in kinds.items() if k == kind) or b"(?!)"

    booleans, integers = names("boolean"), names("integer")
    pair = (
        rb"(?:(?:" + booleans + rb")=(?:true|false)|(?:" + integers + rb")=[0-9]+"
        rb"|(?!(?:" + booleans + rb"|" + integers + rb")=)[^&]*)"
    )
    return re.compile(rb"(?:" + pair + rb"(?:&|$))+")


def _pydantic(kind: str | None, value: str) -> str:
    # pydantic strips whitespace around an integer, not around a boolean.
    text = value.strip()
    if kind == "boolean":
        if value.lower() in PYDANTIC_TRUE:
            return "true"
        if value.lower() in PYDANTIC_FALSE:
            return "false"
        return value if value.strip() == value else "not-a-boolean"
    elif kind == "integer":
        if PYDANTIC_INT.fullmatch(text):
            return text.split(".")[0]
        if not text.isascii():
            return "not-an-integer"
    return value


class ErrorShapeMiddleware:
    """Renders problems raised by security, validation and handlers in the operation's style.

    It sits after routing, so the operation is known from the routing scope extension.
    """

    def __init__(
        self, app: ASGIApp, styles: dict[str, ErrorStyle], challenges: dict[str, str] | None = None
    ) -> None:
        self.app = app
        self.styles = styles
        # Per operation, the WWW-Authenticate challenge its security schemes call for.
        self.challenges = challenges or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except ProblemException as exc:
            routing = scope.get("extensions", {}).get("connexion_routing", {})
            operation = routing.get("operation_id") or ""
            style = self.styles.get(operation, DEFAULT_STYLE)
            authorization = Headers(scope=scope).get("authorization")
            challenge = self.challenges.get(operation, "Bearer")
            await self._render(style, exc, authorization, challenge)(scope, receive, send)

    @staticmethod
    def _render(
        style: ErrorStyle, exc: ProblemException, authorization: str | None = None, challenge: str = "Bearer"
    ) -> Response:
        status, headers = exc.status, dict(exc.headers or {})
        errors: tuple[FieldError, ...] = ()
        detail = str(exc.detail or exc.title)
        if isinstance(exc, ParameterProblem):
            status, errors = style.validation_status, exc.errors
            if (
                errors
                and all(e.location == "path" for e in errors)
                and not style.covers(status)
                and style.covers(404) == "404"
            ):
                # A URL no id of the operation's can fill names nothing: its declared 404,
                # where it declares no answer for invalid input.
                status, errors = 404, ()
        elif isinstance(exc, BadRequestProblem) and status == 400:
            # An invalid or missing body: the status the operation declares for invalid input,
            # worded as FastAPI words it where the document is FastAPI's.
            status = style.validation_status
            if status == 422 and style.is_fastapi:
                kind = "missing" if "required" in detail.lower() else "value_error"
                errors = (FieldError("body", "", "Field required" if kind == "missing" else detail, kind),)
        elif status == 401:
            # RFC 9110 §11.6.1: a 401 names at least one way to authenticate.
            headers["WWW-Authenticate"] = challenge
            if style.is_fastapi:
                # FastAPI's HTTPBearer words: no header, no scheme or no credentials is "Not
                # authenticated"; another scheme, or a token the service does not know, is not valid.
                scheme, _, credentials = (authorization or "").strip().partition(" ")
                detail = (
                    "Not authenticated"
                    if not (scheme and credentials.strip())
                    else "Invalid authentication credentials"
                )
        body, media_type = error_body(style, status, detail, errors)
        return Response(body, status_code=status, headers=headers, media_type=media_type)


class RoutingErrorsMiddleware:
    """Answers that routing gives before any operation is chosen, in the path's own terms.

    Connexion routes each operation separately, so its 405 names in `Allow` only the methods of
    the first operation that matched the path; and a path parameter of the wrong type (`/pets/abc`
    for an integer id) fails routing with a 404 in RFC 7807 shape even where the document
    declares another error body. Both are mended here from what the document says of the path.
    """

    def __init__(
        self,
        app: ASGIApp,
        paths: dict[str, tuple[tuple[str, ...], ErrorStyle]],
        operations: dict[tuple[str, str], ErrorStyle] | None = None,
    ) -> None:
        self.app = app
        self.routes = [
            (
                re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(path)) + "/?$"),
                allowed,
                style,
                path,
            )
            for path, (allowed, style) in paths.items()
        ]
        self.operations = operations or {}
        # An unknown path answers 404 in the style of the API it is nearest to (the declared
        # paths that share its first segment), else of the document's first path.
        self.families = {path.strip("/").split("/")[0]: style for path, (_, style) in reversed(paths.items())}
        self.first = next(iter(paths.values()))[1] if paths else DEFAULT_STYLE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = next((r for r in self.routes if r[0].match(scope["path"])), None)
        if route is None:
            if scope["path"].startswith(("/ui", "/openapi.json", "/healthz", "/__mockserver")):
                await self.app(scope, receive, send)
                return
            family = scope["path"].strip("/").split("/")[0]
            await self.app(scope, receive, self._mender(send, (), self.families.get(family, self.first)))
            return
        _, allowed, style, template = route
        style = self.operations.get((template, scope["method"]), style)
        if scope["method"] == "HEAD" and "HEAD" not in allowed:
            # FastAPI routes GET only (Starlette would answer HEAD): 405, as the service does.
            payload, media_type = error_body(style, 405, phrase(405))
            await Response(
                payload, status_code=405, media_type=media_type, headers={"Allow": ", ".join(allowed)}
            )(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if b"json" in headers.get(b"content-type", b"") or b"text" in headers.get(b"content-type", b""):
            # Connexion decodes text bodies before validating them; bytes that are not UTF-8
            # would be a 500 there, so they are the 400 they are here.
            chunks, more = [], True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False) and message["type"] == "http.request"
            body = b"".join(chunks)
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                status = style.validation_status
                why = "The request body is not UTF-8 text."
                errors = (FieldError("body", "", why, "json_invalid"),) if style.is_fastapi else ()
                payload, media_type = error_body(style, status, why, errors if status == 422 else ())
                await Response(payload, status_code=status, media_type=media_type)(scope, receive, send)
                return
            replayed = False

            async def receive_again() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = receive_again
        await self.app(scope, receive, self._mender(send, allowed, style))

    @staticmethod
    def _mender(send: Send, allowed: tuple[str, ...], style: ErrorStyle) -> Send:
        """`send`, with routing's 404 and 405 given the path's error shape and its `Allow`."""
        state: dict[str, Any] = {}

        async def mend(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (301, 302, 307, 308):
                # Starlette's trailing-slash redirect builds its Location from the Host header;
                # a path alone never sends a client to a host the request named.
                message = {
                    **message,
                    "headers": [
                        (k, _relative(v) if k.lower() == b"location" else v)
                        for k, v in message.get("headers", [])
                    ],
                }
            if message["type"] == "http.response.start" and message["status"] in (404, 405):
                headers = list(message.get("headers", []))
                media = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if message["status"] == 405 and allowed:
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    headers.append((b"allow", ", ".join(allowed).encode()))
                if media.startswith(PROBLEM_JSON.encode()) and not style.is_problem:
                    state["status"] = message["status"]
                    state["start"] = {**message, "headers": headers}
                    return
                message = {**message, "headers": headers}
            if message["type"] == "http.response.body" and "start" in state:
                detail = phrase(state["status"])
                body, media_type = error_body(style, state["status"], detail)
                start = state.pop("start")
                kept = [
                    (k, v)
                    for k, v in start["headers"]
                    if k.lower() not in (b"content-type", b"content-length")
                ]
                if media_type is not None:
                    kept.append((b"content-type", media_type.encode()))
                kept.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": kept})
                message = {"type": "http.response.body", "body": body}
            await send(message)

        return mend


class PublishedDocumentMiddleware:
    """`/openapi.json`, serialized once at start-up: the document as served, its `$ref`s kept
    (a recursive schema stays a reference, not a cycle), with its own `servers` after the mock.

    Connexion's own handler rebuilds, re-validates and inlines the whole document on every
    request (seconds on a large one, and an error on a recursive one), and replaces `servers`
    with its base path, which Swagger UI shows as an empty Servers list.
    """

    def __init__(self, app: ASGIApp, path: str, body: bytes) -> None:
        self.app = app
        self.path = path
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body if scope["method"] == "GET" else b""})


def _relative(location: bytes) -> bytes:
    parts = urlsplit(location.decode("latin-1"))
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)).encode("latin-1")


class BodyTooLarge(ProblemException):  # type: ignore[misc]
    def __init__(self, limit: int) -> None:
        super().__init__(
            status=413,
            title="Content Too Large",
            detail=f"The body is more than {limit:,} bytes (--max-body).",
        )


class RequestFramingMiddleware:
    """Requests as HTTP frames them: an HTTP/1.1 request with no `Host`, or two, is a 400
    (RFC 9112 3.2); a body past `max_bytes` is a 413 before the rest is read, at once where its
    Content-Length says so, else when the bytes sent pass the limit (a chunked upload)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("http_version") == "1.1" and sum(1 for k, _ in scope["headers"] if k == b"host") != 1:
            body, media_type = error_body(
                DEFAULT_STYLE, 400, "An HTTP/1.1 request has exactly one Host header."
            )
            await Response(body, status_code=400, media_type=media_type)(scope, receive, send)
            return
        if self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(BodyTooLarge(self.max_bytes).detail, scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._too_large(exc.detail, scope, receive, send)

    async def _too_large(self, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
        body, media_type = error_body(DEFAULT_STYLE, 413, detail)
        closing = {"connection": "close"}
        await Response(body, status_code=413, media_type=media_type, headers=closing)(scope, receive, send)
