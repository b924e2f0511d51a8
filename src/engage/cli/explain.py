"""`engage explain CUSTOMER_ID`: one customer's predictions, why, and what would change them.

Thin: the work is `engage.serving.explain` (also behind the Python API's `.explain`).
The catalog is opened read-only. The served model is obtained through `model_loader`,
a module-level seam (default `engage.serving.load_served`); tests replace it. A missing
loader or model only skips the hints; the rest is still printed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.cli.tables import echo_json, show
from engage.lake import TableName
from engage.ports import ObjectStore, SqlError

if TYPE_CHECKING:
    from engage.models.counterfactual import Goal, Hint
    from engage.serving.explain import CustomerRecord, ModelColumns
    from engage.settings import Settings

PREDICTIONS = TableName.PREDICTIONS
INPUTS = TableName.INFERENCE_INPUT

ModelLoader = Callable[[ObjectStore, str], tuple[str, Any]]


class ModelChoice(StrEnum):
    """Which model(s) to explain."""

    engagement = "engagement"
    churn = "churn"
    all = "all"


def served_model(store: ObjectStore, name: str) -> tuple[str, Any]:
    """(version, model) of the served `name` model (imported late: `--help` stays cheap)."""
    from engage.serving import load_served

    return load_served(store, name)


# The seam: replace to serve models from elsewhere (tests pass models fitted in memory).
model_loader: ModelLoader = served_model


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
    max_hints: Annotated[
        int | None, typer.Option("--max-hints", min=1, help="Hints per model [default: 3].")
    ] = None,
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
    from engage import bootstrap
    from engage.contract.ids import CustomerIdError, check_customer_id
    from engage.serving.explain import MODEL_COLUMNS, CustomerNotFoundError, NoPredictionsError
    from engage.settings import Settings

    try:  # the contract's rule, at the door: before any catalog is opened
        check_customer_id(customer_id)
    except CustomerIdError as err:
        fail(err, 2, "customer ids follow the contract, e.g. CUST_0000042")
    console = Console()
    settings = Settings(lake=lake) if lake else Settings()
    try:
        record = _fetch(settings, customer_id, with_reference=hints and not as_json)
    except (NoPredictionsError, CustomerNotFoundError, SqlError) as err:
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
        spec = MODEL_COLUMNS[name]
        console.print(f"\n[bold]{name}[/]: top features (signed impact on the model output)")
        features = _features_table(record, spec)
        show(console, features) if isinstance(features, Table) else console.print(features)
        if store is not None:
            targets = {"engagement": engagement_target, "churn": churn_target}
            _print_hints(console, store, record, spec, max_hints, targets[name])


def _fetch(settings: Settings, customer_id: str, with_reference: bool) -> CustomerRecord:
    from engage import bootstrap
    from engage.serving.explain import NoPredictionsError, fetch_customer

    try:
        engine = bootstrap.sql_engine(settings, read_only=True)
    except SqlError as err:
        raise NoPredictionsError(f"No predictions yet: {err} (`engage run`).") from err
    try:
        return fetch_customer(engine, customer_id, with_reference)
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


def predictions_table(predictions: Mapping[str, Any]) -> Table:
    """Every stored prediction column but the explanations (shown per model instead)."""
    table = Table("Prediction", "Value")
    for column, value in predictions.items():
        if column == "customer_id" or column.endswith("_top_features"):
            continue
        table.add_row(column, _show(value))
    return table


def _features_table(record: CustomerRecord, spec: ModelColumns) -> Table | str:
    from engage.serving.explain import feature_value

    impacts = record.predictions.get(spec.features_column)
    if not impacts:
        return f"  no stored explanation ({spec.features_column} is empty or absent)"
    table = Table("Feature", "Impact", "Customer's value")
    for item in impacts:
        feature, impact = item.get("feature"), item.get("impact")
        sign = "" if impact is None else f"{impact:+.4f}"
        table.add_row(str(feature), sign, _show(feature_value(record.inputs, str(feature))))
    return table


def _print_hints(
    console: Console,
    store: ObjectStore,
    record: CustomerRecord,
    spec: ModelColumns,
    max_hints: int | None,
    target: float | None,
) -> None:
    from engage.serving.explain import model_hints

    if record.inputs is None or record.reference is None:
        console.print(f"  hints skipped: {INPUTS} has no row for this customer")
        return
    try:
        found = model_hints(store, record, spec.name, max_hints, target, loader=model_loader)
    except Exception as err:  # any loading failure only skips the hints
        console.print(f"  [yellow]hints unavailable: {err}[/]")
        return
    stored = record.predictions.get(spec.version_column)
    if stored is not None and str(stored) != found.version:
        console.print(
            f"  [yellow]note: hints use served {spec.name} {found.version}; "
            f"the stored prediction came from {stored}[/]"
        )
    _render_hints(console, found.hints, found.goal, found.now, found.version)


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
