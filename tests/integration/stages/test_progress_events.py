"""The long stages report progress from inside: training its boosting rounds and
phases, inference each model scored. Stages report through the reporter the
engine binds to their state; here it is bound the same way by hand."""

from __future__ import annotations

from typing import Any

from engage.pipeline import progress
from engage.pipeline.events import BaseListener
from engage.stages import inference, train


class Recorder(BaseListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any, Any]] = []

    def on_state_progress(self, path, name, message, done, total) -> None:
        self.seen.append((name, message, done, total))


def _event(run_id: str) -> dict:
    return {"run_id": run_id, "seed": 42}


def test_training_reports_phases_and_boosting_rounds(prepared_services) -> None:
    recorder = Recorder()
    task = progress.bound(recorder, "P/0/Q/1/ChurnModel", lambda e: train.run_model(
        "churn", e, prepared_services))  # fmt: skip
    summary = task(_event("r1"))
    assert summary["training_status"] == "success"
    messages = [m for _, m, _, _ in recorder.seen]
    assert messages[0] == "fitting churn" and messages[-1].startswith("saving")
    rounds = [(d, t) for _, m, d, t in recorder.seen if m == "boosting round"]
    assert rounds and rounds[-1][0] == rounds[-1][1] > 0  # ends at the round budget
    assert {name for name, *_ in recorder.seen} == {"ChurnModel"}


def test_inference_reports_each_model_scored(trained_services) -> None:
    recorder = Recorder()
    task = progress.bound(recorder, "InferenceTask", lambda e: inference.run(e, trained_services))
    task(_event("r1"))
    counted = [(d, t) for _, m, d, t in recorder.seen if m.startswith("scored ")]
    assert counted and counted[-1][0] == counted[-1][1] >= 1  # the last always arrives
    done = [d for d, _ in counted]
    assert done == sorted(set(done))  # in order (the throttle may skip some)
