"""The command line, through its entry point."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mockserver.cli import main


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
