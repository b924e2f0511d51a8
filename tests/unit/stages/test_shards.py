"""Customer shards (issue 19): a stable split, a manifest the Map reads, S3 addresses."""

from __future__ import annotations

import json
import zlib

import pyarrow as pa
import pytest

from engage.pipeline.errors import StatesError
from engage.pipeline.mapstate import object_key, s3_location
from engage.stages.score_parts import merge_reports
from engage.stages.shards import MANIFEST, Shard, input_key, read_manifest, write_shards
from fakes import MemoryStore

IDS = [f"CUST_{i:07d}" for i in range(1, 1001)]


class S3Like(MemoryStore):
    """A store whose URIs say it is an S3 lake at s3://lake-bucket/lake/."""

    def uri(self, key: str) -> str:
        return f"s3://lake-bucket/lake/{key}"


def test_every_customer_lands_once_in_its_crc32_shard_in_input_order() -> None:
    store = MemoryStore()
    table = pa.table({"customer_id": IDS, "x": list(range(len(IDS)))})
    where = write_shards(store, table, shard_rows=300)
    assert where == {"Bucket": "engagement-data", "Key": MANIFEST.partition("/")[2],
                     "shards": 4, "rows": 1000}  # fmt: skip
    shards = read_manifest(store)
    seen: list[str] = []
    for shard in shards:
        part = store.read_parquet(input_key(shard.index))
        ids = part.column("customer_id").to_pylist()
        assert all(zlib.crc32(i.encode()) % 4 == shard.index for i in ids)
        assert part.column("x").to_pylist() == sorted(part.column("x").to_pylist())
        assert shard.rows == len(ids)
        seen += ids
    assert sorted(seen) == IDS


def test_a_smaller_run_leaves_no_stale_shard_behind() -> None:
    store = MemoryStore()
    write_shards(store, pa.table({"customer_id": IDS}), shard_rows=100)
    write_shards(store, pa.table({"customer_id": IDS}), shard_rows=10_000)
    assert [s.index for s in read_manifest(store)] == [0]
    assert not store.exists(input_key(1))


def test_a_malformed_item_is_named() -> None:
    with pytest.raises(ValueError, match="needs integer 'shard' and 'shards'"):
        Shard.of({"shard": "a"})
    assert json.loads(json.dumps(Shard(2, 5, 7).to_item())) == {"shard": 2, "shards": 5, "rows": 7}


def test_s3_addresses_round_trip_on_an_s3_lake_and_refuse_other_buckets() -> None:
    store = S3Like()
    where = s3_location(store, MANIFEST)
    assert where == {"Bucket": "lake-bucket", "Key": "lake/" + MANIFEST}
    assert object_key(where["Bucket"], where["Key"], store) == MANIFEST
    local = s3_location(MemoryStore(), MANIFEST)
    assert object_key(local["Bucket"], local["Key"], MemoryStore()) == MANIFEST
    with pytest.raises(StatesError, match="outside the lake"):
        object_key("other-bucket", "lake/" + MANIFEST, store)


def test_shard_reports_add_up_weighted_by_customers() -> None:
    merged = merge_reports(
        [
            (100, {"customers": 100, "flag_share": 0.1, "global_importance": {"a": 1.0},
                   "served_items": [1, 2], "catalogue_items": 10,
                   "shap_additivity_max_error": 1e-6}),
            (300, {"customers": 300, "flag_share": 0.5, "global_importance": {"a": 3.0, "b": 1.0},
                   "served_items": [2, 3, 4], "catalogue_items": 10,
                   "shap_additivity_max_error": 2e-6}),
        ]
    )  # fmt: skip
    assert merged["customers"] == 400
    assert merged["flag_share"] == pytest.approx(0.4)
    assert merged["global_importance"] == pytest.approx({"a": 2.5, "b": 0.75})
    assert merged["catalogue_coverage"] == pytest.approx(0.4)  # {1, 2, 3, 4} of 10
    assert merged["shap_additivity_max_error"] == 2e-6
    assert "served_items" not in merged
