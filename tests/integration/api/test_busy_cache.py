"""A cache whose SQLite write lock another process holds never stalls or fails the API.

Before: cache writes ran on the event loop with a 10 s busy timeout, so a held
lock froze /health and answered a live /predict with a plain-text 500; the
pipeline's cache warm held the live file's lock for the whole bulk load.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from fastapi.testclient import TestClient

from engage.adapters.cache.sqlite import SqliteCache
from engage.api import records
from engage.api.app import create_app
from engage.api.state import build_state
from engage.api.warm import warm_cache


@contextmanager
def write_lock_held(path) -> Iterator[threading.Event]:
    """Another connection holds the database's write lock until the block ends."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM predictions_cache WHERE customer_id = 'nobody'")
    held = threading.Event()
    held.set()
    try:
        yield held
    finally:
        conn.execute("ROLLBACK")
        held.clear()
        conn.close()


def test_live_predict_and_health_answer_while_the_cache_is_locked(world, keys, live, tmp_path):
    state = build_state(world.settings(tmp_path))
    with TestClient(create_app(state=state, background=False)) as client:
        with write_lock_held(state.cache.path) as held:
            body = live(sorted(world.inputs)[3], age=37)
            r = client.post("/predict", json=body, headers=keys.h())
            assert r.status_code == 200, r.text
            assert r.json()["cache"] == "miss" and held.is_set()
            again = client.post("/predict", json=body, headers=keys.h())  # queued: a hit
            assert again.status_code == 200 and again.json()["cache"] == "hit"
            assert client.get("/health").status_code == 200
            by_id = client.post("/predict", json={"customer_id": sorted(world.inputs)[4]},
                                headers=keys.h())  # fmt: skip
            assert by_id.status_code == 200
            assert state.service.writer.flush() == 0  # still locked: nothing could be written
        assert state.service.writer.pending == 0  # dropped after its retries, not stuck


def test_writes_land_once_the_lock_is_released(world, keys, live, tmp_path):
    state = build_state(world.settings(tmp_path))
    with TestClient(create_app(state=state, background=False)) as client:
        body = live(sorted(world.inputs)[5], age=39)
        assert client.post("/predict", json=body, headers=keys.h()).status_code == 200
        assert state.service.writer.flush() == 1
        digest = records.input_hash(body["features"])
        assert state.cache.get(records.live_key(body["customer_id"], digest)) is not None


def generations(folder) -> int:
    found = folder.glob("cache.sqlite.gen-*")
    return sum(1 for p in found if not p.name.endswith(("-wal", "-shm")))


def test_warm_swaps_a_new_file_in_without_taking_the_live_lock(world, tmp_path):
    path = tmp_path / "cache.sqlite"
    cache = SqliteCache(path)
    cache.put("OLD_1#batch", {"old": True}, "v0")
    reader = SqliteCache(path)  # another process's view, opened before the swap
    assert reader.get("OLD_1#batch") == {"old": True}
    table = pa.Table.from_pylist(list(world.predictions.values()))
    with write_lock_held(path):
        summary = warm_cache(cache, table)  # before: waited on the lock, then failed
    assert summary["cached"] == len(world.predictions) and summary["replaced"]
    cid = sorted(world.predictions)[0]
    assert reader.get(records.batch_key(cid)) == records.batch_record(world.predictions[cid])
    assert reader.get("OLD_1#batch") is None and path.is_symlink()
    assert generations(tmp_path) == 1  # the old generation is gone
    warm_cache(cache, table)
    assert generations(tmp_path) == 1
    reader.close()
    cache.close()
