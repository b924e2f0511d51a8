"""Reads of the latest batch outputs in the lake: one customer's row, the LTV cut.

Used when the cache has no entry (expired, erased, or a cold cache after a
restart with another backend) and for `GET /customers/{id}`. Each lookup scans
only the `customer_id` column of the table's Parquet files with a pushed-down
filter, and lists the files anew, so a table the pipeline has just republished
is read whole and never half.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from engage import lake
from engage.ports import ObjectStore

HIGH_LTV_QUANTILE = 0.8  # sql/engagement_predictions/predictions.sql: ltv_cut


class BatchTables:
    """Point lookups in the predictions table and the inference input."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def _row(
        self, prefix: str, customer_id: str, columns: tuple[str, ...] | None = None
    ) -> dict[str, Any] | None:
        if not self.store.list(prefix):
            return None
        dataset = ds.dataset(self.store.uri(prefix), format="parquet")
        wanted = list(columns) if columns else None
        match = ds.field("customer_id") == customer_id
        rows = dataset.to_table(columns=wanted, filter=match).to_pylist()
        return rows[-1] if rows else None

    def prediction(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's row of `engagement_predictions.predictions`, or None."""
        return self._row(lake.PREDICTIONS_TABLE, customer_id)

    def inputs(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's model inputs as the last run scored them (no customer_id), or None."""
        row = self._row(lake.PROCESSED_INFERENCE, customer_id)
        if row is not None:
            row.pop("customer_id", None)
        return row

    def premium_uplift(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's estimated effect of premium (`premium_uplift` table), or None."""
        row = self._row(lake.PREMIUM_UPLIFT, customer_id)
        if row is None:
            return None
        return {k: row[k] for k in ("effect", "lower", "upper", "in_overlap", "run_id")}

    def network(self, customer_id: str) -> dict[str, Any]:
        """The customer's community and influence score of the last network analysis;
        None values when the run made none or the customer has no row."""
        row = self._row(lake.NETWORK_METRICS, customer_id, ("community_id", "influence_score"))
        row = row or {}
        return {"community": row.get("community_id"), "influence": row.get("influence_score")}

    def segment(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's row of `engagement_analytics.segments` (no customer_id), or None
        when the run made no segments (an older run, or too little data)."""
        row = self._row(lake.SEGMENTS, customer_id)
        if row is not None:
            row.pop("customer_id", None)
        return row

    def recommendations(self, version: str) -> pa.Table | None:
        """The batch's top-10 lists made by recommender `version` (None if there are none)."""
        prefix = lake.model_scores("recommendation").prefix
        if not self.store.list(prefix):
            return None
        table = ds.dataset(self.store.uri(prefix), format="parquet").to_table(
            columns=["customer_id", "recommended_items", "recommended_categories"],
            filter=ds.field("model_version") == version,
        )
        return table if table.num_rows else None

    def high_ltv(self) -> float | None:
        """The batch's `approx_percentile(ltv_p50, 0.8)`, computed by the same engine.

        DuckDB's t-digest is used in memory (not the catalog, which the pipeline may
        be writing) so that live next-best-action decisions draw the line exactly
        where the batch drew it.
        """
        prefix = lake.model_scores("ltv").prefix
        if not self.store.list(prefix):
            return None
        scores = ds.dataset(self.store.uri(prefix), format="parquet").to_table(columns=["ltv_p50"])
        with duckdb.connect() as con:
            con.register("ltv_scores", scores)
            value = con.execute(
                f"SELECT approx_quantile(ltv_p50, {HIGH_LTV_QUANTILE}) FROM ltv_scores"
            ).fetchone()
        return None if value is None or value[0] is None else float(value[0])
