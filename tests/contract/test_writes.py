"""`writes_visible` (mockserver/contract/writes.py): each way a write fails to show in its list,
as deployments ship it, against an in-memory deployment; then through Schemathesis, against the
mock, a list behind a cache nobody invalidates, and a count kept apart from the rows."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mockserver.contract.runner import RunError, run, selected, unsent_writes
from mockserver.contract.sweep import Answer, Request, SweepViolation, Walk
from mockserver.contract.writes import Sides, Write, judge
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.model.spec import load_spec
from tests.broken import WRITE_FAULTS
from tests.conftest import REPO, run_options

CRUD = REPO / "tests" / "documents" / "crud.yaml"


@dataclass
class Table:
    """A list deployment in memory, with the bugs a real one ships as switches."""

    rows: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": n, "name": f"n{n}"} for n in range(1, 6)]
    )
    page: int = 100
    # The list is read from a snapshot taken before any write (a cache nobody invalidates).
    stale_list: bool = False
    # The total is counted once (a cached COUNT(*)).
    cached_total: int | None = None
    # Deleting flags the row; the list's query forgets to leave flagged rows out.
    soft_delete_listed: bool = False
    # The same row served twice (a join that fans out).
    duplicated: bool = False
    deleted: set[int] = field(default_factory=set)
    snapshot: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.snapshot = copy.deepcopy(self.rows)

    def listed(self) -> list[dict[str, Any]]:
        rows = self.snapshot if self.stale_list else self.rows
        shown = [r for r in rows if r["id"] not in self.deleted or self.soft_delete_listed]
        return shown + shown[-1:] if self.duplicated else shown

    def walk(self) -> Walk:
        items = self.listed()
        total = self.cached_total if self.cached_total is not None else len(items)
        answer = Answer(Request((("limit", self.page),)), 200, items[: self.page], total=total)
        return Walk(self.page, (), items=items[: self.page], answers=[answer], ended=len(items) <= self.page)

    def read(self, identifier: Any) -> Answer:
        found = [r for r in self.rows if str(r["id"]) == str(identifier) and r["id"] not in self.deleted]
        return Answer(Request((), (("id", identifier),)), 200 if found else 404, found or None)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        row = {"id": max(r["id"] for r in self.rows) + 1, **body}
        self.rows.append(row)
        return row

    def again(self) -> tuple[Answer, dict[str, Any] | None]:
        row = self.create({"name": "again"})
        return Answer(Request(()), 201, [row]), row

    def remove(self, identifier: Any) -> Answer:
        self.deleted.add(identifier)
        return Answer(Request((), (("id", identifier),)), 204, None)

    def sides(self) -> Sides:
        return Sides(walk=self.walk, read_one=self.read, again=self.again, remove=self.remove)


def created(table: Table) -> Write:
    row = table.create({"name": "new"})
    return Write("create", dict(row), row["id"], {"name": "new"}, None)


def violation(write: Write, table: Table) -> str:
    with pytest.raises(SweepViolation) as raised:
        judge(write, table.sides(), "id")
    assert raised.value.check == "writes_visible"
    return raised.value.title


def test_a_deployment_whose_writes_show_passes() -> None:
    table = Table()
    judge(created(table), table.sides(), "id")
    table.rows[0]["name"] = "changed"
    judge(Write("merge", dict(table.rows[0]), "1", {"name": "changed"}, None), table.sides(), "id")
    table.remove(2)
    judge(Write("remove", None, 2, None, None), table.sides(), "id")


def test_a_write_changed_again_later_in_a_fuzz_scenario_is_not_held_to_its_answer() -> None:
    """The fuzz engine checks a scenario after its later steps: a PATCH of the created record
    has already been sent. The rule then judges a record of its own, and still finds a stale list."""
    table = Table()
    write = created(table)
    table.rows[-1]["name"] = "patched by the next step"
    with pytest.raises(SweepViolation):
        judge(write, table.sides(), "id")
    judge(write, table.sides(), "id", settled=False)
    stale = Table(stale_list=True)
    with pytest.raises(SweepViolation, match="not listed"):
        judge(created(stale), stale.sides(), "id", settled=False)
    judge(Write("remove", None, 2, None, None), stale.sides(), "id", settled=False)  # not judged


def test_a_deleted_record_read_by_a_detail_that_declares_no_not_found_is_judged_by_the_list() -> None:
    """Twilio's documents declare only 200 for a detail read: any id answers there, as written."""
    table = Table()
    table.remove(2)
    answers_anything = Sides(
        walk=table.walk, read_one=lambda _id: Answer(Request(()), 200, [{"id": 2}]), absent_declared=False
    )
    judge(Write("remove", None, 2, None, None), answers_anything, "id")
    table.soft_delete_listed = True
    with pytest.raises(SweepViolation, match="still listed"):
        judge(
            Write("remove", None, 2, None, None), Sides(table.walk, table.read, absent_declared=False), "id"
        )


