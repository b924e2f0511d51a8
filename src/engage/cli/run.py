"""`engage run`: the main job. Generates data when needed, then runs the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engage.cli.generate import print_summary, run_generation
from engage.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)


def run_command(
    rows: Annotated[
        int | None,
        typer.Option("--rows", "-n", help="Generate N customers first, even if data exist"),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed [default 42].")] = None,
) -> None:
    """Generate the dataset if there is none (or --rows is given), then run the pipeline."""
    settings = Settings()
    data_dir = settings.data_dir
    if rows is not None or not _has_data(data_dir):
        summary = run_generation(
            rows or settings.rows, settings.seed if seed is None else seed, data_dir, ["parquet"]
        )
        print_summary(summary)


def _has_data(data_dir: Path) -> bool:
    return (data_dir / "manifest.json").exists() and (data_dir / "customers.parquet").exists()
