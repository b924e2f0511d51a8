"""Stage 3c, segmentation (runs beside training): every customer's segment, named by rule.

Fits K-Means (k chosen in 6-8 by silhouette on training data) and HDBSCAN on the
prepared training split (`engage.analytics.segments`), assigns every customer of the
inference input, and publishes `engagement_analytics.segments` and
`segment_profiles` with the run's generation. When the source folder carries the
generator's ground truth with planted personas, the segmentation is graded against
them (adjusted Rand index) for the report only: nothing chosen here reads it.
A training split under `segments.MIN_TRAINING_ROWS` is reported as skipped and
both tables are published empty, so the catalog's views and the API still work.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engage import lake
from engage.analytics import segments
from engage.analytics.grade_segments import grade
from engage.contract.outputs import SEGMENT_PROFILES, SEGMENTS
from engage.lake import TableName
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir

REPORT = "segmentation.json"


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Fit on training, assign everyone, publish both tables, grade if truth is there."""
    started = time.perf_counter()
    clock = _Clock()
    run_id = run_id_of(event)
    data = services.lake_data(run_id, source_dir(event, services.settings))
    training = data.frame(lake.PROCESSED_TRAINING)
    everyone = data.frame(lake.PROCESSED_INFERENCE)
    clock.lap("read")
    if len(training) < segments.MIN_TRAINING_ROWS:
        return _skip(services, run_id, len(training))
    seed = int(event.get("seed", services.settings.seed))
    model = segments.fit(training, seed)
    clock.lap("fit")
    assigned = segments.assign(model, everyone)
    profiles = segments.profiles(model, everyone, assigned)
    clock.lap("assign")
    _publish(services, TableName.SEGMENTS, segments_table(everyone, model, assigned, run_id))
    _publish(services, TableName.SEGMENT_PROFILES, profiles_table(profiles, model, run_id))
    clock.lap("publish")
    grading = _grade(data.truth(), everyone, model, assigned)
    clock.lap("grade")
    summary = {
        "segmentation_status": "success",
        "run_id": run_id,
        "customers": len(everyone),
        "k": model.k,
        "k_criterion": model.criterion,
        "silhouette": {str(k): round(v, 4) for k, v in model.silhouette.items()},
        "segments": dict(zip(model.naming.names, profiles["size"].astype(int), strict=True)),
        "hdbscan_clusters": int(model.hdbscan_labels.max() + 1),
        "grading": grading,
        "fit_seconds": model.seconds,
        "phase_seconds": clock.laps,
        "stage_seconds": round(time.perf_counter() - started, 2),
    }
    services.save_report(run_id, REPORT, {**summary, "rules": model.naming.rules})
    return summary


class _Clock:
    """Seconds per phase of the stage, for the report and the bench."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def segments_table(
    frame: pd.DataFrame, model: segments.SegmentModel, assigned: segments.Assignment, run_id: str
) -> pa.Table:
    """Rows of `engagement_analytics.segments`, typed as the contract says."""
    names = np.asarray(model.naming.names, dtype=object)[assigned.segment_id]
    columns = {
        "customer_id": frame["customer_id"].astype(str).to_numpy(),
        "segment_id": assigned.segment_id,
        "segment_name": names,
        "kmeans_distance": assigned.distance,
        "kmeans_confidence": assigned.confidence,
        "hdbscan_label": assigned.hdbscan_label,
        "run_id": np.full(len(frame), run_id, dtype=object),
    }
    return pa.table(columns).cast(SEGMENTS.arrow_schema())


def profiles_table(profiles: pd.DataFrame, model: segments.SegmentModel, run_id: str) -> pa.Table:
    """Rows of `engagement_analytics.segment_profiles`, typed as the contract says."""
    scores = ", ".join(f"k={k}: {v:.4f}" for k, v in model.silhouette.items())
    out = profiles.assign(k=model.k, k_criterion=f"{model.criterion} ({scores})", run_id=run_id)
    table = pa.Table.from_pandas(out[list(SEGMENT_PROFILES.names)], preserve_index=False)
    return table.cast(SEGMENT_PROFILES.arrow_schema())


def _skip(services: Services, run_id: str, rows: int) -> dict[str, Any]:
    """Too little data to segment: empty tables (views stay valid), a skipped summary."""
    for name, spec in (
        (TableName.SEGMENTS, SEGMENTS),
        (TableName.SEGMENT_PROFILES, SEGMENT_PROFILES),
    ):
        _publish(services, name, spec.arrow_schema().empty_table())
    reason = f"{rows} training rows < {segments.MIN_TRAINING_ROWS}"
    return {"segmentation_status": "skipped", "run_id": run_id, "reason": reason}


def _publish(services: Services, name: str, table: pa.Table) -> None:
    publish_table(services, name, lake.table_location(name).prefix, table)


def _grade(
    truth: pd.DataFrame | None,
    frame: pd.DataFrame,
    model: segments.SegmentModel,
    assigned: segments.Assignment,
) -> dict[str, Any] | None:
    """ARI against the planted personas, when the source has them (else None)."""
    if truth is None or "persona" not in truth.columns:
        return None
    persona = truth["persona"].reindex(frame["customer_id"].astype(str).to_numpy()).to_numpy()
    return grade(persona, assigned.segment_id, model.naming.names, assigned.hdbscan_label)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
    return run(event, lambda_services())
