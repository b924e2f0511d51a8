"""`engage demo`: the scripted tour (see engage.demo), in a folder of its own."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    rows: Annotated[
        int, typer.Option("--rows", "-n", min=500, help="Customers to generate.")
    ] = 3000,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Where data/ and lake/ go [default: a new temporary folder]."),
    ] = None,
) -> None:
    """A scripted tour: generate, run, query, ask, explain, call the API, review, report."""
    from engage.demo import DemoError, run_demo

    root = folder or Path(tempfile.mkdtemp(prefix="engage-demo-"))
    try:
        run_demo(root, rows)
    except (DemoError, RuntimeError) as err:
        console.print(f"[red]Demo stopped:[/] {err}")
        raise typer.Exit(1) from err
    console.print(f"Everything the demo made is in {root} (delete it when done).")
