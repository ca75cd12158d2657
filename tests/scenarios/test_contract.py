"""`mockserver contract`: every check fails against a server broken for it; the mock passes."""

from __future__ import annotations

import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.contract.hooks import DOMAIN_CHECKS
from mockserver.contract.outcome import REDACTED, redact
from mockserver.contract.runner import run
from mockserver.contract.sweep import SWEEP_CHECKS
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from tests.broken import DETAIL_FAULTS, FAULTS, WRITE_FAULTS, Fault, Faulty, broken_app
from tests.conftest import EVERY_OPERATION, MOCK_IDENTITY, REPO, run_options, shared_mock
from tests.deployments import DEPLOYMENTS
from tests.fastapi_deployment import CALLER as FASTAPI_CALLER
from tests.fastapi_deployment import TOKEN as FASTAPI_TOKEN
from tests.fastapi_deployment import app as fastapi_app
from tests.reference_deployment import TOKEN, reference_app
from tests.scenarios.test_processes import server


# Each bug is judged by the check meant to catch it alone: the other checks' verdicts on the same
# bug prove nothing about that one, and cost most of the run (the default profile is judged whole
# by the clean-deployment tests).
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_broken_deployment_is_caught_by_the_right_check(name: str) -> None:
    expected = FAULTS[name].expected_check
    outcome = run(run_options(app=broken_app(name), max_examples=8, checks=(expected,)))
    assert outcome.exit_code == 1
    assert expected in {f.check for f in outcome.findings}


def test_an_independent_deployment_conforms() -> None:
    outcome = run(
        run_options(app=reference_app(), token=TOKEN, org_id="acme", include_operations=EVERY_OPERATION)
    )
    assert outcome.exit_code == 0, outcome.findings


@pytest.mark.parametrize("name", sorted(name for name, fault in FAULTS.items() if not fault.mock_only))
def test_one_fault_in_an_independent_deployment_is_caught(name: str) -> None:
    app = Faulty(reference_app(), FAULTS[name], token=TOKEN, org="acme")
    expected = FAULTS[name].expected_check
    outcome = run(run_options(app=app, token=TOKEN, org_id="acme", max_examples=8, checks=(expected,)))
    assert outcome.exit_code == 1
    assert expected in {f.check for f in outcome.findings}


# Every check a broken deployment is caught by: the faults injected into the mock and the
# reference deployment, and the bugs of the framework deployments (tests/scenarios/test_deployments.py).
CAUGHT_BY = [fault.expected_check for fault in [*FAULTS.values(), *WRITE_FAULTS.values()]] + [
    check for module in DEPLOYMENTS.values() for check in module.BUGS.values()
]


def test_every_domain_check_has_a_broken_deployment() -> None:
    assert set(DOMAIN_CHECKS) <= set(CAUGHT_BY)


def test_the_readme_tells_every_domain_check() -> None:
    # The names are registered where each check is defined; the table of docs/contract.md is held to them.
    readme = (REPO / "docs" / "contract.md").read_text()
    assert [name for name in DOMAIN_CHECKS if f"| `{name}`" not in readme] == []


def test_every_whole_list_rule_is_broken_in_each_direction() -> None:
    # Pages: too short / too long; filters: too few / too many / reordered; records: across
    # pages / across reads; tenants: data served / existence told; totals: unscoped / unfiltered
    # / of the page.
    for check in SWEEP_CHECKS:
        assert CAUGHT_BY.count(check) >= 2, check


# The faults a `GET /assistants` alone can ship (no organization path).
LIST_FAULTS = sorted(
    name
    for name, fault in FAULTS.items()
    if fault.expected_check in SWEEP_CHECKS
    and fault.expected_check != "tenant_isolated"
    and not fault.clamp_to_last_page
)


def test_a_fastapi_and_sqlalchemy_deployment_conforms() -> None:
    # The default profile, as a CI job would first run it: no caller ids given, no writes sent.
    # It serves the assistants API alone (not /orgs).
    reads = ("list_assistants", "get_assistant")
    outcome = run(run_options(app=fastapi_app, token=FASTAPI_TOKEN, include_operations=reads, writes=False))
    # One true finding, FastAPI's own: it routes each method of a path separately, and
    # Starlette's 405 names in `Allow` only the methods of the first route the path matched.
    found = {(f.operation, f.check, f.message.splitlines()[0]) for f in outcome.findings}
    assert found == {
        (
            "GET /assistants",
            "allow_header_conformance",
            "`Allow: GET` does not match the schema. Missing documented methods: POST",
        ),
        (
            "GET /assistants/{assistant_id}",
            "allow_header_conformance",
            "`Allow: GET` does not match the schema. Missing documented methods: DELETE, PATCH",
        ),
    }
    assert not outcome.errors and not outcome.untested
    judged = outcome.operations["GET /assistants"]
    assert all(judged[name].passed == 1 for name in ("pages_agree", "filters_exact", "records_consistent"))


