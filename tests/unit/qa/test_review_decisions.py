"""Review decisions: validation before anything is written; overrides become labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from engage import lake
from engage.adapters.store.local import LocalObjectStore
from engage.qa.decisions import SCHEMA, ReviewError, Status, validate
from engage.qa.feedback import corrected_labels, latest_decisions, read_decisions


@pytest.mark.parametrize(
    ("status", "note", "value", "error"),
    [
        ("maybe", "n", None, "status must be one of"),
        ("approved", "  ", None, "a note is required"),
        ("approved", "x" * 2001, None, "at most 2000"),
        ("rejected", "mail me at bob@example.com", None, "e-mail address"),
        ("overridden", "too high", None, "--value is required"),
        ("overridden", "too high", 1.5, "outside the engagement_score range"),
        ("overridden", "too high", -0.1, "outside the engagement_score range"),
        ("overridden", "too high", float("nan"), "outside the engagement_score range"),
        ("approved", "fine", 0.5, "only for --status overridden"),
    ],
)
def test_bad_decisions_are_refused(status: str, note: str, value: float | None, error: str) -> None:
    with pytest.raises(ReviewError, match=error):
        validate(status, note, value)


@pytest.mark.parametrize(
    ("status", "value"),
    [("approved", None), ("rejected", None), ("overridden", 0.0), ("overridden", 1.0)],
)
def test_good_decisions_pass(status: str, value: float | None) -> None:
    decision = validate(status, "  because  ", value)
    assert decision.status is Status(status) and decision.note == "because"
    assert decision.value == value


def _decide(store: LocalObjectStore, n: int, customer: str, status: str, value: float | None,
            run_id: str = "r1") -> None:  # fmt: skip
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    row = {
        "decision_id": f"d{n}", "customer_id": customer, "run_id": run_id, "status": status,
        "note": "n", "override_value": value, "predicted_engagement_score": 0.5,
        "model_version": "v1", "reviewer": "ann", "decided_at": at,
    }  # fmt: skip
    store.write_parquet(
        f"{lake.REVIEW_DECISIONS}{n:04d}.parquet", pa.Table.from_pylist([row], schema=SCHEMA)
    )


def test_corrected_labels_are_each_customers_latest_override(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "lake")
    assert corrected_labels(store).empty
    assert list(corrected_labels(store).columns) == ["customer_id", "engagement_score"]
    _decide(store, 3, "CUST_1", "overridden", 0.9)
    _decide(store, 1, "CUST_1", "overridden", 0.2)  # older, though written later
    _decide(store, 2, "CUST_2", "overridden", 0.4)
    _decide(store, 4, "CUST_2", "approved", None)  # not an override: label stays 0.4
    _decide(store, 5, "CUST_3", "rejected", None)
    labels = corrected_labels(store).set_index("customer_id")["engagement_score"].to_dict()
    assert labels == {"CUST_1": 0.9, "CUST_2": 0.4}
    assert str(corrected_labels(store)["engagement_score"].dtype) == "float64"


def test_the_latest_decision_is_in_force_per_queue_entry(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "lake")
    _decide(store, 1, "CUST_1", "rejected", None)
    _decide(store, 2, "CUST_1", "approved", None)
    _decide(store, 3, "CUST_1", "overridden", 0.3, run_id="r2")
    latest = latest_decisions(store)
    assert latest[("CUST_1", "r1")]["status"] == "approved"
    assert latest[("CUST_1", "r2")]["override_value"] == 0.3
    assert read_decisions(store).num_rows == 3
