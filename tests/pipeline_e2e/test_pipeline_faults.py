"""Faults: a transient failure is retried, a permanent one and bad input keep the last
good results (tables, files and the served model), and leftovers do not break a run."""

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
from engage.models.registry import ModelRegistry
from engage.orchestrate import run_pipeline
from engage.settings import Settings
from engage.stages import inference
from engage.stages.services import Services
from engage.stages.tasks import event_from_task_input

PUBLISHED = (  # what a failed run must leave exactly as it was
    lake.RAW_CUSTOMERS,
    lake.PROCESSED_TRAINING,
    lake.PROCESSED_TEST,
    lake.PROCESSED_INFERENCE,
    lake.PREDICTIONS,
    lake.QA_REVIEW_QUEUE,
    lake.RESULTS_FINAL,
)
LAST_GOOD = {  # table -> the run-id column that must still name the baseline run
    "engagement_predictions.predictions": "run_id",
    "engagement_qa.human_review": "run_id",
    "engagement_analytics.final_results": "pipeline_run_id",
}


def _no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


def _fingerprint(lake_dir: Path, prefixes: tuple[str, ...] = PUBLISHED) -> dict[str, str]:
    """sha256 of every published file under the given lake prefixes (as readers see them)."""
    store = bootstrap.object_store(Settings(lake=str(lake_dir)))
    found = {
        key: hashlib.sha256(store.get_bytes(key)).hexdigest()
        for prefix in prefixes
        for key in store.list(prefix)
    }
    assert found, f"nothing published under {prefixes} in {lake_dir}"
    return found


def _assert_last_good_results_serve(baseline) -> None:
    """Every result table still answers with the baseline run's rows, and only those."""
    for table, column in LAST_GOOD.items():
        rows = baseline.query(f"SELECT {column} AS run, count(*) AS n FROM {table} GROUP BY 1")
        rows = rows.to_pylist()
        assert [r["run"] for r in rows] == [baseline.run.run_id], table
    counts = baseline.query(
        "SELECT (SELECT count(*) FROM engagement_raw.customers) AS raw, "
        "(SELECT count(*) FROM engagement_predictions.predictions) AS predictions, "
        "(SELECT count(*) FROM engagement_analytics.final_results) AS results"
    ).to_pylist()[0]
    assert counts == {"raw": 2_000, "predictions": 2_000, "results": 2_000}


def _states(run) -> dict:
    return {s["name"]: s for s in run.record["states"]}


# -- (a) a transient failure is retried -----------------------------------------------


def test_a_stage_failing_once_is_retried_and_the_run_succeeds(rerun) -> None:
    states = _states(rerun.run)
    assert rerun.run.result.status == "SUCCEEDED"
    assert rerun.qa_calls == 2
    assert states["CreateQATable"]["attempts"] == 2
    assert states["CreateQATable"]["status"] == "SUCCEEDED"
    assert [r["error"] for r in states["CreateQATable"]["retries"]] == ["RuntimeError"]
    assert "transient fault #1" in states["CreateQATable"]["retries"][0]["cause"]
    assert states["CreateFinalResults"]["attempts"] == 1
    assert "retries" not in states["CreateFinalResults"]
    assert {r.run_id: r.status for r in rerun.runs}[rerun.run.run_id] == "SUCCEEDED"


# -- (b) a permanent failure keeps the last good results --------------------------------