@pytest.mark.parametrize("name", LIST_FAULTS)
def test_one_fault_in_the_fastapi_deployment_is_caught(name: str) -> None:
    app = Faulty(fastapi_app, FAULTS[name], token=FASTAPI_TOKEN)
    options = run_options(
        app=app, token=FASTAPI_TOKEN, caller=FASTAPI_CALLER, include_operations=("list_assistants",)
    )
    outcome = run(options)
    assert outcome.exit_code == 1
    assert FAULTS[name].expected_check in {f.check for f in outcome.findings}


def test_a_whole_list_finding_shows_every_request_it_compared() -> None:
    outcome = run(run_options(app=broken_app("page_size_capped"), checks=("pages_agree",)))
    (finding,) = outcome.findings
    assert finding.title == "A short page was not the last"
    first, after = finding.compared
    assert "limit=1000" in first and "-> 200, 100 ids" in first
    assert "skip=100" in after and "-> 200, 100 ids" in after


@pytest.fixture(scope="module")
def spec_with_detail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """openapi.yaml with `GET /orgs/{org_id}/assistants/{assistant_id}` added, as an API owner
    adds a detail operation to a list."""
    import yaml

    document = yaml.safe_load((REPO / "openapi.yaml").read_text())
    listing = document["paths"]["/orgs/{org_id}/assistants"]["get"]
    identifier = {"name": "assistant_id", "in": "path", "required": True, "schema": {"type": "string"}}
    assistant = {"application/json": {"schema": {"$ref": "#/components/schemas/Assistant"}}}
    document["paths"]["/orgs/{org_id}/assistants/{assistant_id}"] = {
        "get": {
            "operationId": "get_org_assistant",
            "parameters": [listing["parameters"][0], identifier],
            "responses": {
                "200": {"description": "The assistant.", "content": assistant},
                "401": listing["responses"]["401"],
                "404": listing["responses"]["404"],
            },
        }
    }
    path = tmp_path_factory.mktemp("spec") / "with-detail.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_a_list_and_its_detail_operation_agree(spec_with_detail: Path) -> None:
    app = create_app(Settings(spec_path=spec_with_detail))
    outcome = run(run_options(app=app, spec_path=spec_with_detail, checks=("records_consistent",)))
    assert outcome.exit_code == 0, outcome.findings
    broken = Faulty(app, DETAIL_FAULTS["list_from_lagging_index"])
    outcome = run(run_options(app=broken, spec_path=spec_with_detail, checks=("records_consistent",)))
    assert outcome.exit_code == 1
    # Both lists have a detail operation (openapi.yaml's own, and the one added here).
    found = {f.operation: f for f in outcome.findings}
    assert set(found) == {"GET /assistants", "GET /orgs/{org_id}/assistants"}
    assert all(f.title == "List and detail disagree" and "/updated_at" in f.message for f in found.values())
    compared = found["GET /orgs/{org_id}/assistants"].compared
    assert compared[1].endswith("/orgs/org_demo/assistants/ast_frontdesk0000000001\n  -> 200")


def test_the_window_bounds_the_whole_list_requests() -> None:
    sent: list[str] = []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            sent.append(scope["query_string"].decode())
        await shared_mock()(scope, receive, send)

    def requests(window: int) -> int:
        sent.clear()
        options = run_options(
            app=counting, window=window, checks=("pages_agree",), include_operations=("list_assistants",)
        )
        assert run(options).exit_code == 0
        return sum("limit=7&" in q or q.endswith("limit=7") for q in sent)

    # The smallest walked page size is 7: a window of 200 items takes 29 pages, one of 21 three.
    assert requests(200) == 29
    assert requests(21) == 3


