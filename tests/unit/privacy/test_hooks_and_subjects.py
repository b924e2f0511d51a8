"""Erasure/export hooks, and the discovery of every table that holds customer rows."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture
def registry() -> Iterator[None]:
    saved = hooks.erasure_hooks(), hooks.export_hooks()
    yield
    hooks._ERASURE.clear()
    hooks._ERASURE.update(saved[0])
    hooks._EXPORT.clear()
    hooks._EXPORT.update(saved[1])


class FakeCache:
    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.closed = False

    def delete_customer(self, customer_id: str) -> int:
        self.deleted.append(customer_id)
        return 3

    def close(self) -> None:
        self.closed = True


def test_hook_outcomes_hold_counts_and_error_classes_only(registry: None) -> None:
    def broken(settings: Settings, customer_id: str) -> int:
        raise RuntimeError(f"could not delete {customer_id}")

    def absent(settings: Settings, customer_id: str) -> int:
        raise hooks.HookUnavailable("no backend")

    for name in list(hooks.erasure_hooks()):
        hooks.unregister(name)
    hooks.register_erasure_hook("kb", lambda s, c: 2)
    hooks.register_erasure_hook("broken", broken)
    hooks.register_erasure_hook("absent", absent)
    outcomes = hooks.run_erasure_hooks(Settings(), "CUST_1")
    assert outcomes == {
        "absent": "unavailable",
        "broken": "failed: RuntimeError",
        "kb": "removed 2",
    }
    assert hooks.hook_failed(outcomes) == ["broken"]


def test_export_hooks_add_sections_unless_unavailable(registry: None) -> None:
    def absent(settings: Settings, customer_id: str) -> Any:
        raise hooks.HookUnavailable("no backend")

    hooks.register_export_hook("audit_trail", absent)
    hooks.register_export_hook("kb", lambda s, c: [{"doc": c}])
    assert hooks.run_export_hooks(Settings(), "CUST_1") == {"kb": [{"doc": "CUST_1"}]}


def test_the_cache_hook_deletes_through_the_cache_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FakeCache()
    monkeypatch.setattr(bootstrap, "cache", lambda settings: cache, raising=False)
    settings = Settings(lake=str(tmp_path / "lake"), cache_path=tmp_path / "cache.sqlite")
    assert hooks.erase_from_prediction_cache(settings, "CUST_1") == 0  # no cache file yet
    (tmp_path / "cache.sqlite").write_bytes(b"")
    assert hooks.erase_from_prediction_cache(settings, "CUST_1") == 3
    assert cache.deleted == ["CUST_1"] and cache.closed
    monkeypatch.delattr(bootstrap, "cache")
    with pytest.raises(hooks.HookUnavailable):
        hooks.erase_from_prediction_cache(settings, "CUST_1")


@pytest.mark.parametrize("bad", ["", "CUST_", "cust_1", "CUST_1; DROP", "../CUST_1", "CUST_1\n"])
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(PrivacyError, match="not a customer id"):
        check_customer_id(bad)


def test_locations_cover_layout_restricted_and_score_tables() -> None:
    assert location_of("engagement_raw.customers").prefix == lake.RAW_CUSTOMERS
    assert location_of("engagement_restricted.customer_pii").prefix == lake.RESTRICTED_PII
    assert location_of("engagement_predictions.churn_scores").prefix == lake.MODEL_SCORES + "churn/"
    assert location_of("engagement_analytics.somebody_elses_table") is None


class FakeCatalog:
    """The two SqlEngine calls discovery makes."""

    def __init__(self, tables: dict[str, list[str]]) -> None:
        self._tables = tables

    def tables(self) -> list[str]:
        return sorted(self._tables)

    def query(self, sql: str, params: Any = None) -> pa.Table:
        name = sql.split("FROM ")[1].split()[0]
        return pa.table({c: pa.array([], pa.string()) for c in self._tables[name]})


def test_a_catalog_table_with_customers_but_no_location_stops_erasure(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "lake")
    catalog = FakeCatalog(
        {
            "engagement_raw.customers": ["customer_id", "age"],
            "engagement_analytics.high_value_customers": ["customer_id"],  # derived view
            "engagement_predictions.model_metrics": ["metric"],
        }
    )
    found = subject_tables(store, catalog)  # type: ignore[arg-type]
    assert [t.name for t in found] == ["engagement_raw.customers"]
    catalog._tables["engagement_analytics.new_scores"] = ["customer_id", "score"]
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
