"""The mock's HTTP behaviour, in-process: pagination, filters, scoping, auth and error shapes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import DEV, DEV2, OTHER


def all_items(client: TestClient, url: str, headers: dict[str, str], **params: Any) -> list[Any]:
    everything: list[Any] = []
    while True:
        response = client.get(url, headers=headers, params={**params, "limit": 1000, "skip": len(everything)})
        assert response.status_code == 200
        everything += response.json()
        if len(response.json()) < 1000:
            return everything


class TestAssistants:
    def test_default_page_is_100_realistic_assistants(self, client: TestClient) -> None:
        response = client.get("/assistants", headers=DEV)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        items = response.json()
        assert len(items) == 100
        assert {item["organization_id"] for item in items} == {1}
        assert items[0]["name"] == "Customer Service Bot"  # the curated record comes first

    @pytest.mark.parametrize(("skip", "limit"), [(0, 1), (3, 7), (1450, 100), (1500, 5), (9999, 10)])
    def test_skip_and_limit_are_exact(self, client: TestClient, skip: int, limit: int) -> None:
        everything = all_items(client, "/assistants", DEV)
        page = client.get("/assistants", headers=DEV, params={"skip": skip, "limit": limit}).json()
        assert page == everything[skip : skip + limit]

    def test_pages_concatenate_to_the_whole_list(self, client: TestClient) -> None:
        everything = all_items(client, "/assistants", DEV)
        pages: list[Any] = []
        for skip in range(0, len(everything) + 170, 170):
            pages += client.get("/assistants", headers=DEV, params={"skip": skip, "limit": 170}).json()
        assert pages == everything
        assert len({item["id"] for item in everything}) == len(everything) == 1501

    def test_active_only_filters_for_real(self, client: TestClient) -> None:
        everything = all_items(client, "/assistants", DEV)
        active = all_items(client, "/assistants", DEV, active_only="true")
        assert active == [item for item in everything if item["is_active"]]
        assert 0 < len(active) < len(everything)
        assert all_items(client, "/assistants", DEV, active_only="false") == everything

    def test_created_by_me_is_the_callers_own(self, client: TestClient) -> None:
        everything = all_items(client, "/assistants", DEV)
        mine = all_items(client, "/assistants", DEV, created_by_me="true")
        theirs = all_items(client, "/assistants", DEV2, created_by_me="true")
        assert mine == [item for item in everything if item["user_id"] == 1]
        assert theirs == [item for item in everything if item["user_id"] == 2]
        assert mine and theirs

    def test_filters_combine_and_paginate(self, client: TestClient) -> None:
        everything = all_items(client, "/assistants", DEV)
        expected = [i for i in everything if i["is_active"] and i["user_id"] == 1][5:12]
        page = client.get(
            "/assistants",
            headers=DEV,
            params={"active_only": "true", "created_by_me": "true", "skip": 5, "limit": 7},
        ).json()
        assert page == expected

    def test_other_organization_sees_only_its_own(self, client: TestClient) -> None:
        ours = {i["id"] for i in all_items(client, "/assistants", DEV)}
        theirs = all_items(client, "/assistants", OTHER)
        assert {i["organization_id"] for i in theirs} == {2}
        assert ours.isdisjoint(i["id"] for i in theirs)

    def test_timestamps_are_ordered(self, client: TestClient) -> None:
        for item in all_items(client, "/assistants", DEV):
            assert item["updated_at"] >= item["created_at"]

    def test_same_request_same_bytes(self, client: TestClient) -> None:
        url = "/assistants?skip=17&limit=30&active_only=true"
        assert client.get(url, headers=DEV).content == client.get(url, headers=DEV).content


class TestAssistantsErrors:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer nope"},
            {"Authorization": "Basic ZGV2OnRva2Vu"},
            {"Authorization": "Bearer"},
        ],
    )
    def test_401_fastapi_shape(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/assistants", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"detail"}
        assert isinstance(response.json()["detail"], str)

    @pytest.mark.parametrize(
        ("params", "loc", "kind"),
        [
            ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
            ({"limit": 1001}, ["query", "limit"], "less_than_equal"),
            ({"limit": "ten"}, ["query", "limit"], "int_parsing"),
            ({"skip": -1}, ["query", "skip"], "greater_than_equal"),
            ({"skip": "1.5"}, ["query", "skip"], "int_parsing"),
            ({"active_only": "maybe"}, ["query", "active_only"], "bool_parsing"),
            ({"created_by_me": "2"}, ["query", "created_by_me"], "bool_parsing"),
        ],
    )
    def test_422_fastapi_shape(
        self, client: TestClient, params: dict[str, Any], loc: list[str], kind: str
    ) -> None:
        response = client.get("/assistants", headers=DEV, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/json"
        (error,) = response.json()["detail"]
        assert error["loc"] == loc
        assert error["type"] == kind
        assert error["msg"].startswith("Input should be")

    def test_422_lists_every_invalid_parameter(self, client: TestClient) -> None:
        response = client.get("/assistants", headers=DEV, params={"limit": 0, "skip": -5})
        assert [e["loc"][1] for e in response.json()["detail"]] == ["skip", "limit"]

    def test_auth_is_checked_before_parameters(self, client: TestClient) -> None:
        assert client.get("/assistants", params={"limit": 0}).status_code == 401

    def test_boundaries_are_accepted(self, client: TestClient) -> None:
        assert len(client.get("/assistants?limit=1000", headers=DEV).json()) == 1000
        assert len(client.get("/assistants?limit=1&skip=0", headers=DEV).json()) == 1


class TestOrgAssistants:
    def test_default_page(self, client: TestClient) -> None:
        response = client.get("/orgs/org_demo/assistants", headers=DEV)
        assert response.status_code == 200
        items = response.json()
        assert len(items) == 20
        assert items[0]["id"] == "ast_frontdesk0000000001"

    def test_pages_concatenate(self, client: TestClient) -> None:
        everything = client.get("/orgs/org_demo/assistants?take=100", headers=DEV).json()
        assert len(everything) == 37
        pages: list[Any] = []
        for page in range(1, 6):
            pages += client.get(f"/orgs/org_demo/assistants?page={page}&take=9", headers=DEV).json()
        assert pages == everything
        assert len({item["id"] for item in everything}) == len(everything)

    def test_children_reference_their_parent(self, client: TestClient) -> None:
        for item in client.get("/orgs/org_demo/assistants?take=100", headers=DEV).json():
            for child in item["integrations"] + item["actions"]:
                assert child["assistant_id"] == item["id"]
                assert child["updated_at"] >= child["created_at"]
            assert item["updated_at"] >= item["created_at"]

    def test_next_page_token_is_ignored(self, client: TestClient) -> None:
        plain = client.get("/orgs/org_demo/assistants?page=2", headers=DEV)
        with_token = client.get("/orgs/org_demo/assistants?page=2&next_page_token=abc", headers=DEV)
        assert plain.content == with_token.content

    def test_second_org_for_its_member(self, client: TestClient) -> None:
        theirs = client.get("/orgs/org_globex/assistants?take=100", headers=OTHER).json()
        ours = client.get("/orgs/org_demo/assistants?take=100", headers=DEV).json()
        assert len(theirs) == 36
        assert {i["id"] for i in theirs}.isdisjoint(i["id"] for i in ours)

    @pytest.mark.parametrize(
        ("org", "headers"), [("org_globex", DEV), ("org_nope", DEV), ("org_demo", OTHER)]
    )
    def test_404_does_not_leak_existence(self, client: TestClient, org: str, headers: dict[str, str]) -> None:
        response = client.get(f"/orgs/{org}/assistants", headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 404 and body["title"] == "Not Found"
        assert body["detail"] == f"Organization '{org}' was not found."

    @pytest.mark.parametrize("query", ["page=0", "take=0", "take=101", "page=x", "take=2.5"])
    def test_400_problem_shape(self, client: TestClient, query: str) -> None:
        response = client.get(f"/orgs/org_demo/assistants?{query}", headers=DEV)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "about:blank" and body["status"] == 400
        assert body["invalid_params"][0]["name"] == query.split("=")[0]

    def test_401_problem_shape(self, client: TestClient) -> None:
        response = client.get("/orgs/org_demo/assistants", headers={"Authorization": "Bearer x"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


class TestServiceEndpoints:
    def test_healthz_needs_no_token(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_spec_and_swagger_ui(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        assert set(spec["paths"]) == {
            "/assistants",
            "/assistants/{assistant_id}",
            "/orgs/{org_id}/assistants",
        }
        assert "bearerAuth" in spec["components"]["securitySchemes"]
        assert "swagger-ui" in client.get("/ui/").text

    def test_unknown_method_is_405_with_allow(self, client: TestClient) -> None:
        response = client.put("/assistants", headers=DEV)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"
