"""The SQLite cache adapter and loading a run's predictions into it.

The same behavioural contract runs against DynamoDB (moto's server) in
tests/integration/test_cache_dynamodb.py.
"""

from __future__ import annotations

import sqlite3

import orjson
import pyarrow as pa
import pytest

from engage import bootstrap
from engage.adapters.cache.sqlite import SqliteCache
from engage.api import records
from engage.api.warm import warm_cache
from engage.ports import Cache
from engage.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_bootstrap_picks_sqlite_by_default(tmp_path) -> None:
    cache = bootstrap.cache(Settings(lake=str(tmp_path / "lake")))
    assert isinstance(cache, SqliteCache) and isinstance(cache, Cache)
    assert cache.path == tmp_path / "lake" / "cache.sqlite"
    cache.close()


def test_ttl_expiry_and_version_invalidation(tmp_path) -> None:
    clock = Clock()
    cache = SqliteCache(tmp_path / "c.sqlite", ttl_seconds=3600, clock=clock)
    cache.put("C1#batch", {"x": 1}, "tag-a")
    cache.put_many([("C2#batch", {"x": 2}), ("C2#abc", b'{"x": 3}')], "tag-b")
    assert cache.get("C1#batch") == {"x": 1} and cache.get("C2#abc") == {"x": 3}
    clock.now += 3599
    assert cache.get("C1#batch") == {"x": 1}
    clock.now += 1  # exactly at the TTL: expired, never served
    assert cache.get("C1#batch") is None and cache.get("C2#batch") is None
    clock.now -= 3600
    assert cache.invalidate_except("tag-b") == 1
    assert cache.get("C1#batch") is None and cache.get("C2#batch") == {"x": 2}
    assert cache.delete_customer("C2") == 2 and cache.count() == 0
    with pytest.raises(ValueError, match="customer_id#feature_hash"):
        cache.get("no-separator")
    cache.close()


def test_survives_a_restart_in_wal_mode(tmp_path) -> None:
    path = tmp_path / "c.sqlite"
    first = SqliteCache(path)
    first.put("C1#batch", {"kept": True}, "t")
    first.close()
    second = SqliteCache(path)
    assert second.get("C1#batch") == {"kept": True}
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second.close()


def test_warm_cache_loads_a_run_and_drops_older_versions(world, tmp_path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite")
    cache.put("CUST_0000001#old", {"stale": True}, "engagement:v0|churn:v0|ltv:v0|x|y")
    table = pa.Table.from_pylist(list(world.predictions.values()))
    summary = warm_cache(cache, table)
    assert summary["cached"] == len(world.predictions) and summary["replaced"]
    cid = "CUST_0000009"
    assert cache.get(records.batch_key(cid)) == records.batch_record(world.predictions[cid])
    assert cache.get("CUST_0000001#old") is None
    assert warm_cache(cache, table.slice(0, 0))["cached"] == 0
    cache.close()


def test_the_pipeline_warmed_the_lakes_cache(world) -> None:
    cache = SqliteCache(world.lake / "cache.sqlite")
    assert cache.count() == len(world.predictions)
    entry = cache.get(records.batch_key("CUST_0000001"))
    assert entry["run_id"] == world.run_id and orjson.dumps(entry)
    cache.close()
