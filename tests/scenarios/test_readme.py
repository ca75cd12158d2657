"""The README's quick starts, run as written: each `console` block's commands are run in order,
and every line the block shows must be among what they print, in that order (`...` in a line
stands for any text). The stub the blocks call is started by the first block's
`mockserver serve`, on a free port where the README says 8000."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.scenarios.test_processes import free_port

pytestmark = pytest.mark.slow

BIN = str(Path(sys.executable).parent)
README = (REPO / "README.md").read_text()


@dataclass
class Step:
    command: str
    shown: list[str]


def blocks() -> list[list[Step]]:
    found = []
    for body in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        steps: list[Step] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            elif steps:
                steps[-1].shown.append(line)
        found.append(steps)
    return found


BLOCKS = blocks()


def shown_in(shown: list[str], printed: str) -> str | None:
    """None when every shown line is among the printed ones in order; else the first missing."""
    lines = printed.splitlines()
    at = 0
    for line in shown:
        if line.strip() in ("", "..."):
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in line.split("...")))
        while at < len(lines) and not pattern.fullmatch(lines[at]):
            at += 1
        if at == len(lines):
            return line
        at += 1
    return None


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory, port: int) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh working directory, with `mockserver` on the PATH and the stub of the first block
    serving."""
    cwd = tmp_path_factory.mktemp("reader")
    env = {
        **os.environ,
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "MOCKSERVER_CACHE": str(cwd / ".cache"),
    }
    (serve,) = BLOCKS[0]
    assert serve.command == "mockserver serve"
    process = subprocess.Popen(
        f"exec {serve.command} --port {port}",
        shell=True,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    printed = ""
    for line in process.stdout:
        printed += line.replace(str(port), "8000")
        if "Uvicorn running" in line:
            break
    missing = shown_in(serve.shown, printed)
    if missing is not None:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        pytest.fail(f"`{serve.command}` did not print {missing!r}:\n{printed}")
    yield cwd, env
    process.terminate()
    process.wait(timeout=30)
    process.stdout.close()


@pytest.mark.parametrize(
    "index", range(1, len(BLOCKS)), ids=lambda i: BLOCKS[i][0].command.split(" --")[0][:40]
)
def test_a_quick_start_prints_what_the_readme_shows(
    index: int, place: tuple[Path, dict[str, str]], port: int
) -> None:
    cwd, env = place
    for step in BLOCKS[index]:
        done = subprocess.run(
            step.command.replace("127.0.0.1:8000", f"127.0.0.1:{port}"),
            shell=True,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        printed = (done.stdout + done.stderr).replace(str(port), "8000")
        missing = shown_in(step.shown, printed)
        assert missing is None, f"`{step.command}` did not print {missing!r}:\n{printed}"
        assert done.returncode == 0, f"`{step.command}` exited {done.returncode}:\n{printed}"


def test_the_serve_block_is_first_and_every_block_runs_something() -> None:
    assert len(BLOCKS) >= 4 and all(BLOCKS)
    assert shown_in(["a ... c", "e"], "a b c\nd\ne\n") is None
    assert shown_in(["e", "a ... c"], "a b c\nd\ne\n") == "a ... c"
