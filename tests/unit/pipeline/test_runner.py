"""LocalRunner semantics, checked against what AWS Step Functions does."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from engage.pipeline.asl import load_definition, local_values, render, task_names
from engage.pipeline.events import BaseListener
from engage.pipeline.runner import LocalRunner
from fakes import SHARDS_LOCATION, packaged_tasks, sharded_store


def lam(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}-lambda"


def machine(start: str, **states: dict) -> dict:
    return {"StartAt": start, "States": states}


class Sleeps(list):
    """A fake `sleep` that records the delays it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Flaky:
    """A task that fails `failures` times with `error`, then returns `result`."""

    def __init__(self, failures: int, result: Any = None, error: type = RuntimeError) -> None:
        self.failures, self.result, self.error, self.calls = failures, result, error, 0

    def __call__(self, event: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"attempt {self.calls} failed")
        return self.result if self.result is not None else {"ok": self.calls}


class Events(BaseListener):
    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def on_state_start(self, path, name, input):
        self.seen.append(("start", path))

    def on_state_retry(self, path, name, attempt, error, delay):
        self.seen.append(("retry", path, attempt, error.error, delay))

    def on_state_end(self, path, name, output, record):
        self.seen.append(("end", path, record.attempts))

    def on_state_fail(self, path, name, error, record):
        self.seen.append(("fail", path, error.error))


def pipeline_tasks(**overrides: Any) -> dict:
    return packaged_tasks(task_names(PIPELINE), **overrides)


PIPELINE = render(load_definition(), local_values())


def test_sequential_flow_composes_result_paths() -> None:
    seen = []
    defn = machine(
        "A",
        A={"Type": "Task", "Resource": lam("a"), "ResultPath": "$.a", "Next": "B"},
        B={"Type": "Task", "Resource": lam("b"), "ResultPath": "$.deep.b", "End": True},
    )
    tasks = {"a": lambda e: seen.append(e) or {"n": 1}, "b": lambda e: seen.append(e) or 2}
    result = LocalRunner(defn, tasks).run({"x": 0})
    assert result.succeeded
    assert result.output == {"x": 0, "a": {"n": 1}, "deep": {"b": 2}}
    assert seen == [{"x": 0}, {"x": 0, "a": {"n": 1}}]
    assert [r.path for r in result.records] == ["A", "B"]


def test_packaged_pipeline_runs_locally_and_ecs_tasks_get_the_event() -> None:
    got = {}
    train = lambda p: got.setdefault("training", p) and {"model": "v1"}  # noqa: E731
    tasks = pipeline_tasks(**{"churn-training": train})
    events = Events()
    result = LocalRunner(PIPELINE, tasks, listener=events, store=sharded_store()).run(
        {"customers": 5}, name="run-1"
    )
    assert result.succeeded, (result.error, result.cause)
    out = result.output
    assert out["cleanup"] == {"stage": "pre-cleanup"}
    models = [{"stage": f"{m}-training"} for m in ("engagement", "churn", "ltv")]
    models[1] = {"model": "v1"}
    models += [{"stage": "recommendation-training"}, {"stage": "anomaly-training"}]
    training, validation, analytics, nba, forecast = out["parallel_training"]
    assert nba["next_best_action"] == {"stage": "next-best-action"}
    assert forecast["engagement_forecast"] == {"stage": "engagement-forecast"}
    assert training["models"] == models
    assert validation == {"stage": "data-validation"}
    assert analytics["segmentation"] == {"stage": "segmentation"}  # chained by ResultPath
    assert analytics["premium_uplift"] == {"stage": "premium-uplift"}
    assert analytics["network_analysis"] == {"stage": "network-analysis"}
    assert out["ensemble"] == {"stage": "ensemble-predictions"}
    assert out["parallel_tables"] == [
        {"stage": "create-qa-table"},
        {"stage": "create-results-table"},
    ]
    env = got["training"]["Overrides"]["ContainerOverrides"][0]["Environment"]
    env = {e["Name"]: e["Value"] for e in env}
    assert json.loads(env["ENGAGE_EVENT"]) == {"customers": 5}
    assert env["ENGAGE_EXECUTION"] == "run-1"
    assert env["ENGAGE_STAGE"] == "churn-training"
    path = "ParallelTrainingAndValidation/0/ParallelModelTraining/1/ChurnModel"
    assert ("end", path, 1) in events.seen


