"""Hostile documents and requests: each gets one line and a documented exit code, or a declared
4xx, in bounded time and memory; nothing outside the document is read, and no socket opened.

Bounds are asserted as outcomes (exit codes, statuses, what was read), never as durations: a
regression here hangs or crashes the test, which fails it as loudly.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.mock.app import create_app
from mockserver.mock.settings import Settings
from mockserver.model.document import SpecError
from tests.conftest import TESTS

CANARY = "canary-7f3a9c"

HEAD = 'openapi: 3.0.3\ninfo: {title: hostile, version: "1"}\n'


def operation(parameter_schema: str = "{type: string}", response_schema: str = "{type: object}") -> str:
    return (
        HEAD
        + "paths:\n  /a:\n    get:\n      parameters:\n"
        + f"        - {{name: q, in: query, schema: {parameter_schema}}}\n"
        + '      responses:\n        "200":\n          description: ok\n'
        + f"          content: {{application/json: {{schema: {response_schema}}}}}\n"
    )


def alias_bomb() -> str:
    """A YAML "billion laughs": 1 KB that expands to 10**9 values."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(8):
        this, before = chr(98 + i), chr(97 + i)
        lines.append(f"{this}: &{this} [{', '.join(['*' + before] * 10)}]")
    return "\n".join(lines) + "\n" + HEAD + "paths: {}\n"


# (file name, text): each refused by `validate` with one line, exit 2, saying why.
REFUSED = {
    "file-ref.yaml": (operation('{$ref: "file:///etc/passwd"}'), "only references inside the document"),
    "outside-ref.yaml": (
        operation('{$ref: "../outside/secret.yaml"}'),
        "only references inside the document",
    ),
    "http-ref.yaml": (operation('{$ref: "http://127.0.0.1:9/schema.json"}'), "only references inside"),
    "alias-bomb.yaml": (alias_bomb(), "values once its aliases are expanded"),
    "deep.yaml": (HEAD + "paths: {}\nx-deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "levels deep"),
    "deep.json": ('{"openapi": "3.0.3", "paths": {}, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "levels"),
    "nested-schemas.yaml": (
        operation("{type: object, properties: {a: " * 1000 + "{type: string}" + "}}" * 1000),
        "levels deep",
    ),
    "ref-cycle.yaml": (
        operation('{$ref: "#/components/schemas/A"}')
        + "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
        + "    B: {$ref: '#/components/schemas/A'}\n",
        "a cycle of references with nothing else in it",
    ),
    "swagger-2.yaml": ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", "not Swagger 2"),
    "empty.yaml": ("", "not an OpenAPI document"),
    "scalar.yaml": ("hello\n", "not an OpenAPI document"),
}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every outgoing connection refused and recorded."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network access refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_document_is_one_line_and_exit_2(tmp_path: Path, name: str, no_network: list[Any]) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(f"secret: {CANARY}\n")
    text, reason = REFUSED[name]
    spec = folder / name
    spec.write_text(text)
    for command in (["validate", "--spec", str(spec)], ["contract", "--spec", str(spec)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0], result.output
        assert len(lines[0]) < 2000
        assert CANARY not in result.output
    with pytest.raises(SpecError):
        create_app(Settings(spec_path=spec, fixtures_dir=folder / "none"))
    assert no_network == []


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ("{type: array, minItems: 1000000000, items: {type: integer}}", "/schema/minItems"),
        (
            "{type: object, required: [s], properties: {s: {type: string, minLength: 1000000000}}}",
            "/minLength",
        ),
        ("{type: object, minProperties: 1000000000}", "/schema/minProperties"),
        (
            "{type: array, minItems: 1000, items: {type: array, minItems: 1000, items: {type: integer}}}",
            "/items/minItems",
        ),
    ],
)
def test_a_response_no_answer_can_carry_is_refused_with_its_pointer(
    tmp_path: Path, schema: str, pointer: str
) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_text(operation(response_schema=schema))
    with pytest.raises(
        SpecError, match="/paths/~1a/get/responses/200/content/application~1json/schema"
    ) as raised:
        create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))
    assert pointer in str(raised.value)


@pytest.fixture(scope="module")
def bodies() -> Iterator[TestClient]:
    document = TESTS / "documents" / "hostile-requests.yaml"
    app = create_app(
        Settings(spec_path=document, fixtures_dir=document.parent / "no-fixtures", max_body=1 << 20)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _multipart(fields: int) -> bytes:
    parts = b"".join(
        b'--XX\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % i for i in range(fields)
    )
    return parts + b"--XX--\r\n"


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/json", b"[" * 5000 + b"]" * 5000, JSON, 422),
        ("/json", b'{"note": ' + b"[" * 950 + b"]" * 950 + b"}", JSON, 422),  # an undeclared field
        ("/json", b'{"n": ' + b"9" * 5000 + b"}", JSON, 422),
        ("/json", b'{"note": "' + b"x" * (2 << 20) + b'"}', JSON, 413),
        (
            "/form",
            "&".join(f"f{i}=1" for i in range(1500)).encode(),
            {"content-type": "application/x-www-form-urlencoded"},
            400,
        ),
        ("/multi", b"--XX\r\n", {"content-type": "multipart/form-data"}, 400),  # no boundary
        (
            "/multi",
            b"--" + b"b" * 10_000 + b"\r\n",
            {"content-type": "multipart/form-data; boundary=" + "b" * 10_000},
            400,
        ),
        ("/multi", _multipart(1500), {"content-type": "multipart/form-data; boundary=XX"}, 400),
    ],
)
def test_a_hostile_body_gets_a_4xx_never_a_5xx(
    bodies: TestClient, path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = bodies.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text[:300]
    assert len(response.content) < 4096


def call(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes], method: str = "GET"
) -> tuple[int, int]:
    """(status, chunks read) of one request sent to the ASGI app as a server would, chunk by chunk."""
    import asyncio

    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        body = chunks[read - 1] if read <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": read < len(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"q=a",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], read


