"""Stage 3a, training (a Fargate task on AWS): fit the engagement model, register it.

Reads the processed training and test splits from the lake, fits the XGBoost
regressor (one-hot categoricals, the seed's interaction features, early stopping
on a validation split carved from training data), measures it on the test split
and saves a new registry version in XGBoost's own format. The version is *not*
promoted here: training runs beside data validation, and only a run whose data
passed may serve its model (inference promotes it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import xgboost as xgb

from engage import lake
from engage.models.engagement import TARGET, EngagementModel
from engage.models.metrics import regression_metrics
from engage.models.registry import ModelRegistry
from engage.stages.services import Services, lambda_services, run_id_of

MODEL_NAME = "engagement"
METRICS_TABLE = "engagement_predictions.model_metrics"
TOP_FEATURES = 5


def metrics_rows(
    version: str, run_id: str, by_split: Mapping[str, Mapping[str, float]]
) -> pa.Table:
    """Long-format metric rows for the `model_metrics` catalog table."""
    rows = [
        {
            "model_name": MODEL_NAME,
            "model_version": version,
            "run_id": run_id,
            "split": split,
            "metric": metric,
            "value": float(value),
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        for split, metrics in by_split.items()
        for metric, value in metrics.items()
    ]
    return pa.Table.from_pylist(rows)


def _artefacts(model: EngagementModel, metrics: Mapping[str, Any]) -> dict[str, bytes]:
    booster, meta = model.to_bytes()
    importance = model.feature_importance()
    return {
        "model.ubj": booster,
        "model_meta.json": meta,
        "feature_names.json": json.dumps(model.spec.feature_names()).encode(),
        "feature_importance.json": json.dumps(importance, indent=2).encode(),
        "evaluation_metrics.json": json.dumps(metrics, indent=2).encode(),
    }


def _frame(services: Services, prefix: str) -> pd.DataFrame:
    return services.store.read_parquet(prefix).to_pandas()


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Fit, evaluate, register; return the seed's training summary."""
    run_id = run_id_of(event)
    train, test = _frame(services, lake.PROCESSED_TRAINING), _frame(services, lake.PROCESSED_TEST)
    seed = int(event.get("seed", services.settings.seed))
    model = EngagementModel(random_state=seed).fit(train, train[TARGET].to_numpy())
    metrics = {
        "train": regression_metrics(train[TARGET].to_numpy(), model.predict(train)),
        "test": regression_metrics(test[TARGET].to_numpy(), model.predict(test)),
    }
    importance = model.feature_importance()
    top = sorted(importance, key=importance.__getitem__, reverse=True)[:TOP_FEATURES]
    registry = ModelRegistry(services.store, MODEL_NAME)
    metadata = {
        "algorithm": f"xgboost {xgb.__version__} reg:squarederror",
        "params": model.to_params(),
        "best_iteration": model.best_iteration_,
        "training_rows": len(train),
        "test_rows": len(test),
        "metrics": metrics,
        "top_features": top,
    }
    version = registry.save(_artefacts(model, metrics), metadata, run_id)
    _publish_metrics(services, metrics_rows(version, run_id, metrics), run_id)
    return {
        "training_status": "success",
        "run_id": run_id,
        "model_version": version,
        "test_rmse": round(metrics["test"]["rmse"], 4),
        "test_r2": round(metrics["test"]["r2"], 4),
        "test_mae": round(metrics["test"]["mae"], 4),
        "test_mape": round(metrics["test"]["mape"], 4),
        "best_iteration": model.best_iteration_,
        "training_records": len(train),
        "test_records": len(test),
        "top_features": top,
        "model_s3_path": services.store.uri(f"{registry.root}{version}/model.ubj"),
    }


def _publish_metrics(services: Services, rows: pa.Table, run_id: str) -> None:
    """Add this run's metrics file; the catalog table spans every run's file."""
    services.store.write_parquet(f"{lake.MODEL_METRICS}{run_id}/{MODEL_NAME}.parquet", rows)
    services.sql.register_parquet(METRICS_TABLE, lake.MODEL_METRICS)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
    return run(event, lambda_services())
