"""What one scored shard leaves behind, and how the shards' reports add up.

A shard (one ScoreShards item) writes each model's rows as one Parquet part in the
run's private staging area and its per-model reports as one JSON file; nothing it
writes is visible to readers. The merge stage publishes the parts as whole tables
and combines the reports with `merge_reports`, so a run that fails after some shards
leaves every published table as the previous run left it. A retried shard writes
the same keys again: retries are idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from engage import lake
from engage.ports import ObjectStore
from engage.stages.plans.base import LakeData
from engage.stages.shards import Shard

# How a per-model report figure of several shards combines (weights: customers scored);
# a number not named here is a weighted mean, a {name: number} map one per name.
SUMMED = frozenset(
    {
        "customers",
        "cold_start_customers",
        "crossing_rows",
        "flagged",
        "mitigated_decisions",
        "scoring_seconds",
        "shap_rows",
        "shap_seconds",
    }
)
MAXED = frozenset({"shap_additivity_max_error"})
SERVED_ITEMS = "served_items"  # recommendation: item indices served, for catalogue coverage
CATALOGUE_ITEMS = "catalogue_items"


def run_staging(run_id: str) -> str:
    """The staging folder of a run's shard parts (removed once they are published)."""
    return f"{lake.STAGING}shards/{run_id}/"


def part_prefix(run_id: str, qualified_name: str) -> str:
    """The staging folder holding one table's shard parts for a run."""
    return f"{run_staging(run_id)}{qualified_name.lower()}/"


def part_key(run_id: str, qualified_name: str, shard: Shard) -> str:
    return f"{part_prefix(run_id, qualified_name)}part-{shard.index:05d}.parquet"


def report_name(shard: Shard) -> str:
    """The shard's report, beside the run's other reports (`lake.report_key`)."""
    return f"shards/shard-{shard.index:05d}.json"


def write_part(
    store: ObjectStore, run_id: str, qualified_name: str, shard: Shard, table: pa.Table
) -> None:
    store.write_parquet(part_key(run_id, qualified_name, shard), table)


def read_report(store: ObjectStore, run_id: str, shard: Shard) -> dict[str, Any] | None:
    """A shard's report, or None if the shard never finished."""
    key = lake.report_key(run_id, report_name(shard))
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


@dataclass
class ShardData(LakeData):
    """The run's lake reader seen from one shard: the inference input is the shard's
    own part (read and cached here, dropped with the shard); every other dataset and
    the ground truth come from the run's shared reader, read once for all shards."""

    base: LakeData | None = None
    input_key: str = ""

    def _shared(self) -> LakeData:
        if self.base is None:
            raise ValueError("ShardData needs the run's LakeData as base")
        return self.base

    def table(self, prefix: str) -> pa.Table:
        if prefix == lake.PROCESSED_INFERENCE:
            return self.memo("table:" + prefix, lambda: self.store.read_parquet(self.input_key))
        return self._shared().table(prefix)

    def frame(self, prefix: str) -> Any:
        if prefix == lake.PROCESSED_INFERENCE:
            return super().frame(prefix)
        return self._shared().frame(prefix)

    def truth(self) -> Any:
        return self._shared().truth()

    def truth_table(self, name: str) -> Any:
        return self._shared().truth_table(name)


def merge_reports(reports: Sequence[tuple[int, Mapping[str, Any]]]) -> dict[str, Any]:
    """One model's report over all shards from (customers, report) per shard."""
    total = sum(rows for rows, _ in reports) or 1
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(k for _, report in reports for k in report):
        values = [(rows, report[key]) for rows, report in reports if key in report]
        merged[key] = _combine(key, values, total)
    if SERVED_ITEMS in merged:
        served, catalogue = merged.pop(SERVED_ITEMS), merged.pop(CATALOGUE_ITEMS, 0)
        merged["catalogue_coverage"] = len(served) / catalogue if catalogue else 0.0
    return merged


def _combine(key: str, values: Sequence[tuple[int, Any]], total: int) -> Any:
    first = values[0][1]
    if len(values) == 1 and key != SERVED_ITEMS:
        return first  # one shard: its own figures, bit for bit
    if key == SERVED_ITEMS:
        return sorted(set().union(*(set(v) for _, v in values)))
    if key == CATALOGUE_ITEMS or isinstance(first, bool | str):
        return first
    if key in SUMMED:
        return sum(v for _, v in values)
    if key in MAXED:
        return max(v for _, v in values)
    if isinstance(first, int | float):
        return sum(rows * v for rows, v in values) / total
    if isinstance(first, Mapping) and all(isinstance(x, int | float) for x in first.values()):
        names = dict.fromkeys(n for _, v in values for n in v)
        weighted = {n: sum(rows * v.get(n, 0.0) for rows, v in values) / total for n in names}
        return dict(sorted(weighted.items(), key=lambda kv: -kv[1]))
    return first
