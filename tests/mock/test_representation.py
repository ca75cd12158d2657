"""Content negotiation and the media types a value is written in (mockserver/mock/representation.py)."""

from __future__ import annotations

import pytest

from mockserver.mock.representation import negotiate, render

OFFERED = ["application/json", "application/xml", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/xml", "application/xml"),
        ("text/*", "text/csv"),
        ("application/xml;q=0.5, text/csv;q=0.9", "text/csv"),
        ("application/*;q=0.2, application/xml", "application/xml"),
        # The most specific range decides: XML refused outright though application/* is welcome.
        ("application/*, application/json;q=0", "application/xml"),
        ("image/png", None),
        ("application/json;q=0, */*;q=0", None),
    ],
)
def test_the_accepted_media_type_is_chosen(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, OFFERED) == chosen


def test_a_json_client_reads_a_structured_json_type() -> None:
    assert (
        negotiate("application/json", ["application/vnd.acme.report+json"])
        == "application/vnd.acme.report+json"
    )
    assert negotiate("application/xml", ["application/vnd.acme.report+json"]) is None


def test_values_are_written_in_the_chosen_type() -> None:
    records = [{"id": 1, "name": "a <b>"}, {"id": 2, "name": None}]
    assert render(records, "application/json") == b'[{"id":1,"name":"a <b>"},{"id":2,"name":null}]'
    xml = render(records, "application/xml", "Pet").decode()
    assert xml.endswith(
        "<Pet><item><id>1</id><name>a &lt;b&gt;</name></item><item><id>2</id><name/></item></Pet>"
    )
    assert render(records, "text/csv") == b"id,name\n1,a <b>\n2,\n"
    assert render("maintenance", "text/plain") == b"maintenance"
