"""The command line, through its entry point."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from tests.conftest import REPO


def test_help_names_every_option() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--seed",
        "--count",
        "--fixtures",
        "--locale",
        "--workers",
        "--reload",
        "dev-token",
    ):
        assert option in result.output


def test_unknown_locale_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(main, ["serve", "--locale", "xx_YY"])
    assert result.exit_code == 2
    assert result.output.strip() == "mockserver: error: unknown Faker locale 'xx_YY'"


def test_missing_fixtures_dir_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--fixtures", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output.startswith("mockserver: error: ")
    assert "identities.json: cannot read" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_option_value_exits_2() -> None:
    result = CliRunner().invoke(main, ["serve", "--count", "-1"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_the_wheel_carries_the_spec_and_fixtures(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mockserver-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mockserver/_data/openapi.yaml" in names
    assert "mockserver/_data/fixtures/identities.json" in names
    assert "mockserver/py.typed" in names


def test_public_surface() -> None:
    import mockserver

    assert sorted(mockserver.__all__) == [
        "FixtureError",
        "RunError",
        "RunOptions",
        "Settings",
        "SpecError",
        "__version__",
        "create_app",
        "run",
    ]
    for name in mockserver.__all__:
        assert hasattr(mockserver, name)
