"""The `mockserver` command line: one module per command, thin over the mock and the checker.

- `serve`: the mock (`serve.py`); `contract` and `fuzz`: the checker (`contract.py`, `fuzz.py`),
  whose shared options and their one builder live in `run_options.py`, and whose live progress
  is drawn by `progress.py`; `validate`: the document, its examples and captured answers.
- A new command is a module here with a `click.command`, added to `main` below.

Exit codes: 0 success, 1 violations found, 2 bad input or a run that could not be made (one
line on stderr says why, never a traceback), 130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import warnings

import click

from mockserver.cli.common import OneLineErrors
from mockserver.cli.contract import contract
from mockserver.cli.fuzz import fuzz
from mockserver.cli.serve import serve
from mockserver.cli.validate import validate

# Connexion imports starlette.testclient, which warns about httpx at import time; the warning is
# about code this command never runs, so it must not greet every user.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockserver")
def main() -> None:
    """Any OpenAPI document as a behaving mock (serve), and the same document as the contract a
    deployment is judged by (contract, fuzz, validate)."""


for _command in (serve, contract, fuzz, validate):
    main.add_command(_command)

__all__ = ["main"]
