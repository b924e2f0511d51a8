"""One error handler for every command: `error: <what>` and `hint: <what to do>` on
stderr, exit status 1, never a traceback (set ENGAGE_DEBUG=1 to get it back).

It sits in the click group's `make_context` and `invoke`, so it covers every
command and every usage error (bad option, missing argument, bad value, unknown
command) at any depth, and the CliRunner tests see exactly what a user sees.
Usage errors get the same two lines instead of typer's boxed panel, with the
exit status click gives them (2); explicit exits and `--help` pass through.
"""

from __future__ import annotations

import os
import sys
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
    "NoPredictionsError": "run the pipeline first: `engage run`",
    "CustomerNotFoundError": '`engage sql "SELECT customer_id FROM final_results LIMIT 5"`',
    "UnknownRunError": "`engage runs` lists the runs; `engage run` starts one",
    "PrivacyError": "customer ids follow the contract, e.g. CUST_0000042",
    "CustomerIdError": "customer ids follow the contract, e.g. CUST_0000042",
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


def _usage_problem(err: BaseException) -> tuple[str, str, int] | None:
    """(message, hint, exit code) for a click/typer usage error, else None.

    Duck-typed on `format_message`/`exit_code` because typer vendors its own copy
    of click, whose exception classes are not click's. `engage` with no arguments
    (NoArgsIsHelpError) is not a mistake: it keeps printing the help.
    """
    if not _is_cli_flow(err) or type(err).__name__ == "NoArgsIsHelpError":
        return None
    if not (hasattr(err, "format_message") and hasattr(err, "exit_code")):
        return None  # Exit, Abort: not an error message
    message = " ".join(str(err.format_message()).split())
    ctx = getattr(err, "ctx", None)
    command = ctx.command_path if ctx is not None else "engage"
    return message, f"`{command} --help` for usage", int(err.exit_code)


def _refuse_usage(err: BaseException) -> None:
    """Print a usage error as `error:` + `hint:` and exit with its code; else return."""
    problem = _usage_problem(err)
    if problem is None:
        return
    message, hint, code = problem
    typer.echo(f"error: {message}", err=True)
    typer.echo(f"hint: {hint}", err=True)
    raise typer.Exit(code) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


class EngageGroup(TyperGroup):
    """The root group: turns usage errors and uncaught exceptions into `error:` + `hint:`."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """Parsing the root's own options (`engage --bogus`) fails here, before invoke."""
        try:
            return super().make_context(*args, **kwargs)
        except Exception as err:
            _refuse_usage(err)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `engage ... | head`: the reader left, nothing to report
            _silence_stdout()
            raise typer.Exit(141) from None
        except Exception as err:
            if _is_cli_flow(err):  # exits pass; usage errors get the one-line form
                _refuse_usage(err)
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
