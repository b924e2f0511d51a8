"""Usage errors (bad option, missing argument, bad value, unknown command) read like
every other error: `error:` + `hint:` on stderr, nothing on stdout, exit status 2.

Before, typer printed its boxed panel (usage line, `Try ...`, a rich box) instead.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engage.cli import app

USAGE_ERRORS = [
    (["nope"], "No such command 'nope'", "engage --help"),
    (["--bogus"], "No such option: --bogus", "engage --help"),
    (["run", "--rows", "abc"], "Invalid value for '--rows'", "engage run --help"),
    (["run", "--bogus"], "No such option: --bogus", "engage run --help"),
    (["generate", "--rows", "many"], "Invalid value for '--rows'", "engage generate --help"),
    (["explain"], "Missing argument", "engage explain --help"),
    (["forget"], "Missing argument", "engage forget --help"),
    (["sql", "--format", "xml", "SELECT 1"], "Invalid value for '--format'", "engage sql --help"),
    (["serve", "--port", "http"], "Invalid value for '--port'", "engage serve --help"),
    (["keys", "create"], "Missing option '--name'", "engage keys create --help"),
    (["keys", "nope"], "No such command 'nope'", "engage keys --help"),
    (["qa", "review", "CUST_1"], "Missing option '--status'", "engage qa review --help"),
    (["models", "promote"], "Missing argument", "engage models promote --help"),
    (["runs", "show"], "Missing argument", "engage runs show --help"),
    (["task"], "Missing argument", "engage task --help"),
    (["docs", "nope"], "No such command 'nope'", "engage docs --help"),
    (["contract", "--bogus"], "No such option", "engage contract --help"),
]


@pytest.mark.parametrize(("args", "message", "help_command"), USAGE_ERRORS)
def test_usage_errors_are_one_line_with_a_hint(env, args, message, help_command) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("error: ") and message in lines[0], lines
    assert lines[1].startswith("hint: ") and help_command in lines[1], lines
    assert not any(box in result.stderr for box in "╭│╰"), result.stderr


def test_no_arguments_still_prints_the_help(env) -> None:
    result = CliRunner().invoke(app, [])
    assert "Usage" in result.output and "error:" not in result.output


@pytest.mark.parametrize("group", ["keys", "qa", "docs"])
def test_a_group_without_a_command_prints_its_help(env, group) -> None:
    result = CliRunner().invoke(app, [group])
    assert "Usage" in result.output and "error:" not in result.output


def test_help_is_not_an_error(env) -> None:
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0 and "--rows" in result.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    """`engage ask ... | head`: the reader left; before, `error: [Errno 32] Broken pipe`."""
    import typer

    from engage.cli.errors import EngageGroup

    demo = typer.Typer(cls=EngageGroup)

    @demo.command()
    def talk() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    @demo.command()
    def other() -> None:
        """A second command, so that `talk` is a subcommand."""

    result = CliRunner().invoke(demo, ["talk"])
    assert result.exit_code == 141 and result.stderr == "" and result.stdout == ""
