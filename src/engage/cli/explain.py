"""`engage explain CUSTOMER_ID`: one customer's predictions, why, and what would change them.

Everything shown comes from the pipeline's own outputs, read through the SQL port
with a read-only catalog: the customer's row of the predictions table (including
the signed TreeSHAP impacts inference stored) and their model inputs. Only the
counterfactual hints need a model, because they ask it "what if"; they use the
SERVED version, the one that inference scores with, so the hints match the
predictions shown above them.

The model is obtained through `model_loader`, a module-level seam: by default it
is `engage.stages.plans.load_served`; tests (and other front ends) replace it.
A missing loader or model only skips the hints; the rest is still printed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from engage import bootstrap
from engage.cli.errors import fail
from engage.cli.tables import echo_json, show
from engage.models.counterfactual import (
    MAX_HINTS,
    Goal,
    Hint,
    churn_goal,
    counterfactual_hints,
    engagement_goal,
)
from engage.models.features import INTERACTIONS
from engage.ports import ObjectStore, SqlEngine, SqlError
from engage.settings import Settings

PREDICTIONS = "engagement_predictions.predictions"
INPUTS = "engagement_raw.inference_input"
REFERENCE_ROWS = 5_000

ModelLoader = Callable[[ObjectStore, str], tuple[str, Any]]


class ModelChoice(StrEnum):
    """Which model(s) to explain."""

    engagement = "engagement"
    churn = "churn"
    all = "all"


class HintsUnavailableError(RuntimeError):
    """No served model could be loaded, so no counterfactual hints can be computed."""


def served_model(store: ObjectStore, name: str) -> tuple[str, Any]:
    """(version, model) of the served `name` model, via the stages' own loader.

    Imported late so that `engage explain` works (without hints) in a build whose
    stages do not provide the loader yet.
    """
    try:
        from engage.stages import plans
    except ImportError as err:
        raise HintsUnavailableError(f"cannot import the model plans: {err}") from err
    load = getattr(plans, "load_served", None)
    if load is None:
        raise HintsUnavailableError("engage.stages.plans.load_served is not available")
    return load(store, name)


# The seam: replace to serve models from elsewhere (tests pass models fitted in memory).
model_loader: ModelLoader = served_model


@dataclass(frozen=True)
class CustomerRecord:
    """What the catalog holds about one customer."""

    predictions: dict[str, Any]
    inputs: pd.DataFrame | None  # one row, or None when inference_input lacks it
    reference: pd.DataFrame | None  # a sample of customers, for value ranges


@dataclass(frozen=True)
class _Spec:
    """How one model appears in the predictions table and how it is asked for hints."""

    name: str
    score_column: str
    features_column: str
    version_column: str


_SPECS = {
    "engagement": _Spec(
        "engagement",
        "predicted_engagement_score",
        "engagement_top_features",
        "engagement_model_version",
    ),
    "churn": _Spec("churn", "churn_probability", "churn_top_features", "churn_model_version"),
}


class CustomerNotFoundError(LookupError):
    """The predictions table has no row for the customer."""


class NoPredictionsError(LookupError):
    """There is no catalog or no predictions table yet: the pipeline has not run."""


def register(app: typer.Typer) -> None:
    """Add the `explain` command to the `engage` app."""
    app.command("explain")(explain)


def explain(
    customer_id: Annotated[str, typer.Argument(help="Customer id, e.g. CUST_0000042.")],
    model: Annotated[
        ModelChoice, typer.Option("--model", "-m", help="Which model's features and hints.")
    ] = ModelChoice.all,
    lake: Annotated[
        str | None, typer.Option("--lake", help="Lake root (default: ENGAGE_LAKE or ./lake).")
    ] = None,
    hints: Annotated[
        bool, typer.Option("--hints/--no-hints", help="Compute counterfactual hints.")
    ] = True,
    max_hints: Annotated[int, typer.Option("--max-hints", min=1, help="Hints per model.")] = (
        MAX_HINTS
    ),
    engagement_target: Annotated[
        float, typer.Option("--engagement-target", help="Engagement goal for the hints.")
    ] = 0.7,
    churn_target: Annotated[
        float | None,
        typer.Option(
            "--churn-target",
            help="Churn-probability goal for the hints (default: the served decision threshold).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stored predictions and inputs as JSON.")
    ] = False,
) -> None:
    """Explain one customer: predictions, top features with signed impacts, and hints."""
    console = Console()
    settings = Settings(lake=lake) if lake else Settings()
    try:
        record = fetch_customer(settings, customer_id, with_reference=hints and not as_json)
    except NoPredictionsError as err:
        fail(err, 1)
    except CustomerNotFoundError as err:
        fail(err, 1)
    except SqlError as err:
        fail(err, 1)

    if as_json:
        inputs = None if record.inputs is None else record.inputs.iloc[0].to_dict()
        echo_json({"customer_id": customer_id, "predictions": record.predictions,
                   "inputs": inputs})  # fmt: skip
        return
    console.print(f"[bold]Customer {customer_id}[/]")
    show(console, predictions_table(record.predictions))
    names = ["engagement", "churn"] if model is ModelChoice.all else [model.value]
    store = bootstrap.object_store(settings) if hints else None
    for name in names:
        spec = _SPECS[name]
        console.print(f"\n[bold]{name}[/]: top features (signed impact on the model output)")
        features = _features_table(record, spec)
        show(console, features) if isinstance(features, Table) else console.print(features)
        if store is not None:
            targets = {"engagement": engagement_target, "churn": churn_target}
            _print_hints(console, store, record, spec, max_hints, targets[name])


def fetch_customer(
    settings: Settings, customer_id: str, with_reference: bool = True
) -> CustomerRecord:
    """The customer's predictions row, model inputs and (optionally) a reference sample."""
    try:
        engine = bootstrap.sql_engine(settings, read_only=True)
    except SqlError as err:
        raise NoPredictionsError(f"No predictions yet: {err} (`engage run`).") from err
    try:
        return _fetch(engine, customer_id, with_reference)
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