def test_a_chunked_body_past_the_limit_is_refused_before_it_is_read(bodies: TestClient) -> None:
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    status, read = call(bodies.app, "/json", headers, [b" " * (256 << 10)] * 64, "POST")
    assert status == 413
    assert read <= 5  # 1 MB is four chunks and a bit: the other 59 were never asked for


def test_a_pattern_that_backtracks_is_judged_in_bounded_time(bodies: TestClient) -> None:
    # `^(a|a)*$` against 40 characters backtracks for minutes under Python's `re`.
    refused = bodies.get("/search", params={"q": "a" * 40 + "!"})
    assert refused.status_code == 400
    assert bodies.get("/search", params={"q": "aaaa"}).status_code == 200


def test_an_http_1_1_request_without_exactly_one_host_is_a_400(bodies: TestClient) -> None:
    assert call(bodies.app, "/search", [(b"host", b"testserver")], [b""])[0] == 200
    for headers in ([], [(b"host", b"a"), (b"host", b"b")]):
        assert call(bodies.app, "/search", headers, [b""])[0] == 400


def test_the_journal_keeps_no_credential(bodies: TestClient) -> None:
    bodies.delete("/__mockserver/requests")
    bodies.get(
        "/search",
        params={"q": "a", "access_token": "t1", "password": "p1", "api_key": "k1", "next_page_token": "n1"},
        headers={
            "X-Auth-Token": "t2",
            "Api-Key": "k2",
            "X-Amz-Security-Token": "t3",
            "Authentication": "t4",
            "X-Request-Id": "r1",
        },
    )
    (entry,) = bodies.get("/__mockserver/requests").json()["entries"]
    text = str(entry)
    for secret in ("t1", "p1", "k1", "t2", "k2", "t3", "t4"):
        assert f"'{secret}'" not in text
    # What is no credential stays readable: a page token, a request id.
    assert entry["query"]["next_page_token"] == ["n1"] and entry["headers"]["x-request-id"] == "r1"


def test_a_pattern_no_engine_compiles_in_bounded_memory_is_set_aside(tmp_path: Path) -> None:
    spec = tmp_path / "repeat.yaml"
    spec.write_text(
        operation('{type: string, pattern: "^a{1000000000}$"}', '{type: string, pattern: "^b{1000000000}$"}')
    )
    result = CliRunner().invoke(main, ["validate", "--spec", str(spec)])
    assert "2 x patterns no regular expression engine here reads, ignored" in result.output
    with TestClient(create_app(Settings(spec_path=spec, fixtures_dir=tmp_path / "none"))) as client:
        assert client.get("/a", params={"q": "a"}).status_code == 200


def test_a_full_disk_loses_no_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from mockserver.contract import outcome

    def full(*args: Any, **kwargs: Any) -> list[Path]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outcome, "write_reports", full)
    command = ["contract", "--report-dir", str(tmp_path / "reports"), "--max-examples", "2"]
    result = CliRunner().invoke(main, [*command, "--include-operation", "list_assistants"])
    # The verdict first, then one line for what could not be written; nothing found, so exit 2.
    assert "verdict: conforms" in result.output
    assert "the reports cannot be written: No space left on device" in result.output
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_disk_that_fills_during_a_fuzz_run_loses_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from schemathesis.cli import executor

    made = executor.initialize_report_handlers

    class FillsUp:
        """Schemathesis' own writer on a disk that fills: its thread's error is raised when
        the run shuts it down, as Schemathesis' `WriterWorker.join` raises it."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def start(self, context: Any) -> None:
            self.inner.start(context)

        def handle_event(self, context: Any, event: Any) -> None:
            self.inner.handle_event(context, event)

        def shutdown(self, context: Any) -> None:
            self.inner.shutdown(context)
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(executor, "initialize_report_handlers", lambda **kw: [FillsUp(h) for h in made(**kw)])
    reports = tmp_path / "reports"
    command = ["fuzz", "--max-examples", "3", "--duration", "2m", "--seed", "1", "--report-dir", str(reports)]
    result = CliRunner().invoke(main, command)
    # The run went on to its end; its summary came first, then one line for the lost report.
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert json.loads((reports / "summary.json").read_text())["interrupted"] is False
    assert "some reports could not be written" in result.output
    assert "No space left on device" in result.output
    assert result.exit_code == 2
