"""Per-run point lookups: the customer's row, one copy per run, none for huge tables."""

from __future__ import annotations

import pyarrow as pa

from engage.serving import points


def _table(ids: list[str]) -> pa.Table:
    return pa.table({"customer_id": ids, "score": [float(i) for i in range(len(ids))]})


def test_a_lookup_is_the_customers_first_row_or_none() -> None:
    found = points.PointTable(_table(["A", "B", "A"]))
    assert found.row("A").to_pylist() == [{"customer_id": "A", "score": 0.0}]
    assert found.row("B").to_pylist()[0]["score"] == 1.0
    assert found.row("Z") is None


def test_a_run_is_loaded_once_and_a_new_run_replaces_it(monkeypatch) -> None:
    monkeypatch.setattr(points, "_tables", {})
    loads: list[str] = []

    def load(run: str):
        return lambda: loads.append(run) or _table([f"{run}-1"])

    first = points.table(("lake", "t"), "r1", load("r1"), lambda: 1)
    assert points.table(("lake", "t"), "r1", load("r1"), lambda: 1) is first
    second = points.table(("lake", "t"), "r2", load("r2"), lambda: 1)
    assert loads == ["r1", "r2"] and second.row("r2-1") is not None
    assert points._tables == {("lake", "t"): ("r2", second)}  # the old run's copy is dropped


def test_tables_above_the_limit_are_not_copied(monkeypatch) -> None:
    monkeypatch.setattr(points, "_tables", {})
    monkeypatch.setattr(points, "MAX_ROWS", 10)
    assert points.table(("lake", "t"), "r1", lambda: _table(["A"]), lambda: 11) is None
