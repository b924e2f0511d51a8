"""Entrypoints: every Lambda task has a real handler; ECS events reach `engage task` intact."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from engage.cli import app
from engage.pipeline.asl import iter_states, load_definition, local_values, render, task_name
from engage.stages import container
from engage.stages.tasks import STAGES, event_from_task_input

pytest.importorskip("hcl2", reason="python-hcl2 is in the dev extra")

from infra_hcl import ROOT, load


def _lambda_handlers() -> dict[str, str]:
    variables = load(ROOT / "modules" / "compute" / "variables.tf")["variable"]
    return next(v["lambda_stages"]["default"] for v in variables if "lambda_stages" in v)


def _tasks() -> list[dict[str, Any]]:
    definition = render(load_definition(), local_values())
    return [s for _, _, s in iter_states(definition) if s.get("Type") == "Task"]


def test_every_lambda_task_has_a_handler_in_the_image() -> None:
    handlers = _lambda_handlers()
    lambdas = {task_name(s) for s in _tasks() if s["Resource"].startswith("arn:aws:lambda:")}
    assert lambdas == set(handlers)
    for stage, handler in handlers.items():
        module_name, _, attr = handler.rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attr)), handler
        assert STAGES[stage] is module, stage  # the handler runs the stage the ASL names


def test_every_ecs_task_is_a_stage_and_carries_the_execution_input() -> None:
    execution_input = {"run_id": "run_1", "source": "/data", "seed": 7}
    ecs = [s for s in _tasks() if s["Resource"].startswith("arn:aws:states:::ecs:runTask")]
    assert ecs
    for state in ecs:
        params = json.loads(json.dumps(state["Parameters"]))
        env = params["Overrides"]["ContainerOverrides"][0]["Environment"]
        stage = next(e["Value"] for e in env if e["Name"] == "ENGAGE_STAGE")
        assert stage == task_name(state) and stage in STAGES
        for variable in env:  # what Step Functions does with Value.$ at run time
            if variable.pop("Value.$", None):
                variable["Value"] = json.dumps(execution_input)
        assert event_from_task_input(params) == execution_input  # local runner's view


class _EchoStage:
    __name__ = "echo"

    @staticmethod
    def run(event: Any, services: Any) -> dict[str, Any]:
        return {"echo": event}


class _FailingStage:
    __name__ = "failing"

    @staticmethod
    def run(event: Any, services: Any) -> dict[str, Any]:
        raise RuntimeError("boom")


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(container, "STAGES", {"echo": _EchoStage, "failing": _FailingStage})
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))


def test_engage_task_reads_engage_event_like_the_container(
    fake_stages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_EVENT", json.dumps({"run_id": "r1"}))
    result = CliRunner().invoke(app, ["task", "echo"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"echo": {"run_id": "r1"}}


def test_engage_task_exit_codes(fake_stages: None) -> None:
    runner = CliRunner()
    failed = runner.invoke(app, ["task", "failing", "--event", "{}"])
    assert failed.exit_code == 1 and '"error": "RuntimeError"' in failed.output
    assert runner.invoke(app, ["task", "nope", "--event", "{}"]).exit_code == 2
    assert runner.invoke(app, ["task", "echo", "--event", "not json"]).exit_code == 2
