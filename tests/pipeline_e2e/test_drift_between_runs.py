"""Drift between pipeline runs: the same data passes, shifted data fails validation."""

from __future__ import annotations

import json

import pyarrow.compute as pc
import pyarrow.parquet as pq

from engage import bootstrap, lake
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings


def test_unchanged_data_passes_and_a_shifted_column_fails_the_run(tmp_path) -> None:
    source = tmp_path / "data"
    generate(1_500, 11, source, formats=("parquet",))
    settings = Settings(lake=str(tmp_path / "lake"), data_dir=source)
    first = run_pipeline(settings)
    second = run_pipeline(settings)
    assert first.succeeded and second.succeeded
    validation = second.stage_results()["DataValidation"]
    assert validation["drift"] == {"status": "ok", "reference_run": first.run_id, "warn": []}

    path = source / "customers.parquet"
    table = pq.read_table(path)
    logins = pc.min_element_wise(pc.multiply(table["avg_daily_logins"], 2.0), 50.0)
    column = table.schema.get_field_index("avg_daily_logins")
    pq.write_table(table.set_column(column, "avg_daily_logins", logins), path)
    third = run_pipeline(settings)

    assert not third.succeeded and third.result.failed_state == "DataValidation"
    assert "avg_daily_logins" in third.result.cause and "PSI" in third.result.cause
    store = bootstrap.object_store(settings)
    report = json.loads(store.get_bytes(lake.report_key(third.run_id, "data_validation.json")))
    assert report["reference_run"] == second.run_id
    assert report["drift"]["columns"]["avg_daily_logins"]["level"] == "fail"
    assert store.exists(lake.report_key(third.run_id, "data_validation.html"))
