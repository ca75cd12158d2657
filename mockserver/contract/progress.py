"""How far a run is, for the person watching it: the runner updates a `RunProgress` as the
engine's events arrive; the command line reads it to draw a live line or log a plain one.

Pure: no clock of its own (the caller passes the time), no printing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

# The test phases a contract run goes through, in order, as Schemathesis names them; the others
# (probing, schema analysis, auth bootstrap) are short and not counted.
TEST_PHASES = ("examples", "coverage", "fuzzing", "stateful")


def clock(seconds: float) -> str:
    """`01:05`, or `1:02:03` past an hour."""
    whole = max(0, int(seconds))
    if whole >= 3600:
        return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return f"{whole // 60:02d}:{whole % 60:02d}"


@dataclass
class RunProgress:
    """Counts of a run under way. `started` and every `now` are `time.monotonic()` values."""

    started: float
    operations: int = 0
    phases: tuple[str, ...] = ()
    # The fuzz run's time box (its estimate is the time box itself).
    time_box: float | None = None
    phase: str | None = None
    cases: int = 0
    failures: int = 0
    # The operations done in the current phase.
    done: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enter(self, phase: str) -> None:
        with self._lock:
            if phase in self.phases:
                self.phase = phase
                self.done = set()

    def scenario(self, label: str, cases: int) -> None:
        with self._lock:
            self.cases += cases
            self.done.add(label)

    def found(self) -> None:
        with self._lock:
            self.failures += 1

    def fraction(self) -> float | None:
        """The share of the run done, or None before a phase has begun."""
        with self._lock:
            if self.phase is None or not self.phases:
                return None
            index = self.phases.index(self.phase)
            within = min(len(self.done), self.operations) / self.operations if self.operations else 0.0
            return (index + within) / len(self.phases)

    def line(self, now: float) -> str:
        """One line: where the run is, its counts, the time it took and about how long is left."""
        elapsed = now - self.started
        failures = f"{self.failures} distinct failure{'' if self.failures == 1 else 's'}"
        cases = f"{self.cases:,} case{'' if self.cases == 1 else 's'}"
        if self.time_box is not None:
            return f"[{clock(elapsed)} of {clock(self.time_box)}] {cases}, {failures} so far"
        if self.cases and self.phase is None:
            return f"[{clock(elapsed)}] {cases}, {failures}"
        fraction = self.fraction()
        if fraction is None:
            what = f"{self.operations} operations selected" if self.operations else "reading the document"
            return f"[{clock(elapsed)}] starting: {what}"
        assert self.phase is not None
        where = (
            f"{self.phase} phase ({self.phases.index(self.phase) + 1} of {len(self.phases)}): "
            f"{min(len(self.done), self.operations)} of {self.operations} operations"
        )
        # An estimate from the share done: rough early on, so none before a twentieth of the run.
        left = f", about {clock(elapsed * (1 - fraction) / fraction)} left" if fraction >= 0.05 else ""
        return f"[{clock(elapsed)}] {where}, {cases}, {failures}{left}"