def test_the_mock_conforms_in_the_default_profile() -> None:
    outcome = run(run_options(include_operations=EVERY_OPERATION))
    assert outcome.findings == [] and not outcome.errors and not outcome.untested
    assert outcome.exit_code == 0
    # A rule with nothing to judge on a list is skipped there, never counted passed: these
    # lists have no envelope (no total), and /orgs no filter; /assistants is scoped by token.
    nothing = {
        "GET /assistants": {"totals_exact", "tenant_isolated"},
        "GET /orgs/{org_id}/assistants": {
            "totals_exact",
            "filters_exact",
        },
    }
    # The whole-list rules judge lists; the detail read and the writes are judged through them.
    lists = set(nothing)
    assert set(outcome.operations) == lists | {
        "GET /assistants/{assistant_id}",
        "POST /assistants",
        "PATCH /assistants/{assistant_id}",
        "DELETE /assistants/{assistant_id}",
    }
    for operation, checks in outcome.operations.items():
        judged = {name for name in DOMAIN_CHECKS if name in checks and checks[name].passed > 0}
        if operation in lists:
            expected = set(DOMAIN_CHECKS) - nothing[operation] - {"writes_visible"}
        else:
            expected = set() if operation.startswith("GET") else {"writes_visible"}
        assert judged == expected, operation


def test_the_mock_conforms_for_a_second_organization() -> None:
    outcome = run(run_options(token="other-org-token", org_id="org_globex", max_examples=10))
    assert outcome.exit_code == 0, outcome.findings


@pytest.mark.parametrize("token", ["dev-token", "dev-token-2", "other-org-token"])
def test_no_false_positive_at_maximum_limit_and_every_filter(token: str) -> None:
    from mockserver.contract.testing import contract_schema

    operation = contract_schema(app=shared_mock(), token=token)["/assistants"]["GET"]
    for active_only in ("true", "false"):
        for created_by_me in ("true", "false"):
            for skip in ("0", "7"):
                query = {
                    "limit": "1000",
                    "skip": skip,
                    "active_only": active_only,
                    "created_by_me": created_by_me,
                }
                operation.Case(query=query, headers={"Authorization": f"Bearer {token}"}).call_and_validate()


def test_the_same_seed_gives_the_same_cases_and_verdict() -> None:
    # A list and the writes that change it (the item operations' bodies cost most to generate).
    operations = ("list_assistants", "create_assistant", "delete_assistant")
    first = run(run_options(max_examples=5, include_operations=operations))
    second = run(run_options(max_examples=5, include_operations=operations))
    assert first.cases == second.cases
    assert first.operations.keys() == second.operations.keys()
    assert first.verdict == second.verdict == "conforms"


def test_failure_report_points_at_the_json_path() -> None:
    outcome = run(run_options(app=broken_app("wrong_type"), max_examples=5))
    (finding,) = [f for f in outcome.findings if f.check == "response_schema_conformance"][:1]
    assert finding.message.startswith("/0/llm_settings/temperature: '0.7' is not of type 'number'")
    assert finding.curl.startswith("curl -X GET")
    assert finding.status == 200 and finding.excerpt.startswith("[{")


def test_reports_load_and_never_contain_the_token(tmp_path: Path) -> None:
    import mockserver.contract.runner as runner_module

    secret = "s3cr3t-token-value"
    app = broken_app("wrong_type")
    outcome = runner_module.run(run_options(app=_accepting(app, secret), token=secret, max_examples=5))
    from mockserver.contract.outcome import summary_lines, write_reports

    files = write_reports(outcome, tmp_path)
    assert outcome.exit_code == 1
    text = "\n".join(summary_lines(outcome))
    for content in [text, *(p.read_text() for p in files)]:
        assert secret not in content
    # Curl lines read the token from the environment, so a pasted line works and shows nothing.
    assert '-H "Authorization: Bearer $MOCKSERVER_TOKEN"' in files[0].read_text()
    suites = ET.parse(files[0]).getroot()
    assert suites.tag == "testsuites"
    cases = suites.findall("testsuite/testcase")
    assert {c.get("name") for c in cases} >= set(DOMAIN_CHECKS)
    assert any(c.find("failure") is not None for c in cases)
    summary = json.loads(files[1].read_text())
    assert summary["verdict"] == "violations" and summary["exit_code"] == 1


def _accepting(app: object, token: str) -> object:
    """Make the broken app accept `token` as the dev token, so the token travels in every request."""

    async def wrapper(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] == "http":
            headers = [(k, v.replace(token.encode(), b"dev-token")) for k, v in scope["headers"]]
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)  # type: ignore[operator]

    return wrapper


