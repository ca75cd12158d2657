"""Documents nobody wrote for this project, from the public corpus (tests/public_corpus.py):
each of a fixed sample starts, and upstream Schemathesis, with every check in both of its
modes, finds nothing that is the mock's fault."""

from __future__ import annotations

import random
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.contract.runner import run
from mockserver.mock.app import Plan, base_path, create_app, dev_credentials
from mockserver.mock.settings import Settings
from tests import public_corpus
from tests.conftest import run_options
from tests.scenarios.test_any_spec import mocks_fault

# Operations fuzzed per document: enough to meet every kind of schema a large document has,
# few enough that the sample runs in CI's minutes.
OPERATIONS = 25


def _app(name: str, plan: list[Plan] | None = None) -> Any:
    spec = public_corpus.path(name)
    return create_app(Settings(spec_path=spec, fixtures_dir=spec.parent / ".no-fixtures"), plan)


# Faults of the mock's that the sample still finds, each to be fixed (strict: a fix shows here).
KNOWN: dict[str, str] = {}


def _sample() -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN[name], strict=True))
        if name in KNOWN
        else name
        for name in public_corpus.sample() or ["(not installed)"]
    ]


@pytest.mark.parametrize("name", _sample())
def test_a_sample_document_starts_and_schemathesis_finds_no_fault_of_the_mocks(name: str) -> None:
    public_corpus.require()
    plan: list[Plan] = []
    app = _app(name, plan)
    document = plan[0].spec.document
    for note in plan[0].notes:
        # Every warning names where: a JSON pointer into the document.
        assert not note.startswith("warning:") or ": /" in note or ": #/" in note, note
    with TestClient(app) as client:
        assert client.get(f"{base_path(document)}/openapi.json").status_code == 200
    labels = sorted(plan[0].spec.labels)
    chosen = tuple(random.Random(name).sample(labels, min(OPERATIONS, len(labels))))
    credentials = dev_credentials(document)
    outcome = run(
        run_options(
            app=app,
            spec_path=public_corpus.path(name),
            headers=credentials.get("headers", ()),
            token=credentials.get("token"),
            max_examples=3,
            include_operations=chosen if len(labels) > OPERATIONS else (),
            phases=("examples", "coverage", "fuzzing"),
        )
    )
    # Where the document's own oneOf admits no value (branches alike), start-up says so, and no
    # deployment could answer there within the schema: the document's fault, not the mock's.
    ambiguous = {line.split(": ")[1] for line in plan[0].notes if "cannot be told apart" in line}

    def documents_fault(finding: Any) -> bool:
        endpoint = plan[0].spec.by_label(finding.operation)
        return (
            finding.check == "response_schema_conformance"
            and endpoint is not None
            and any(at.startswith(endpoint.pointer + "/") for at in ambiguous)
        )

    faults = sorted(
        {
            (f.check, f.operation, f.title)
            for f in outcome.findings
            if mocks_fault(f) and not documents_fault(f)
        }
    )
    assert faults == []
    assert outcome.cases


@pytest.mark.parametrize("name", public_corpus.LARGEST)
def test_a_large_document_starts_and_answers_its_lists(name: str) -> None:
    public_corpus.require()
    plan: list[Plan] = []
    app = _app(name, plan)
    document = plan[0].spec.document
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(f"{base_path(document)}/openapi.json").status_code == 200
        headers = dict(dev_credentials(document).get("headers", ()))
        token = dev_credentials(document).get("token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        asked = [route for route, item in document["paths"].items() if "{" not in route and "get" in item][
            :20
        ]
        assert asked
        for route in asked:
            assert client.get(base_path(document) + route, headers=headers).status_code < 500, route