def test_a_stage_that_keeps_failing_fails_the_run_and_keeps_old_results(baseline_lake) -> None:
    store = bootstrap.object_store(baseline_lake.settings())
    registry = ModelRegistry(store, "engagement")
    assert registry.latest() == "v1"
    before = _fingerprint(baseline_lake.lake)
    calls = {"n": 0}

    def on_fire(task_input: object) -> None:
        calls["n"] += 1
        raise RuntimeError("disk on fire")

    run = run_pipeline(
        baseline_lake.settings(), tasks={"inference": lambda services: on_fire}, sleep=_no_wait
    )

    assert run.result.status == "FAILED" and not run.succeeded
    assert run.result.failed_state == "ScoreShards"  # the Map whose only shard failed
    assert run.result.error == "PipelineFailed"
    cause = json.loads(run.result.cause)["ScoreShards"]
    assert cause["Error"] == "States.ExceedToleratedFailureThreshold"
    assert "RuntimeError" in cause["Cause"] and "disk on fire" in cause["Cause"]
    assert calls["n"] == 3  # the first try and MaxAttempts 2 retries
    states = _states(run)
    assert (
        states["InferenceTask"]["attempts"] == 3 and states["InferenceTask"]["status"] == "FAILED"
    )
    assert "MergeShardScores" not in states
    assert "CreateFinalResults" not in states and "CreateQATable" not in states
    assert run.record["status"] == "FAILED" and run.record["failed_state"] == "ScoreShards"

    assert registry.versions() == ["v1", "v2"]  # the failed run did train a new version
    assert registry.latest() == "v1"  # ... which is not served
    assert _fingerprint(baseline_lake.lake) == before
    _assert_last_good_results_serve(baseline_lake)


# -- (b2) shards: one failing shard is retried alone; one that keeps failing fails the run


def _shard_fault(failures: int, shard: int) -> tuple[Callable, dict]:
    """An inference task factory: the item for `shard` fails `failures` times, every
    other item (and that one afterwards) runs the real stage; calls counted per shard."""
    calls: dict[int, int] = {}

    def factory(services: Services) -> Callable[[Any], Any]:
        def task(task_input: Any) -> Any:
            event = event_from_task_input(task_input)
            index = event["shard"]["shard"]
            calls[index] = calls.get(index, 0) + 1
            if index == shard and calls[index] <= failures:
                raise RuntimeError(f"spot interruption of shard {index}")
            return inference.run(event, services)

        return task

    return factory, calls


def _shard_records(run) -> dict[int, dict]:
    return {
        int(s["path"].split("/")[1]): s
        for s in run.record["states"]
        if s["path"].startswith("ScoreShards/")
    }


def test_a_shard_failing_once_is_retried_alone_and_the_run_succeeds(baseline_lake) -> None:
    settings = baseline_lake.settings().model_copy(update={"shard_rows": 700})  # 3 shards
    factory, calls = _shard_fault(failures=1, shard=1)
    run = run_pipeline(settings, tasks={"inference": factory}, sleep=_no_wait)

    assert run.succeeded, run.result.cause
    assert calls == {0: 1, 1: 2, 2: 1}  # only the failed shard ran again
    shards = _shard_records(run)
    assert {i: s["attempts"] for i, s in shards.items()} == {0: 1, 1: 2, 2: 1}
    assert "spot interruption of shard 1" in shards[1]["retries"][0]["cause"]
    merged = run.stage_results()["MergeShardScores"]
    assert merged["shards"] == 3 and merged["predictions_generated"] == 2_000
    rows = baseline_lake.query(
        "SELECT count(*) AS n, count(DISTINCT customer_id) AS ids "
        "FROM engagement_predictions.predictions"
    ).to_pylist()[0]
    assert rows == {"n": 2_000, "ids": 2_000}


def test_more_failing_shards_than_tolerated_fail_the_run_and_keep_old_results(
    baseline_lake,
) -> None:
    before = _fingerprint(baseline_lake.lake)
    settings = baseline_lake.settings().model_copy(update={"shard_rows": 700})
    factory, calls = _shard_fault(failures=99, shard=2)
    run = run_pipeline(settings, tasks={"inference": factory}, sleep=_no_wait)

    assert run.result.failed_state == "ScoreShards" and not run.succeeded
    assert calls[2] == 3 and calls[0] == calls[1] == 1
    cause = json.loads(run.result.cause)["ScoreShards"]
    assert "1 of 3 items failed" in cause["Cause"] and "shard 2" in cause["Cause"]
    assert _fingerprint(baseline_lake.lake) == before
    _assert_last_good_results_serve(baseline_lake)


