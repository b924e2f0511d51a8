"""Everything that walks the definition copes with a Map state: run history, the progress
display, the diagram, `engage asl` rendering and the cost model's task kinds."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rich.console import Console

from engage.cli import progress as cli_progress
from engage.cost import usage
from engage.deploy.asl_env import render_for_env, terraform_template
from engage.diagrams import state_machine
from engage.pipeline.asl import local_values, render
from engage.pipeline.history import RunHistory
from engage.pipeline.runner import LocalRunner
from fakes import MemoryStore

SCORE = "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}score-lambda"
TEMPLATE: dict[str, Any] = {
    "StartAt": "ScoreShards",
    "States": {
        "ScoreShards": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "engagement-data", "Key": "shards/manifest.json"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Score",
                "States": {
                    "Score": {"Type": "Task", "Resource": SCORE, "Next": "Tidy"},
                    "Tidy": {"Type": "Pass", "End": True},
                },
            },
            "MaxConcurrency": 2,
            "ToleratedFailurePercentage": 10,
            "ResultPath": "$.scored",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            "End": True,
        },
        "Failed": {"Type": "Fail", "Error": "ScoringFailed"},
    },
}
DEFINITION = render(TEMPLATE, local_values())


def store_with_shards(count: int) -> MemoryStore:
    store = MemoryStore()
    items = json.dumps([{"shard": i} for i in range(count)]).encode()
    store.put_bytes("engagement-data/shards/manifest.json", items)
    return store


def test_run_history_records_every_item_state() -> None:
    store = store_with_shards(3)
    recorder = RunHistory(store).start({"customers": 3})
    score = {"score": lambda e: {"n": e["shard"]}}
    runner = LocalRunner(DEFINITION, score, listener=recorder, store=store)
    record = recorder.finish(runner.run({}, name=recorder.run_id))
    assert record["status"] == "SUCCEEDED"
    paths = {s["path"]: s["status"] for s in record["states"]}
    assert paths["ScoreShards"] == "SUCCEEDED"
    assert {f"ScoreShards/{i}/Score" for i in range(3)} <= paths.keys()
    assert record["output"]["scored"] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_progress_display_shows_a_map_and_its_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_progress, "definition", lambda: DEFINITION)
    out = io.StringIO()
    display = cli_progress.PipelineProgress(Console(file=out, width=120, force_terminal=False))
    runner = LocalRunner(
        DEFINITION,
        {"score": lambda e: {"n": e["shard"]}},
        listener=display,
        store=store_with_shards(4),
    )
    with display:
        result = runner.run({})
    assert result.succeeded, result.cause
    labels = [task.description for task in display.progress.tasks]
    assert labels[0] == "⧉ ScoreShards"
    assert sorted(labels[1:]) == ["    Score"] * 4  # items' Pass states stay hidden
    map_status = display.progress.tasks[0].fields["status"]
    assert "✓" in map_status


def test_diagram_draws_the_item_processor_inside_the_map() -> None:
    text = state_machine(TEMPLATE)
    assert "    state ScoreShards {\n" in text
    assert "        [*] --> Score\n" in text
    assert "        Score --> Tidy\n" in text and "        Tidy --> [*]\n" in text
    assert "    ScoreShards --> Failed : Catch States.ALL\n" in text


def test_engage_asl_renders_tasks_inside_the_map() -> None:
    values = {**local_values(), "AccountId": "123456789012", "Prefix": "prod-"}
    rendered = render_for_env(values, TEMPLATE)
    inner = rendered["States"]["ScoreShards"]["ItemProcessor"]["States"]["Score"]
    assert inner["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:prod-score-lambda"
    template = json.loads(terraform_template(TEMPLATE))
    inner = template["States"]["ScoreShards"]["ItemProcessor"]["States"]["Score"]
    assert inner["Resource"] == SCORE


def test_cost_model_counts_tasks_inside_the_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage, "definition", lambda: DEFINITION)
    assert usage.task_kinds() == {"Score": ("lambda", 0.0, 0.0)}
