"""Real implementations of list APIs, each judged by the document its own framework generates,
with no `x-` extension: the one operation model infers what their lists mean, the checker holds
the clean apps to it and names each shipped bug, and the mock serves the same documents the way
the apps answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.contract.options import RunOptions
from mockserver.contract.runner import run
from mockserver.contract.sweep import SWEEP_CHECKS
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.model.spec import load_spec
from tests.deployments import DEPLOYMENTS, items_sqlmodel, serving, write_document
from tests.scenarios.test_processes import free_port

UNDERSTOOD = {
    "items_sqlmodel": [
        "GET /api/v1/items/: a list, pages by skip/limit (offset), items at 'data', total at 'count', "
        "detail GET /api/v1/items/{id}, owned by 'owner_id' (inferred)"
    ],
    "conduit": [
        "GET /api/articles: a list, pages by offset/limit (offset), items at 'articles', total at "
        "'articlesCount', filter tag (keeps tagList containing value, inferred), filter author (keeps "
        "author.username == value, inferred), detail GET /api/articles/{slug} at 'article', records "
        "keyed by 'slug' (inferred)"
    ],
    "customers_cursor": [
        "GET /v1/customers: a list, pages by starting_after/limit (cursor from the last item's key), "
        "items at 'data', more at 'has_more', filter email (keeps email == value, inferred), detail "
        "GET /v1/customers/{customer} (inferred)"
    ],
    "events_link": [
        "GET /events: a list, pages by after/per_page (cursor from the Link header), items: the body, "
        "filter type (keeps type == value, inferred), filter actor (keeps actor.login == value, "
        "inferred), filter created_after (keeps created_at >= value, inferred), filter created_before "
        "(keeps created_at <= value, inferred) (inferred)"
    ],
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("documents")
    return {name: write_document(module.make_app(), directory, name) for name, module in DEPLOYMENTS.items()}


def _extensions(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [k for k in node if str(k).startswith("x-")] + [
            x for v in node.values() for x in _extensions(v)
        ]
    if isinstance(node, list):
        return [x for v in node for x in _extensions(v)]
    return []


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_each_document_is_the_frameworks_own_and_declares_no_extension(
    name: str, documents: dict[str, Path]
) -> None:
    assert _extensions(json.loads(documents[name].read_text())) == []
    assert load_spec(documents[name]).understanding() == UNDERSTOOD[name]


def _run(name: str, documents: dict[str, Path], bug: str | None = None, **options: Any) -> Any:
    module = DEPLOYMENTS[name]
    return run(
        RunOptions(
            app=module.make_app(bug),
            spec_path=documents[name],
            token=module.TOKEN,
            # A second caller where the deployment has one, for tenant_isolated.
            other_token=getattr(module, "OTHER_TOKEN", None),
            # The apps are in-process and their own: their writes are tested too.
            **{"max_examples": 10, "writes": True, **options},
        )
    )


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_a_clean_app_conforms_and_every_semantic_check_judged_its_list(
    name: str, documents: dict[str, Path]
) -> None:
    outcome = _run(name, documents)
    assert outcome.exit_code == 0, [(f.check, f.title, f.message) for f in outcome.findings]
    (listed,) = load_spec(documents[name]).lists.values()
    judged = {check for check, tally in outcome.operations[listed.label].items() if tally.passed}
    expected = {"pages_agree", "records_consistent"}
    if listed.filters:
        expected.add("filters_exact")
    assert listed.listing is not None
    if listed.listing.total_field or listed.listing.has_more_field:
        expected.add("totals_exact")
    assert expected <= judged
    assert expected <= set(SWEEP_CHECKS)


BROKEN = sorted((name, bug) for name, module in DEPLOYMENTS.items() for bug in module.BUGS)


@pytest.mark.parametrize(("name", "bug"), BROKEN)
def test_each_shipped_bug_is_named_by_its_check(name: str, bug: str, documents: dict[str, Path]) -> None:
    # A bug only a sequence of calls shows (create, delete, read) needs the stateful phase to
    # reach that sequence: a larger budget, so that its finding does not hang on the draw.
    stateful = DEPLOYMENTS[name].BUGS[bug] in ("use_after_free", "ensure_resource_availability")
    outcome = _run(name, documents, bug, **({"max_examples": 40} if stateful else {}))
    assert outcome.exit_code == 1
    assert DEPLOYMENTS[name].BUGS[bug] in {f.check for f in outcome.findings}


def test_every_bug_names_a_check_that_exists() -> None:
    from schemathesis.checks import CHECKS

    import mockserver.contract.hooks  # noqa: F401  (registers the checks)

    known = set(CHECKS.get_all_names())
    assert {check for module in DEPLOYMENTS.values() for check in module.BUGS.values()} <= known


@pytest.mark.slow
def test_the_cli_over_http_passes_the_clean_app_and_a_wrong_token_tests_nothing(
    documents: dict[str, Path],
) -> None:
    doc = str(documents["items_sqlmodel"])
    with serving(items_sqlmodel.make_app(), free_port()) as url:
        args = ["contract", "--spec", doc, "--url", url, "--max-examples", "10"]
        clean = CliRunner().invoke(main, [*args, "--token", items_sqlmodel.TOKEN])
        wrong = CliRunner().invoke(main, [*args, "--token", "expired-token"])
    assert clean.exit_code == 0, clean.output
    assert f"understood: {UNDERSTOOD['items_sqlmodel'][0]}" in clean.output
    assert wrong.exit_code == 2, wrong.output
    assert "error: nothing tested" in wrong.output
    assert "is --token right?" in wrong.output


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_the_mock_serves_each_document_and_honours_it(name: str, documents: dict[str, Path]) -> None:
    app = create_app(Settings(spec_path=documents[name], fixtures_dir=documents[name].parent / "none"))
    outcome = run(
        RunOptions(app=app, spec_path=documents[name], token="dev-token", max_examples=10, writes=True)
    )
    assert outcome.exit_code == 0, [(f.check, f.title, f.message) for f in outcome.findings]


def test_the_mock_filters_and_counts_as_the_app_does(documents: dict[str, Path]) -> None:
    app = create_app(
        Settings(spec_path=documents["conduit"], fixtures_dir=documents["conduit"].parent / "none")
    )
    with TestClient(app) as client:
        everything = client.get("/api/articles", params={"limit": 500}).json()
        tag = everything["articles"][0]["tagList"][0]
        author = everything["articles"][0]["author"]["username"]
        for params, holds in (
            ({"tag": tag}, lambda a: tag in a["tagList"]),
            ({"author": author}, lambda a: a["author"]["username"] == author),
            (
                {"tag": tag, "author": author},
                lambda a: tag in a["tagList"] and a["author"]["username"] == author,
            ),
        ):
            pages = [
                client.get("/api/articles", params={**params, "limit": 7, "offset": o}).json() for o in (0, 7)
            ]
            whole = client.get("/api/articles", params={**params, "limit": 500}).json()
            # The matching articles of the first 500, in their order, then those beyond them.
            expected = [a for a in everything["articles"] if holds(a)]
            assert expected and whole["articles"][: len(expected)] == expected
            assert all(holds(a) for a in whole["articles"])
            assert len(whole["articles"]) == min(whole["articlesCount"], 500)
            assert [a for p in pages for a in p["articles"]] == whole["articles"][:14]
            assert {p["articlesCount"] for p in pages} == {whole["articlesCount"]}
        one = client.get(f"/api/articles/{everything['articles'][3]['slug']}").json()
        assert one == {"article": everything["articles"][3]}


def test_a_fuzz_run_explores_every_operation_of_the_document(documents: dict[str, Path]) -> None:
    # The run ends once every operation got two cases (the time box only guards a run that never
    # reaches one), so that no machine is too slow to reach them all.
    app = DEPLOYMENTS["conduit"].make_app()
    options = RunOptions(app=app, spec_path=documents["conduit"], mode="fuzz", max_time=600, max_examples=2)
    outcome = run(options)
    assert outcome.interrupted_by is None
    # Its reads (no writes are sent unless asked).
    labels = {e.label for e in load_spec(documents["conduit"]).endpoints.values() if e.kind != "write"}
    assert labels <= {label for label, cases in outcome.cases.items() if cases}


def test_our_own_api_as_fastapi_documents_it_is_understood_served_and_passed(tmp_path: Path) -> None:
    # tests/fastapi_deployment.py is the assistants API in FastAPI: its generated document has none of
    # openapi.yaml's extensions, and the same list is understood from it.
    from tests.fastapi_deployment import TOKEN
    from tests.fastapi_deployment import app as deployment

    doc = write_document(deployment, tmp_path, "assistants-fastapi")
    (line,) = load_spec(doc).understanding()
    assert line.startswith("GET /assistants: a list, pages by skip/limit (offset), items: the body")
    real = run(RunOptions(app=deployment, spec_path=doc, token=TOKEN, max_examples=10, writes=True))
    # FastAPI's own departures from the document it generates, each a true finding: `Allow`
    # names one route's methods (see test_contract.py); pydantic's lax mode takes `0` for false;
    # a body that is not UTF-8 is a 400 the document does not declare. None is a domain check's.
    fastapi_own = {"allow_header_conformance", "negative_data_rejection", "status_code_conformance"}
    assert {f.check for f in real.findings} <= fastapi_own, [(f.check, f.message) for f in real.findings]
    assert "allow_header_conformance" in {f.check for f in real.findings}
    assert not real.errors and not real.untested
    mock = create_app(Settings(spec_path=doc, fixtures_dir=tmp_path / "none"))
    served = run(RunOptions(app=mock, spec_path=doc, token="dev-token", max_examples=10, writes=True))
    assert served.exit_code == 0, [(f.check, f.title, f.message) for f in served.findings]
