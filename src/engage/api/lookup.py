"""Reads of the latest batch outputs in the lake: one customer's row, the LTV cut.

Used when the cache has no entry (expired, erased, or a cold cache after a
restart with another backend) and for `GET /customers/{id}`. Each table is read
once per published version into an in-memory copy (`engage.serving.points`; five
filtered Parquet scans per request took ~1.5 s at 100K), and each lookup lists the
files anew, so a table the pipeline has just republished is read whole and never half.
"""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from engage import lake
from engage.ports import ObjectStore
from engage.serving import points

_POINT_TABLES = (
    lake.PREDICTIONS_TABLE,
    lake.PROCESSED_INFERENCE,
    lake.PREMIUM_UPLIFT,
    lake.NETWORK_METRICS,
    lake.SEGMENTS,
)
HIGH_LTV_QUANTILE = 0.8  # sql/engagement_predictions/predictions.sql: ltv_cut


class BatchTables:
    """Point lookups in the predictions table and the inference input."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def _row(
        self, prefix: str, customer_id: str, columns: tuple[str, ...] | None = None
    ) -> dict[str, Any] | None:
        files = self.store.list(prefix)
        if not files:
            return None
        copy = points.table(
            (self.store.uri(""), prefix),
            self._version(files),
            load=lambda: self._dataset(prefix).to_table(),
            rows=lambda: self._dataset(prefix).count_rows(),
        )
        if copy is not None:
            found = copy.row(customer_id)
            row = None if found is None else found.to_pylist()[0]
        else:  # too large to keep: one filtered scan of the customer_id column
            found = self._dataset(prefix).to_table(filter=ds.field("customer_id") == customer_id)
            row = found.to_pylist()[-1] if found.num_rows else None
        if row is None or not columns:
            return row
        return {name: row.get(name) for name in columns}

    def _version(self, files: list[str]) -> str:
        """What a copy is valid for: the table's files and the erasure count, since
        `engage forget` rewrites published tables in place."""
        digest = hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:16]
        return f"{digest}+{len(self.store.list(lake.ERASURE_LOG))}"

    def _dataset(self, prefix: str) -> ds.Dataset:
        return ds.dataset(self.store.uri(prefix), format="parquet")

    def warm(self) -> None:
        """Build the copies of the latest published tables now, so no request pays for them."""
        for prefix in _POINT_TABLES:
            self._row(prefix, "")

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
