"""record_decision and review_queue with injected ports: no lake folder, no DuckDB file.

The library receives its store and catalog (the composition root builds the real ones),
so these run against the shared in-memory fakes of tests/fakes.py.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from engage import lake
from engage.audit import customer_entries
from engage.qa.decisions import ReviewError, record_decision
from engage.qa.queue import review_queue
from fakes import FakeCatalog, FakeEngine, MemoryStore

QUEUED = {
    "customer_id": "CUST_0000001", "qa_reason": "low_pred", "predicted_engagement_score": 0.2,
    "actual_engagement": 0.6, "prediction_error": 0.4, "model_version": "v1",
    "review_status": "pending", "reviewer_notes": None, "run_id": "run_1",
}  # fmt: skip


def _catalog(busy: bool = False) -> FakeCatalog:
    def queue_row(sql: str, params: object) -> pa.Table:
        return pa.Table.from_pylist([QUEUED])

    engine = FakeEngine(answers={"SELECT customer_id, ": queue_row})
    return FakeCatalog(engine, busy=busy)


def test_a_decision_is_recorded_even_when_the_catalog_is_busy() -> None:
    store, catalog = MemoryStore(), _catalog(busy=True)
    row = record_decision(store, catalog, "CUST_0000001", "overridden", "label wrong", 0.7, "ana")
    assert row["status"] == "overridden" and row["run_id"] == "run_1"
    assert [k for k in store.objects if k.startswith(lake.REVIEW_DECISIONS)]
    assert catalog.opened == ["reader", "writer"]  # registration was tried, and deferred
    audit = [e for e in customer_entries(store, "CUST_0000001") if e["source"] == "review"]
    assert len(audit) == 1 and '"overridden"' in audit[0]["override"]


def test_the_queue_shows_the_decision_in_force() -> None:
    store, catalog = MemoryStore(), _catalog()
    record_decision(store, catalog, "CUST_0000001", "approved", "fine", by="ana")
    rows = review_queue(store, catalog)
    assert [(r["review_status"], r["reviewer"]) for r in rows] == [("approved", "ana")]
    assert review_queue(store, catalog, "pending") == []
    assert catalog.engine.registered  # the decisions table was exposed in the catalog


def test_an_invalid_decision_writes_nothing() -> None:
    store = MemoryStore()
    with pytest.raises(ReviewError):
        record_decision(store, _catalog(), "CUST_0000001", "overridden", "no value given")
    assert store.objects == {}
