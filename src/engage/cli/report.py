"""`engage report`: the three executive PDFs and the HTML run report, from one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engage.cli.errors import fail
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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from engage import bootstrap
    from engage.reports import STEPS, build_reports  # matplotlib/reportlab load only when asked
    from engage.settings import Settings

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("report", total=len(STEPS))

        def step(name: str) -> None:
            done = STEPS.index(name)
            bar.update(task, completed=done, description=f"report: {name}")

        try:
            settings = Settings()
            store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
            written = build_reports(store, catalog, settings, run_id, out, step)
        except (UnknownRunError, ValueError) as err:
            fail(err, 2)
        bar.update(task, completed=len(STEPS), description="report: done")
    for path in written:
        console.print(f"wrote {path}")
