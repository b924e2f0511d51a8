"""The feedback loop (seed §2.4.7): reviewers' overrides become training labels.

Read straight from the lake (no catalog needed), so training can call it wherever it
runs: `corrected_labels(store)` gives, per customer, the value of their *latest*
``overridden`` decision. Erased customers have no decisions left (erasure removes
them), so their labels cannot come back this way either.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from engage import lake
from engage.contract.outputs import REVIEW_DECISIONS
from engage.ports import ObjectStore
from engage.qa.status import Status

SCHEMA = REVIEW_DECISIONS.arrow_schema()


def read_decisions(store: ObjectStore) -> pa.Table:
    """Every decision ever recorded, oldest first (an empty table when there are none)."""
    keys = [k for k in store.list(lake.REVIEW_DECISIONS) if k.endswith(".parquet")]
    if not keys:
        return SCHEMA.empty_table()
    tables = [store.read_parquet(k).select(SCHEMA.names).cast(SCHEMA) for k in keys]
    return pa.concat_tables(tables).sort_by(
        [("decided_at", "ascending"), ("decision_id", "ascending")]
    )


def latest_decisions(store: ObjectStore) -> dict[tuple[str, str], dict]:
    """The decision in force for each queue entry (customer_id, run_id)."""
    latest: dict[tuple[str, str], dict] = {}
    for row in read_decisions(store).to_pylist():
        latest[(row["customer_id"], row["run_id"])] = row  # later rows win
    return latest


def corrected_labels(store: ObjectStore) -> pd.DataFrame:
    """customer_id, engagement_score: each customer's latest override (one row each)."""
    rows = [r for r in read_decisions(store).to_pylist() if r["status"] == Status.OVERRIDDEN]
    labels = {r["customer_id"]: r["override_value"] for r in rows}  # later rows win
    frame = pd.DataFrame(
        {"customer_id": list(labels), "engagement_score": list(labels.values())},
        columns=["customer_id", "engagement_score"],
    )
    return frame.astype({"customer_id": object, "engagement_score": "float64"})
