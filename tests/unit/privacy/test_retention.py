"""Retention: old run artefacts expire; the served and the newest model version never do."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engage import lake
from engage.adapters.store.local import LocalObjectStore
from engage.privacy.retention import apply_retention, plan_retention

NOW = datetime(2026, 11, 1, tzinfo=UTC)
OLD_RUN = "run_20260101T000000Z_aaaaaa"
NEW_RUN = "run_20261030T000000Z_bbbbbb"


def _version(store: LocalObjectStore, model: str, version: str, created: str) -> None:
    meta = {"model_version": version, "created_at": created}
    store.put_bytes(f"{lake.MODELS}{model}/{version}/metadata.json", json.dumps(meta).encode())
    store.put_bytes(f"{lake.MODELS}{model}/{version}/model.ubj", b"model")


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    store = LocalObjectStore(tmp_path / "lake")
    for run_id in (OLD_RUN, NEW_RUN):
        store.put_bytes(f"{lake.RUNS}{run_id}.json", b"{}")
        store.put_bytes(lake.report_key(run_id, "inference.json"), b"{}")
    old, new = "2026-01-01T00:00:00+00:00", "2026-10-30T00:00:00+00:00"
    _version(store, "churn", "v1", old)  # served, old: kept
    _version(store, "churn", "v2", old)  # neither: expires
    _version(store, "churn", "v3", new)  # newest, young
    _version(store, "ltv", "v1", old)
    _version(store, "ltv", "v2", old)  # newest: kept although old and not served
    store.put_bytes(f"{lake.MODELS}churn/latest.json", b'{"version": "v1"}')
    store.put_bytes(f"{lake.MODELS}ltv/latest.json", b'{"version": "v1"}')
    store.put_bytes(f"{lake.MODELS}churn/runs/{OLD_RUN}.json", b'{"version": "v2"}')
    store.put_bytes(
        f"{lake.MODELS}churn/runs/run_20260102T000000Z_cccccc.json", b'{"version": "v1"}'
    )
    for name, age_days in (("stale", 200), ("fresh", 1)):
        store.put_bytes(f"{lake.STAGING}predictions/{name}/part-0.parquet", b"PAR1")
        stamp = NOW.timestamp() - age_days * 86400
        os.utime(store.uri(f"{lake.STAGING}predictions/{name}/part-0.parquet"), (stamp, stamp))
    return store


def test_plan_lists_exactly_what_is_past_the_limit(store: LocalObjectStore) -> None:
    expired = {(e.kind, e.key) for e in plan_retention(store, 90, now=NOW)}
    assert expired == {
        ("run record", f"{lake.RUNS}{OLD_RUN}.json"),
        ("run report", f"{lake.REPORTS}{OLD_RUN}/"),
        ("model version", f"{lake.MODELS}churn/v2/"),
        ("model run pointer", f"{lake.MODELS}churn/runs/{OLD_RUN}.json"),
        ("staging leftover", f"{lake.STAGING}predictions/stale/"),
    }


def test_the_served_version_survives_whatever_its_age(store: LocalObjectStore) -> None:
    apply_retention(store, plan_retention(store, 90, now=NOW))
    assert store.exists(f"{lake.MODELS}churn/v1/model.ubj")  # served
    assert store.exists(f"{lake.MODELS}churn/v3/model.ubj")  # newest
    assert not store.exists(f"{lake.MODELS}churn/v2/model.ubj")
    assert store.exists(f"{lake.MODELS}ltv/v1/model.ubj") and store.exists(f"{lake.MODELS}ltv/v2/")
    assert store.exists(f"{lake.RUNS}{NEW_RUN}.json") and not store.exists(
        f"{lake.RUNS}{OLD_RUN}.json"
    )
    assert store.exists(f"{lake.STAGING}predictions/fresh/part-0.parquet")
    assert plan_retention(store, 90, now=NOW) == []


def test_planning_deletes_nothing(store: LocalObjectStore) -> None:
    before = store.list("")
    assert plan_retention(store, 1, now=NOW)
    assert store.list("") == before


def test_a_limit_below_one_day_is_refused(store: LocalObjectStore) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan_retention(store, 0)