def test_parallel_branches_really_overlap() -> None:
    overlapping = [n for n in task_names(PIPELINE) if n.endswith("-training")]
    overlapping += ["data-validation", "network-analysis", "next-best-action"]
    overlapping += ["engagement-forecast"]
    barrier = threading.Barrier(len(overlapping), timeout=5)

    def meet(event: dict) -> dict:
        barrier.wait()  # raises BrokenBarrierError unless all seven tasks run at once
        return {"met": True}

    tasks = pipeline_tasks(**dict.fromkeys(overlapping, meet))
    result = LocalRunner(PIPELINE, tasks, store=sharded_store()).run()
    assert result.succeeded, result.cause
    training, validation, analytics, nba, forecast = result.output["parallel_training"]
    assert training["models"] == [{"met": True}] * 5 and validation == {"met": True}
    assert nba["next_best_action"] == {"met": True}
    assert forecast["engagement_forecast"] == {"met": True}
    assert analytics["network_analysis"] == {"met": True}


def test_retry_backoff_intervals() -> None:
    sleeps = Sleeps()
    retry = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 10, "MaxAttempts": 3}]
    defn = machine("A", A={"Type": "Task", "Resource": lam("a"), "Retry": retry, "End": True})
    events = Events()
    result = LocalRunner(defn, {"a": Flaky(2)}, listener=events, sleep=sleeps).run()
    assert result.succeeded and result.output == {"ok": 3}
    assert sleeps == [10, 20]
    assert result.records[0].attempts == 3
    assert [e for e in events.seen if e[0] == "retry"] == [
        ("retry", "A", 1, "RuntimeError", 10.0),
        ("retry", "A", 2, "RuntimeError", 20.0),
    ]


def test_retry_max_delay_caps_backoff() -> None:
    sleeps = Sleeps()
    retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 10,
            "BackoffRate": 3,
            "MaxDelaySeconds": 50,
        }
    ]
    defn = machine("A", A={"Type": "Task", "Resource": lam("a"), "Retry": retry, "End": True})
    assert LocalRunner(defn, {"a": Flaky(3)}, sleep=sleeps).run().succeeded
    assert sleeps == [10, 30, 50]


