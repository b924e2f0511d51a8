"""What a prediction looks like, cached or answered, and how cache keys are made.

One shape for every source: a batch row of `engagement_predictions.predictions`
loaded into the cache by the ensemble step, a live inference, and the API
response all carry the same `prediction` block, SHAP `explanations`, the
per-model versions and the combined version tag the cache is invalidated by.
Nothing here imports FastAPI: the pipeline uses it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

MODEL_NAMES = ("engagement", "churn", "ltv", "recommendation", "anomaly")
BATCH_HASH = "batch"  # the sort key of a customer's latest batch prediction
HIGH_ENGAGEMENT, MEDIUM_ENGAGEMENT = 0.7, 0.4  # sql final_results / plans.tabular
PREDICTION_FIELDS = (
    "engagement_score", "engagement_category", "churn_probability", "churn_prediction",
    "intervention_flag", "ltv_usd", "ltv_p10", "ltv_p50", "ltv_p90", "recommended_items",
    "recommended_categories", "anomaly_score", "anomaly_flag", "value_at_risk_usd",
    "next_best_action",
)  # fmt: skip


def versions_tag(versions: Mapping[str, str | None]) -> str:
    """One string for the set of served versions, e.g. 'engagement:v2|churn:v1|...'.

    Cache entries carry it (the seed's `model_version` attribute and GSI key), so a
    promotion of any one model invalidates every entry computed before it.
    """
    return "|".join(f"{name}:{versions.get(name) or '-'}" for name in MODEL_NAMES)


def canonical_json(value: Any) -> bytes:
    """Sorted-key compact JSON: equal inputs always hash equal."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def input_hash(features: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a customer's model inputs (audit and cache key)."""
    return hashlib.sha256(canonical_json(dict(features))).hexdigest()


def batch_key(customer_id: str) -> str:
    return f"{customer_id}#{BATCH_HASH}"


def live_key(customer_id: str, features_hash: str) -> str:
    return f"{customer_id}#{features_hash}"


def iso(ts: datetime) -> str:
    """ISO-8601 in UTC with a Z, as the seed's response shows it."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_best_action(prediction: Mapping[str, Any], high_ltv: float | None) -> str:
    """The ensemble SQL's rule CASE (next_best_action_rule in predictions.sql), row by row.

    A live request has no bandit context (time of day, last action), so the live answer
    is this rule; the batch next_best_action is the bandit's (issue 18 item 2)."""
    ltv_p50 = prediction.get("ltv_p50")
    if prediction.get("anomaly_flag"):
        return "human_review"
    if prediction.get("intervention_flag"):
        return "retention_offer"
    if (
        ltv_p50 is not None
        and high_ltv is not None
        and ltv_p50 >= high_ltv
        and prediction.get("engagement_category") == "low"
    ):
        return "re_engagement_campaign"
    if prediction.get("churn_prediction"):
        return "retention_nudge"
    return "personalised_content"


def engagement_category(score: float) -> str:
    if score >= HIGH_ENGAGEMENT:
        return "high"
    return "medium" if score >= MEDIUM_ENGAGEMENT else "low"


def record(
    prediction: Mapping[str, Any],
    explanations: Mapping[str, Any],
    versions: Mapping[str, str | None],
    predicted_at: str,
    source: str,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The cached/answered body (without customer_id, latency and cache status)."""
    return {
        "prediction": dict(prediction),
        "explanations": dict(explanations),
        "model_versions": {name: versions.get(name) for name in MODEL_NAMES},
        "model_version": versions_tag(versions),
        "predicted_at": predicted_at,
        "source": source,
        "run_id": run_id,
    }


def batch_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One predictions-table row as a cache record."""
    prediction = {
        "engagement_score": row["predicted_engagement_score"],
        "engagement_category": row["engagement_category"],
        "churn_probability": row["churn_probability"],
        "churn_prediction": row["churn_prediction"],
        "intervention_flag": row["intervention_flag"],
        "ltv_usd": row["ltv_p50"],
        "ltv_p10": row["ltv_p10"],
        "ltv_p50": row["ltv_p50"],
        "ltv_p90": row["ltv_p90"],
        "recommended_items": row["recommended_items"],
        "recommended_categories": row["recommended_categories"],
        "anomaly_score": row["anomaly_score"],
        "anomaly_flag": row["anomaly_flag"],
        "value_at_risk_usd": row["value_at_risk_usd"],
        "next_best_action": row["next_best_action"],
    }
    explanations = {
        "engagement": row["engagement_top_features"],
        "churn": row["churn_top_features"],
    }
    versions = {name: row[f"{name}_model_version"] for name in MODEL_NAMES}
    ts = row["prediction_timestamp"]
    predicted_at = iso(ts) if isinstance(ts, datetime) else str(ts)
    return record(prediction, explanations, versions, predicted_at, "batch", row["run_id"])


# Which fields of the prediction block each model produced (for the audit trail).
MODEL_OUTPUTS: dict[str, tuple[str, ...]] = {
    "engagement": ("engagement_score", "engagement_category"),
    "churn": ("churn_probability", "churn_prediction", "intervention_flag"),
    "ltv": ("ltv_p10", "ltv_p50", "ltv_p90"),
    "recommendation": ("recommended_items", "recommended_categories"),
    "anomaly": ("anomaly_score", "anomaly_flag"),
}
