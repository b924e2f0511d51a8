"""Customer shards: the unit of work of the ScoreShards Distributed Map.

Data preparation cuts the inference input into `crc32(customer_id) % N` shards (a hash
every engine computes the same way, so a customer always lands in the same shard for a
given N) and writes a JSON manifest, one item per shard, that the Map's `ItemReader`
reads. Each item is scored alone (one Fargate task on AWS, one worker locally) into a
private staging area; the merge stage publishes the shards' parts as whole tables.

N grows with the data (`ENGAGE_SHARD_ROWS` customers a shard), so 100K customers are
one shard and 60M are hundreds, each within one task's memory.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from engage import lake
from engage.pipeline.mapstate import s3_location
from engage.ports import ObjectStore

INPUTS = lake.INFERENCE_SHARDS + "inputs/"
MANIFEST = lake.INFERENCE_SHARDS + "manifest.json"
RESULTS = lake.INFERENCE_SHARDS + "results/"


@dataclass(frozen=True)
class Shard:
    """One item of the manifest: which shard, of how many, with how many customers."""

    index: int
    count: int
    rows: int

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Shard:
        """The shard a Map item names; a malformed item is a clear error, not a KeyError."""
        try:
            return cls(int(item["shard"]), int(item["shards"]), int(item.get("rows", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a shard item needs integer 'shard' and 'shards': {item!r}") from exc

    @property
    def input_key(self) -> str:
        """Where data preparation wrote this shard's customers."""
        return input_key(self.index)

    def to_item(self) -> dict[str, int]:
        return {"shard": self.index, "shards": self.count, "rows": self.rows}


def input_key(index: int) -> str:
    return f"{INPUTS}part-{index:05d}.parquet"


def shard_count(rows: int, shard_rows: int) -> int:
    """Shards for `rows` customers at most `shard_rows` each (at least one)."""
    return max(1, math.ceil(rows / max(1, shard_rows)))


def bucket_of(customer_ids: pa.Array | pa.ChunkedArray, count: int) -> np.ndarray:
    """Each customer's shard: crc32 of the UTF-8 id, modulo `count` (stable everywhere)."""
    ids = customer_ids.to_pylist()
    return np.fromiter((zlib.crc32(i.encode("utf-8")) % count for i in ids), np.int64, len(ids))


def write_shards(store: ObjectStore, table: pa.Table, shard_rows: int) -> dict[str, Any]:
    """Cut `table` into shards, write them and their manifest; return the manifest's place.

    The previous run's shards are removed first: a run with fewer shards must not leave
    stale parts behind for a reader of the folder.
    """
    count = shard_count(table.num_rows, shard_rows)
    buckets = bucket_of(table.column("customer_id"), count)
    order = np.argsort(buckets, kind="stable")  # one pass: each shard a slice, input order kept
    grouped = table.take(pa.array(order)) if count > 1 else table
    ends = np.cumsum(np.bincount(buckets, minlength=count))
    store.delete_prefix(lake.INFERENCE_SHARDS)
    items = []
    for index, end in enumerate(ends):
        start = int(ends[index - 1]) if index else 0
        part = grouped.slice(start, int(end) - start)
        store.write_parquet(input_key(index), part)
        items.append(Shard(index, count, part.num_rows).to_item())
    store.put_bytes(MANIFEST, json.dumps(items).encode("utf-8"))
    return {**s3_location(store, MANIFEST), "shards": count, "rows": table.num_rows}


def results_values(store: ObjectStore) -> dict[str, str]:
    """The definition's ResultWriter placeholders for this lake."""
    where = s3_location(store, RESULTS.rstrip("/"))
    return {"ShardResultsBucket": where["Bucket"], "ShardResultsPrefix": where["Key"]}


def read_manifest(store: ObjectStore) -> list[Shard]:
    """The shards data preparation wrote for this run."""
    try:
        items = json.loads(store.get_bytes(MANIFEST))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"no shard manifest at {MANIFEST}: run data preparation") from exc
    return [Shard.of(item) for item in items]