def test_first_matching_retrier_decides_and_max_attempts_zero_means_no_retry() -> None:
    retry = [
        {"ErrorEquals": ["KeyError"], "MaxAttempts": 0},
        {"ErrorEquals": ["ValueError"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    defn = machine("A", A={"Type": "Task", "Resource": lam("a"), "Retry": retry, "End": True})
    for error, calls in [(KeyError, 1), (ValueError, 2), (OSError, 6)]:
        task = Flaky(99, error=error)
        result = LocalRunner(defn, {"a": task}, sleep=Sleeps()).run()
        assert result.status == "FAILED" and result.error == error.__name__
        assert task.calls == calls


def test_task_failing_once_is_retried_and_the_pipeline_succeeds() -> None:
    sleeps = Sleeps()
    prep = Flaky(1, result={"rows": 10, "shards": SHARDS_LOCATION})
    result = LocalRunner(
        PIPELINE, pipeline_tasks(**{"data-prep": prep}), sleep=sleeps, store=sharded_store()
    ).run()
    assert result.succeeded
    assert result.output["data_prep"]["rows"] == 10
    assert sleeps == [15]
    assert next(r for r in result.records if r.name == "DataPreparation").attempts == 2


def test_task_that_keeps_failing_is_caught_into_pipeline_failed() -> None:
    sleeps = Sleeps()
    result = LocalRunner(PIPELINE, pipeline_tasks(**{"data-prep": Flaky(99)}), sleep=sleeps).run()
    assert result.status == "FAILED"
    assert result.failed_state == "DataPreparation"
    assert result.error == "PipelineFailed"
    cause = json.loads(result.cause)
    assert cause == {"DataPreparation": {"Error": "RuntimeError", "Cause": "attempt 4 failed"}}
    assert sleeps == [15, 30, 60]
    assert [r.name for r in result.records] == ["PreCleanup", "DataPreparation", "PipelineFailed"]


def test_failure_in_one_parallel_branch_fails_the_parallel_after_the_other_finishes() -> None:
    training_failed = threading.Event()

    def train(event: dict) -> dict:
        training_failed.set()
        raise MemoryError("out of memory")

    def validate(event: dict) -> dict:
        assert training_failed.wait(5)  # still running when training has already failed
        return {"valid": True}

    tasks = pipeline_tasks(**{"ltv-training": train, "data-validation": validate})
    result = LocalRunner(PIPELINE, tasks, sleep=Sleeps(), store=sharded_store()).run()
    assert result.status == "FAILED"
    assert result.failed_state == "LTVModel"
    assert result.failed_path == "ParallelTrainingAndValidation/0/ParallelModelTraining/2/LTVModel"
    assert json.loads(result.cause)["ParallelTrainingAndValidation"]["Error"] == "MemoryError"
    status = {r.path: r.status for r in result.records}
    assert status["ParallelTrainingAndValidation/1/DataValidation"] == "SUCCEEDED"
    assert status["ParallelTrainingAndValidation"] == "FAILED"
    assert "InferenceTask" not in status


CHOICE = machine(
    "Route",
    Route={
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 100, "Next": "Big"},
            {
                "And": [
                    {"Variable": "$.kind", "StringEquals": "vip"},
                    {"Not": {"Variable": "$.n", "NumericLessThan": 0}},
                ],
                "Next": "Vip",
            },
            {"Variable": "$.flag", "IsPresent": True, "Next": "Flagged"},
            {"Variable": "$.n", "NumericEqualsPath": "$.limit", "Next": "AtLimit"},
        ],
        "Default": "Other",
    },
    Big={"Type": "Pass", "Result": "big", "End": True},
    Vip={"Type": "Pass", "Result": "vip", "End": True},
    Flagged={"Type": "Pass", "Result": "flagged", "End": True},
    AtLimit={"Type": "Pass", "Result": "at-limit", "End": True},
    Other={"Type": "Succeed"},
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"n": 101, "kind": "vip"}, "big"),
        ({"n": 5, "kind": "vip"}, "vip"),
        ({"n": -1, "kind": "vip", "limit": 0}, {"n": -1, "kind": "vip", "limit": 0}),
        ({"n": 5, "kind": "std", "flag": False}, "flagged"),
        ({"n": 7, "kind": "std", "limit": 7}, "at-limit"),
        ({"n": "7", "kind": "std", "limit": 7}, {"n": "7", "kind": "std", "limit": 7}),
    ],
)
def test_choice(data: dict, expected: Any) -> None:
    assert LocalRunner(CHOICE, {}).run(data).output == expected


def test_choice_on_a_missing_variable_is_a_runtime_error() -> None:
    result = LocalRunner(CHOICE, {}).run({"n": 1, "kind": "std"})
    assert result.error == "States.Runtime" and "$.limit" in result.cause


def test_choice_without_match_or_default_fails() -> None:
    defn = machine(
        "C",
        C={"Type": "Choice", "Choices": [{"Variable": "$.b", "BooleanEquals": True, "Next": "D"}]},
        D={"Type": "Succeed"},
    )
    result = LocalRunner(defn, {}).run({"b": False})
    assert (result.status, result.error, result.failed_state) == (
        "FAILED",
        "States.NoChoiceMatched",
        "C",
    )


