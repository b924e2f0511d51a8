"""Stage pieces on tiny inputs: event plumbing, cleanup, validation rules, container entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engage import lake
from engage.settings import Settings
from engage.stages import container, data_validation, pre_cleanup
from engage.stages.errors import StageError
from engage.stages.services import Services, run_id_of
from engage.stages.tasks import STAGES, event_from_task_input


def test_lambda_event_passes_through_and_ecs_parameters_are_unwrapped() -> None:
    event = {"run_id": "run_x", "source": "/data"}
    assert event_from_task_input(event) == event
    ecs = {
        "Cluster": "c",
        "Overrides": {
            "ContainerOverrides": [
                {"Environment": [{"Name": "ENGAGE_EVENT", "Value": json.dumps(event)}]}
            ]
        },
    }
    assert event_from_task_input(ecs) == event
    ecs["Overrides"]["ContainerOverrides"][0]["Environment"] = []
    with pytest.raises(StageError, match="ENGAGE_EVENT"):
        event_from_task_input(ecs)


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
