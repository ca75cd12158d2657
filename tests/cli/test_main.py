"""`mockserver.cli`: the command group, as a person first meets it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

# What answering `--help` must not load: the engines behind the commands (seconds of imports).
HEAVY = ("connexion", "schemathesis", "hypothesis", "uvicorn", "faker", "starlette", "jsonschema")


def test_help_and_version_load_none_of_the_engines() -> None:
    probe = (
        "import sys\n"
        "from mockserver.cli import main\n"
        "for argv in (['--help'], ['--version'], ['serve', '-h'], ['contract', '-h'], ['fuzz', '-h']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "--report-body-limit" in done.stdout and "Any OpenAPI document" in done.stdout
