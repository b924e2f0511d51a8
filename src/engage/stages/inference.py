"""Stage 4, inference (a Fargate task on AWS): score every customer, promote the model.

Reaching this stage means data validation passed, so the version this run trained
may now be promoted, if its test R² is not worse than the served version's by more
than ENGAGE_PROMOTION_TOLERANCE. Customers are scored with the winner (the new
version, or the served one when the candidate lost), the predictions table is
published in one swap, and only then does `latest` move.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from engage import lake
from engage.models.engagement import EngagementModel
from engage.models.registry import ModelRegistry, PromotionRule
from engage.stages.services import Services, lambda_services, run_id_of
from engage.stages.train import MODEL_NAME

PREDICTIONS_TABLE = "engagement_predictions.predictions"
PREDICTIONS_FILE = "predictions.parquet"


def load_model(registry: ModelRegistry, version: str) -> EngagementModel:
    """Rebuild a model from its safe artefacts (UBJ booster + JSON metadata)."""
    return EngagementModel.from_bytes(
        registry.load(version, "model.ubj"), registry.load(version, "model_meta.json")
    )


def predictions_table(ids: pa.Array, scores: np.ndarray, version: str, run_id: str) -> pa.Table:
    """The seed's predictions columns, plus the run that made them."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pa.table(
        {
            "customer_id": ids,
            "predicted_engagement_score": pa.array(scores, pa.float64()),
            "prediction_timestamp": pa.array([now] * len(scores), pa.timestamp("us")),
            "model_version": pa.array([version] * len(scores), pa.string()),
            "run_id": pa.array([run_id] * len(scores), pa.string()),
        }
    )


def _publish(services: Services, table: pa.Table) -> str:
    staging = f"{lake.STAGING}predictions/{table.column('run_id')[0].as_py()}/"
    try:
        services.store.write_parquet(staging + PREDICTIONS_FILE, table)
        services.store.publish(staging, lake.PREDICTIONS_TABLE)
    finally:
        services.store.delete_prefix(staging)
    services.sql.register_parquet(PREDICTIONS_TABLE, lake.PREDICTIONS_TABLE)
    return services.store.uri(lake.PREDICTIONS_TABLE + PREDICTIONS_FILE)


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Judge this run's model, score everyone with the winner, publish, then promote."""
    run_id = run_id_of(event)
    registry = ModelRegistry(services.store, MODEL_NAME)
    candidate = registry.version_for_run(run_id)
    rule = PromotionRule("r2", tolerance=services.settings.promotion_tolerance)
    promote, reason = registry.judge(candidate, rule)
    version = candidate if promote else str(registry.latest())
    model = load_model(registry, version)
    inputs = services.store.read_parquet(lake.PROCESSED_INFERENCE)
    scores = model.predict(inputs.to_pandas())
    path = _publish(
        services, predictions_table(inputs.column("customer_id"), scores, version, run_id)
    )
    if promote:
        registry.promote(candidate, run_id)
    return {
        "inference_status": "success",
        "run_id": run_id,
        "model_version": version,
        "candidate_version": candidate,
        "promoted": promote,
        "promotion_reason": reason,
        "predictions_generated": len(scores),
        "prediction_range": {
            "min": round(float(scores.min()), 4),
            "max": round(float(scores.max()), 4),
            "mean": round(float(scores.mean()), 4),
            "median": round(float(np.median(scores)), 4),
        },
        "predictions_s3_path": path,
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
    return run(event, lambda_services())
