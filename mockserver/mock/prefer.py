"""What a request asks of the mock in its `Prefer` header, and the middleware that obeys it and
adds the configured latency and faults (`mockserver.mock.faults`) per routed operation.

Prism's conventions where Prism has one (`Prefer: code=404`, `example=name`, `dynamic=false`),
and `delay=MS`, a fault or a latency that Prism has not (stoplightio/prism#1140).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from dataclasses import dataclass, replace

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.mock.examples import Example, names, pick
from mockserver.mock.faults import (
    MAX_DELAY_MS,
    RESET,
    TIMEOUT,
    TIMEOUT_S,
    Chaos,
    InjectionError,
    duration_ms,
    parse_faults,
)
from mockserver.mock.middleware import ParameterProblem
from mockserver.mock.problems import ErrorStyle, FieldError, describe, error_body, field_error, phrase


@dataclass(frozen=True)
class Canned:
    """A declared response answered as the document writes it: its media type, body, headers,
    and its examples. An `error` one (a JSON error body) is answered in the operation's error
    style when asked for as an error, and as written when a 2xx falls under it (`default`)."""

    media_type: str | None
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    examples: tuple[Example, ...] = ()
    error: bool = False


@dataclass(frozen=True, slots=True)
class Prefer:
    """What a request asks of the mock in its `Prefer` header (RFC 7240)."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay_ms: float | None = None
    fault: str | None = None


def parse_prefer(values: list[str]) -> Prefer:
    """The preferences of one request (every `Prefer` header, comma- or semicolon-separated);
    unknown preferences are ignored, as RFC 7240 asks."""
    found: dict[str, str] = {}
    for value in values:
        for token in re.split(r"[,;]", value):
            name, _, raw = token.strip().partition("=")
            if raw:
                found[name.strip().lower()] = raw.strip().strip('"')
    code = found.get("code")
    if code is not None and not (code.isascii() and code.isdigit() and 200 <= int(code) <= 599):
        raise InjectionError(f"Prefer: code={code} is not an HTTP status code from 200 to 599")
    dynamic = found.get("dynamic")
    if dynamic is not None and dynamic.lower() not in ("true", "false"):
        raise InjectionError(f"Prefer: dynamic={dynamic} must be true or false")
    delay = found.get("delay")
    delay_ms = None
    if delay is not None:
        delay_ms = duration_ms(delay)
        if delay_ms > MAX_DELAY_MS:
            raise InjectionError(f"Prefer: delay={delay} is more than {MAX_DELAY_MS} ms")
    fault = found.get("fault")
    if fault is not None:
        parse_faults(fault)
    return Prefer(
        code=int(code) if code is not None else None,
        example=found.get("example"),
        dynamic=None if dynamic is None else dynamic.lower() == "true",
        delay_ms=delay_ms,
        fault=fault,
    )


def preferences(values: list[str]) -> Prefer:
    """`parse_prefer`, a header it cannot read answered as an invalid request."""
    try:
        return parse_prefer(values)
    except InjectionError as exc:
        raise _prefer_problem(str(exc)) from None


# ----------------------------------------------------------------------------- the ASGI edge


@dataclass(frozen=True, slots=True)
class Steerable:
    """What the middleware needs to know of one operation, read once from the document."""

    canned: dict[str, Canned]
    label: str
    success: int
    declared: tuple[str, ...]
    style: ErrorStyle
    chaos: Chaos
    # A parameter to name in a realistic validation error (`Prefer: code=422`).
    sample_parameter: tuple[str, str] | None = None
    # What its 401 names in WWW-Authenticate.
    challenge: str = "Bearer"


