"""`engage tune MODEL`: an Optuna study over XGBoost and HistGradientBoosting (use case 10).

Lazy like every command: Optuna, XGBoost and pandas load only when the command runs.
Cross-validates on the published run's training split only, saves the study under
the model's tuning/ folder in the lake, and promotes the best XGBoost parameters
(for the next `engage run` to train with) only when they beat today's params.toml
values by more than --margin. Not part of `engage run`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json


class Tunable(StrEnum):
    engagement = "engagement"
    churn = "churn"


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)


def tune(
    model: Annotated[Tunable, typer.Argument(help="Model to tune.")],
    trials: Annotated[int, typer.Option("--trials", min=1, help="Most trials to run.")] = 60,
    budget_s: Annotated[
        float, typer.Option("--budget-s", min=1, help="Time budget of the study in seconds.")
    ] = 600.0,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 3,
    rows: Annotated[
        int, typer.Option("--rows", min=50, help="Training rows sampled for the study.")
    ] = 20_000,
    margin: Annotated[
        float, typer.Option("--margin", help="Relative CV improvement needed to promote.")
    ] = 0.05,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run and save the study; never promote.")
    ] = False,
    as_json: Annotated[bool, JsonFlag] = False,
) -> None:
    """Search hyper-parameters with k-fold CV on training data; promote above the margin."""
    from engage import bootstrap
    from engage.models import tune as tuning
    from engage.settings import Settings

    settings = Settings()
    store = bootstrap.object_store(settings)
    try:
        train = tuning.lake_training(store)
    except FileNotFoundError as err:
        fail(err, 2, "run `engage run` first; tuning reads the published training split")
    threads = settings.model_threads if settings.model_threads > 0 else (os.cpu_count() or 1)
    cfg = tuning.TuneConfig(
        model.value, trials, budget_s, folds, rows, margin, settings.seed, threads
    )
    summary = tuning.run_study(train, cfg)
    key = tuning.save_study(store, summary)
    promoted = summary["promote"] and not dry_run
    if promoted:
        tuning.promote(store, summary, key)
    result = {k: v for k, v in summary.items() if k != "trials"} | {
        "study": store.uri(key),
        "promoted": promoted,
    }
    if as_json:
        echo_json(result)
        return
    _print(result)


def _print(result: dict) -> None:
    best = result["best"]
    typer.echo(
        f"{result['model']}: {result['completed']} trials completed, {result['pruned']} pruned "
        f"in {result['seconds']} s ({result['cv_folds']}-fold CV on {result['rows']} training "
        f"rows, {result['metric']})"
    )
    typer.echo(f"  today's params.toml: {result['baseline_score']:.4f}")
    for family, trial in best.items():
        if trial:
            typer.echo(f"  best {family}: {trial['score']:.4f}  {trial['params']}")
    gain = result["relative_improvement"]
    verdict = "promoted" if result["promoted"] else "not promoted"
    shown = "n/a" if gain is None else f"{gain:+.2%}"
    typer.echo(f"  XGBoost vs today: {shown} (margin {result['margin']:.0%}): {verdict}")
    typer.echo(f"  study: {result['study']}")
