"""Stage 4, batch inference: every model scores every customer, one shard at a time.

On AWS each shard (an item of the ScoreShards Distributed Map, event
`{"event": <execution input>, "shard": <manifest item>}`) is one Fargate task. The
shard applies the run's promotion decisions (`engage.stages.promotion`), scores its
customers with each model's served version (engagement and churn with exact TreeSHAP
per customer), appends them to the audit trail and leaves its rows and reports in the
run's staging area (`engage.stages.score_parts`); the merge stage that follows the Map
publishes them. Called with a plain event (tests, an ad-hoc call), the whole input is
scored as one shard and merged at once.

The five models score concurrently, each with its share of the cores.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from typing import Any

import pyarrow as pa

from engage import lake
from engage.audit import AuditLog, input_hashes
from engage.models.registry import ModelRegistry
from engage.serving import load_version
from engage.stages import shard_merge
from engage.stages.audit_trail import prepare_entries
from engage.stages.plans import PLANS, LakeData, ModelPlan, Scored, model_threads
from engage.stages.plans.responsible import apply_mitigation
from engage.stages.promotion import Decision, decide_all
from engage.stages.score_parts import ShardData, report_name, write_part
from engage.stages.services import Services, lambda_services, run_id_of, source_dir
from engage.stages.shards import Shard


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
    """Score one ScoreShards item, or (a plain event) the whole input, merged at once."""
    item = event.get("shard")
    if item is None:
        run_id = run_id_of(event)
        data = services.lake_data(run_id, source_dir(event, services.settings))
        whole = Shard(0, 1, data.table(lake.PROCESSED_INFERENCE).num_rows)
        score_shard(run_id, whole, data, services)
        return shard_merge.merge(run_id, [whole], services)
    execution = event.get("event") or {}
    run_id, shard = run_id_of(execution), Shard.of(item)
    shared = services.lake_data(run_id, source_dir(execution, services.settings))
    data = ShardData(services.store, shared.source, base=shared, input_key=shard.input_key)
    return score_shard(run_id, shard, data, services)


def score_shard(run_id: str, shard: Shard, data: LakeData, services: Services) -> dict[str, Any]:
    """Score `data`'s inference input with every servable model; stage the rows and reports."""
    decisions = decide_all(run_id, services)
    audit = AuditLog(services.store)
    scored, entries = _score_all(decisions, data, services, audit)
    extra: dict[str, list[str]] = {}
    for name, plan in PLANS.items():
        table = scored[name].table if name in scored else _empty(plan)
        write_part(services.store, run_id, lake.model_scores(name).qualified_name, shard, table)
        for qualified, rows in (scored[name].extra_tables if name in scored else {}).items():
            write_part(services.store, run_id, qualified, shard, rows)
            extra.setdefault(name, []).append(qualified)
    started = time.perf_counter()  # written only now: every model has succeeded
    audited = sum(audit.append_prepared(t) for t, _ in entries.values() if t is not None)
    inputs = data.table(lake.PROCESSED_INFERENCE)
    report = {
        "shard": shard.to_item(),
        "rows": inputs.num_rows,
        "decisions": {name: asdict(d) for name, d in decisions.items()},
        "reports": {name: s.reports for name, s in scored.items()},
        "extra_tables": extra,
        "audit_entries": audited,
        "audit_seconds": round(
            time.perf_counter() - started + sum(sec for _, sec in entries.values()), 2
        ),
    }
    services.save_report(run_id, report_name(shard), report)
    return {
        "shard_status": "scored",
        "run_id": run_id,
        "shard": shard.index,
        "predictions_generated": inputs.num_rows,
        "audit_entries": audited,
    }


Entries = tuple[pa.Table | None, float]  # a model's audit entries, built; seconds it took


def _score_all(
    decisions: Mapping[str, Decision], data: LakeData, services: Services, audit: AuditLog
) -> tuple[dict[str, Scored], dict[str, Entries]]:
    """The servable models' outputs, scored side by side in threads, and their audit
    entries, each built in its model's thread while the others still score.

    Side by side, not one after another with every core: XGBoost's TreeSHAP and torch
    release the GIL, so the two explained models run in parallel while the others and
    the audit JSON fill the gaps (at 100K: 38 s in threads, 42 s one after another).
    """
    servable = [name for name, d in decisions.items() if d.served is not None]
    progress: Callable[..., Any] = services.progress()  # bound to this state, used by workers
    inputs = data.table(lake.PROCESSED_INFERENCE)
    progress(f"scoring {inputs.num_rows:,} customers", 0, len(servable))
    with ThreadPoolExecutor(max_workers=len(servable) + 1) as pool:
        hashes = pool.submit(input_hashes, inputs)

        def score(name: str) -> tuple[Scored, Entries]:
            scored = _score(PLANS[name], decisions[name], data, services)
            started = time.perf_counter()
            table = prepare_entries(audit, name, scored.table, hashes.result())
            return scored, (table, time.perf_counter() - started)

        futures = {n: pool.submit(score, n) for n in servable}
        names = {future: name for name, future in futures.items()}
        for done, future in enumerate(as_completed(names), start=1):
            progress(f"scored {names[future]}", done, len(servable))
        results = {name: future.result() for name, future in futures.items()}
    return {n: r[0] for n, r in results.items()}, {n: r[1] for n, r in results.items()}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda-shaped entry point; on Fargate, engage.stages.container calls `run`."""
    return run(event, lambda_services())
