"""Stage 5, the ensemble step (a Lambda on AWS): one predictions table, then promotion.

Joins the five per-model tables that inference published into
`engagement_predictions.predictions` (sql/engagement_predictions/predictions.sql,
which also derives value at risk and the next best action from the models'
outputs together), and only after that table is in place moves each model's
`latest` pointer to the version inference decided to promote. A crash before
this point leaves every pointer where it was.

The prediction cache the API answers from is warmed only once these predictions
are what readers see. In a local lake that is after the run's generation is
published (`engage.orchestrate`, `warm_published`), never here: a run killed or
failed after this step must leave the cache serving the previous run's values.
A lake without generations (S3, where each table is published as it is written)
is warmed here, as its predictions table is already live. The cache is an
accelerator (the API falls back to the predictions table), so a cache that
cannot be written is reported in the result instead of failing the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage import lake
from engage.api.warm import warm_cache
from engage.lake import TableName
from engage.models.registry import ModelRegistry
from engage.ports import Cache, ObjectStore
from engage.stages import next_best_action
from engage.stages.promotion import load_decisions
from engage.stages.services import Services, lambda_services, run_id_of

PREDICTIONS_TABLE = TableName.PREDICTIONS

_ACTIONS = f"""
SELECT next_best_action, count(*) AS customers
FROM {PREDICTIONS_TABLE}
GROUP BY next_best_action
ORDER BY customers DESC
"""
_TOTALS = f"""
SELECT
    count(*) AS customers,
    count_if(intervention_flag) AS intervention_flags,
    count_if(anomaly_flag) AS anomaly_flags,
    sum(value_at_risk_usd) AS value_at_risk_usd
FROM {PREDICTIONS_TABLE}
"""


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Build the unified predictions table for this run, then promote the winners."""
    run_id = run_id_of(event)
    next_best_action.ensure_table(services, run_id)  # the predictions join the bandit's
    result = services.sql.run_file("engagement_predictions/predictions", {"run_id": run_id})
    promoted = {}
    for name, decision in load_decisions(services, run_id).items():
        if decision.promote and decision.candidate:
            ModelRegistry(services.store, name).promote(decision.candidate, run_id)
            promoted[name] = decision.candidate
    totals = services.sql.query(_TOTALS).to_pylist()[0]
    actions = {
        r["next_best_action"]: r["customers"] for r in services.sql.query(_ACTIONS).to_pylist()
    }
    return {
        "ensemble_status": "success",
        "cache": _warm(services) if services.generation is None else DEFERRED,
        "run_id": run_id,
        "predictions": result["rows"],
        "promoted": promoted,
        "intervention_flags": int(totals["intervention_flags"] or 0),
        "anomaly_flags": int(totals["anomaly_flags"] or 0),
        "value_at_risk_usd": round(float(totals["value_at_risk_usd"] or 0.0), 2),
        "next_best_actions": actions,
        "predictions_s3_path": services.store.uri(lake.PREDICTIONS_TABLE),
    }


# What the result says where the warm waits for publication (replaced by its figures then).
DEFERRED: dict[str, Any] = {"deferred": "warmed after the run is published"}


def _warm(services: Services) -> dict[str, Any]:
    """Load the live predictions into the cache; never fails the run (see module doc)."""
    return warm_published(services.cache, services.store)


def warm_published(cache: Cache, store: ObjectStore) -> dict[str, Any]:
    """Load the predictions table `store` serves into `cache`; an error is returned, not raised.

    Called with the *published* view of the lake, so the cache can only ever hold
    predictions that readers of the tables also see.
    """
    try:
        return warm_cache(cache, store.read_parquet(lake.PREDICTIONS_TABLE))
    except Exception as err:
        return {"error": f"{type(err).__name__}: {err}"}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
