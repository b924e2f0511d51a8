"""Erasure/export hooks, and the discovery of every table that holds customer rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from engage import bootstrap, lake
from engage.adapters.store.local import LocalObjectStore
from engage.privacy import hooks
from engage.privacy.errors import PrivacyError, UnmappedTableError, check_customer_id
from engage.privacy.subjects import location_of, subject_tables
from engage.settings import Settings
from fakes import FakeCache, FakeEngine


def test_hook_outcomes_hold_counts_and_error_classes_only() -> None:
    def broken(customer_id: str) -> int:
        raise RuntimeError(f"could not delete {customer_id}")

    def absent(customer_id: str) -> int:
        raise hooks.HookUnavailable("no backend")

    registry = hooks.Hooks()
    registry.on_erase("kb", lambda c: 2)
    registry.on_erase("broken", broken)
    registry.on_erase("absent", absent)
    outcomes = registry.run_erasure("CUST_1")
    assert outcomes == {
        "absent": "unavailable",
        "broken": "failed: RuntimeError",
        "kb": "removed 2",
    }
    assert hooks.hook_failed(outcomes) == ["broken"]


def test_export_hooks_add_sections_unless_unavailable() -> None:
    def absent(customer_id: str) -> Any:
        raise hooks.HookUnavailable("no backend")

    registry = hooks.Hooks()
    registry.on_export("audit_trail", absent)
    registry.on_export("kb", lambda c: [{"doc": c}])
    assert registry.run_export("CUST_1") == {"kb": [{"doc": "CUST_1"}]}


def test_bootstrap_registers_the_built_in_hooks(tmp_path: Path) -> None:
    settings = Settings(lake=str(tmp_path / "lake"), cache_path=tmp_path / "cache.sqlite")
    registry = bootstrap.privacy_hooks(settings)
    assert set(registry.erasure) == {"prediction_cache", "audit_trail", "recommendation_model"}
    assert set(registry.export) == {"audit_trail"}
    assert registry.run_erasure("CUST_1")["prediction_cache"] == "removed 0"  # never served
    assert not (tmp_path / "cache.sqlite").exists()  # and not created just to be emptied


def test_the_cache_hook_deletes_through_the_cache_port() -> None:
    cache = FakeCache()
    cache.put_many([(f"CUST_1#h{i}", {"v": i}) for i in range(3)], "v1")
    cache.put("CUST_2#h0", {"v": 0}, "v1")
    assert hooks.erase_from_cache(None, "CUST_1") == 0  # no cache file yet
    assert hooks.erase_from_cache(lambda: cache, "CUST_1") == 3
    assert list(cache.items) == ["CUST_2#h0"] and cache.closed
    with pytest.raises(hooks.HookUnavailable):
        hooks.erase_from_cache(lambda: object(), "CUST_1")  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize("bad", ["", "CUST_", "cust_1", "CUST_1; DROP", "../CUST_1", "CUST_1\n"])
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(PrivacyError, match="not a customer id"):
        check_customer_id(bad)


def test_locations_cover_layout_restricted_and_score_tables() -> None:
    assert location_of("engagement_raw.customers").prefix == lake.RAW_CUSTOMERS
    assert location_of("engagement_restricted.customer_pii").prefix == lake.RESTRICTED_PII
    assert location_of("engagement_predictions.churn_scores").prefix == lake.MODEL_SCORES + "churn/"
    assert location_of("engagement_analytics.somebody_elses_table") is None


def test_a_catalog_table_with_customers_but_no_location_stops_erasure(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "lake")

    def table(*columns: str) -> pa.Table:
        return pa.table({c: pa.array([], pa.string()) for c in columns})

    catalog = FakeEngine(
        {
            "engagement_raw.customers": table("customer_id", "age"),
            "engagement_analytics.high_value_customers": table("customer_id"),  # derived view
            "engagement_predictions.model_metrics": table("metric"),
        }
    )
    found = subject_tables(store, catalog)  # type: ignore[arg-type]
    assert [t.name for t in found] == ["engagement_raw.customers"]
    catalog._tables["engagement_analytics.new_scores"] = table("customer_id", "score")
    with pytest.raises(UnmappedTableError, match="new_scores"):
        subject_tables(store, catalog)  # type: ignore[arg-type]


def test_lake_tables_missing_from_the_catalog_are_found_from_their_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "lake")
    store.write_parquet(lake.REVIEW_DECISIONS + "d1.parquet", pa.table({"customer_id": ["CUST_1"]}))
    store.write_parquet(lake.SUPPORT_VIEW + "p.parquet", pa.table({"customer_token": ["tok_a"]}))
    store.write_parquet(lake.MODEL_SCORES + "ltv/part-0.parquet", pa.table({"customer_id": ["C"]}))
    found = {(t.name, t.key_column) for t in subject_tables(store, None)}
    assert found == {
        ("engagement_qa.review_decisions", "customer_id"),
        ("engagement_analytics.customer_support_view", "customer_token"),
        ("engagement_predictions.ltv_scores", "customer_id"),
    }
