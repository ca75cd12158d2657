"""Reports of a bounded size, however long the run: each body cut at a limit with the cut marked,
and a budget for the run's reports as a whole.

Schemathesis' writers (HAR, VCR, NDJSON, HTML) keep every body whole, and a 30-minute fuzz run
sends tens of thousands of requests. The checks see whole bodies; only then are a scenario's
bodies cut for the reports: a response as Schemathesis cuts one (`Response.truncated`, which
HAR, VCR and NDJSON mark with the size sent), a request body with a marker after its kept part.
Once the reports hold half of `BUDGET`, scenarios whose checks all passed are left out of them;
past `BUDGET`, every one is. The summary counts what was left out.
"""

from __future__ import annotations

from typing import Any

# What a run's reports hold at most, in bytes of bodies and of each interaction's head (its
# URL and headers, counted as `HEAD_BYTES`), summed over the report formats written.
BUDGET = 512 * 1024 * 1024
HEAD_BYTES = 1024


def cut(body: bytes, limit: int) -> bytes:
    """`body`, its first `limit` bytes kept and the cut said, when it is longer."""
    if not limit or len(body) <= limit:
        return body
    return body[:limit] + f"...[cut by mockserver: {limit} of {len(body)} bytes kept]".encode()


class ReportBudget:
    def __init__(self, body_limit: int, formats: int, budget: int = BUDGET) -> None:
        self.body_limit = body_limit
        self.formats = formats
        self.budget = budget
        self.spent = 0
        # Scenarios left out of the reports.
        self.left_out = 0

    def admit(self, recorder: Any) -> bool:
        """Cut the scenario's bodies for the reports; whether it is written to them at all."""
        if not self.formats:
            return False  # no report is written: nothing to cut, nothing left out
        size = 0
        for interaction in recorder.interactions.values():
            request = interaction.request
            if request.body is not None:
                request.body = cut(request.body, self.body_limit)
                size += len(request.body)
            response = interaction.response
            if response is not None and self.body_limit and len(response.content or b"") > self.body_limit:
                response = interaction.response = response.truncated(self.body_limit)
            size += (
                HEAD_BYTES + len(request.uri) + (len(response.content or b"") if response is not None else 0)
            )
        size *= self.formats
        failed = bool(recorder.failing_case_ids())
        if self.spent + size > (self.budget if failed else self.budget // 2):
            self.left_out += 1
            return False
        self.spent += size
        return True
