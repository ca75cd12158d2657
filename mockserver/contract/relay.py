"""The deployment under test, reached through a bounded relay.

Schemathesis reads responses over the network with `requests`, whose timeout applies to each
socket read: a server that drips a byte a second never times out, and a 2 GB body is read whole.
Schemathesis' in-process ASGI client, on the other hand, bounds each whole call by the request
timeout (anyio's `fail_after`). So a contract run against a URL hands Schemathesis this ASGI app,
which relays every request to the deployment with httpx and refuses what no contract run should
swallow: bodies over a size limit and JSON nested deeper than any real document. The requests
keep the deployment's real URL, so curl lines and reports name it.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import httpx
import requests

from mockserver.model import limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# A page of 1,000 assistants is about 4 MB; a response eight times that is a fault, not a page.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx computes itself.
_REQUEST_DROP = {
    b"host",
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"te",
    b"upgrade",
    b"content-length",
    b"proxy-connection",
}
# The relayed body is decoded, so its encoding and framing headers no longer apply.
_RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}


class ResponseRefused(requests.exceptions.RequestException):
    """A response broke a limit of the run; Schemathesis reports it like a network error."""

    title = "Response refused"

    def __init__(self, method: str, url: str, reason: str) -> None:
        super().__init__(f"{method} {url}: {reason}")
        self.method = method
        self.url = url
        self.reason = reason


class ResponseTooLarge(ResponseRefused):
    title = "Response body too large"


class ResponseTooDeep(ResponseRefused):
    title = "JSON nested too deep"


@dataclass(frozen=True, slots=True)
class Relayed:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _is_json(headers: httpx.Headers) -> bool:
    media = str(headers.get("content-type", "")).split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def fetch(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_bytes: int = MAX_RESPONSE_BYTES,
    max_depth: int = limits.MAX_JSON_DEPTH,
) -> Relayed:
    """Send `request` and read its response within the limits; the caller bounds the time."""
    response = await client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(
                    request.method, str(request.url), f"response body over the {max_bytes}-byte limit"
                )
            chunks.append(chunk)
    finally:
        await response.aclose()
    body = b"".join(chunks)
    if _is_json(response.headers):
        violation = limits.nesting_violation(body, max_depth)
        if violation is not None:
            raise ResponseTooDeep(
                request.method,
                str(request.url),
                f"JSON body nested deeper than {max_depth} levels "
                f"at {violation.pointer[:60]}{'...' if len(violation.pointer) > 60 else ''}",
            )
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _RESPONSE_DROP]
    return Relayed(response.status_code, headers, body)


class Relay:
    """ASGI app relaying each request to `origin` (scheme://host[:port]) within the limits."""

    def __init__(self, origin: str, *, verify: bool = True, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.origin = origin.rstrip("/")
        self.max_bytes = max_bytes
        # One TLS context for the run: building one per request costs milliseconds each.
        self.tls: ssl.SSLContext | bool = ssl.create_default_context() if verify else False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = self.origin + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        # Whitespace around a field value is not part of it (RFC 9110 §5.5), and httpx refuses
        # to send it; generated headers such as `Bearer ` keep their meaning without it.
        headers = [(k, v.strip(b" \t")) for k, v in scope["headers"] if k.lower() not in _REQUEST_DROP]
        # No pooling: a cancelled call (the run's timeout) must not leave a half-read connection
        # behind for the next request.
        async with httpx.AsyncClient(verify=self.tls, timeout=None, follow_redirects=False) as client:
            request = client.build_request(scope["method"], url, headers=headers, content=body)
            try:
                relayed = await fetch(client, request, max_bytes=self.max_bytes)
            except httpx.TimeoutException as exc:
                raise requests.exceptions.ReadTimeout(f"{scope['method']} {url}: {exc}") from None
            except httpx.LocalProtocolError as exc:
                raise requests.exceptions.InvalidHeader(
                    f"{scope['method']} {url}: not sendable over HTTP/1.1: {exc}"
                ) from None
            except httpx.HTTPError as exc:
                raise requests.exceptions.ConnectionError(
                    f"{scope['method']} {url}: {type(exc).__name__}: {exc}"
                ) from None
        await send(
            {
                "type": "http.response.start",
                "status": relayed.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in relayed.headers]
                + [(b"content-length", str(len(relayed.body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": relayed.body})
