"""The whole-list sweep on its own, against small in-memory deployments: the edge cases a
review found (odd ids, declared refusals, callers in several organizations, lists that change,
contracts without a maximum), each a correct deployment that must pass or a broken one that
must not."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from mockserver.contract.sweep import LARGEST_REQUESTED, Answer, Request, Sweep, SweepViolation
from mockserver.model.endpoints import Endpoint
from mockserver.model.spec import load_spec
from tests.conftest import REPO

SPEC = load_spec(REPO / "openapi.yaml")
ASSISTANTS = SPEC.endpoints["list_assistants"]
ORG_ASSISTANTS = SPEC.endpoints["list_org_assistants"]


def _records(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "is_active": i % 3 != 0, "user_id": 1 + i % 2, "name": f"n{i}"} for i in range(n)]


class Deployment:
    """An offset-paged (or page-numbered) list that honours every rule unless told otherwise."""

    def __init__(
        self,
        operation: Endpoint,
        records: list[dict[str, Any]],
        *,
        status: Callable[[dict[str, Any], dict[str, Any]], int] = lambda q, p: 200,
        caller_id: int = 1,
    ) -> None:
        self.operation = operation
        self.records = records
        self.status = status
        self.caller_id = caller_id
        self.sent: list[Request] = []

    def __call__(self, request: Request) -> Answer:
        self.sent.append(request)
        query, path = dict(request.query), dict(request.path)
        code = self.status(query, path)
        if code != 200:
            return Answer(request, code, None)
        params = {**dict(self.operation.defaults), **query}
        items = [
            r
            for r in self.records
            if (not params.get("active_only") or r["is_active"])
            and (not params.get("created_by_me") or r["user_id"] == self.caller_id)
        ]
        assert self.operation.pagination is not None
        offset, size = self.operation.pagination.window(params)
        return Answer(request, 200, copy.deepcopy(items[offset : offset + size]))


def sweep(operation: Endpoint, deployment: Callable[[Request], Answer], **options: Any) -> Sweep:
    path = {"org_id": "org_demo"} if operation.tenant and operation.tenant.parameter else {}
    return Sweep(operation, deployment, base={}, path=path, caller={"user_id": 1}, **options)


def _with_size(operation: Endpoint, **schema: Any) -> Endpoint:
    parameters = copy.deepcopy(operation.parameters)
    assert operation.pagination is not None
    size = ("query", operation.pagination.size_param)
    parameters[size]["schema"] = {"type": "integer", "minimum": 1, **schema}
    return replace(operation, parameters=parameters)


@pytest.mark.parametrize("n", [0, 1, 6, 7, 14, 100, 203, 1000, 1500])
def test_a_correct_list_of_any_length_passes_every_rule(n: int) -> None:
    for operation in (ASSISTANTS, ORG_ASSISTANTS):
        s = sweep(operation, Deployment(operation, _records(n)))
        s.pages_agree()
        s.filters_exact()
        s.records_consistent()


def test_ids_that_are_not_plain_values_are_compared_not_crashed_on() -> None:
    records = [{**r, "id": [r["id"], "x"]} for r in _records(30)]
    s = sweep(ASSISTANTS, Deployment(ASSISTANTS, records))
    s.pages_agree()
    s.filters_exact()
    s.records_consistent()


def test_records_without_ids_are_still_compared_by_page_size() -> None:
    records = [{k: v for k, v in r.items() if k != "id"} for r in _records(40)]
    deployment = Deployment(ASSISTANTS, records)
    sweep(ASSISTANTS, deployment).records_consistent()
    original = Deployment(ASSISTANTS, records)

    def reversed_big_pages(request: Request) -> Answer:
        answer = original(request)
        if dict(request.query)["limit"] > 100 and answer.items:
            return Answer(request, 200, answer.items[::-1])
        return answer

    with pytest.raises(SweepViolation, match="Page sizes disagree"):
        sweep(ASSISTANTS, reversed_big_pages).pages_agree()


def test_a_filter_on_by_default_is_switched_off_for_the_unfiltered_list() -> None:
    parameters = copy.deepcopy(ASSISTANTS.parameters)
    parameters[("query", "active_only")]["schema"]["default"] = True
    defaults = tuple((k, True if k == "active_only" else v) for k, v in ASSISTANTS.defaults)
    operation = replace(ASSISTANTS, parameters=parameters, defaults=defaults)
    s = sweep(operation, Deployment(operation, _records(250)))
    s.pages_agree()
    s.filters_exact()


def test_without_a_declared_maximum_the_default_size_is_the_largest_page() -> None:
    operation = _with_size(ASSISTANTS, default=50)
    deployment = Deployment(operation, _records(300))
    sweep(operation, deployment).pages_agree()
    assert max(dict(r.query)["limit"] for r in deployment.sent) == 50


def test_a_huge_maximum_never_asks_for_the_whole_table() -> None:
    operation = _with_size(ASSISTANTS, maximum=2**31 - 1, default=100)
    deployment = Deployment(operation, _records(50))
    sweep(operation, deployment).pages_agree()
    assert max(dict(r.query)["limit"] for r in deployment.sent) == LARGEST_REQUESTED


def test_requests_stay_bounded_whatever_the_window_and_the_page_size() -> None:
    operation = _with_size(ASSISTANTS, maximum=5, default=5)
    deployment = Deployment(operation, _records(100_000))
    s = sweep(operation, deployment, window=100_000)
    s.records_consistent()
    # Six walks (the list, each filter off, each on, both on), 50 pages at most each.
    assert len(deployment.sent) <= 6 * 50 + 10


def test_past_the_end_an_error_is_not_an_empty_page() -> None:
    def not_found_past_the_end(query: dict[str, Any], path: dict[str, Any]) -> int:
        return 404 if (query["page"] - 1) * query["take"] >= 37 else 200

    deployment = Deployment(ORG_ASSISTANTS, _records(37), status=not_found_past_the_end)
    with pytest.raises(SweepViolation, match="No empty page past the end"):
        sweep(ORG_ASSISTANTS, deployment).pages_agree()


def test_a_refused_largest_page_is_reported_by_whichever_check_needs_it() -> None:
    def refuses_big_pages(query: dict[str, Any], path: dict[str, Any]) -> int:
        return 500 if query.get("limit", 0) > 100 else 200

    for rule in ("filters_exact", "records_consistent"):
        s = sweep(ASSISTANTS, Deployment(ASSISTANTS, _records(300), status=refuses_big_pages))
        with pytest.raises(SweepViolation) as raised:
            getattr(s, rule)()
        assert raised.value.check == rule and raised.value.title == "A valid list request was refused"


def test_a_list_that_changes_meanwhile_is_said_to_have_changed() -> None:
    deployment = Deployment(ASSISTANTS, _records(300))
    calls = 0
    original = deployment.__call__

    def growing(request: Request) -> Answer:
        nonlocal calls
        calls += 1
        if calls == 5:  # somebody inserts a record at the head of the list
            deployment.records.insert(0, {"id": -calls, "is_active": True, "user_id": 1, "name": "new"})
        return original(request)

    s = sweep(ASSISTANTS, growing)
    with pytest.raises(SweepViolation, match="The list changed while it was compared"):
        s.judged(s.pages_agree)


def test_organizations_the_caller_belongs_to_are_not_probed() -> None:
    def member_of_both(query: dict[str, Any], path: dict[str, Any]) -> int:
        return 200 if path.get("org_id", "org_demo") in ("org_demo", "org_globex") else 404

    deployment = Deployment(ORG_ASSISTANTS, _records(10), status=member_of_both)
    s = Sweep(
        ORG_ASSISTANTS,
        deployment,
        base={},
        path={"org_id": "org_demo"},
        caller={"orgs": ["org_demo", "org_globex"]},
        others=["org_demo", "org_globex"],
    )
    s.tenant_isolated()
    probed = [dict(r.path).get("org_id") for r in deployment.sent]
    assert probed == ["org_demo-not-a-member"]


def test_any_declared_refusal_is_accepted_for_an_existing_organization() -> None:
    responses = {**ORG_ASSISTANTS.responses, "403": {"description": "Not a member."}}
    operation = replace(ORG_ASSISTANTS, responses=responses)

    def forbidden(query: dict[str, Any], path: dict[str, Any]) -> int:
        org = path.get("org_id", "org_demo")
        return 200 if org == "org_demo" else 403 if org == "org_globex" else 404

    sweep(
        operation, Deployment(operation, _records(10), status=forbidden), others=["org_globex"]
    ).tenant_isolated()

    # An organization that exists nowhere must answer like an unknown one: the first declared.
    def forbidden_everywhere(query: dict[str, Any], path: dict[str, Any]) -> int:
        return 200 if path.get("org_id", "org_demo") == "org_demo" else 403

    deployment = Deployment(operation, _records(10), status=forbidden_everywhere)
    with pytest.raises(SweepViolation, match="exists nowhere"):
        sweep(operation, deployment, others=["org_globex"]).tenant_isolated()


def _enveloped_list() -> Endpoint:
    from mockserver.model.endpoints import endpoints

    item = {"type": "object", "properties": {"id": {"type": "integer"}}}
    body = {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": item},
            "has_more": {"type": "boolean"},
            "total": {"type": "integer"},
        },
    }
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "things",
                    "parameters": [
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 20, "default": 20},
                        },
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": body}}}
                    },
                }
            }
        },
    }
    return endpoints(document)["things"]


@pytest.mark.parametrize("n", [0, 7, 20, 40, 41])
def test_an_honest_has_more_passes_on_a_full_last_page_too(n: int) -> None:
    # An API that counts ahead says false on a full last page; the empty page after agrees.
    operation = _enveloped_list()

    def deployment(request: Request) -> Answer:
        query = dict(request.query)
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
        page = [{"id": i} for i in range(n)][offset : offset + limit]
        return Answer(request, 200, page, total=n, more=offset + limit < n)

    s = Sweep(operation, deployment, base={}, path={}, window=100)
    s.pages_agree()
    s.totals_exact()

    def always_more(request: Request) -> Answer:
        answer = deployment(request)
        return Answer(request, 200, answer.items, total=n, more=True)

    with pytest.raises(SweepViolation, match="has_more is wrong"):
        Sweep(operation, always_more, base={}, path={}, window=100).totals_exact()
