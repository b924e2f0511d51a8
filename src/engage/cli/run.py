"""`engage run`: the main job. Runs the pipeline on the input folder (--rows: generate first)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from engage.cli.cost import summary_line as cost_summary_line
from engage.cli.generate import print_summary, run_generation
from engage.cli.tables import show

if TYPE_CHECKING:
    from engage.orchestrate import PipelineRun
    from engage.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)


def run_command(
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            "-n",
            help="Generate N synthetic customers into ENGAGE_DATA_DIR first (only into an "
            "empty folder or one engage generate wrote)",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed [default 42].")] = None,
) -> None:
    """Run the pipeline on ENGAGE_DATA_DIR; with --rows, generate synthetic data there first.

    Nothing is generated unless asked: the input folder is the user's, and the
    pipeline only reads it (customers.parquet, else customers.csv).
    """
    from engage.cli.progress import PipelineProgress  # the stages load only for a run
    from engage.data.generator import GenerationError
    from engage.orchestrate import ensure_no_run, run_pipeline
    from engage.pipeline.lock import RunLockedError
    from engage.settings import Settings
    from engage.stages.data_prep import find_customers_file
    from engage.stages.errors import StageError

    overrides: dict[str, Any] = {} if seed is None else {"seed": seed}
    settings = Settings(**overrides)
    try:  # before anything is printed or generated: a refusal is the only output
        ensure_no_run(settings)
    except RunLockedError as err:
        _locked(err)
    if rows is not None:
        try:
            summary = run_generation(rows, settings.seed, settings.data_dir, ["parquet"])
        except GenerationError as err:
            _error(str(err))
        print_summary(summary)
    try:
        source = find_customers_file(settings.data_dir)
    except StageError as err:
        _error(f"{err}, or pass --rows N to generate synthetic customers")
    console.print(f"Reading customers from [bold]{source.resolve()}[/]")
    console.rule("[bold]Pipeline")
    try:
        with PipelineProgress(console) as progress:
            run = run_pipeline(settings, listener=progress)
    except RunLockedError as err:
        _locked(err)
    if not run.succeeded:
        _print_failure(run)
        raise typer.Exit(1)
    _print_summary(run, settings)


def _error(message: str) -> NoReturn:
    from engage.cli.errors import fail

    fail(message, 2, "engage run --help; `engage generate --help` for the allowed values")
    raise AssertionError("unreachable")  # fail() always exits


def _locked(err: BaseException) -> NoReturn:
    from engage.cli.errors import fail

    fail(str(err), 2, "`engage runs` shows the run in progress; start again when it ends")
    raise AssertionError("unreachable")  # fail() always exits


def _stage_table(run: PipelineRun) -> Table:
    from engage.cli.progress import brief

    results = run.stage_results()
    table = Table(title=f"Run {run.run_id}", title_justify="left")
    shown = [r for r in run.result.records if r.name in results or r.status != "SUCCEEDED"]
    labels = ["  " * (r.path.count("/") // 2) + r.name for r in shown]  # 2: fits 80 columns
    # State names stay whole (no fold, no ...); the description column wraps instead.
    table.add_column("State", no_wrap=True, min_width=max(map(len, labels), default=5))
    for column in ("Status", "Attempts", "Seconds", "What it did"):
        table.add_column(column, justify="right" if column in ("Attempts", "Seconds") else "left")
    for record, label in zip(shown, labels, strict=True):
        table.add_row(
            label,
            record.status,
            str(record.attempts),
            f"{record.duration_s or 0:.1f}",
            brief(results.get(record.name)),
        )
    return table


def grade_text(grading: Mapping[str, Any] | None) -> str:
    """The model's test figure vs its strongest baseline and vs its truth ceiling, in words."""
    from engage.models.grading import summary_text

    if not grading:
        return "n/a (no ground truth)"
    return summary_text(grading)


def gate_text(gate: Mapping[str, Any] | None) -> str:
    """The fairness gate's verdict in a word or two (details: engage models card)."""
    if not gate:
        return "-"
    if gate.get("passed"):
        return "gate passed"
    verdict = "BLOCKED" if gate.get("enforced") else "failed (not enforced)"
    return f"{verdict}: {len(gate.get('failures', []))} check(s)"


def _models_table(run: PipelineRun) -> Table:
    results = run.stage_results()
    served = (results.get("MergeShardScores") or {}).get("models", {})
    table = Table(title="Models (test split; vs baseline and vs the generator's truth ceiling)")
    for column in ("Model", "Trained", "Served", "Test metrics", "Graded", "Fairness", "Fit s"):
        table.add_column(column, justify="right" if column == "Fit s" else "left")
    for result in results.values():
        if not isinstance(result, Mapping) or "training_status" not in result:
            continue
        name = result["model"]
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in result.get("metrics", {}).items())
        table.add_row(
            name,
            result.get("model_version", result["training_status"]),
            str(served.get(name, {}).get("model_version") or "-"),
            metrics or result.get("reason", ""),
            grade_text(result.get("grading")),
            gate_text(result.get("fairness_gate")),
            f"{result.get('training_seconds', 0):.1f}",
        )
    return table


def _print_summary(run: PipelineRun, settings: Settings) -> None:
    # Whole at any width: wrapped, or one record per block where the words cannot fit
    # side by side (a printed table wider than the console is cut at its edge).
    show(console, _stage_table(run))
    show(console, _models_table(run))
    total = sum(r.duration_s or 0 for r in run.result.records if "/" not in r.path)
    console.print(
        Panel.fit(
            f"[green]Pipeline succeeded[/] in {total:.1f} s.\n"
            f"Lake:    {Path(settings.lake).resolve()}\n"
            f"Catalog: {settings.resolved_catalog_path().resolve()} (opens in any DuckDB client)\n"
            f"{cost_summary_line(settings, run.run_id)}\n"
            'Next:    engage sql "SELECT * FROM engagement_analytics.at_risk_customers LIMIT 5"\n'
            "         engage explain CUST_0000042\n"
            "         engage models list\n"
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
