"""One error handler for every command: `error: <what>` and `hint: <what to do>` on
stderr, exit status 1, never a traceback (set ENGAGE_DEBUG=1 to get it back).

It sits in the click group's `invoke`, so it covers every command (and the
CliRunner tests see exactly what a user sees). Usage errors and explicit exits
pass through untouched: click already prints those as one clear line.
"""

from __future__ import annotations

import os
from typing import Any

import click
import typer
from typer.core import TyperGroup

# Hints by exception class name (no imports: the CLI stays lazy).
_HINTS = {
    "FileNotFoundError": "check the path (an example AWS env file: examples/aws-env.example.json)",
    "IsADirectoryError": "give a file, not a folder",
    "PermissionError": "check the file's permissions",
    "GenerationError": "see `engage generate --help` for the allowed values",
    "ValidationError": "see the named setting or field; `engage <command> --help` for usage",
    "ModelNotFoundError": "run the pipeline first: `engage run`",
    "SqlError": "run the pipeline first (`engage run`), or check the query",
    "KeyStoreError": "`engage keys list` shows the keys",
    "EnvError": "compare with examples/aws-env.example.json",
    "ModuleNotFoundError": "install the extra that provides it, e.g. pip install 'engage[aws]'",
}
_DEFAULT_HINT = "rerun with ENGAGE_DEBUG=1 for the traceback; `engage <command> --help` for usage"


def describe(err: BaseException) -> tuple[str, str]:
    """(one-line message, hint) for an exception."""
    name = type(err).__name__
    text = " ".join(str(err).split()) or name
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{text}: {err.filename}"
    if len(text) > 300:
        text = text[:297] + "..."
    hint = getattr(err, "hint", None) or _HINTS.get(name, _DEFAULT_HINT)
    known = name in _HINTS or isinstance(err, ValueError | OSError)
    return (text if known else f"{name}: {text}"), hint


def report(err: BaseException) -> None:
    message, hint = describe(err)
    typer.echo(f"error: {message}", err=True)
    typer.echo(f"hint: {hint}", err=True)


def _is_cli_flow(err: BaseException) -> bool:
    """Exit, Abort and usage errors of click or of typer's vendored click."""
    return type(err).__module__.split(".")[0] in ("click", "typer")


class EngageGroup(TyperGroup):
    """The root group: turns any uncaught exception of a command into `report`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            if _is_cli_flow(err):  # usage errors and exits: click/typer print them already
                raise
            if os.environ.get("ENGAGE_DEBUG"):
                raise
            report(err)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("error: interrupted", err=True)
            raise typer.Exit(130) from None


def fail(problem: BaseException | str, code: int = 1, hint: str | None = None) -> None:
    """Report a refused command the one way (stderr, `error:` + `hint:`) and exit `code`."""
    if isinstance(problem, BaseException):
        message, default_hint = describe(problem)
    else:
        message, default_hint = problem, _DEFAULT_HINT
    typer.echo(f"error: {message}", err=True)
    typer.echo(f"hint: {hint or default_hint}", err=True)
    raise typer.Exit(code)
