"""Removing one customer's rows: other rows, files and Hive folders stay as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from engage import lake
from engage.adapters.store.local import LocalObjectStore
from engage.privacy.erasure_log import ErasureEvent, ErasureLog
from engage.privacy.rewrite import (
    REDACTED,
    count_rows,
    models_mentioning,
    redact_documents,
    rewrite_without,
)
from engage.privacy.subjects import SubjectTable, read_file

RESULTS = SubjectTable("engagement_analytics.final_results", lake.RESULTS_FINAL, "customer_id")


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    store = LocalObjectStore(tmp_path / "lake")
    data = pa.table(
        {
            "customer_id": ["CUST_1", "CUST_12", "CUST_2", "CUST_3", None],
            "score": [0.1, 0.2, 0.3, 0.4, 0.5],
            "location": ["CA", "CA", "NY", "NY", "TX"],
        }
    )
    store.write_parquet(lake.RESULTS_FINAL, data, partition_cols=["location"])
    return store


def test_only_the_customers_rows_go(store: LocalObjectStore) -> None:
    before = store.list(lake.RESULTS_FINAL)
    files = count_rows(store, RESULTS, "CUST_1")
    assert list(files.values()) == [1] and next(iter(files)).startswith(
        lake.RESULTS_FINAL + "location=CA"
    )
    assert rewrite_without(store, RESULTS, "CUST_1", set(files)) == 1
    assert store.list(lake.RESULTS_FINAL) == before  # same Hive folders and file names
    after = store.read_parquet(lake.RESULTS_FINAL).sort_by("score").to_pylist()
    assert [r["customer_id"] for r in after] == ["CUST_12", "CUST_2", "CUST_3", None]
    assert [r["location"] for r in after] == ["CA", "NY", "NY", "TX"]
    assert not store.list(lake.STAGING)


def test_a_file_left_empty_stays_readable(store: LocalObjectStore) -> None:
    for customer in ("CUST_2", "CUST_3"):
        rewrite_without(store, RESULTS, customer, set(count_rows(store, RESULTS, customer)))
    ny = [k for k in store.list(lake.RESULTS_FINAL) if "location=NY" in k]
    assert len(ny) == 1 and read_file(store, ny[0]).num_rows == 0
    assert read_file(store, ny[0]).schema.names == ["customer_id", "score"]


def test_unknown_values_match_nothing(store: LocalObjectStore) -> None:
    assert count_rows(store, RESULTS, "CUST_9") == {}


def test_reports_are_redacted_without_touching_longer_ids(store: LocalObjectStore) -> None:
    report = {"worst": ["CUST_1", "CUST_12"], "note": "CUST_1 was odd"}
    key = lake.report_key("run_20260101T000000Z_abcdef", "inference.json")
    store.put_bytes(key, json.dumps(report).encode())
    assert redact_documents(store, "CUST_1", apply=False) == [key]
    assert json.loads(store.get_bytes(key)) == report  # a dry look changes nothing
    redact_documents(store, "CUST_1")
    text = store.get_bytes(key).decode()
    assert "CUST_12" in text and text.count(REDACTED) == 2
    assert redact_documents(store, "CUST_1") == []


def test_model_versions_holding_the_id_are_named(store: LocalObjectStore) -> None:
    store.put_bytes(
        "engagement-models/recommendation/v1/model_meta.json", b'{"user_ids": ["CUST_1"]}'
    )
    store.put_bytes(
        "engagement-models/recommendation/v2/model_meta.json", b'{"user_ids": ["CUST_12"]}'
    )
    store.put_bytes("engagement-models/recommendation/latest.json", b'{"version": "v2"}')
    assert models_mentioning(store, "CUST_1") == ["recommendation/v1"]


def test_the_erasure_log_is_append_only_and_holds_tokens(store: LocalObjectStore) -> None:
    log = ErasureLog(store)
    assert log.is_empty() and log.tokens() == frozenset()
    started = ErasureEvent("e1", "started", "tok_a", "kid", "dpo", {"t": 2})
    done = ErasureEvent("e1", "completed", "tok_a", "kid", "dpo", {"t": 2}, {"cache": "removed 1"})
    first, second = log.append(started), log.append(done)
    assert first != second and len(store.list(lake.ERASURE_LOG)) == 2
    records = log.records()
    assert [r["event"] for r in records] == ["started", "completed"]
    assert records[1]["hooks"] == {"cache": "removed 1"} and records[1]["total_rows"] == 2
    assert log.tokens() == {"tok_a"} and log.key_ids() == {"kid"}