def test_cli_contract_in_process_exit_0_with_reports(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["contract", "--max-examples", "5", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "verdict: conforms" in result.output
    assert "GET /assistants" in result.output
    ET.parse(tmp_path / "junit.xml")


def test_cli_rejects_unknown_checks_with_exit_2() -> None:
    result = CliRunner().invoke(main, ["contract", "--checks", "made_up"])
    assert result.exit_code == 2
    assert result.output.startswith("mockserver: error: unknown check(s): made_up")


def test_cli_only_selected_checks_run() -> None:
    result = CliRunner().invoke(
        main,
        [
            "contract",
            "--max-examples",
            "3",
            "--checks",
            "unique_ids,not_a_server_error",
            "--include-operation",
            "list_org_assistants",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "GET /orgs/{org_id}/assistants" in result.output and "GET /assistants:" not in result.output
    assert "2 checks" in result.output


def test_unreachable_url_is_exit_2() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(main, ["contract", "--url", f"http://127.0.0.1:{port}", "--timeout", "2"])
    assert result.exit_code == 2
    assert "cannot connect" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


def test_hanging_url_is_exit_2_within_the_timeout(hanging_url: str) -> None:
    result = CliRunner().invoke(main, ["contract", "--url", hanging_url, "--timeout", "1"])
    assert result.exit_code == 2
    assert "no response within 1s" in result.output


@pytest.mark.slow
def test_contract_over_http_against_a_served_mock() -> None:
    with server() as base:
        result = CliRunner().invoke(
            main,
            [
                "contract",
                "--url",
                base,
                "--token",
                "dev-token",
                "--org-id",
                "org_demo",
                "--max-examples",
                "10",
            ],
        )
    assert result.exit_code == 0, result.output
    assert "dev-token" not in result.output


def test_fuzz_is_time_boxed_and_prints_its_seed(tmp_path: Path) -> None:
    # One operation: in 3 s on a loaded machine the engine may not draw every operation, and an
    # operation never requested is a run that tested nothing (exit 2).
    result = CliRunner().invoke(
        main,
        [
            "fuzz",
            "--duration",
            "3s",
            "--seed",
            "42",
            "--include-operation",
            "list_assistants",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "seed 42" in result.output and "--seed 42" in result.output
    assert (tmp_path / "summary.json").exists() and (tmp_path / "junit.xml").exists()


def test_fuzzing_finds_and_deduplicates_a_fault(tmp_path: Path) -> None:
    outcome = run(
        run_options(
            app=broken_app("server_error"),
            include_operations=("list_assistants", "list_org_assistants"),
            max_examples=100_000,
            max_time=3,
            phases=("coverage", "fuzzing"),
            database=tmp_path / "db",
        )
    )
    assert outcome.exit_code == 1
    keys = [f.key() for f in outcome.findings]
    assert len(keys) == len(set(keys))
    assert "not_a_server_error" in {f.check for f in outcome.findings}


def test_pytest_entry_point_yields_a_schema_with_the_domain_checks() -> None:
    from mockserver.contract.testing import contract_schema

    schema = contract_schema(app=broken_app("duplicate_ids"), **MOCK_IDENTITY)
    case = schema["/assistants"]["GET"].Case(
        query={"limit": "3"}, headers={"Authorization": "Bearer dev-token"}
    )
    from schemathesis.core.failures import FailureGroup

    with pytest.raises(FailureGroup) as found:
        case.call_and_validate()
    assert "Duplicate ids in a page" in {failure.title for failure in found.value.exceptions}
    good = contract_schema(app=create_app(Settings()), **MOCK_IDENTITY)
    good["/assistants"]["GET"].Case(
        query={"limit": "3"}, headers={"Authorization": "Bearer dev-token"}
    ).call_and_validate()


def test_redaction_catches_a_token_echoed_anywhere() -> None:
    assert redact("Bearer abc and abc again", ("abc",)) == f"Bearer {REDACTED} and {REDACTED} again"
    assert redact("nothing to hide", ()) == "nothing to hide"


@pytest.mark.parametrize(
    ("status", "headers", "body", "title"),
    [
        (401, {"content-type": ["application/json"]}, b'{"detail":"x"}', "401 without a challenge"),
        (405, {"content-type": ["application/json"]}, b"{}", "405 without Allow"),
        (204, {}, b"{}", "Body on a 204"),
        (304, {}, b"x", "Body on a 304"),
        (
            200,
            {"content-type": ["application/problem+json"]},
            b"{'a': 1}",
            "Body does not match its Content-Type",
        ),
    ],
)
def test_http_semantics_each_rule_fails_a_response_that_breaks_it(
    status: int, headers: dict[str, list[str]], body: bytes, title: str
) -> None:
    from mockserver.contract.checks import check_http_semantics
    from mockserver.model.rules import DomainViolation

    with pytest.raises(DomainViolation, match=title):
        check_http_semantics(status, headers, body)
    fixed = {**headers, "www-authenticate": ["Bearer"], "allow": ["GET"]}
    check_http_semantics(status, fixed, b"" if status in (204, 304) else b"{}")


def test_the_window_and_the_caller_organizations_are_options() -> None:
    runner = CliRunner()
    args = ["contract", "--checks", "tenant_isolated,pages_agree", "--max-examples", "3"]
    result = runner.invoke(main, [*args, "--window", "30", "--caller-org", "org_globex"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, [*args, "--window", "0"]).exit_code == 2


def test_operations_are_selected_by_label_or_id_and_an_unknown_one_is_named() -> None:
    outcome = run(run_options(include_operations=("GET /orgs/{org_id}/assistants",), max_examples=3))
    assert set(outcome.cases) == {"GET /orgs/{org_id}/assistants"}
    result = CliRunner().invoke(main, ["contract", "--include-operation", "GET /nowhere"])
    assert result.exit_code == 2
    assert "selects nothing for 'GET /nowhere'" in result.output
    writes = ("create_assistant", "delete_assistant", "update_assistant")
    known = ", ".join(sorted(("get_assistant", "list_assistants", "list_org_assistants", *writes)))
    assert f'known: {known}; or name one as "GET /path"' in result.output


def test_caller_ids_of_any_type_are_taken_as_written() -> None:
    # A UUID or a slug is a string, a number a number: the rules compare them with the data.
    from mockserver.cli.run_options import identifier

    assert (
        identifier(None, None, "6f1c2c8e-1d1b-4b7e-9a51-0c3f1f7f0a01")
        == "6f1c2c8e-1d1b-4b7e-9a51-0c3f1f7f0a01"
    )
    assert identifier(None, None, "42") == 42
    result = CliRunner().invoke(
        main,
        ["contract", "--caller-user-id", "6f1c2c8e-1d1b-4b7e-9a51-0c3f1f7f0a01", "--include-operation", "x"],
    )
    assert "--include-operation selects nothing" in result.output


def test_http_semantics_is_counted_passed_where_it_ran() -> None:
    outcome = run(run_options(include_operations=("list_assistants",), max_examples=3))
    assert outcome.operations["GET /assistants"]["http_semantics"].passed > 0


def test_a_wrong_credential_tests_nothing_on_any_document() -> None:
    spec = REPO / "tests" / "documents" / "basic-auth.yaml"  # HTTP basic on every operation
    wrong = (("Authorization", "Basic ZXhwaXJlZDpleHBpcmVk"),)
    app = create_app(Settings(spec_path=spec, fixtures_dir=spec.parent / "no-fixtures"))
    outcome = run(run_options(app=app, spec_path=spec, headers=wrong, token=None, max_examples=3))
    assert outcome.exit_code == 2
    assert outcome.nothing_tested


def test_a_second_caller_sees_none_of_the_first_callers_records() -> None:
    # dev-token's organization and other-org-token's share nothing: on the mock the two see
    # disjoint lists; a deployment that serves every caller the same organization does not.
    clean = run(run_options(other_token="other-org-token", include_operations=("list_assistants",)))
    assert clean.exit_code == 0, clean.findings
    assert clean.operations["GET /assistants"]["tenant_isolated"].passed
    leaky = Faulty(shared_mock(), Fault(expected_check="tenant_isolated", skip_auth=True))
    outcome = run(
        run_options(app=leaky, other_token="other-org-token", include_operations=("list_assistants",))
    )
    assert outcome.exit_code == 1
    found = [f for f in outcome.findings if f.check == "tenant_isolated"]
    assert found and found[0].title == "Another caller's records listed"
    assert "other-org-token" not in found[0].message + "".join(found[0].compared)


def test_the_html_report_badge_of_a_domain_check_does_not_send_the_reader_elsewhere(tmp_path: Path) -> None:
    outcome = run(
        run_options(
            app=broken_app("duplicate_ids"),
            include_operations=("list_assistants",),
            max_examples=3,
            reports=("html",),
            report_dir=tmp_path,
        )
    )
    assert outcome.exit_code == 1
    page = (tmp_path / "html" / "index.html").read_text()
    assert "MS901" in page and "reference/failures/#ms901" not in page
    assert 'title="a mockserver domain check' in page
    # Nor looks as if it did: Schemathesis' `fcode` badges draw an outbound-link arrow.
    assert 'class="fcode" title="a mockserver' not in page
    # Its curl lines, copied, work once $MOCKSERVER_TOKEN is set, as the console's do.
    assert "[Filtered]" not in page and "-H &quot;Authorization: Bearer $MOCKSERVER_TOKEN&quot;" in page
