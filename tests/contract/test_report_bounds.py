"""`mockserver.contract.report_bounds`: the reports of a long run stay within their bounds."""

from __future__ import annotations

from typing import Any

from schemathesis.core.transport import Response

from mockserver.contract.report_bounds import HEAD_BYTES, ReportBudget, cut


class Request:
    def __init__(self, body: bytes | None) -> None:
        self.body = body
        self.uri = "http://127.0.0.1/things"


class Interaction:
    def __init__(self, request: Request, response: Any) -> None:
        self.request = request
        self.response = response


class Recorder:
    def __init__(self, body: bytes, answer: bytes, failed: bool = False) -> None:
        self.interactions = {"1": Interaction(Request(body), _response(answer))}
        self.failed = failed

    def failing_case_ids(self) -> list[str]:
        return ["1"] if self.failed else []


def _response(content: bytes) -> Response:
    import requests

    prepared = requests.Request("GET", "http://127.0.0.1/things").prepare()
    return Response(
        status_code=200,
        headers={},
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=True,
        content_size=len(content),
    )


def test_a_long_body_is_cut_and_the_cut_said() -> None:
    assert cut(b"x" * 10, 10) == b"x" * 10
    assert cut(b"x" * 11, 4) == b"xxxx...[cut by mockserver: 4 of 11 bytes kept]"
    assert cut(b"x" * 11, 0) == b"x" * 11


def test_the_reports_get_bodies_cut_as_schemathesis_marks_a_cut_response() -> None:
    recorder = Recorder(b"q" * 5000, b"a" * 5000)
    assert ReportBudget(body_limit=1024, formats=3).admit(recorder)
    interaction = recorder.interactions["1"]
    assert interaction.request.body.startswith(b"q" * 1024 + b"...[cut by mockserver: 1024 of 5000")
    assert interaction.response.content == b"a" * 1024
    assert interaction.response.is_truncated and interaction.response.content_size == 5000


def test_past_half_the_budget_only_failures_are_written_and_past_it_nothing() -> None:
    one = 3 * (HEAD_BYTES + len("http://127.0.0.1/things") + 200)  # a scenario, in three formats
    budget = ReportBudget(body_limit=0, formats=3, budget=4 * one)
    admitted = [budget.admit(Recorder(b"q" * 100, b"a" * 100)) for _ in range(3)]
    assert admitted == [True, True, False]
    assert [budget.admit(Recorder(b"q" * 100, b"a" * 100, failed=True)) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert budget.left_out == 2


def test_a_run_that_writes_no_report_cuts_nothing_and_leaves_nothing_out() -> None:
    recorder = Recorder(b"q" * 5000, b"a" * 5000)
    budget = ReportBudget(body_limit=1024, formats=0, budget=1)
    assert not budget.admit(recorder)
    assert budget.left_out == 0
    assert len(recorder.interactions["1"].request.body) == 5000
    assert len(recorder.interactions["1"].response.content) == 5000
