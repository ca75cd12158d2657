"""Parsing the contract run's option values: each bad value is a one-line `ValueError`."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_DURATION = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$")
_RATE = re.compile(r"^(?P<count>\d+)/(?P<unit>[smhd])$")
_USERINFO = re.compile(r"://[^/?#]*@")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def duration(text: str) -> float:
    """Seconds in `90s`, `10m`, `1h30m` or a bare number of seconds; zero and negatives refused."""
    value = text.strip().lower()
    match = _DURATION.match(value) if value else None
    try:
        seconds = float(value) if match is None or not any(match.groupdict().values()) else None
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 90s, 10m or 1h30m") from None
    if seconds is None:
        assert match is not None
        parts = {unit: float(amount) for unit, amount in match.groupdict().items() if amount}
        seconds = parts.get("h", 0.0) * 3600 + parts.get("m", 0.0) * 60 + parts.get("s", 0.0)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


def rate_limit(text: str) -> str:
    """A request rate as Schemathesis takes it: `100/s`, `1000/m`, `5000/h`, `10000/d`."""
    match = _RATE.match(text.strip())
    if match is None or int(match["count"]) < 1:
        raise ValueError(f"{text!r} is not a rate like 100/s, 1000/m or 5000/h")
    return f"{int(match['count'])}/{match['unit']}"


def token(text: str) -> str:
    """A bearer token as RFC 6750 allows it: visible ASCII, no spaces (an empty one is no token)."""
    if any(not 0x21 <= ord(char) <= 0x7E for char in text):
        raise ValueError("a bearer token is visible ASCII without spaces (RFC 6750)")
    return text


def url(text: str) -> str:
    """An absolute http(s) URL with a valid host and port, without its trailing slash. Error
    messages never repeat credentials written into the URL."""
    shown = _USERINFO.sub("://", text)
    try:
        parts = urlsplit(text.strip())
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"{shown!r} is not a valid URL ({exc})") from None
    if "@" in parts.netloc:
        raise ValueError(f"{shown!r}: give credentials with --token, not in the URL")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{shown!r} is not an http(s) URL")
    if not host:
        raise ValueError(f"{shown!r} has no host")
    if port == 0:
        raise ValueError(f"{shown!r}: port 0 cannot be reached")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not all(_LABEL.match(label) for label in host.rstrip(".").split(".")):
            raise ValueError(f"{shown!r}: {host!r} is not a valid host name") from None
    if parts.query or parts.fragment:
        raise ValueError(f"{shown!r}: give the base URL, without a query or fragment")
    return text.strip().rstrip("/")
