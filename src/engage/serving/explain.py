"""One customer's predictions, why, and what would change them: the library behind
`engage explain`, the Python API's `.explain()` and any other front end.

Everything comes from the pipeline's own outputs, read through the SQL port: the
customer's row of the predictions table (with the signed TreeSHAP impacts inference
stored) and their model inputs. Only the counterfactual hints need a model, because
they ask it "what if"; they use the SERVED version, the one inference scores with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engage import lake
from engage.ports import ObjectStore, SqlEngine, SqlError
from engage.serving.loading import load_served

if TYPE_CHECKING:
    import pandas as pd

    from engage.models.counterfactual import Goal, Hint

PREDICTIONS = lake.TableName.PREDICTIONS
INPUTS = lake.TableName.INFERENCE_INPUT
REFERENCE_ROWS = 5_000

ModelLoader = Callable[[ObjectStore, str], tuple[str, Any]]


@dataclass(frozen=True)
class CustomerRecord:
    """What the catalog holds about one customer."""

    predictions: dict[str, Any]
    inputs: pd.DataFrame | None  # one row, or None when inference_input lacks it
    reference: pd.DataFrame | None  # a sample of customers, for value ranges


@dataclass(frozen=True)
class ModelColumns:
    """How one model appears in the predictions table."""

    name: str
    score_column: str
    features_column: str
    version_column: str


MODEL_COLUMNS = {
    "engagement": ModelColumns(
        "engagement",
        "predicted_engagement_score",
        "engagement_top_features",
        "engagement_model_version",
    ),
    "churn": ModelColumns(
        "churn", "churn_probability", "churn_top_features", "churn_model_version"
    ),
}


class CustomerNotFoundError(LookupError):
    """The predictions table has no row for the customer."""


class NoPredictionsError(LookupError):
    """There is no catalog or no predictions table yet: the pipeline has not run."""


@dataclass(frozen=True)
class Hints:
    """Counterfactual hints for one model, and what they were computed against."""

    version: str
    goal: Goal
    now: float
    hints: list[Hint]


def fetch_customer(
    engine: SqlEngine, customer_id: str, with_reference: bool = True
) -> CustomerRecord:
    """The customer's predictions row, model inputs and (optionally) a reference sample."""
    try:
        tables = set(engine.tables())
    except SqlError as err:
        raise NoPredictionsError(f"No predictions yet: {err} (`engage run`).") from err
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


def feature_value(inputs: pd.DataFrame | None, feature: str) -> Any:
    """The customer's value of a source feature; interactions are the stored product."""
    from engage.models.features import INTERACTIONS

    if inputs is None:
        return None
    if feature in inputs.columns:
        return inputs[feature].iloc[0]
    if feature in INTERACTIONS:
        left, right = INTERACTIONS[feature]
        if left in inputs.columns and right in inputs.columns:
            return float(inputs[left].iloc[0]) * float(inputs[right].iloc[0])
    return None


def model_hints(
    store: ObjectStore,
    record: CustomerRecord,
    name: str,
    max_hints: int | None = None,
    target: float | None = None,
    loader: ModelLoader = load_served,
) -> Hints:
    """Hints for model `name` against its served version; needs `record.inputs`/`reference`.

    Raises whatever `loader` raises when no model can be loaded (callers skip the hints).
    """
    from engage.models.counterfactual import MAX_HINTS, counterfactual_hints

    if record.inputs is None or record.reference is None:
        raise CustomerNotFoundError(f"{INPUTS} has no row for this customer")
    version, fitted = loader(store, name)
    predict, goal = _predict_and_goal(name, fitted, target)
    hints = counterfactual_hints(
        predict, record.inputs, record.reference, goal, None, max_hints or MAX_HINTS
    )
    return Hints(str(version), goal, float(predict(record.inputs)[0]), list(hints))


def _predict_and_goal(
    name: str, fitted: Any, target: float | None
) -> tuple[Callable[[pd.DataFrame], Any], Goal]:
    """The served model's score function and the goal; churn defaults to its own threshold,
    so "reaches the goal" means "would no longer be predicted to churn"."""
    from engage.models.counterfactual import churn_goal, engagement_goal

    if name == "churn":
        threshold = float(fitted.threshold_) if target is None else target
        return fitted.predict_proba, churn_goal(threshold)
    return fitted.predict, engagement_goal(0.7 if target is None else target)
