"""`engage report`: the three executive PDFs and the HTML run report, from one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engage.pipeline.history import UnknownRunError

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
    from engage import bootstrap
    from engage.reports import build_reports  # matplotlib and reportlab load only when asked
    from engage.settings import Settings

    try:
        settings = Settings()
        store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
        written = build_reports(store, catalog, settings, run_id, out)
    except (UnknownRunError, ValueError) as err:
        console.print(f"[red]{err}[/]")
        raise typer.Exit(2) from err
    for path in written:
        console.print(f"wrote {path}")
