"""Every refused command says `error: ...` and `hint: ...` on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engage.cli import app


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--rows", "-5"],
        ["asl", "--env-file", "missing.yaml"],
        ["keys", "revoke", "nobody"],
        ["keys", "create", "--name", "x", "--role", "god"],
        ["models", "show", "churn"],
        ["explain", "CUST_0000001"],
        ["runs", "show", "nope"],
        ["qa", "review", "CUST_0000001", "--status", "approved", "--note", "n"],
        ["generate", "--rows", "0"],
        ["generate", "--formats", "xml"],
        ["generate", "--seed", "-1"],
        ["sql", "SELEC nonsense"],
        ["explain", "NOPE"],
        ["forget", "x"],
        ["export", "x"],
        ["retention", "--days", "-1"],
        ["qa", "list", "--status", "bogus"],
        ["report"],
        ["runs", "show", "latest"],
        ["asl", "--env-file", "."],
    ],
)
def test_errors_are_one_line_with_a_hint_on_stderr(env, args) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("error: "), (args, result.stderr, result.stdout)
    assert any(line.startswith("hint: ") for line in lines), result.stderr
    assert result.stdout == "", result.stdout


def test_the_example_env_file_renders(env) -> None:
    example = Path(__file__).resolve().parents[3] / "examples" / "aws-env.example.json"
    result = CliRunner().invoke(app, ["asl", "--env-file", str(example)])
    assert result.exit_code == 0, result.stderr
    assert "123456789012" in result.stdout


def test_engage_debug_gives_the_traceback_back(env, monkeypatch) -> None:
    monkeypatch.setenv("ENGAGE_DEBUG", "1")
    result = CliRunner().invoke(app, ["asl", "--env-file", "missing.yaml"])
    assert isinstance(result.exception, FileNotFoundError)


@pytest.mark.parametrize("args", [["run"], ["run", "--rows", "50"]])
def test_a_run_refused_by_the_lock_prints_only_the_refusal(env, args) -> None:
    """Before, the refusal came after `Reading customers from ...` and the progress's
    blank line on stdout, and with --rows after generating into the folder in use."""
    from engage.pipeline.lock import RunLock

    data = env / "data"
    data.mkdir()  # empty: --rows would generate here, a bare run would find no input
    with RunLock(env / "lake", "run_other"):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: another engage run") and lines[1].startswith("hint: ")
    assert list(data.iterdir()) == []  # nothing generated into the folder
