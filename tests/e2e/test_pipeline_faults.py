"""Faults: retries recover, permanent failures and bad input leave the last good results."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from engage import bootstrap, lake
from engage.adapters.store.local import LocalObjectStore
from engage.models.registry import ModelRegistry
from engage.orchestrate import run_pipeline
from engage.settings import Settings
from engage.stages import inference, qa_table
from engage.stages.services import Services
from engage.stages.tasks import event_from_task_input


def _fingerprint(lake_dir: Path) -> dict[str, str]:
    """Hash of every published file (staging, history and reports excluded)."""
    skip = (lake.STAGING, lake.RUNS, lake.REPORTS, "catalog.duckdb")
    return {
        str(p.relative_to(lake_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake_dir.rglob("*"))
        if p.is_file() and not str(p.relative_to(lake_dir)).startswith(skip)
    }


def _results_run_ids(lake_dir: Path) -> list[str]:
    engine = bootstrap.sql_engine(Settings(lake=str(lake_dir)), read_only=True)
    try:
        table = engine.query(
            "SELECT DISTINCT pipeline_run_id FROM engagement_analytics.final_results"
        )
    finally:
        engine.close()
    return table.column(0).to_pylist()


def _flaky(stage: Any, failures: int) -> Callable[[Services], Callable[[Any], Any]]:
    calls = {"n": 0}

    def bind(services: Services) -> Callable[[Any], Any]:
        def task(task_input: Any) -> Any:
            calls["n"] += 1
            if calls["n"] <= failures:
                raise RuntimeError("disk on fire")
            return stage.run(event_from_task_input(task_input), services)

        return task

    return bind


def _run(lake_dir: Path, data: Path, **tasks: Callable[[Services], Callable[[Any], Any]]):
    settings = Settings(lake=str(lake_dir), data_dir=data)
    with Services.from_settings(settings) as services:  # the tasks' own services
        bound = {name.replace("_", "-"): bind(services) for name, bind in tasks.items()}
        return run_pipeline(settings, tasks=bound, sleep=lambda seconds: None)


def test_a_stage_that_fails_once_is_retried_and_the_run_succeeds(baseline, tmp_path) -> None:
    run = _run(tmp_path / "lake", baseline.data, create_qa_table=_flaky(qa_table, failures=1))
    assert run.succeeded, run.result.cause
    states = {r.name: r for r in run.result.records}
    assert states["CreateQATable"].attempts == 2
    assert states["CreateFinalResults"].attempts == 1


def test_a_stage_that_keeps_failing_fails_the_run_and_keeps_old_results(
    baseline, copy_of_lake
) -> None:
    before = _fingerprint(copy_of_lake)
    served = ModelRegistry(LocalObjectStore(copy_of_lake), "engagement").latest()
    run = _run(copy_of_lake, baseline.data, inference=_flaky(inference, failures=99))
    assert not run.succeeded
    assert run.result.failed_state == "InferenceTask"
    assert "disk on fire" in run.result.cause
    assert {r.name: r for r in run.result.records}["InferenceTask"].attempts == 3  # 1 + 2 retries
    assert _results_run_ids(copy_of_lake) == [baseline.run.run_id]
    assert ModelRegistry(LocalObjectStore(copy_of_lake), "engagement").latest() == served
    after = _fingerprint(copy_of_lake)
    changed = {k for k in before if before[k] != after.get(k)}
    assert not {k for k in changed if not k.startswith(("engagement-data/", "engagement-models/"))}


def _drop_column(t: pa.Table) -> pa.Table:
    return t.drop_columns(["avg_daily_logins"])


def _age_as_text(t: pa.Table) -> pa.Table:
    return t.set_column(t.schema.get_field_index("age"), "age", pc.cast(t["age"], pa.string()))


def _duplicate_ids(t: pa.Table) -> pa.Table:
    return pa.concat_tables([t, t.slice(0, 5)])


def _empty(t: pa.Table) -> pa.Table:
    return t.slice(0, 0)


@pytest.mark.parametrize(
    ("corrupt", "named"),
    [
        (_drop_column, "avg_daily_logins"),
        (_age_as_text, "age"),
        (_duplicate_ids, "customer_id"),
        (_empty, "no rows"),
        (None, "customers.parquet"),
    ],
    ids=["missing-column", "wrong-type", "duplicate-ids", "empty", "garbage-bytes"],
)
def test_bad_raw_input_fails_validation_and_writes_nothing(
    baseline, copy_of_lake, tmp_path, corrupt, named
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = data / "customers.parquet"
    if corrupt is None:
        target.write_bytes(b"PAR1 this is not parquet at all")
    else:
        pq.write_table(corrupt(pq.read_table(baseline.data / "customers.parquet")), target)
    before = _fingerprint(copy_of_lake)
    run = run_pipeline(Settings(lake=str(copy_of_lake), data_dir=data), sleep=lambda s: None)
    assert not run.succeeded
    assert run.result.failed_state == "DataPreparation"
    states = {r.name: r for r in run.result.records}
    assert states["DataPreparation"].attempts == 1  # bad data is never retried
    cause = json.loads(run.result.cause)["DataPreparation"]
    assert cause["Error"] == "DataValidationError"
    assert named in cause["Cause"]
    assert _fingerprint(copy_of_lake) == before
    assert _results_run_ids(copy_of_lake) == [baseline.run.run_id]


def test_leftovers_of_an_interrupted_run_are_cleaned(baseline, copy_of_lake) -> None:
    leftover = (
        copy_of_lake / lake.STAGING / "engagement_qa.human_review" / "dead" / "part-0.parquet"
    )
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a file")
    run = run_pipeline(Settings(lake=str(copy_of_lake), data_dir=baseline.data))
    assert run.succeeded
    assert run.stage_results()["PreCleanup"]["s3_objects_deleted"] == 1
    assert not leftover.exists()