def test_pass_result_parameters_and_intrinsics() -> None:
    defn = machine(
        "P1",
        P1={"Type": "Pass", "Result": {"v": 1}, "ResultPath": "$.fixed", "Next": "P2"},
        P2={
            "Type": "Pass",
            "Parameters": {
                "greeting.$": "States.Format('hi {} #{}', $.who, $.fixed.v)",
                "raw.$": "States.JsonToString($.fixed)",
                "execution.$": "$$.Execution.Name",
                "static": {"k": [1, 2]},
            },
            "End": True,
        },
    )
    result = LocalRunner(defn, {}).run({"who": "ann"}, name="exec-7")
    assert result.output == {
        "greeting": "hi ann #1",
        "raw": '{"v":1}',
        "execution": "exec-7",
        "static": {"k": [1, 2]},
    }


def test_input_output_paths_parameters_and_result_selector() -> None:
    got = []
    defn = machine(
        "T",
        T={
            "Type": "Task",
            "Resource": lam("t"),
            "InputPath": "$.job",
            "Parameters": {"size.$": "$.size", "first.$": "$.items[0]"},
            "ResultSelector": {"score.$": "$.metrics.r2"},
            "ResultPath": "$.result",
            "OutputPath": "$.result",
            "End": True,
        },
    )
    task = lambda e: got.append(e) or {"metrics": {"r2": 0.5, "mae": 3}}  # noqa: E731
    result = LocalRunner(defn, {"t": task}).run(
        {"job": {"size": 3, "items": ["a", "b"]}, "other": 1}
    )
    assert got == [{"size": 3, "first": "a"}]
    assert result.output == {"score": 0.5}


def test_result_path_null_discards_the_result() -> None:
    defn = machine("T", T={"Type": "Task", "Resource": lam("t"), "ResultPath": None, "End": True})
    assert LocalRunner(defn, {"t": lambda e: {"big": "x"}}).run({"keep": 1}).output == {"keep": 1}


def test_wait_uses_the_injected_sleep() -> None:
    sleeps = Sleeps()
    defn = machine(
        "W1",
        W1={"Type": "Wait", "Seconds": 3, "Next": "W2"},
        W2={"Type": "Wait", "SecondsPath": "$.delay", "End": True},
    )
    assert LocalRunner(defn, {}, sleep=sleeps).run({"delay": 4}).succeeded
    assert sleeps == [3, 4]


def test_timeout_raises_states_timeout_which_task_failed_does_not_retry() -> None:
    release = threading.Event()
    defn = machine(
        "T",
        T={
            "Type": "Task",
            "Resource": lam("t"),
            "TimeoutSeconds": 0.05,
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 3}],
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "Late"}],
            "End": True,
        },
        Late={"Type": "Pass", "End": True},
    )
    try:
        result = LocalRunner(defn, {"t": lambda e: release.wait(5)}, sleep=Sleeps()).run({})
    finally:
        release.set()
    assert result.succeeded
    assert result.output["err"]["Error"] == "States.Timeout"
    assert result.records[0].attempts == 1


def test_fail_state_and_runtime_errors_escape_catch_all() -> None:
    defn = machine(
        "T",
        T={
            "Type": "Task",
            "Resource": lam("t"),
            "InputPath": "$.missing",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
            "End": True,
        },
        F={"Type": "Fail", "Error": "Boom", "Cause": "explicit"},
    )
    result = LocalRunner(defn, {"t": lambda e: {}}).run({})
    assert (result.error, result.failed_state) == ("States.Runtime", "T")
    assert "$.missing" in result.cause


def test_non_json_task_result_is_a_runtime_error() -> None:
    defn = machine("T", T={"Type": "Task", "Resource": lam("t"), "End": True})
    result = LocalRunner(defn, {"t": lambda e: {"when": object()}}).run({})
    assert result.error == "States.Runtime" and "not JSON" in result.cause


def test_missing_task_callable_is_reported_up_front() -> None:
    left_out = ("ltv-training", "create-qa-table")
    with pytest.raises(ValueError, match="create-qa-table, ltv-training"):
        LocalRunner(PIPELINE, {k: v for k, v in pipeline_tasks().items() if k not in left_out})
