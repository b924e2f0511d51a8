"""Generations: a run's tables become visible together, at one instant, or never."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from engage import lake
from engage.adapters.sql import DuckDbEngine
from engage.adapters.store import generations
from engage.adapters.store.generations import GenerationStore
from engage.adapters.store.local import LocalObjectStore
from engage.bootstrap import SQL_DIR

FINAL = lake.RESULTS_FINAL
SCORES = lake.model_scores("churn")


def _run(root: Path, run_id: str, tag: str, *, publish: bool = True) -> GenerationStore:
    """What a pipeline run does to the lake, in miniature."""
    catalog = generations.begin(root, run_id)
    store = GenerationStore(LocalObjectStore(root), run_id)
    with DuckDbEngine(store, catalog, SQL_DIR) as engine:
        for key, name in ((FINAL, "engagement_analytics.final_results"), (SCORES.prefix, None)):
            store.write_parquet(key + "part-0.parquet", pa.table({"run": [tag] * 3}))
            engine.register_parquet(name or SCORES.qualified_name, key)
        store.put_bytes(f"{lake.MODELS}churn/latest.json", json.dumps({"version": tag}).encode())
        store.put_bytes(lake.report_key(run_id, "r.json"), b"{}")  # shared: at the root
    if publish:
        generations.commit(root, run_id)
    return store


def _read(root: Path) -> dict[str, object]:
    store = GenerationStore(LocalObjectStore(root))
    with DuckDbEngine(store, store.catalog_path(), SQL_DIR, read_only=True) as engine:
        final = engine.query("SELECT DISTINCT run FROM engagement_analytics.final_results")
        scores = engine.query(f"SELECT DISTINCT run FROM {SCORES.qualified_name}")
    served = json.loads(store.get_bytes(f"{lake.MODELS}churn/latest.json"))["version"]
    return {
        "final": final["run"].to_pylist(),
        "scores": scores["run"].to_pylist(),
        "served": served,
    }


def test_a_run_is_invisible_until_it_publishes_then_visible_whole(tmp_path: Path) -> None:
    _run(tmp_path, "r1", "one")
    assert _read(tmp_path) == {"final": ["one"], "scores": ["one"], "served": "one"}
    store = _run(tmp_path, "r2", "two", publish=False)  # killed before publishing
    assert _read(tmp_path) == {"final": ["one"], "scores": ["one"], "served": "one"}
    assert store.exists(lake.report_key("r2", "r.json"))  # shared keys are not versioned
    generations.commit(tmp_path, "r2")
    assert _read(tmp_path) == {"final": ["two"], "scores": ["two"], "served": "two"}


def test_a_killed_run_is_collected_by_the_next_publication(tmp_path: Path) -> None:
    _run(tmp_path, "r1", "one")
    _run(tmp_path, "r2", "two", publish=False)
    _run(tmp_path, "r3", "three")
    folders = sorted(p.name for p in (tmp_path / generations.GENERATIONS).iterdir())
    assert folders == ["r1", "r3"]  # the published one and the one before it
    _run(tmp_path, "r4", "four")
    assert sorted(p.name for p in (tmp_path / generations.GENERATIONS).iterdir()) == ["r3", "r4"]


def test_a_run_starts_from_the_published_generation(tmp_path: Path) -> None:
    _run(tmp_path, "r1", "one")
    generations.begin(tmp_path, "r2")
    store = GenerationStore(LocalObjectStore(tmp_path), "r2")
    assert store.read_parquet(FINAL)["run"].to_pylist() == ["one"] * 3  # hard-linked copy
    store.write_parquet(FINAL + "part-0.parquet", pa.table({"run": ["two"]}))
    assert _read(tmp_path)["final"] == ["one"]  # the published file is another inode


def test_a_moved_lake_answers_from_where_it_is_now(tmp_path: Path) -> None:
    """Views name lake keys, not absolute paths: copy the lake, delete the original."""
    _run(tmp_path / "lake", "r1", "one")
    shutil.copytree(tmp_path / "lake", tmp_path / "moved", symlinks=True)
    shutil.rmtree(tmp_path / "lake")
    assert _read(tmp_path / "moved") == {"final": ["one"], "scores": ["one"], "served": "one"}


def test_a_reader_follows_a_publication_without_reopening(tmp_path: Path) -> None:
    _run(tmp_path, "r1", "one")
    store = GenerationStore(LocalObjectStore(tmp_path))
    with DuckDbEngine(store, store.catalog_path(), SQL_DIR, read_only=True) as engine:
        query = "SELECT DISTINCT run FROM engagement_analytics.final_results"
        assert engine.query(query)["run"].to_pylist() == ["one"]
        _run(tmp_path, "r2", "two")  # a run publishes while the reader holds its catalog
        assert engine.query(query)["run"].to_pylist() == ["two"]


def test_a_writer_outside_a_run_swaps_a_private_copy_of_the_catalog(tmp_path: Path) -> None:
    """`forget` or `qa review` register tables while readers hold the catalog open."""
    _run(tmp_path, "r1", "one")
    store = GenerationStore(LocalObjectStore(tmp_path))
    reader = DuckDbEngine(store, store.catalog_path(), SQL_DIR, read_only=True)
    try:
        store.write_parquet(lake.REVIEW_DECISIONS + "d.parquet", pa.table({"d": [1]}))
        with DuckDbEngine(store, store.catalog_path(), SQL_DIR) as writer:  # no lock conflict
            writer.register_parquet("engagement_qa.review_decisions", lake.REVIEW_DECISIONS)
    finally:
        reader.close()
    with DuckDbEngine(store, store.catalog_path(), SQL_DIR, read_only=True) as engine:
        assert "engagement_qa.review_decisions" in engine.tables()


@pytest.mark.parametrize("key", [FINAL + "x.parquet", f"{lake.MODELS}churn/latest.json"])
def test_generational_keys(key: str) -> None:
    assert lake.is_generational(key)
    assert not lake.is_generational(f"{lake.MODELS}churn/v1/model.ubj")
    assert not lake.is_generational(lake.REVIEW_DECISIONS + "d.parquet")


def test_the_exported_catalog_opens_from_the_lake_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lake/catalog.duckdb for other DuckDB clients: lake-relative paths, no absolute ones."""
    import duckdb

    _run(tmp_path / "lake", "r1", "one")
    target = generations.export_catalog(tmp_path / "lake", "r1", tmp_path / "lake" / "cat.duckdb")
    shutil.move(tmp_path / "lake", tmp_path / "moved")
    monkeypatch.chdir(tmp_path / "moved")
    con = duckdb.connect(target.name, read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT run FROM engagement_analytics.final_results").fetchall()
        sql = " ".join(r[0] for r in con.execute("SELECT sql FROM duckdb_views()").fetchall())
    finally:
        con.close()
    assert rows == [("one",)] and str(tmp_path) not in sql
