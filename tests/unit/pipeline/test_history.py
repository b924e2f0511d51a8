"""RunHistory / RunRecorder: one JSON record per run, written from the start."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from engage.pipeline.asl import load_definition, local_values, render, task_names
from engage.pipeline.history import RunHistory, UnknownRunError, new_run_id
from engage.pipeline.runner import LocalRunner
from fakes import SHARDS_LOCATION, MemoryStore, packaged_tasks, sharded_store

PIPELINE = render(load_definition(), local_values())
NAMES = task_names(PIPELINE)


def tasks(**overrides):
    return packaged_tasks(NAMES, **overrides)


def test_run_id_format() -> None:
    run_id = new_run_id(datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert re.fullmatch(r"run_20250304T050607Z_[0-9a-f]{6}", run_id)


def test_record_is_running_at_start_and_final_after() -> None:
    store = MemoryStore()
    history = RunHistory(store)
    seen_during_run = []

    def peek(event: dict) -> dict:
        seen_during_run.append(history.get(recorder.run_id))
        return {"rows": 3, "shards": SHARDS_LOCATION}

    recorder = history.start({"customers": 10})
    key = f"engagement-runs/{recorder.run_id}.json"
    assert json.loads(store.objects[key])["status"] == "RUNNING"

    runner = LocalRunner(
        PIPELINE, store=sharded_store(), tasks=tasks(**{"data-prep": peek}), listener=recorder
    )
    record = recorder.finish(runner.run({"customers": 10}, name=recorder.run_id))

    during = seen_during_run[0]
    assert during["status"] == "RUNNING"
    assert [(s["name"], s["status"]) for s in during["states"]] == [
        ("PreCleanup", "SUCCEEDED"),
        ("DataPreparation", "RUNNING"),
    ]
    saved = history.get(recorder.run_id)
    assert saved == json.loads(json.dumps(record))
    assert saved["status"] == "SUCCEEDED" and saved["params"] == {"customers": 10}
    assert saved["ended_at"] >= saved["started_at"]
    prep = next(s for s in saved["states"] if s["name"] == "DataPreparation")
    assert prep["output"]["data_prep"]["rows"] == 3 and prep["attempts"] == 1
    assert prep["duration_s"] >= 0
    # every state but PipelineFailed, branches included, the Map's task once per shard (2)
    assert len(saved["states"]) == 26


def test_failed_run_records_state_error_retries_and_cause() -> None:
    history = RunHistory(MemoryStore())
    recorder = history.start({})

    def boom(event: dict) -> dict:
        raise ValueError("bad column")

    runner = LocalRunner(
        PIPELINE,
        store=sharded_store(),
        tasks=tasks(inference=boom),
        listener=recorder,
        sleep=lambda s: None,
    )
    recorder.finish(runner.run({}, name=recorder.run_id))
    saved = history.get(recorder.run_id)
    assert saved["status"] == "FAILED"
    assert saved["failed_state"] == "ScoreShards" and saved["error"] == "PipelineFailed"
    inference = next(s for s in saved["states"] if s["name"] == "InferenceTask")
    assert inference["error"] == "ValueError" and inference["cause"] == "bad column"
    assert [r["delay_s"] for r in inference["retries"]] == [20.0, 30.0]
    assert "Traceback" in inference["trace"]
    assert "output" not in inference


def test_list_runs_newest_first_including_killed_runs() -> None:
    store = MemoryStore()
    history = RunHistory(store)
    for run_id, started, status in [
        ("run_20250101T000000Z_aaaaaa", "2025-01-01T00:00:00+00:00", "SUCCEEDED"),
        ("run_20250301T000000Z_cccccc", "2025-03-01T00:00:00+00:00", "RUNNING"),
        ("run_20250201T000000Z_bbbbbb", "2025-02-01T00:00:00+00:00", "FAILED"),
    ]:
        history.save(
            {
                "run_id": run_id,
                "started_at": started,
                "ended_at": None,
                "status": status,
                "failed_state": None,
            }
        )
    runs = history.list_runs()
    assert [r.run_id[-6:] for r in runs] == ["cccccc", "bbbbbb", "aaaaaa"]
    assert runs[0].status == "RUNNING"


def test_unknown_run_id_is_a_clear_error() -> None:
    history = RunHistory(MemoryStore())
    with pytest.raises(UnknownRunError, match="no run 'run_20250101T000000Z_abcdef'"):
        history.get("run_20250101T000000Z_abcdef")
    with pytest.raises(UnknownRunError, match="is not a run id"):
        history.get("../secrets")
