"""`engage federated` on a lake without a run refuses with a hint, exit status 2."""

from __future__ import annotations

from typer.testing import CliRunner

from engage.cli import app


def test_without_a_run_it_refuses_and_says_to_run_first(env) -> None:
    result = CliRunner().invoke(app, ["federated"])
    assert result.exit_code == 2, result.output
    assert "engage run" in result.stderr
    assert result.stdout == ""


def test_it_is_listed_in_the_help(env) -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "federated" in result.stdout
