"""Progress inside a Task: a stage reports through the reporter the engine binds to
its state, and the run's listener receives it with the state's path.

Before, a listener saw only state start/end: a 60 s training state was one spinner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engage.pipeline import progress
from engage.pipeline.events import BaseListener, MultiListener
from engage.pipeline.runner import LocalRunner


def lam(name: str) -> str:
    return f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"


class Recorder(BaseListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, Any, Any]] = []

    def on_state_progress(self, path, name, message, done, total) -> None:
        self.seen.append((path, name, message, done, total))


def _definition() -> dict:
    branch = {
        "StartAt": "Inner",
        "States": {"Inner": {"Type": "Task", "Resource": lam("b"), "End": True}},
    }
    return {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": lam("a"), "TimeoutSeconds": 30, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [branch], "End": True},
        },
    }


def _reporting(label: str):
    def task(event: Any) -> dict:
        report = progress.current()
        report(f"{label} phase")
        for done in range(1, 4):
            report(f"{label} step", done, 3)
        return {}

    return task


def test_a_task_reports_to_the_listener_under_its_own_state() -> None:
    recorder = Recorder()
    tasks = {"a": _reporting("a"), "b": _reporting("b")}
    result = LocalRunner(_definition(), tasks, listener=MultiListener(recorder)).run({})
    assert result.succeeded
    by_state = {(path, name) for path, name, *_ in recorder.seen}
    assert by_state == {("A", "A"), ("P/0/Inner", "Inner")}  # the timeout worker thread too
    a = [s for s in recorder.seen if s[0] == "A"]
    assert a[0][2:] == ("a phase", None, None)
    assert a[-1][2:] == ("a step", 3, 3)  # the last count always arrives (throttle or not)


def test_outside_the_runner_reporting_is_a_no_op() -> None:
    assert progress.current() is progress.quiet
    progress.current()("nobody listens", 1, 2)


def test_a_listener_that_raises_does_not_fail_the_run() -> None:
    class Broken(BaseListener):
        def on_state_progress(self, *args: Any) -> None:
            raise RuntimeError("display broke")

    result = LocalRunner(_definition(), {"a": _reporting("a"), "b": _reporting("b")},
                         listener=Broken()).run({})  # fmt: skip
    assert result.succeeded


def test_the_models_report_their_boosting_rounds() -> None:
    from engage.models.engagement import EngagementModel
    from engage.models.features import FeatureSpec

    rng = np.random.default_rng(0)
    columns = ("age", "avg_daily_logins")
    frame = pd.DataFrame({c: rng.uniform(18, 60, size=300) for c in columns})
    y = (frame["age"] > 40).to_numpy(dtype=float)
    rounds: list[tuple[int, int]] = []
    spec = FeatureSpec(columns=columns, interactions=False)
    model = EngagementModel(n_estimators=20, early_stopping_rounds=5, n_jobs=1, spec=spec)
    model.fit(frame, y, on_round=lambda done, total: rounds.append((done, total)))
    assert rounds[0] == (1, 20) and rounds[-1] == (20, 20)
    assert [d for d, _ in rounds[:-1]] == list(range(1, len(rounds)))
