"""Stage 3c, premium uplift (AdvancedAnalytics branch, beside training): use case 2.

Fits the causal premium-effect model (engage.analytics.uplift) on a sample of the
training split, scores every customer of the inference input, and publishes
`engagement_analytics.premium_uplift` (effect, interval, overlap per customer) and
`engagement_analytics.premium_targets` (free customers ranked by effect). The report
keeps the overlap check, the effects per age band, account type and segment, and,
when the source folder has the generator's ground truth, the grade against it -
a report only, read after the model is fixed.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from engage import lake
from engage.analytics import grade_uplift, uplift
from engage.contract.outputs import PREMIUM_TARGETS, PREMIUM_UPLIFT
from engage.lake import TableName
from engage.stages.plans import model_threads
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir

REPORT = "premium_uplift.json"
UPLIFT_TABLE = TableName.PREMIUM_UPLIFT
TARGETS_TABLE = TableName.PREMIUM_TARGETS
SEGMENTS_TABLE = "engagement_analytics.segments"  # the segmentation stage's, when present


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Fit, score, publish both tables and the report; returns the run summary's entry."""
    run_id = run_id_of(event)
    data = services.lake_data(run_id, source_dir(event, services.settings))
    started = time.perf_counter()
    params = uplift.UpliftParams(seed=int(event.get("seed", services.settings.seed)))
    threads = model_threads(services.settings.model_threads)
    model = uplift.fit_uplift(data.frame(lake.PROCESSED_TRAINING), params, threads)
    effects = model.effects(data.frame(lake.PROCESSED_INFERENCE))
    seconds = time.perf_counter() - started
    _publish(services, UPLIFT_TABLE, _table(effects, PREMIUM_UPLIFT, run_id))
    _publish(services, TARGETS_TABLE, _table(uplift.targeting(effects), PREMIUM_TARGETS, run_id))
    report = {
        **model.report,
        **uplift.summary(effects),
        "by_age_band": uplift.group_effects(effects, "age_band"),
        "by_account_type": uplift.group_effects(effects, "account_type"),
        "by_segment": _by_segment(services, effects),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    truth = data.truth()
    if truth is not None and grade_uplift.TRUTH_COLUMN in truth.columns:
        report["grading"] = grade_uplift.grade(effects, truth)
    services.save_report(run_id, REPORT, report)
    return {
        "uplift_status": "success",
        "run_id": run_id,
        "customers": len(effects),
        "average_effect": round(report["average_effect"], 4),
        "naive_difference": round(report["naive_difference"], 4),
        "out_of_overlap_share": round(report["out_of_overlap_share"], 4),
        "seconds": report["seconds"],
        "grading": _headline(report.get("grading")),
    }


def _table(frame: pd.DataFrame, contract_table: Any, run_id: str) -> pa.Table:
    """Rows in the contract's column order and types, stamped with the run."""
    frame = frame.assign(run_id=run_id)
    return pa.Table.from_pandas(
        frame[contract_table.names], schema=contract_table.arrow_schema(), preserve_index=False
    )


def _publish(services: Services, name: str, table: pa.Table) -> None:
    publish_table(services, name, lake.table_location(name).prefix, table)


def _by_segment(services: Services, effects: pd.DataFrame) -> list[dict[str, Any]] | None:
    """Effects per customer segment, when this run's segmentation stage published one."""
    loc = lake.TABLES.get(SEGMENTS_TABLE)
    if loc is None or not services.store.list(loc.prefix):
        return None
    segments = services.store.read_parquet(loc.prefix).to_pandas()
    label = next((c for c in ("segment", "segment_name") if c in segments.columns), None)
    if label is None:
        return None
    joined = effects.merge(segments[["customer_id", label]], on="customer_id", how="inner")
    return uplift.group_effects(joined.rename(columns={label: "segment"}), "segment")


def _headline(grading: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not grading:
        return None
    return {
        "correlation": round(grading["correlation"], 3),
        "average_relative_error": round(grading["average"]["relative_error"], 3),
        "interval_coverage": round(grading["interval_coverage"], 3),
        "passes": grading["passes"],
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
