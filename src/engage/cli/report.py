"""`engage report`: the three executive PDFs and the HTML run report, from one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engage.cli.errors import fail
from engage.pipeline.history import UnknownRunError
from engage.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)


def report_command(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id [default: latest succeeded].")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder [default: <lake>/engagement-reports/<run>/]"),
    ] = None,
) -> None:
    """Write the Engagement, Costs and Architecture PDFs and an HTML page linking them."""
    from engage.reports import build_reports  # matplotlib and reportlab load only when asked

    try:
        written = build_reports(Settings(), run_id, out)
    except (UnknownRunError, ValueError) as err:
        fail(err, 2)
    for path in written:
        console.print(f"wrote {path}")
