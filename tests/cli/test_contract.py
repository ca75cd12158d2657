"""`mockserver contract`: what a run in-process says of itself before it starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mockserver.cli import main


@pytest.mark.slow
def test_an_in_process_run_says_what_it_sends_and_where_its_curl_lines_point() -> None:
    result = CliRunner().invoke(
        main, ["contract", "--include-operation", "list_assistants", "--max-examples", "2"]
    )
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == (
        "in-process: the mock of openapi.yaml, sent its dev credential (bearer dev-token); curl lines "
        "name http://testserver: `mockserver serve` answers them at its own URL"
    )
    assert "verdict: conforms" in result.output


def test_a_report_body_limit_that_is_no_size_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["contract", "--report-body-limit", "lots"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "mockserver: error: Invalid value for '--report-body-limit': 'lots' is not a size "
        "(e.g. 10MB, 64KiB, 1048576)"
    )
