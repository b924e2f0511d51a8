"""Stage 4b, after the ScoreShards Map: publish the shards' scores as whole tables.

Every shard of the manifest must have finished (its report is its receipt); one that
did not fails this stage naming it, and nothing is published, so the previous run's
tables stay as they were. Then each model's parts are swapped into its table in one
publication (on AWS: objects copied into place, then the table re-pointed, which is
what an Athena CTAS over the parts would do, without a second copy of the data), the
small per-model extras (the anomaly review list) are combined, the shards' reports
are added up (`score_parts.merge_reports`) into the run's `inference.json`, global
SHAP importance becomes one table, and the promotion decisions are recorded.

The result has the shape the single inference task returned, so the ensemble step,
the run summary and the web pages read it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from engage import lake
from engage.lake import TableName
from engage.stages.errors import StageError
from engage.stages.plans import PLANS
from engage.stages.plans.anomaly import REVIEW_TABLE, merge_review
from engage.stages.promotion import Decision, decisions_from, save_decisions
from engage.stages.score_parts import merge_reports, part_prefix, read_report, run_staging
from engage.stages.services import Services, lambda_services, publish_table, run_id_of
from engage.stages.shards import INPUTS, Shard, read_manifest
from engage.stages.train import METRICS_TABLE

IMPORTANCE_TABLE = TableName.FEATURE_IMPORTANCE
FAIRNESS_TABLE = TableName.FAIRNESS_METRICS
INFERENCE_REPORT = "inference.json"
# Extras that are a top-N list: the shards' lists combine into the overall top N
COMBINE: dict[str, Callable[[list[pa.Table]], pa.Table]] = {REVIEW_TABLE: merge_review}


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Merge the run's shards as listed in the manifest data preparation wrote; the
    event is `{"event": <execution input>}` (the definition passes nothing else)."""
    execution = event.get("event", event)
    return merge(run_id_of(execution), read_manifest(services.store), services)


def merge(run_id: str, shards: Sequence[Shard], services: Services) -> dict[str, Any]:
    """Publish the shards' staged scores and reports; see the module docstring."""
    reports = _shard_reports(run_id, shards, services)
    decisions = _agreed(reports)
    for name in PLANS:
        loc = lake.model_scores(name)
        _publish_parts(services, run_id, loc.qualified_name, loc.prefix)
    extras = [q for r in reports for names in r["extra_tables"].values() for q in names]
    for qualified in dict.fromkeys(extras):
        _publish_extra(services, run_id, qualified)
    services.sql.register_parquet(METRICS_TABLE, lake.MODEL_METRICS)
    if services.store.list(lake.FAIRNESS_METRICS):
        services.sql.register_parquet(FAIRNESS_TABLE, lake.FAIRNESS_METRICS)
    merged = _model_reports(reports)
    importance = importance_rows(decisions, merged, run_id)
    if importance.num_rows:
        loc = lake.table_location(IMPORTANCE_TABLE)
        publish_table(services, IMPORTANCE_TABLE, loc.prefix, importance)
    save_decisions(services, run_id, decisions)
    services.save_report(run_id, INFERENCE_REPORT, merged)
    services.store.delete_prefix(run_staging(run_id))
    # the shards' inputs are a second copy of the inference input: consumed now, and
    # not left behind for an erasure to miss (the manifest and results hold no customer)
    services.store.delete_prefix(INPUTS)
    return _summary(run_id, shards, reports, decisions, merged)


def _model_reports(reports: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each scored model's report over every shard, weighted by the shards' customers."""
    per_model: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for report in reports:
        for name, figures in report["reports"].items():
            per_model.setdefault(name, []).append((report["rows"], figures))
    return {name: merge_reports(per_model[name]) for name in PLANS if name in per_model}


def _shard_reports(run_id: str, shards: Sequence[Shard], services: Services) -> list[dict]:
    reports = [read_report(services.store, run_id, shard) for shard in shards]
    missing = [shard.index for shard, report in zip(shards, reports, strict=True) if not report]
    if missing:
        raise StageError(
            f"{len(missing)} of {len(shards)} shards have no scores for run {run_id} "
            f"(shard {', '.join(map(str, missing[:10]))}); nothing was published"
        )
    return [report for report in reports if report]


def _agreed(reports: Sequence[Mapping[str, Any]]) -> dict[str, Decision]:
    """The promotion decisions, which every shard must have reached alike."""
    first = reports[0]["decisions"]
    for report in reports[1:]:
        if report["decisions"] != first:
            shard = report["shard"]["shard"]
            raise StageError(f"shard {shard} served other model versions than shard 0")
    return decisions_from(first)


def _publish_parts(services: Services, run_id: str, qualified: str, prefix: str) -> None:
    services.store.publish(part_prefix(run_id, qualified), prefix)
    services.sql.register_parquet(qualified, prefix)


def _publish_extra(services: Services, run_id: str, qualified: str) -> None:
    prefix = lake.table_location(qualified).prefix
    if qualified not in COMBINE:
        _publish_parts(services, run_id, qualified, prefix)
        return
    parts = [
        services.store.read_parquet(key)
        for key in services.store.list(part_prefix(run_id, qualified))
    ]
    publish_table(services, qualified, prefix, COMBINE[qualified](parts))


def importance_rows(
    decisions: Mapping[str, Decision], reports: Mapping[str, Mapping[str, Any]], run_id: str
) -> pa.Table:
    """Global importance (mean |SHAP| over every scored customer) per explained model."""
    rows = [
        {
            "model_name": name,
            "model_version": decisions[name].served,
            "run_id": run_id,
            "rank": rank,
            "feature": feature,
            "mean_abs_shap": value,
        }
        for name, report in reports.items()
        for rank, (feature, value) in enumerate(
            report.get("global_importance", {}).items(), start=1
        )
    ]
    return pa.Table.from_pylist(rows)


def _summary(
    run_id: str,
    shards: Sequence[Shard],
    reports: Sequence[Mapping[str, Any]],
    decisions: Mapping[str, Decision],
    merged: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    return {
        "inference_status": "success",
        "run_id": run_id,
        "shards": len(shards),
        "predictions_generated": sum(r["rows"] for r in reports),
        "audit_entries": sum(r["audit_entries"] for r in reports),
        "audit_seconds": round(sum(r["audit_seconds"] for r in reports), 2),
        "models": {
            name: {
                "model_version": d.served,
                "candidate_version": d.candidate,
                "promoted": d.promote,
                "promotion_reason": d.reason,
                "scoring_seconds": merged.get(name, {}).get("scoring_seconds"),
            }
            for name, d in decisions.items()
        },
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
