"""`engage serve` refuses clearly before the first pipeline run; `engage serve --help`."""

from __future__ import annotations

from typer.testing import CliRunner

from engage.cli import app

runner = CliRunner()


def test_serve_without_models_says_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 1
    assert "engage run" in result.output


def test_serve_help_lists_the_routes() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "/predict" in result.output
