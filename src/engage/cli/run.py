"""`engage run`: the main job. Generates data when needed, then runs the whole pipeline."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from engage.cli.generate import print_summary, run_generation
from engage.cli.progress import PipelineProgress, brief
from engage.models.grading import engagement_ceiling
from engage.orchestrate import PipelineRun, run_pipeline
from engage.settings import Settings

console = Console()


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
    overrides: dict[str, Any] = {} if seed is None else {"seed": seed}
    settings = Settings(**overrides)
    if rows is not None or not _has_data(settings.data_dir):
        summary = run_generation(
            rows or settings.rows, settings.seed, settings.data_dir, ["parquet"]
        )
        print_summary(summary)
    console.rule("[bold]Pipeline")
    with PipelineProgress(console) as progress:
        run = run_pipeline(settings, listener=progress)
    if not run.succeeded:
        _print_failure(run)
        raise typer.Exit(1)
    _print_summary(run, settings)


def _has_data(data_dir: Path) -> bool:
    return (data_dir / "manifest.json").exists() and (data_dir / "customers.parquet").exists()


def _stage_table(run: PipelineRun) -> Table:
    results = run.stage_results()
    table = Table(title=f"Run {run.run_id}", title_justify="left")
    for column in ("State", "Status", "Attempts", "Seconds", "What it did"):
        table.add_column(column, justify="right" if column in ("Attempts", "Seconds") else "left")
    for record in run.result.records:
        if record.name not in results and record.status == "SUCCEEDED":
            continue
        table.add_row(
            "    " * (record.path.count("/") // 2) + record.name,
            record.status,
            str(record.attempts),
            f"{record.duration_s or 0:.1f}",
            brief(results.get(record.name)),
        )
    return table


def _model_table(training: dict[str, Any], ceiling: float | None) -> Table:
    table = Table(title="Engagement model (test split)", title_justify="left")
    for column in ("Version", "R²", "RMSE", "MAE", "MAPE", "Ground-truth ceiling R²", "R²/ceiling"):
        table.add_column(column, justify="right")
    ratio = f"{training['test_r2'] / ceiling:.3f}" if ceiling else "n/a"
    table.add_row(
        training["model_version"],
        f"{training['test_r2']:.4f}",
        f"{training['test_rmse']:.4f}",
        f"{training['test_mae']:.4f}",
        f"{training['test_mape']:.3f}",
        f"{ceiling:.4f}" if ceiling else "n/a",
        ratio,
    )
    return table


def _print_summary(run: PipelineRun, settings: Settings) -> None:
    console.print(_stage_table(run))
    training = run.stage_results().get("TrainingTask")
    if training:
        console.print(_model_table(training, engagement_ceiling(settings.data_dir)))
    total = sum(r.duration_s or 0 for r in run.result.records if "/" not in r.path)
    console.print(
        Panel.fit(
            f"[green]Pipeline succeeded[/] in {total:.1f} s.\n"
            f"Lake:    {Path(settings.lake).resolve()}\n"
            f"Catalog: {settings.resolved_catalog_path().resolve()} (opens in any DuckDB client)\n"
            'Next:    engage sql "SELECT * FROM engagement_analytics.model_performance"\n'
            "         engage sql   (interactive shell)\n"
            f"         engage runs show {run.run_id}",
            title="Done",
        )
    )


def _print_failure(run: PipelineRun) -> None:
    result = run.result
    cause = result.cause or ""
    # PipelineFailed's cause is the JSON of $.error: show each stage's own message.
    with contextlib.suppress(ValueError, AttributeError):
        cause = "\n".join(
            f"{stage}: {detail.get('Error')}: {detail.get('Cause')}"
            for stage, detail in json.loads(cause).items()
        )
    console.print(
        Panel.fit(
            f"[red]Pipeline failed[/] at [bold]{result.failed_state}[/] ({result.failed_path}).\n"
            f"{cause[:3000]}\n\n"
            "Published results from the last successful run are untouched.\n"
            f"Details: engage runs show {run.run_id}",
            title="Failed",
            border_style="red",
        )
    )
