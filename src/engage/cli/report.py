"""`engage report`: the three executive PDFs and the HTML run report, from one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from engage.cli.errors import fail
from engage.pipeline.history import UnknownRunError


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
    from engage.cli.progress import StepProgress
    from engage.cost.runcost import latest_succeeded
    from engage.pipeline.history import RunHistory
    from engage.reports import STEPS, build_reports  # matplotlib/reportlab load only when asked
    from engage.settings import Settings

    settings = Settings()
    store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
    try:  # the run is resolved before the progress starts: a refusal is the only output
        history = RunHistory(store)
        run_id = run_id or latest_succeeded(history)
        history.get(run_id)
    except UnknownRunError as err:
        fail(err, 2)
    problem: BaseException | None = None
    with StepProgress("report", STEPS, Console(stderr=True)) as progress:
        try:
            written = build_reports(
                store, catalog, settings, run_id, out, progress.step, progress.detail
            )
        except ValueError as err:
            problem = err
    if problem is not None:  # after the progress stops, so the error is the last line
        fail(problem, 2)
    for path in written:
        typer.echo(f"wrote {path}")  # plain: a path is never wrapped mid-name
