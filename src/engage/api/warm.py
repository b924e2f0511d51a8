"""Loading a run's batch predictions into the cache (the seed: "results cached in
DynamoDB for real-time API"), called by the ensemble step after promotion.

At 100K customers, building the JSON of each row in Python costs seconds;
DuckDB (in memory, over the Arrow table, never the catalog) builds all of them
in a fraction of a second in the exact shape `records.batch_record` gives one
row (tested). All rows go in with one `replace_all`: SQLite writes them into a new file
and swaps it in atomically (the live file's lock is never held, so the API
never waits on the warm); DynamoDB loads 25-item batches and then drops other
versions' entries. Either way the cache holds exactly what the API now serves. No FastAPI
import: the pipeline runs this.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb
import pyarrow as pa

from engage.api import records
from engage.ports import Cache

_TAG = " || '|' || ".join(
    f"'{name}:' || coalesce({name}_model_version, '-')" for name in records.MODEL_NAMES
)
_VERSIONS = ", ".join(f"{name} := {name}_model_version" for name in records.MODEL_NAMES)
_JSON = f"""
SELECT
    customer_id,
    {_TAG} AS tag,
    to_json(struct_pack(
        prediction := struct_pack(
            engagement_score := predicted_engagement_score, engagement_category,
            churn_probability, churn_prediction, intervention_flag, ltv_usd := ltv_p50,
            ltv_p10, ltv_p50, ltv_p90, recommended_items, recommended_categories,
            anomaly_score, anomaly_flag, value_at_risk_usd, next_best_action
        ),
        explanations := struct_pack(
            engagement := engagement_top_features, churn := churn_top_features
        ),
        model_versions := struct_pack({_VERSIONS}),
        model_version := {_TAG},
        predicted_at := strftime(prediction_timestamp, '%Y-%m-%dT%H:%M:%S.%gZ'),
        source := 'batch',
        run_id := run_id
    ))::VARCHAR AS value
FROM predictions
"""


def batch_json(table: pa.Table) -> pa.Table:
    """(customer_id, tag, value) with each row's cache record as JSON text."""
    with duckdb.connect() as con:
        con.register("predictions", table)
        return con.sql(_JSON).to_arrow_table()


def warm_cache(cache: Cache, table: pa.Table) -> dict[str, Any]:
    """Cache every row of the predictions table; older versions' entries go."""
    started = time.perf_counter()
    if table.num_rows == 0:
        return {"cached": 0, "replaced": False, "seconds": 0.0}
    rows = batch_json(table)
    ids = rows.column("customer_id").to_pylist()
    tags = rows.column("tag").to_pylist()
    values = rows.column("value").to_pylist()
    distinct = sorted(set(tags))
    if len(distinct) == 1:  # one run, one tag: a new generation replaces the cache
        pairs = zip(ids, values, strict=True)
        items = ((records.batch_key(cid), value.encode()) for cid, value in pairs)
        cached = cache.replace_all(items, distinct[0])
    else:  # mixed versions (not made by the pipeline): add them, drop nothing
        cached = 0
        for tag in distinct:
            chosen = (
                (records.batch_key(cid), value.encode())
                for cid, t, value in zip(ids, tags, values, strict=True)
                if t == tag
            )
            cached += cache.put_many(chosen, tag)
    return {
        "cached": cached,
        "replaced": len(distinct) == 1,  # every older entry went with the old generation
        "model_version": distinct[0] if len(distinct) == 1 else distinct,
        "seconds": round(time.perf_counter() - started, 2),
    }