def test_a_model_failing_to_score_writes_no_audit_entries(
    baseline_lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries are built while the models score but written only once every model has
    succeeded: a failed shard leaves no audit trail of predictions never published."""
    from engage.stages.plans import PLANS

    store = bootstrap.object_store(baseline_lake.settings())
    audit_before = set(store.list(lake.AUDIT))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("anomaly scoring ran out of memory")

    monkeypatch.setattr(PLANS["anomaly"], "score", broken)
    run = run_pipeline(baseline_lake.settings(), sleep=_no_wait)

    assert run.result.failed_state == "ScoreShards" and not run.succeeded
    assert set(store.list(lake.AUDIT)) == audit_before


# -- (c) bad input is refused at once, naming what is wrong -------------------------------


def _drop_column(t: pa.Table) -> pa.Table:
    return t.drop_columns(["avg_daily_logins"])


def _age_as_text(t: pa.Table) -> pa.Table:
    return t.set_column(t.schema.get_field_index("age"), "age", pc.cast(t["age"], pa.string()))


def _duplicate_ids(t: pa.Table) -> pa.Table:
    return pa.concat_tables([t, t.slice(10, 4)])


def _no_rows(t: pa.Table) -> pa.Table:
    return t.slice(0, 0)


def _write(corrupt, good: Path, target: Path) -> None:
    if isinstance(corrupt, bytes):
        target.write_bytes(corrupt)
    else:
        pq.write_table(corrupt(pq.read_table(good)), target)


@pytest.mark.parametrize(
    ("corrupt", "named"),
    [
        (_drop_column, ["column 'avg_daily_logins'", "missing column"]),
        (_age_as_text, ["column 'age'", "have type string"]),
        (_duplicate_ids, ["column 'customer_id'", "4 row(s) repeat a key"]),
        (_no_rows, ["has no rows"]),
        (b"PAR1 this is not parquet at all", ["cannot be read"]),
        (b"", ["cannot be read"]),
    ],
    ids=["missing-column", "wrong-type", "duplicate-ids", "no-rows", "garbage-bytes", "0-bytes"],
)
def test_bad_raw_input_fails_validation_at_once_and_changes_nothing(
    baseline_lake, tmp_path, corrupt, named
) -> None:
    source = tmp_path / "incoming"
    source.mkdir()
    _write(corrupt, baseline_lake.source / "customers.parquet", source / "customers.parquet")
    before = _fingerprint(baseline_lake.lake, (*PUBLISHED, lake.MODELS))

    run = run_pipeline(baseline_lake.settings(source), sleep=_no_wait)

    assert run.result.status == "FAILED"
    assert run.result.failed_state == "DataPreparation"
    states = _states(run)
    assert states["DataPreparation"]["attempts"] == 1  # bad data is never retried
    assert "retries" not in states["DataPreparation"]
    assert "ParallelTrainingAndValidation" not in states
    cause = json.loads(run.result.cause)["DataPreparation"]
    assert cause["Error"] == "DataValidationError"
    assert str(source / "customers.parquet") in cause["Cause"]  # the file at fault
    for words in named:
        assert words in cause["Cause"]
    assert _fingerprint(baseline_lake.lake, (*PUBLISHED, lake.MODELS)) == before
    _assert_last_good_results_serve(baseline_lake)


# -- (d) leftovers of an interrupted run ---------------------------------------------------


def test_leftovers_of_an_interrupted_run_are_cleaned_and_do_not_break_the_next(rerun) -> None:
    assert rerun.run.result.status == "SUCCEEDED"
    assert len(rerun.planted) == 3 and rerun.survivors == []
    cleanup = rerun.run.stage_results()["PreCleanup"]
    assert cleanup["s3_objects_deleted"] == len(rerun.planted)
    assert not any(p.parent.exists() for p in rerun.planted)
    assert (rerun.latest, rerun.versions) == ("v2", ["v1", "v2"])