def _fetch(engine: SqlEngine, customer_id: str, with_reference: bool) -> CustomerRecord:
    tables = set(engine.tables())
    if PREDICTIONS not in tables:
        raise NoPredictionsError(
            f"No predictions yet: the catalog has no {PREDICTIONS}. Run `engage run` first."
        )
    params = {"customer_id": customer_id}
    rows = engine.query(f"SELECT * FROM {PREDICTIONS} WHERE customer_id = :customer_id", params)
    if rows.num_rows == 0:
        raise CustomerNotFoundError(f"customer {customer_id!r} not found in {PREDICTIONS}")
    predictions = rows.slice(0, 1).to_pylist()[0]
    inputs = reference = None
    if INPUTS in tables:
        found = engine.query(f"SELECT * FROM {INPUTS} WHERE customer_id = :customer_id", params)
        inputs = found.slice(0, 1).to_pandas() if found.num_rows else None
        if with_reference and inputs is not None:
            # A deterministic pseudo-random sample: ordered by a hash of the id.
            sample = f"SELECT * FROM {INPUTS} ORDER BY md5(to_utf8(customer_id)) LIMIT :n"
            reference = engine.query(sample, {"n": REFERENCE_ROWS}).to_pandas()
    return CustomerRecord(predictions, inputs, reference)


def predictions_table(predictions: Mapping[str, Any]) -> Table:
    """Every stored prediction column but the explanations (shown per model instead)."""
    table = Table("Prediction", "Value")
    for column, value in predictions.items():
        if column == "customer_id" or column.endswith("_top_features"):
            continue
        table.add_row(column, _show(value))
    return table


def _features_table(record: CustomerRecord, spec: _Spec) -> Table | str:
    impacts = record.predictions.get(spec.features_column)
    if not impacts:
        return f"  no stored explanation ({spec.features_column} is empty or absent)"
    table = Table("Feature", "Impact", "Customer's value")
    for item in impacts:
        feature, impact = item.get("feature"), item.get("impact")
        sign = "" if impact is None else f"{impact:+.4f}"
        table.add_row(str(feature), sign, _show(_feature_value(record.inputs, str(feature))))
    return table


def _feature_value(inputs: pd.DataFrame | None, feature: str) -> Any:
    """The customer's value of a source feature; interactions are the stored product."""
    if inputs is None:
        return None
    if feature in inputs.columns:
        return inputs[feature].iloc[0]
    if feature in INTERACTIONS:
        left, right = INTERACTIONS[feature]
        if left in inputs.columns and right in inputs.columns:
            return float(inputs[left].iloc[0]) * float(inputs[right].iloc[0])
    return None


def _print_hints(
    console: Console,
    store: ObjectStore,
    record: CustomerRecord,
    spec: _Spec,
    max_hints: int,
    target: float | None,
) -> None:
    if record.inputs is None or record.reference is None:
        console.print(f"  hints skipped: {INPUTS} has no row for this customer")
        return
    try:
        version, fitted = model_loader(store, spec.name)
    except Exception as err:  # any loading failure only skips the hints
        console.print(f"  [yellow]hints unavailable: {err}[/]")
        return
    predict, goal = _predict_and_goal(spec.name, fitted, target)
    hints = counterfactual_hints(predict, record.inputs, record.reference, goal, None, max_hints)
    stored = record.predictions.get(spec.version_column)
    if stored is not None and str(stored) != str(version):
        console.print(
            f"  [yellow]note: hints use served {spec.name} {version}; "
            f"the stored prediction came from {stored}[/]"
        )
    _render_hints(console, hints, goal, predict(record.inputs)[0], version)


def _predict_and_goal(
    name: str, fitted: Any, target: float | None
) -> tuple[Callable[[pd.DataFrame], Any], Goal]:
    """The served model's score function and the goal; churn defaults to its own threshold,
    so "reaches the goal" means "would no longer be predicted to churn"."""
    if name == "churn":
        threshold = float(fitted.threshold_) if target is None else target
        return fitted.predict_proba, churn_goal(threshold)
    return fitted.predict, engagement_goal(0.7 if target is None else target)


def _render_hints(
    console: Console, hints: Sequence[Hint], goal: Goal, now: float, version: str
) -> None:
    header = f"  What would change it (goal: {goal}; served {version} predicts {now:.4f})"
    if goal(float(now)):
        console.print(f"{header}: the goal is already met.")
        return
    if not hints:
        console.print(f"{header}: no single-feature change helps.")
        return
    console.print(header)
    if not any(h.reaches_goal for h in hints):
        console.print("  No single change reaches the goal; the moves that help most:")
    table = Table("Feature", "Now", "Suggested", "Percentile shift", "Prediction", "Reaches goal")
    for h in hints:
        table.add_row(
            h.feature,
            _show(h.current_value),
            _show(h.suggested_value),
            f"{h.percentile_shift:+.1f}",
            f"{h.predicted_before:.4f} -> {h.predicted_after:.4f}",
            "yes" if h.reaches_goal else "no",
        )
    console.print(table)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value) or "—"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if hasattr(value, "item"):  # numpy scalars
        return _show(value.item())
    return str(value)