class PreferMiddleware:
    """Obeys `Prefer`, and adds the configured latency and faults, per routed operation.

    Two of it sit after routing (the operation is known). The `early` one, before security,
    waits, faults and answers non-2xx codes: `Prefer: code=401` answers 401 whatever the
    credentials. The other, after security and validation, answers examples, so that a 2xx
    preference goes through authentication as any request does (and then tenancy and
    pagination, unless an example is asked for).
    """

    def __init__(self, app: ASGIApp, operations: dict[str, Steerable], seed: int) -> None:
        self.app = app
        self.operations = operations
        self.seed = seed
        # How many times each request (by digest) was seen; bounded in entries and bytes.
        self._seen: dict[bytes, int] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {}) if scope["type"] == "http" else {}
        operation = self.operations.get(routing.get("operation_id") or "")
        if operation is None:
            await self.app(scope, receive, send)
            return
        # ASGI header names are lower-case; most requests prefer nothing and fault nothing.
        asked = [value.decode("latin-1") for name, value in scope["headers"] if name == b"prefer"]
        if not asked and not operation.chaos.active:
            await self.app(scope, receive, send)
            return
        prefer = preferences(asked)
        delay, fault = 0.0, prefer.fault
        if operation.chaos.active:
            delay, drawn = operation.chaos.draw(self.seed, self._request(scope), self._occurrence(scope))
            fault = fault or drawn
        if prefer.delay_ms is not None:
            delay = prefer.delay_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        if fault is not None:
            await self._fault(operation, fault, scope, receive, send)
            return
        if prefer.code is not None and not 200 <= prefer.code < 300:
            await self._declared(operation, prefer.code, scope, receive, send, example=prefer.example)
            return
        if prefer.code is not None and prefer.code != operation.success:
            canned = _canned(operation, prefer.code)
            if canned is None:
                raise _prefer_problem(_undeclared(operation, f"code={prefer.code}"))
            await _send_canned(
                _with_example(canned, prefer.example, operation), prefer.code, scope, receive, send
            )
            return
        await self.app(scope, receive, send)

    def _request(self, scope: Scope) -> str:
        return f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}"

    def _occurrence(self, scope: Scope) -> int:
        """How many identical requests came before this one (so a retry may pass, and a fresh
        server replays the same sequence)."""
        key = hashlib.blake2b(self._request(scope).encode(), digest_size=16).digest()
        with self._lock:
            if len(self._seen) > 100_000:  # bounded: a long session forgets, then starts over
                self._seen.clear()
            count = self._seen.get(key, 0)
            self._seen[key] = count + 1
        return count

    async def _fault(
        self, operation: Steerable, fault: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if fault == RESET:
            # Headers promise a body that never comes: the server closes the connection, as a
            # crashing backend behind a proxy does.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]}
            )
            return
        if fault == TIMEOUT:
            await asyncio.sleep(TIMEOUT_S)
            fault = "504"
        await self._declared(operation, int(fault), scope, receive, send, injected=True)

    async def _declared(
        self,
        operation: Steerable,
        code: int,
        scope: Scope,
        receive: Receive,
        send: Send,
        injected: bool = False,
        example: str | None = None,
    ) -> None:
        known = any(key in operation.declared for key in (str(code), f"{str(code)[0]}XX", "default"))
        # Any server may fail: a 5xx is obeyed whether the document declares it or not.
        if not known and not injected and code < 500:
            raise _prefer_problem(_undeclared(operation, f"code={code}"))
        canned = _canned(operation, code)
        if canned is not None and (example is not None or not canned.error):
            await _send_canned(_with_example(canned, example, operation), code, scope, receive, send)
            return
        errors: tuple[FieldError, ...] = ()
        detail = f"{phrase(code)} (asked for with Prefer)" if not injected else "Injected fault"
        headers = {}
        if code == operation.style.validation_status and operation.sample_parameter is not None:
            # A missing parameter reads true of any parameter, whatever its type.
            location, name = operation.sample_parameter
            errors = (field_error(location, name, "required", {}, None),)
            detail = describe(errors)
        if code == 401:
            headers["WWW-Authenticate"] = operation.challenge
            detail = "Not authenticated"
        if code in (429, 503):
            headers["Retry-After"] = "1"
        body, media_type = error_body(operation.style, code, detail, errors)
        await Response(body, status_code=code, headers=headers, media_type=media_type)(scope, receive, send)


def _canned(operation: Steerable, code: int) -> Canned | None:
    """The declared response `code` falls under, where it is answered as written (not as an error)."""
    for key in (str(code), f"{str(code)[0]}XX", "default"):
        if key in operation.declared:
            return operation.canned.get(key)
    return None


async def _send_canned(canned: Canned, code: int, scope: Scope, receive: Receive, send: Send) -> None:
    body = b"" if code in (204, 304) else canned.body
    response = Response(body, status_code=code, headers=dict(canned.headers), media_type=canned.media_type)
    await response(scope, receive, send)


def _with_example(canned: Canned, name: str | None, operation: Steerable) -> Canned:
    """The declared response, with the example `Prefer: example=` names as its body."""
    if name is None:
        return canned
    chosen = pick(canned.examples, name, canned.media_type)
    if chosen is None:
        raise _prefer_problem(_not_an_example(name, operation.label, canned.examples))
    return replace(canned, media_type=chosen.media_type, body=chosen.body)


def preferred_example(
    examples: tuple[Example, ...], prefer: Prefer, media_type: str | None, label: str
) -> Example | None:
    """The success example a request asks for (`example=NAME`; any with `dynamic=false`), in
    the media type its Accept chose where there is one; None to answer as usual."""
    # (A `code=` other than the success one never gets here: the early middleware answers it.)
    if prefer.example is not None:
        chosen = pick(examples, prefer.example, media_type)
        if chosen is None:
            raise _prefer_problem(_not_an_example(prefer.example, label, examples))
        return chosen
    if prefer.dynamic is False:
        return pick(examples, None, media_type)
    return None


def _not_an_example(name: str, label: str, examples: tuple[Example, ...]) -> str:
    known = ", ".join(names(examples)) or "none"
    return f"Prefer: example={name} is not an example of {label}; its examples: {known}"


def _undeclared(operation: Steerable, asked: str) -> str:
    return f"Prefer: {asked} is not declared for {operation.label}; declared: {', '.join(operation.declared)}"


def _prefer_problem(message: str) -> ParameterProblem:
    return ParameterProblem((FieldError("header", "Prefer", message, "value_error", None),))
