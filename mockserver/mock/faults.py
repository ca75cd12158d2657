"""Latency and faults, as values parsed once from the command line or an operation's
`x-mock-faults`: what a front-end developer provokes to see a slow or failing API.

Faults are drawn from the seed and the request (method, path, query, and how many identical
requests came before), so a failing front-end test replays the same fault on a fresh server.
The middleware that applies them per operation is `mockserver.mock.prefer`'s.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

# Faults that are not an HTTP status: the connection is cut mid-response, or nothing is answered
# until the client gives up (a gateway answers 504 after `TIMEOUT_S`).
RESET, TIMEOUT = "reset", "timeout"
TIMEOUT_S = 30.0
MAX_DELAY_MS = 60_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


class InjectionError(ValueError):
    """A latency, fault list or `Prefer` header that cannot be obeyed; the message says why."""


def duration_ms(text: str) -> float:
    """`120`, `120ms` or `0.12s` as milliseconds."""
    match = _DURATION.match(text)
    if match is None:
        raise InjectionError(f"{text!r} is not a duration (e.g. 120ms, 0.5s)")
    value = float(match[1])
    return value * 1000 if match[2] == "s" else value


@dataclass(frozen=True, slots=True)
class Latency:
    """Added before each answer: a fixed duration, or one drawn uniformly from a range."""

    low_ms: float = 0.0
    high_ms: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Latency:
        """`120ms`, or a range `50ms..300ms`."""
        low, dots, high = text.partition("..")
        low_ms = duration_ms(low)
        high_ms = duration_ms(high) if dots else low_ms
        if high_ms < low_ms:
            raise InjectionError(f"latency {text!r}: the range ends before it starts")
        if high_ms > MAX_DELAY_MS:
            raise InjectionError(f"latency {text!r}: more than {MAX_DELAY_MS} ms")
        return cls(low_ms, high_ms)

    def draw(self, rng: random.Random) -> float:
        if self.high_ms == self.low_ms:
            return self.low_ms
        return self.low_ms + rng.random() * (self.high_ms - self.low_ms)


def parse_faults(text: str) -> tuple[str, ...]:
    """`500,503,reset,timeout`: HTTP error statuses and the two connection faults."""
    faults = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    for fault in faults:
        if fault not in (RESET, TIMEOUT) and not (fault.isdigit() and 400 <= int(fault) <= 599):
            raise InjectionError(f"fault {fault!r}: use an HTTP status 400-599, 'reset' or 'timeout'")
    if not faults:
        raise InjectionError("no fault given")
    return faults


@dataclass(frozen=True, slots=True)
class Chaos:
    """Latency and faults, for the whole app or one operation (`x-mock-faults`)."""

    latency: Latency = field(default_factory=Latency)
    rate: float = 0.0
    faults: tuple[str, ...] = ("500",)

    @classmethod
    def from_extension(cls, value: object, default: Chaos) -> Chaos:
        """An operation's `x-mock-faults: {rate: 0.1, faults: [503], latency: 50ms..200ms}`."""
        if not isinstance(value, dict):
            raise InjectionError("x-mock-faults must be a mapping of rate, faults and latency")
        try:
            rate = float(value.get("rate", default.rate))
        except (TypeError, ValueError):
            raise InjectionError(f"x-mock-faults: rate {value.get('rate')!r} is not a number") from None
        if not 0 <= rate <= 1:
            raise InjectionError(f"x-mock-faults: rate {rate} is not between 0 and 1")
        faults = value.get("faults")
        if faults is not None and not isinstance(faults, list):
            raise InjectionError(
                f"x-mock-faults: faults must be a list, such as [503, reset], not {faults!r}"
            )
        latency = value.get("latency")
        return cls(
            latency=Latency.parse(str(latency)) if latency is not None else default.latency,
            rate=rate,
            faults=parse_faults(",".join(str(f) for f in faults)) if faults else default.faults,
        )

    @property
    def active(self) -> bool:
        return self.rate > 0 or self.latency.high_ms > 0

    def draw(self, seed: int, request: str, occurrence: int) -> tuple[float, str | None]:
        """(latency ms, fault or None) for the `occurrence`-th identical `request`."""
        digest = hashlib.blake2b(f"{seed}/{request}/{occurrence}".encode(), digest_size=8).digest()
        rng = random.Random(int.from_bytes(digest, "big"))
        delay = self.latency.draw(rng)
        fault = self.faults[int(rng.random() * len(self.faults))] if rng.random() < self.rate else None
        return delay, fault
