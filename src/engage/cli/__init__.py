"""The `engage` command: a thin Typer layer over library functions.

Each command group lives in its own module exposing `register(app)`.
"""

from __future__ import annotations

import importlib

import typer

from engage.cli.errors import EngageGroup

app = typer.Typer(
    name="engage",
    help="Customer engagement predictions: generate data, run the pipeline, query, explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=EngageGroup,  # one-line `error:` + `hint:` on stderr instead of tracebacks
)

_COMMAND_MODULES = (
    "generate",
    "contract",
    "run",
    "runs",
    "sql",
    "models",
    "explain",
    "tune",
    "privacy",
    "qa",
    "serve",
    "keys",
    "ask",
    "asl",
    "task",
    "cost",
    "report",
    "docs",
    "demo",
    "federated",
    "notify",
)


def _version(value: bool) -> None:
    if value:
        from engage import __version__  # read from the package metadata only when asked

        typer.echo(f"engage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """engage: customer engagement predictions that run offline and deploy to AWS."""


for _name in _COMMAND_MODULES:
    importlib.import_module(f"engage.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()
