"""Stage plumbing on tiny inputs, no pipeline: events, run ids, cleanup, validation rules,
the container entry. The stages on a real 400-customer lake: tests/integration/stages/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engage import lake
from engage.settings import Settings
from engage.stages import container, data_validation, pre_cleanup
from engage.stages.errors import StageError
from engage.stages.services import Services, run_id_of
from engage.stages.tasks import STAGES, event_from_task_input, local_tasks


@pytest.mark.parametrize("bad", [{}, {"run_id": ""}, {"run_id": "../x"}, {"run_id": 7}])
def test_run_id_is_required_and_safe(bad: dict) -> None:
    with pytest.raises(StageError, match="run_id"):
        run_id_of(bad)


def test_every_task_of_the_definition_has_a_stage() -> None:
    from engage.orchestrate import definition
    from engage.pipeline.asl import task_names

    assert set(task_names(definition())) == set(STAGES)


def test_pre_cleanup_removes_staging_only_and_is_idempotent(tmp_path: Path) -> None:
    services = Services.from_settings(Settings(lake=str(tmp_path / "lake")))
    services.store.put_bytes(lake.STAGING + "t/x/part-0.parquet", b"half")
    services.store.put_bytes(lake.RESULTS_FINAL + "part-0.parquet", b"published")
    first = pre_cleanup.run({"run_id": "r1"}, services)
    second = pre_cleanup.run({"run_id": "r1"}, services)
    assert (first["s3_objects_deleted"], second["s3_objects_deleted"]) == (1, 0)
    assert services.store.exists(lake.RESULTS_FINAL + "part-0.parquet")


def test_split_rules_name_the_broken_invariant() -> None:
    good = {"raw_rows": 1000, "training_rows": 800, "test_rows": 200, "inference_rows": 1000,
            "overlap_rows": 0}  # fmt: skip
    assert data_validation._split_findings(good) == []
    overlap = {**good, "training_rows": 810, "overlap_rows": 10}
    lost = {**good, "inference_rows": 990}
    skewed = {**good, "training_rows": 500, "test_rows": 500}
    assert [f.detail for f in data_validation._split_findings(overlap)] == [
        "not in exactly one split",
        "in both training and test",
    ]
    assert data_validation._split_findings(lost)[0].count == 10
    assert "test share 50.0%" in data_validation._split_findings(skewed)[0].detail


def test_container_refuses_unknown_stage_and_bad_event(monkeypatch) -> None:
    monkeypatch.setenv("ENGAGE_STAGE", "nope")
    assert container.main() == 2
    monkeypatch.setenv("ENGAGE_STAGE", "pre-cleanup")
    monkeypatch.setenv("ENGAGE_EVENT", "{not json")
    assert container.main() == 2


def test_container_runs_a_stage_from_the_environment(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_STAGE", "pre-cleanup")
    monkeypatch.setenv("ENGAGE_EVENT", json.dumps({"run_id": "run_1"}))
    assert container.main() == 0
    assert json.loads(capsys.readouterr().out)["cleanup_status"] == "success"


def test_pre_cleanup_needs_a_run_id(tmp_path) -> None:
    services = Services.from_settings(Settings(lake=str(tmp_path / "lake")))
    with services, pytest.raises(StageError, match="run_id"):
        pre_cleanup.run({"source": "x"}, services)


# -- task plumbing and the Fargate entry point --------------------------------------------


def _event(run_id: str) -> dict:
    return {"run_id": run_id, "seed": 42}


def _ecs_parameters(event: dict) -> dict:
    """RunTask parameters as the definition builds them (container env carries the input)."""
    return {
        "LaunchType": "FARGATE",
        "Cluster": "engage-local",
        "TaskDefinition": "inference-task",
        "Overrides": {
            "ContainerOverrides": [
                {"Name": "sidecar", "Environment": [{"Name": "OTHER", "Value": "1"}]},
                {
                    "Name": "inference-container",
                    "Environment": [
                        {"Name": "ENGAGE_STAGE", "Value": "inference"},
                        {"Name": "ENGAGE_EXECUTION", "Value": event["run_id"]},
                        {"Name": "ENGAGE_EVENT", "Value": json.dumps(event)},
                    ],
                },
            ]
        },
    }


def test_event_from_task_input_unwraps_ecs_and_passes_lambda_events() -> None:
    event = {"run_id": "run_x", "source": "/data", "seed": 7}
    assert event_from_task_input(_ecs_parameters(event)) == event
    only_event = [{"Environment": [{"Name": "ENGAGE_EVENT", "Value": json.dumps(event)}]}]
    assert event_from_task_input({"Overrides": {"ContainerOverrides": only_event}}) == event
    lambda_event = {**event, "cleanup": {"cleanup_status": "success"}}
    passed = event_from_task_input(lambda_event)
    assert passed == lambda_event and passed is not lambda_event


@pytest.mark.parametrize(
    ("task_input", "message"),
    [
        ([1, 2], "JSON object, got list"),
        ({"Overrides": {"ContainerOverrides": [{"Environment": []}]}}, "ENGAGE_EVENT"),
    ],
    ids=["not-an-object", "ecs-without-event"],
)
def test_event_from_task_input_refuses_what_it_cannot_read(task_input, message) -> None:
    with pytest.raises(StageError, match=message):
        event_from_task_input(task_input)


def test_local_tasks_give_stages_the_unwrapped_event(tmp_path) -> None:
    with Services.from_settings(Settings(lake=str(tmp_path / "lake"))) as services:
        tasks = local_tasks(services)
        assert set(tasks) == set(STAGES)
        out = tasks["pre-cleanup"](_ecs_parameters({"run_id": "run_ecs"}))
    assert out["run_id"] == "run_ecs" and out["cleanup_status"] == "success"


@pytest.mark.parametrize("stage", ["", "nope", "pre_cleanup", "PRE-CLEANUP"])
def test_container_exits_2_for_an_unknown_stage(monkeypatch, capsys, stage) -> None:
    monkeypatch.setenv("ENGAGE_STAGE", stage)
    assert container.main() == 2
    err = capsys.readouterr().err
    assert "ENGAGE_STAGE must be one of" in err and "pre-cleanup" in err


def test_container_exits_1_with_the_error_when_the_stage_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_STAGE", "pre-cleanup")
    monkeypatch.setenv("ENGAGE_EVENT", json.dumps({"source": "no run id"}))
    assert container.main() == 1
    out = json.loads(capsys.readouterr().out)
    assert out["stage"] == "pre-cleanup" and out["error"] == "StageError"
    assert "run_id" in out["cause"]
