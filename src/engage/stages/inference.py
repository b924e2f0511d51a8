"""Stage 4, batch inference (a Fargate task on AWS): every model scores every customer.

Reaching this stage means data validation passed, so each version this run trained
may now be judged for promotion: it is served if its primary VALIDATION metric (carved
from training; test figures are only reported) is not worse than the served
version's by more than ENGAGE_PROMOTION_TOLERANCE (models
without a held-out metric are served once their data passed). Each model scores
the inference input with the winner (the new version, or the served one when the
candidate lost), engagement and churn with exact TreeSHAP per customer, and its
table `engagement_predictions.<model>_scores` is published in one swap. The
decisions go to the run's `promotions.json`; the ensemble step joins the tables and
only then moves the `latest` pointers.

The five models score concurrently, each with its share of the cores.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from engage import lake
from engage.audit import AuditLog
from engage.lake import TableName
from engage.models.registry import ModelRegistry, PromotionRule
from engage.serving import load_version
from engage.stages.audit_trail import log_batch
from engage.stages.plans import PLANS, LakeData, ModelPlan, Scored, model_threads
from engage.stages.plans.responsible import apply_mitigation
from engage.stages.services import (
    Services,
    lambda_services,
    publish_table,
    run_id_of,
    source_dir,
)
from engage.stages.train import METRICS_TABLE

IMPORTANCE_TABLE = TableName.FEATURE_IMPORTANCE
FAIRNESS_TABLE = TableName.FAIRNESS_METRICS
PROMOTIONS_REPORT = "promotions.json"
INFERENCE_REPORT = "inference.json"


@dataclass(frozen=True)
class Decision:
    """Which version of one model this run serves, and whether it becomes `latest`."""

    model: str
    candidate: str | None  # the version this run trained (None: skipped)
    served: str | None  # the version that scores customers (None: nothing to serve)
    promote: bool
    reason: str


def decide(plan: ModelPlan, run_id: str, services: Services) -> Decision:
    """Apply the promotion rule to this run's candidate of one model."""
    registry = ModelRegistry(services.store, plan.name)
    current = registry.latest()
    runs = {key.rsplit("/", 1)[-1] for key in services.store.list(f"{registry.root}runs/")}
    if f"{run_id}.json" not in runs:
        reason = "no candidate from this run" + ("" if current else "; nothing served yet")
        return Decision(plan.name, None, current, False, reason)
    candidate = registry.version_for_run(run_id)
    if plan.primary_metric is None:
        return Decision(plan.name, candidate, candidate, True, "unsupervised: data passed")
    rule = PromotionRule(
        plan.primary_metric,
        plan.higher_is_better,
        services.settings.promotion_tolerance,
        plan.relative_tolerance,
    )
    promote, reason = registry.judge(candidate, rule)
    gate = registry.metadata(candidate).get("fairness", {}).get("gate", {})
    if promote and services.settings.fairness_gate and gate.get("passed") is False:
        promote, reason = False, "blocked by the fairness gate: " + "; ".join(gate["failures"])
    return Decision(plan.name, candidate, candidate if promote else current, promote, reason)


def _score(plan: ModelPlan, decision: Decision, data: LakeData, services: Services) -> Scored:
    started = time.perf_counter()
    model = load_version(services.store, plan.name, decision.served)
    scored = plan.score(model, data, model_threads(services.settings.model_threads))
    if services.settings.fairness_mitigation != "none":
        fairness = ModelRegistry(services.store, plan.name).metadata(decision.served)
        scored.table, changed = apply_mitigation(
            scored.table, fairness.get("fairness"), data.frame(lake.PROCESSED_INFERENCE)
        )
        scored.reports["mitigated_decisions"] = changed
    version = pa.array([decision.served] * scored.table.num_rows, pa.string())
    scored.table = scored.table.append_column("model_version", version)
    scored.reports["scoring_seconds"] = round(time.perf_counter() - started, 2)
    return scored


def _empty(plan: ModelPlan) -> pa.Table:
    """A model with nothing to serve still has its (empty) table, so the join finds it."""
    return plan.schema.empty_table().append_column("model_version", pa.array([], pa.string()))


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Decide, score with every model, publish the per-model tables and the reports."""
    run_id = run_id_of(event)
    data = services.lake_data(run_id, source_dir(event, services.settings))
    decisions = {name: decide(plan, run_id, services) for name, plan in PLANS.items()}
    servable = [name for name, d in decisions.items() if d.served is not None]
    progress = services.progress()  # bound to this state: asked here, used by the workers
    progress(
        f"scoring {data.table(lake.PROCESSED_INFERENCE).num_rows:,} customers", 0, len(servable)
    )
    with ThreadPoolExecutor(max_workers=max(1, len(servable))) as pool:
        futures = {n: pool.submit(_score, PLANS[n], decisions[n], data, services) for n in servable}
        names = {future: name for name, future in futures.items()}
        for done, future in enumerate(as_completed(names), start=1):
            progress(f"scored {names[future]}", done, len(servable))
        scored = {name: future.result() for name, future in futures.items()}
    progress("publishing the per-model tables and the audit trail")
    for name, plan in PLANS.items():
        loc = lake.model_scores(name)
        table = scored[name].table if name in scored else _empty(plan)
        publish_table(services, loc.qualified_name, loc.prefix, table)
        for qualified, extra in (scored[name].extra_tables if name in scored else {}).items():
            publish_table(services, qualified, lake.table_location(qualified).prefix, extra)
    started = time.perf_counter()
    inputs = data.table(lake.PROCESSED_INFERENCE)
    audited = log_batch(AuditLog(services.store), inputs, {n: s.table for n, s in scored.items()})
    audit_seconds = round(time.perf_counter() - started, 2)
    services.sql.register_parquet(METRICS_TABLE, lake.MODEL_METRICS)
    if services.store.list(lake.FAIRNESS_METRICS):
        services.sql.register_parquet(FAIRNESS_TABLE, lake.FAIRNESS_METRICS)
    importance = importance_rows(decisions, scored, run_id)
    if importance.num_rows:
        loc = lake.table_location(IMPORTANCE_TABLE)
        publish_table(services, IMPORTANCE_TABLE, loc.prefix, importance)
    services.save_report(run_id, PROMOTIONS_REPORT, {n: asdict(d) for n, d in decisions.items()})
    reports = {name: s.reports for name, s in scored.items()}
    services.save_report(run_id, INFERENCE_REPORT, reports)
    return {
        "inference_status": "success",
        "run_id": run_id,
        "predictions_generated": data.table(lake.PROCESSED_INFERENCE).num_rows,
        "audit_entries": audited,
        "audit_seconds": audit_seconds,
        "models": {
            name: {
                "model_version": d.served,
                "candidate_version": d.candidate,
                "promoted": d.promote,
                "promotion_reason": d.reason,
                "scoring_seconds": reports.get(name, {}).get("scoring_seconds"),
            }
            for name, d in decisions.items()
        },
    }


def importance_rows(
    decisions: Mapping[str, Decision], scored: Mapping[str, Scored], run_id: str
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
        for name, result in scored.items()
        for rank, (feature, value) in enumerate(
            result.reports.get("global_importance", {}).items(), start=1
        )
    ]
    return pa.Table.from_pylist(rows)


def load_decisions(services: Services, run_id: str) -> dict[str, Decision]:
    """The decisions inference recorded for a run (read by the ensemble step)."""
    raw = json.loads(services.store.get_bytes(lake.report_key(run_id, PROMOTIONS_REPORT)))
    return {name: Decision(**fields) for name, fields in raw.items()}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
    return run(event, lambda_services())