def test_a_created_record_the_list_does_not_hold() -> None:
    table = Table(stale_list=True)
    assert violation(created(table), table) == "Created record not listed"


def test_a_created_record_listed_twice() -> None:
    table = Table(duplicated=True)
    assert violation(created(table), table) == "Created record listed 2 times"


def test_a_count_kept_apart_from_the_rows() -> None:
    table = Table(cached_total=5)
    # The whole list is seen, so the walk counts it too; the stated total is what is judged.
    assert violation(created(table), table) == "Total unchanged by a create"


def test_a_created_record_not_found_by_its_id() -> None:
    table = Table()
    write = Write("create", {"id": 99, "name": "lost"}, 99, {"name": "lost"}, None)
    table.rows.append({"id": 99, "name": "lost"})
    table.deleted.add(99)
    table.soft_delete_listed = True
    assert violation(write, table) == "Created record not found by its id"


def test_a_deleted_record_still_listed() -> None:
    table = Table(soft_delete_listed=True)
    table.remove(3)
    assert violation(Write("remove", None, 3, None, None), table) == "Deleted record still listed"


def test_a_deleted_record_still_read() -> None:
    table = Table()

    def ignore(identifier: Any) -> Answer:  # DELETE answers 204 and does nothing
        return Answer(Request(()), 204, None)

    sides = Sides(walk=table.walk, read_one=table.read, remove=ignore)
    with pytest.raises(SweepViolation, match="Deleted record still read by its id"):
        judge(Write("remove", None, 3, None, None), sides, "id")


def test_a_change_the_list_does_not_show() -> None:
    table = Table(stale_list=True)
    table.rows[0]["name"] = "changed"
    write = Write("merge", dict(table.rows[0]), 1, {"name": "changed"}, None)
    assert violation(write, table) == "Change not kept"


def test_a_record_past_the_window_is_not_judged_absent() -> None:
    table = Table(stale_list=True, page=3)  # five rows, three seen: the list does not end
    judge(Write("create", {"id": 6, "name": "x"}, 6, None, None), Sides(table.walk, None), "id")


def test_a_run_against_a_deployment_sends_no_write_unless_asked() -> None:
    spec = load_spec(REPO / "openapi.yaml")
    reads = selected(spec, (), writes=False)
    assert reads == ["GET /assistants", "GET /assistants/{assistant_id}", "GET /orgs/{org_id}/assistants"]
    assert unsent_writes(spec, (), reads) == (
        "not sent: DELETE /assistants/{assistant_id}, PATCH /assistants/{assistant_id}, POST /assistants, "
        "which write; --writes sends them (it changes the deployment)"
    )
    assert len(selected(spec, (), writes=True)) == 6
    with pytest.raises(RunError, match=r"every operation selected writes .* --writes tests them"):
        selected(spec, ("create_assistant",), writes=False)


@pytest.mark.slow
def test_the_mock_shows_its_writes_and_a_list_cache_that_misses_them_is_caught() -> None:
    operations = ("list_assistants", "create_assistant", "delete_assistant")
    clean = run(run_options(include_operations=operations, max_examples=5))
    assert clean.exit_code == 0, clean.findings
    assert clean.operations["POST /assistants"]["writes_visible"].passed == 1
    app = WRITE_FAULTS["list_cache_never_invalidated"].wrap(create_app(Settings()))
    outcome = run(run_options(app=app, include_operations=operations, writes=True, max_examples=5))
    found = {(f.operation, f.title) for f in outcome.findings if f.check == "writes_visible"}
    assert ("POST /assistants", "Created record not listed") in found


def mock_of(document: Path) -> Any:
    return create_app(Settings(spec_path=document, fixtures_dir=document.parent / "none", count=30))


@pytest.mark.slow
def test_a_total_that_does_not_count_a_create_is_caught() -> None:
    token = {"token": "dev-token", "org_id": None, "caller": {}}
    clean = run(run_options(app=mock_of(CRUD), spec_path=CRUD, writes=True, max_examples=5, **token))
    assert clean.exit_code == 0, clean.findings
    outcome = run(
        run_options(
            app=WRITE_FAULTS["count_cached"].wrap(mock_of(CRUD)),
            spec_path=CRUD,
            writes=True,
            max_examples=5,
            **token,
        )
    )
    titles = {f.title for f in outcome.findings if f.check == "writes_visible"}
    assert "Total unchanged by a create" in titles
