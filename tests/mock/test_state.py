"""A stub that remembers (`mockserver/mock/state.py`, `sessions.py`, the handlers' writes):
what a session writes, its lists, filters, totals, pages and detail reads see; another session
never does; the same writes from a fresh session give the same bytes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.mock import state
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.mock.state import Merged, merge_patch
from tests.conftest import REPO, TESTS

DOCUMENT = TESTS / "documents" / "crud.yaml"
DEV = {"Authorization": "Bearer dev-token"}
MERGE = {**DEV, "Content-Type": "application/merge-patch+json"}


def app(count: int = 40, **options: Any) -> Any:
    return create_app(
        Settings(spec_path=DOCUMENT, fixtures_dir=DOCUMENT.parent / "no-fixtures", count=count, **options)
    )


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(app()) as c:
        yield c


def whole_list(c: TestClient, headers: dict[str, str], page: int = 7, **query: Any) -> tuple[list[Any], int]:
    """Every item of the list, walked page by page, and the total each page states (all equal)."""
    items: list[Any] = []
    totals = set()
    while True:
        body = c.get("/notes", params={"offset": len(items), "limit": page, **query}, headers=headers).json()
        totals.add(body["total"])
        items += body["items"]
        if len(body["items"]) < page:
            break
    assert len(totals) == 1, totals
    return items, totals.pop()


def test_a_created_record_is_listed_last_counted_and_read_by_its_id(client: TestClient) -> None:
    before, total = whole_list(client, DEV)
    sent = {"title": "Buy milk", "done": False, "secret": "hunter2", "id": "note_chosenbyclient00"}
    created = client.post("/notes", json=sent, headers=DEV)
    assert created.status_code == 201
    note = created.json()
    # The server sets the id (in the item operation's own format) and the timestamps; the
    # writeOnly secret is kept but never shown; what was sent is what is stored.
    assert note["id"] != sent["id"] and note["id"].startswith("note_") and len(note["id"]) == 21
    assert (note["title"], note["done"]) == ("Buy milk", False)
    assert note["created_at"] == note["updated_at"] > max(n["created_at"] for n in before)
    assert "secret" not in note
    # No optional field the client left out is made up (a form left blank stays blank).
    assert "priority" not in note
    after, new_total = whole_list(client, DEV)
    assert (new_total, after) == (total + 1, [*before, note])
    assert client.get(f"/notes/{note['id']}", headers=DEV).json() == note
    assert "hunter2" not in json.dumps([after, client.get("/__mockserver/requests").json()])


def test_replace_and_merge_patch_keep_what_the_server_set(client: TestClient) -> None:
    note = client.post("/notes", json={"title": "Draft", "done": False, "priority": 2}, headers=DEV).json()
    patched = client.patch(f"/notes/{note['id']}", json={"done": True, "priority": None}, headers=MERGE)
    assert patched.status_code == 200
    merged = patched.json()
    # RFC 7396: `null` removes; what the patch does not name stays.
    assert (merged["title"], merged["done"], "priority" in merged) == ("Draft", True, False)
    assert merged["created_at"] == note["created_at"] < merged["updated_at"]
    replaced = client.put(f"/notes/{note['id']}", json={"title": "Final", "done": True}, headers=DEV).json()
    assert (replaced["id"], replaced["title"], replaced["created_at"]) == (
        note["id"],
        "Final",
        note["created_at"],
    )
    assert replaced["updated_at"] > merged["updated_at"]
    assert client.get(f"/notes/{note['id']}", headers=DEV).json() == replaced


def test_an_edit_moves_a_generated_record_in_and_out_of_a_filter(client: TestClient) -> None:
    undone, undone_total = whole_list(client, DEV, done="false")
    target = undone[3]
    client.patch(f"/notes/{target['id']}", json={"done": True}, headers=MERGE)
    now_undone, now_total = whole_list(client, DEV, done="false")
    assert now_total == undone_total - 1 and target["id"] not in {n["id"] for n in now_undone}
    done, _ = whole_list(client, DEV, done="true")
    assert target["id"] in {n["id"] for n in done}
    # It keeps its place in the whole list: an edit is no new record.
    everything, _ = whole_list(client, DEV)
    assert [n["id"] for n in everything].index(target["id"]) == [
        n["id"] for n in whole_list(TestClient(app()), DEV)[0]
    ].index(target["id"])


def test_a_deleted_record_is_gone_from_every_read(client: TestClient) -> None:
    before, total = whole_list(client, DEV)
    gone = before[5]
    assert client.delete(f"/notes/{gone['id']}", headers=DEV).status_code == 204
    after, new_total = whole_list(client, DEV)
    assert (new_total, after) == (total - 1, [n for n in before if n["id"] != gone["id"]])
    for method in ("get", "delete"):
        assert getattr(client, method)(f"/notes/{gone['id']}", headers=DEV).status_code == 404
    assert client.patch(f"/notes/{gone['id']}", json={"done": True}, headers=MERGE).status_code == 404


def test_unknown_ids_answer_the_declared_404_and_write_nothing(client: TestClient) -> None:
    unknown = "note_0000000000000001"
    assert client.put(f"/notes/{unknown}", json={"title": "x", "done": False}, headers=DEV).status_code == 404
    assert client.delete(f"/notes/{unknown}", headers=DEV).status_code == 404
    assert whole_list(client, DEV)[1] == 40


def test_sessions_never_see_each_others_writes_and_reset_one_or_all(client: TestClient) -> None:
    alice, bob = {**DEV, "X-Mock-Session": "alice"}, {**DEV, "X-Mock-Session": "bob"}
    client.post("/notes", json={"title": "Alice's", "done": False}, headers=alice)
    client.post("/notes", json={"title": "Bob's", "done": False}, headers=bob)
    client.post("/notes", json={"title": "Bob's second", "done": False}, headers=bob)
    assert [whole_list(client, h)[1] for h in (alice, bob, DEV)] == [41, 42, 40]
    # A page on another origin may not reset what a test run relies on.
    refused = client.post("/__mockserver/reset", headers={**bob, "Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert client.post("/__mockserver/reset", headers=bob).json() == {"sessions_reset": 1}
    assert [whole_list(client, h)[1] for h in (alice, bob)] == [41, 40]
    assert client.post("/__mockserver/reset?all=true").json() == {"sessions_reset": 1}
    assert whole_list(client, alice)[1] == 40


def test_the_same_writes_from_a_fresh_session_give_the_same_bytes() -> None:
    def story(c: TestClient, session: str) -> list[bytes]:
        headers = {**DEV, "X-Mock-Session": session}
        one = c.post("/notes", json={"title": "One", "done": False}, headers=headers)
        c.patch(f"/notes/{one.json()['id']}", json={"done": True}, headers={**headers, **MERGE})
        c.delete(f"/notes/{whole_list(c, headers)[0][2]['id']}", headers=headers)
        return [
            one.content,
            *(c.get("/notes", params={"offset": o}, headers=headers).content for o in (0, 20)),
        ]

    with TestClient(app()) as first, TestClient(app()) as second:
        assert story(first, "a") == story(first, "b") == story(second, "a")


def test_stateless_forgets_every_write() -> None:
    with TestClient(app(stateless=True)) as c:
        created = c.post("/notes", json={"title": "Gone", "done": False}, headers=DEV)
        assert created.status_code == 201
        assert whole_list(c, DEV)[1] == 40
        assert c.get(f"/notes/{created.json()['id']}", headers=DEV).status_code == 404
        assert c.post("/__mockserver/reset").status_code == 404


def test_a_session_past_its_records_gets_507(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "MAX_RECORDS_PER_SESSION", 3)
    with TestClient(app()) as c:
        statuses = [
            c.post("/notes", json={"title": f"n{i}", "done": False}, headers=DEV).status_code
            for i in range(5)
        ]
        assert statuses == [201, 201, 201, 507, 507]
        assert whole_list(c, DEV)[1] == 43
        assert c.post("/__mockserver/reset", headers=DEV).status_code == 200
        assert c.post("/notes", json={"title": "again", "done": False}, headers=DEV).status_code == 201


def test_a_memoized_read_sees_the_write_after_it(client: TestClient) -> None:
    first = client.get("/notes?limit=1", headers=DEV).json()["total"]
    assert client.get("/notes?limit=1", headers=DEV).json()["total"] == first
    client.post("/notes", json={"title": "New", "done": False}, headers=DEV)
    assert client.get("/notes?limit=1", headers=DEV).json()["total"] == first + 1


def test_a_fault_answer_writes_nothing() -> None:
    with TestClient(app(fault_rate=1.0, faults="503")) as c:
        assert c.post("/notes", json={"title": "x", "done": False}, headers=DEV).status_code == 503
    with TestClient(app()) as c:
        assert whole_list(c, DEV)[1] == 40


def test_sessions_follow_the_credential_without_a_header(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    shutil.copy(REPO / "fixtures" / "identities.json", fixtures / "identities.json")
    with TestClient(create_app(Settings(spec_path=DOCUMENT, fixtures_dir=fixtures, count=10))) as c:
        other = {"Authorization": "Bearer dev-token-2"}
        c.post("/notes", json={"title": "Mine", "done": False}, headers=DEV)
        assert (whole_list(c, DEV)[1], whole_list(c, other)[1]) == (11, 10)


# ----------------------------------------------------------------------------- the overlay


@given(
    st.lists(st.integers(0, 60), unique=True, max_size=60).map(sorted),
    st.data(),
)
@settings(max_examples=200, deadline=None)
def test_merged_positions_are_the_set_they_describe(base: list[int], data: st.DataObject) -> None:
    removed = sorted(data.draw(st.sets(st.sampled_from(base))) if base else [])
    extra = sorted(data.draw(st.sets(st.integers(0, 90).filter(lambda p: p not in base), max_size=10)))
    expected = sorted((set(base) - set(removed)) | set(extra))
    merged = Merged(base, removed, extra)
    assert len(merged) == len(expected)
    assert [merged[i] for i in range(len(merged))] == expected
    start = data.draw(st.integers(0, len(expected) + 2))
    assert merged[start : start + 7] == expected[start : start + 7]


def test_merged_positions_of_a_million_records_are_not_built() -> None:
    merged = Merged(range(1_000_000), [0, 999_999], [1_000_000, 1_000_001])
    assert len(merged) == 1_000_000
    assert merged[0:2] == [1, 2] and merged[-1] == 1_000_001 and merged[999_997] == 999_998


def test_merge_patch_is_rfc_7396() -> None:
    # RFC 7396's own example, abridged.
    target = {"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["a"]}
    patch = {"title": "Hello!", "author": {"familyName": None}, "tags": ["b"], "phone": "+01"}
    assert merge_patch(target, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["b"],
        "phone": "+01",
    }


WRITES = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.booleans()),
        st.tuples(st.just("toggle"), st.integers(0, 60)),
        st.tuples(st.just("delete"), st.integers(0, 60)),
    ),
    max_size=12,
)


@given(WRITES)
@settings(max_examples=25, deadline=None)
def test_any_sequence_of_writes_keeps_pages_filters_and_totals_consistent(
    writes: list[tuple[str, Any]],
) -> None:
    with TestClient(app(count=25)) as c:
        model, _ = whole_list(c, DEV)
        for verb, argument in writes:
            if verb == "create":
                model.append(c.post("/notes", json={"title": "t", "done": argument}, headers=DEV).json())
            elif model:
                at = argument % len(model)
                if verb == "toggle":
                    headers = MERGE
                    model[at] = c.patch(
                        f"/notes/{model[at]['id']}", json={"done": not model[at]["done"]}, headers=headers
                    ).json()
                else:
                    assert c.delete(f"/notes/{model[at]['id']}", headers=DEV).status_code == 204
                    del model[at]
        for size in (1, 4, 9):
            assert whole_list(c, DEV, page=size) == (model, len(model))
        for flag in (True, False):
            matching = [n for n in model if n["done"] is flag]
            assert whole_list(c, DEV, page=4, done=str(flag).lower()) == (matching, len(matching))
        for note in model[:3]:
            assert c.get(f"/notes/{note['id']}", headers=DEV).json() == note


def test_a_second_record_of_an_id_the_client_chose_is_the_declared_409(tmp_path: Path) -> None:
    text = DOCUMENT.read_text()
    # The client names the note (`id` no longer readOnly), and the create declares a conflict.
    text = text.replace(
        'pattern: "^note_[0-9A-Za-z]{16}$", readOnly: true}', 'pattern: "^note_[0-9A-Za-z]{16}$"}'
    )
    created = '"201":\n          description: The note, as created.'
    conflict = '"409": {$ref: "#/components/responses/Invalid"}\n        '
    text = text.replace(created, conflict + created)
    document = tmp_path / "named.yaml"
    document.write_text(text)
    with TestClient(create_app(Settings(spec_path=document, fixtures_dir=tmp_path / "none", count=5))) as c:
        note = {"id": "note_mynameforthis123", "title": "Named", "done": False}
        first = c.post("/notes", json=note, headers=DEV)
        assert first.json()["id"] == note["id"], first.text
        again = c.post("/notes", json=note, headers=DEV)
        assert again.status_code == 409 and "exists already" in again.json()["detail"]
        taken = whole_list(c, DEV)[0][0]["id"]
        assert c.post("/notes", json={**note, "id": taken}, headers=DEV).status_code == 409
        assert whole_list(c, DEV)[1] == 6


@pytest.mark.slow
def test_schemathesis_stateful_phase_finds_the_stateless_stub_out_and_nothing_in_this_one() -> None:
    from mockserver.contract.options import RunOptions
    from mockserver.contract.runner import run

    def found(stateless: bool) -> set[str]:
        options = RunOptions(
            spec_path=DOCUMENT,
            app=app(stateless=stateless),
            token="dev-token",
            seed=1,
            max_examples=10,
            writes=True,
        )
        outcome = run(options)
        return {f.check for f in outcome.findings}

    # A stub that forgets: the record a 201 created cannot be read back (Schemathesis' own check).
    assert "ensure_resource_availability" in found(stateless=True)
    assert found(stateless=False) == set()


def test_a_bound_selects_a_written_record_without_the_value_as_it_selects_a_generated_one() -> None:
    from mockserver.mock.dataset import Attribute
    from mockserver.mock.state import selects

    generated = Attribute(bytes([0, 1]), (None, 4)).mask(3, ">=")
    assert generated == b"\x01\x01"  # the record without a value is not excluded by the bound
    assert selects({"priority": None}, 0, {"priority>=": 3}, lambda _: False)
    assert not selects({"priority": 2}, 0, {"priority>=": 3}, lambda _: False)


def test_an_id_a_client_took_is_never_given_to_a_later_record(tmp_path: Path) -> None:
    # A client may name the note, or let the server do it.
    text = DOCUMENT.read_text().replace(
        'pattern: "^note_[0-9A-Za-z]{16}$", readOnly: true}', 'pattern: "^note_[0-9A-Za-z]{16}$"}'
    )
    text = text.replace("required: [id, title, done,", "required: [title, done,")
    document = tmp_path / "named.yaml"
    document.write_text(text)
    made = lambda: create_app(Settings(spec_path=document, fixtures_dir=tmp_path / "none", count=5))  # noqa: E731
    with TestClient(made()) as c:
        # The id the server would give the second created note, learned from a fresh stub.
        with TestClient(made()) as other:
            ids = [
                other.post("/notes", json={"title": "x", "done": False}, headers=DEV).json()["id"]
                for _ in "ab"
            ]
        c.post("/notes", json={"id": ids[1], "title": "mine", "done": False}, headers=DEV)
        c.post("/notes", json={"title": "theirs", "done": False}, headers=DEV)
        listed, total = whole_list(c, DEV)
        assert total == 7 and len({n["id"] for n in listed}) == 7
        assert c.delete(f"/notes/{ids[1]}", headers=DEV).status_code == 204
        assert all(c.get(f"/notes/{n['id']}", headers=DEV).status_code == 200 for n in whole_list(c, DEV)[0])


def test_the_journal_holds_the_writes_for_assert_called(client: TestClient) -> None:
    from mockserver.mock.journal import assert_called

    note = client.post("/notes", json={"title": "Journaled", "done": False}, headers=DEV).json()
    client.patch(f"/notes/{note['id']}", json={"done": True}, headers=MERGE)
    client.delete(f"/notes/{note['id']}", headers=DEV)
    entries = assert_called(client, "POST /notes", "PATCH /notes/*", "DELETE /notes/*")
    assert [e["status"] for e in entries] == [201, 200, 204]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_a_number_json_has_not_is_refused_never_stored(client: TestClient, number: bytes) -> None:
    body = b'{"title": "x", "done": false, "priority": ' + number + b"}"
    sent = client.post("/notes", content=body, headers={**DEV, "Content-Type": "application/json"})
    assert sent.status_code == 422
    assert whole_list(client, DEV)[1] == 40


COMMENTS = """
  /notes/{note_id}/comments:
    parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, pattern: "^note_[0-9A-Za-z]{16}$"}}
    get:
      operationId: listComments
      parameters:
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 50}}
      responses:
        "200":
          description: The note's comments.
          content:
            application/json:
              schema:
                type: object
                required: [items, total]
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      required: [id, text]
                      properties:
                      $ref: "#/components/schemas/Comment"
                  total: {type: integer}
        "404": {$ref: "#/components/responses/NotFound"}
    post:
      operationId: createComment
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Comment"}
      responses:
        "201":
          description: The comment.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Comment"}
        "404": {$ref: "#/components/responses/NotFound"}
  /notes/{note_id}/comments/{comment_id}:
    parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, pattern: "^note_[0-9A-Za-z]{16}$"}}
      - {name: comment_id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getComment
      responses:
        "200":
          description: The comment.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Comment"}
        "404": {$ref: "#/components/responses/NotFound"}
    delete:
      operationId: deleteComment
      responses:
        "204": {description: Deleted.}
        "404": {$ref: "#/components/responses/NotFound"}
"""
COMMENT_SCHEMA = """
    Comment:
      type: object
      required: [id, text]
      properties:
        id: {type: integer, readOnly: true}
        note_id: {type: string, readOnly: true}
        text: {type: string}
"""


def with_comments(tmp_path: Path) -> Path:
    """crud.yaml with a list of each note's comments, which can be written."""
    text = DOCUMENT.read_text()
    at = text.index("  schemas:\n") + len("  schemas:\n")
    document = tmp_path / "comments.yaml"
    document.write_text(text[:at] + COMMENT_SCHEMA.lstrip("\n") + text[at:] + COMMENTS)
    return document


def test_what_belongs_to_a_deleted_record_is_gone_with_it(tmp_path: Path) -> None:
    document = with_comments(tmp_path)
    with TestClient(create_app(Settings(spec_path=document, fixtures_dir=tmp_path / "none", count=10))) as c:
        first, second = whole_list(c, DEV)[0][:2]
        created = c.post("/notes", json={"title": "new", "done": False}, headers=DEV).json()
        for note in (first, created):
            assert c.get(f"/notes/{note['id']}/comments", headers=DEV).status_code == 200
            assert c.delete(f"/notes/{note['id']}", headers=DEV).status_code == 204
            gone = c.get(f"/notes/{note['id']}/comments", headers=DEV)
            assert gone.status_code == 404 and "deleted" in gone.json()["detail"]
        assert c.get(f"/notes/{second['id']}/comments", headers=DEV).status_code == 200
        # Another session never deleted it: its comments are there.
        other = {**DEV, "X-Mock-Session": "other"}
        assert c.get(f"/notes/{first['id']}/comments", headers=other).status_code == 200


def test_a_nested_list_is_written_per_parent(tmp_path: Path) -> None:
    """A comment created under one note is that note's: listed, counted and read under it
    alone, naming it; deleting a comment under one note leaves the others' lists as they were."""
    with TestClient(
        create_app(Settings(spec_path=with_comments(tmp_path), fixtures_dir=tmp_path / "none", count=10))
    ) as c:
        first, second = (n["id"] for n in whole_list(c, DEV)[0][:2])
        before = {n: c.get(f"/notes/{n}/comments", headers=DEV).json() for n in (first, second)}
        made = c.post(f"/notes/{first}/comments", json={"text": "mine"}, headers=DEV)
        assert made.status_code == 201, made.text
        comment = made.json()
        assert comment["note_id"] == first and comment["text"] == "mine"
        mine = c.get(f"/notes/{first}/comments", headers=DEV).json()
        assert mine["total"] == before[first]["total"] + 1 and comment in mine["items"]
        assert c.get(f"/notes/{second}/comments", headers=DEV).json() == before[second]
        assert c.get(f"/notes/{first}/comments/{comment['id']}", headers=DEV).json() == comment
        assert c.get(f"/notes/{second}/comments/{comment['id']}", headers=DEV).status_code == 404

        generated = before[first]["items"][0]
        assert c.delete(f"/notes/{first}/comments/{generated['id']}", headers=DEV).status_code == 204
        assert generated not in c.get(f"/notes/{first}/comments", headers=DEV).json()["items"]
        assert c.get(f"/notes/{first}/comments/{generated['id']}", headers=DEV).status_code == 404
        assert c.get(f"/notes/{second}/comments", headers=DEV).json() == before[second]


def test_a_default_the_create_body_declares_is_kept_where_the_client_sent_nothing(tmp_path: Path) -> None:
    """FastAPI's `done: bool = True` on the create model: the server keeps True for a body without
    it, though the record's own schema declares no default."""
    created = """            schema:
              type: object
              required: [title]
              properties:
                title: {type: string, minLength: 1}
                done: {type: boolean, default: true}
"""
    text = DOCUMENT.read_text().replace(
        """            schema: {$ref: "#/components/schemas/Note"}
      responses:
        "201":""",
        created
        + """      responses:
        "201":""",
        1,
    )
    document = tmp_path / "defaults.yaml"
    document.write_text(text)
    with TestClient(create_app(Settings(spec_path=document, fixtures_dir=tmp_path / "none", count=5))) as c:
        made = [c.post("/notes", json={"title": f"n{i}"}, headers=DEV).json() for i in range(6)]
        assert [m["done"] for m in made] == [True] * 6
        assert c.post("/notes", json={"title": "mine", "done": False}, headers=DEV).json()["done"] is False
