"""The segmentation stage on a tiny prepared lake: tables, catalog, truth never an input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from engage import lake
from engage.analytics import segments
from engage.contract.outputs import SEGMENT_PROFILES, SEGMENTS
from engage.contract.validate import validate_table
from engage.lake import TableName
from engage.stages import segmentation


def _event(source: Path) -> dict:
    return {"run_id": "r1", "seed": 42, "source": str(source)}


def test_publishes_both_tables_to_the_contract_and_the_catalog(prepared, prepared_services):
    summary = segmentation.run(_event(prepared.source), prepared_services)
    assert summary["segmentation_status"] == "success" and summary["k"] in segments.K_RANGE
    table = prepared_services.store.read_parquet(lake.SEGMENTS)
    profiles = prepared_services.store.read_parquet(lake.SEGMENT_PROFILES)
    assert (
        validate_table(table, SEGMENTS) == [] and validate_table(profiles, SEGMENT_PROFILES) == []
    )
    inputs = prepared_services.store.read_parquet(lake.PROCESSED_INFERENCE)
    assert sorted(table.column("customer_id").to_pylist()) == sorted(
        inputs.column("customer_id").to_pylist()
    )
    assert (
        profiles.num_rows == summary["k"] == len(set(profiles.column("segment_name").to_pylist()))
    )
    counted = prepared_services.sql.query(f"SELECT count(*) AS n FROM {TableName.SEGMENTS}")
    assert counted.column("n")[0].as_py() == table.num_rows
    assert 0 <= summary["grading"]["kmeans_ari"] <= 1  # the tiny source has personas


def test_the_planted_personas_are_never_an_input(prepared, prepared_services, tmp_path):
    first = segmentation.run(_event(prepared.source), prepared_services)
    before = prepared_services.store.read_parquet(lake.SEGMENTS).sort_by("customer_id")
    scrambled = tmp_path / "source"
    shutil.copytree(prepared.source, scrambled)
    truth = pq.read_table(scrambled / "ground_truth.parquet")
    persona = np.random.default_rng(0).permutation(truth.column("persona").to_numpy(False))
    index = truth.schema.get_field_index("persona")
    truth = truth.set_column(index, "persona", pa.array(persona, truth.schema.field(index).type))
    pq.write_table(truth, scrambled / "ground_truth.parquet")
    second = segmentation.run(_event(scrambled), prepared_services)
    after = prepared_services.store.read_parquet(lake.SEGMENTS).sort_by("customer_id")
    assert after.column("segment_id").equals(before.column("segment_id"))
    assert first["k"] == second["k"] and first["silhouette"] == second["silhouette"]
    assert second["grading"]["kmeans_ari"] < first["grading"]["kmeans_ari"]


def test_too_little_data_is_skipped_with_empty_tables(prepared, prepared_services, monkeypatch):
    monkeypatch.setattr(segments, "MIN_TRAINING_ROWS", 10**9)
    summary = segmentation.run(_event(prepared.source), prepared_services)
    assert summary["segmentation_status"] == "skipped" and "training rows" in summary["reason"]
    assert prepared_services.store.read_parquet(lake.SEGMENTS).num_rows == 0
    assert prepared_services.store.read_parquet(lake.SEGMENT_PROFILES).num_rows == 0
