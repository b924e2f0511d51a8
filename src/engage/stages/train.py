"""Stage 3a, training: one Fargate task per model, five running side by side.

Each branch of the definition's ParallelModelTraining state runs this stage for
one model (ENGAGE_STAGE=`<model>-training`). It reads the processed lake data,
fits and measures the model as its plan says (`engage.stages.plans`), and saves
a new registry version with its metadata and model card. The version is *not*
promoted here: training runs beside data validation, and only a run whose data
passed may serve its models (the ensemble step promotes them).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from engage import __version__, lake
from engage.fairness.metrics import fairness_rows
from engage.lake import TableName
from engage.models.cards import render_card
from engage.models.registry import ModelRegistry
from engage.stages import sentiment as sentiment_stage
from engage.stages.plans import PLANS, FitContext, model_threads, plan_for
from engage.stages.services import Services, lambda_services, run_id_of, source_dir

METRICS_TABLE = TableName.MODEL_METRICS
CARD_FILE = "model_card.md"


def metrics_rows(
    model: str, version: str, run_id: str, by_split: Mapping[str, Mapping[str, float]]
) -> pa.Table:
    """Long-format metric rows for the `model_metrics` catalog table."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {
            "model_name": model,
            "model_version": version,
            "run_id": run_id,
            "split": split,
            "metric": metric,
            "value": float(value),
            "created_at": now,
        }
        for split, metrics in by_split.items()
        for metric, value in metrics.items()
    ]
    return pa.Table.from_pylist(rows)


def graded_splits(
    by_split: Mapping[str, Mapping[str, float]], grading: Mapping[str, Any] | None
) -> dict[str, Mapping[str, float]]:
    """The metric splits plus `baseline_<name>` and `ceiling` rows from the grading record,
    so `model_metrics` holds each model's figure beside its baselines and its ceiling."""
    out = dict(by_split)
    if not grading or "metric" not in grading:
        return out
    metric = grading["metric"]
    for name, value in (grading.get("baselines") or {}).items():
        out.setdefault(f"baseline_{name}", {metric: value})
    if grading.get("ceiling") is not None:
        out.setdefault("ceiling", {metric: grading["ceiling"]})
    return out


def metrics_key(run_id: str, model: str) -> str:
    """This run's metric rows for one model; the catalog table spans every run's files."""
    return f"{lake.MODEL_METRICS}{run_id}/{model}.parquet"


def run_model(name: str, event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Fit, measure and register one model; return its training summary."""
    run_id = run_id_of(event)
    plan = plan_for(name)
    data = services.lake_data(run_id, source_dir(event, services.settings))
    skipped = plan.available(data)
    if skipped:
        return {"training_status": "skipped", "model": name, "run_id": run_id, "reason": skipped}
    seed = int(event.get("seed", services.settings.seed))
    started = time.perf_counter()
    progress = services.progress()
    progress(f"fitting {name}")
    ctx = FitContext(
        model_threads(services.settings.model_threads), seed, run_id, services.settings, progress
    )
    fitted = plan.fit(data, ctx)
    seconds = time.perf_counter() - started
    progress("saving the model version and its card")
    metadata = {
        **fitted.metadata,
        "metrics": fitted.metrics,
        "primary_metric": plan.primary_metric,
        "training_seconds": round(seconds, 2),
        "data_fingerprint": data.fingerprint(*plan.inputs),
        "code_version": __version__,
        "training_date": datetime.now(UTC).date().isoformat(),
    }
    if name == "churn":  # issue 18: the sentiment feature's validation decision, in the card
        metadata |= sentiment_stage.churn_card_entry(services, run_id)
    registry = ModelRegistry(services.store, name)
    version = registry.save(
        fitted.artefacts, metadata, run_id, lambda meta: {CARD_FILE: render_card(meta).encode()}
    )
    by_split = graded_splits(fitted.metrics, metadata.get("grading"))
    by_split |= sentiment_stage.metric_splits(metadata)
    services.store.write_parquet(
        metrics_key(run_id, name), metrics_rows(name, version, run_id, by_split)
    )
    fairness = metadata.get("fairness")
    if fairness:
        rows = pa.Table.from_pylist(fairness_rows(name, version, run_id, fairness))
        services.store.write_parquet(f"{lake.FAIRNESS_METRICS}{run_id}/{name}.parquet", rows)
    return {
        "training_status": "success",
        "model": name,
        "run_id": run_id,
        "model_version": version,
        "training_seconds": round(seconds, 2),
        "metrics": {k: round(float(v), 4) for k, v in fitted.summary.items()},
        "grading": metadata.get("grading"),
        "fairness_gate": (fairness or {}).get("gate"),
        "corrected_labels": metadata.get("corrected_labels", 0),
        "proxies_excluded": metadata.get("feature_selection", {}).get("excluded", []),
        "model_s3_path": services.store.uri(f"{registry.root}{version}/"),
    }


class ModelTraining:
    """The training stage of one model, shaped like a stage module (`run`, `handler`)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.__name__ = f"{model}_training"

    def run(self, event: Mapping[str, Any], services: Services) -> dict[str, Any]:
        return run_model(self.model, event, services)

    def handler(self, event: dict[str, Any], context: object) -> dict[str, Any]:
        """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
        return self.run(event, lambda_services())


STAGES = {f"{name}-training": ModelTraining(name) for name in PLANS}
