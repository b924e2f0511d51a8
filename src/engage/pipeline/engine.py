"""State-by-state execution of an ASL state machine (the inside of `LocalRunner`).

Each state follows the AWS input/output pipeline: InputPath -> Parameters ->
work -> ResultSelector -> ResultPath -> OutputPath, wrapped in Retry and Catch.
Parallel branches run in real threads so that the laptop overlaps training and
validation exactly where Step Functions would.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from engage.pipeline import progress
from engage.pipeline.asl import task_name
from engage.pipeline.choice import choose
from engage.pipeline.errors import StatesError
from engage.pipeline.events import RunListener, StateRecord
from engage.pipeline.intrinsics import evaluate_value, resolve_template
from engage.pipeline.invoke import Task, call_task
from engage.pipeline.paths import get_path, select, set_result
from engage.pipeline.retry import RetryPolicy, find_catcher

Step = tuple[str | None, Any]


def _now() -> datetime:
    return datetime.now(UTC)


class Engine:
    """Executes the states of one execution; shared by the threads of its Parallel branches."""

    def __init__(
        self,
        tasks: Mapping[str, Task],
        listener: RunListener,
        sleep: Callable[[float], Any],
        context: Mapping[str, Any],
        prefix: str = "",
    ) -> None:
        self.tasks, self.listener, self.sleep = tasks, listener, sleep
        self.context, self.prefix = context, prefix
        self.records: list[StateRecord] = []
        self._lock = threading.Lock()

    def walk(self, machine: Mapping[str, Any], data: Any, prefix: str) -> Any:
        """Run a (sub-)machine from StartAt to a terminal state; return its output."""
        name: str | None = machine["StartAt"]
        caught: StatesError | None = None
        while name is not None:
            state = machine["States"][name]
            try:
                name, data, error = self.step(name, f"{prefix}{name}", state, data)
            except StatesError as err:
                if state["Type"] == "Fail" and caught is not None:
                    err.origin = caught.origin
                raise
            caught = error or caught
        return data

    def step(
        self, name: str, path: str, state: Mapping[str, Any], data: Any
    ) -> tuple[str | None, Any, StatesError | None]:
        """Run one state with its Retry and Catch; return (next, output, caught error)."""
        record = StateRecord(name=name, path=path, start=_now())
        with self._lock:
            self.records.append(record)
        self.listener.on_state_start(path, name, data)
        started = time.monotonic()
        outcome = self._attempts(name, path, state, data, record)
        record.end, record.duration_s = _now(), round(time.monotonic() - started, 6)
        if not isinstance(outcome, StatesError):
            record.status, record.output = "SUCCEEDED", outcome[1]
            self.listener.on_state_end(path, name, outcome[1], record)
            return outcome[0], outcome[1], None
        err = outcome
        err.origin = err.origin or path
        record.status, record.error, record.cause = "FAILED", err.error, err.cause
        self.listener.on_state_fail(path, name, err, record)
        catcher = find_catcher(state.get("Catch", []), err.error)
        if catcher is None:
            raise err
        return (
            catcher["Next"],
            set_result(data, catcher.get("ResultPath", "$"), err.to_output()),
            err,
        )

    def _attempts(
        self, name: str, path: str, state: Mapping[str, Any], data: Any, record: StateRecord
    ) -> Step | StatesError:
        policy = RetryPolicy(state.get("Retry", []))
        state_ctx = {"Name": name, "EnteredTime": record.start.isoformat()}
        while True:
            record.attempts += 1
            ctx = {**self.context, "State": {**state_ctx, "RetryCount": record.attempts - 1}}
            try:
                return getattr(self, f"_{state['Type'].lower()}")(path, state, data, ctx)
            except StatesError as err:
                delay = policy.next_delay(err.error)
                if delay is None:
                    return err
                self.listener.on_state_retry(path, name, record.attempts, err, delay)
                self.sleep(delay)

    # --- input and output processing -------------------------------------------------

    @staticmethod
    def _input(state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Any:
        effective = select(data, state.get("InputPath", "$"))
        if "Parameters" in state:
            effective = resolve_template(state["Parameters"], effective, ctx)
        return effective

    @staticmethod
    def _output(state: Mapping[str, Any], data: Any, result: Any, ctx: Mapping[str, Any]) -> Any:
        if "ResultSelector" in state:
            result = resolve_template(state["ResultSelector"], result, ctx)
        return select(
            set_result(data, state.get("ResultPath", "$"), result), state.get("OutputPath", "$")
        )

    # --- one method per state type ---------------------------------------------------

    def _task(self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Step:
        fn = progress.bound(self.listener, path, self.tasks[task_name(state, self.prefix)])
        result = call_task(fn, self._input(state, data, ctx), state.get("TimeoutSeconds"), path)
        return state.get("Next"), self._output(state, data, result, ctx)

    def _parallel(
        self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]
    ) -> Step:
        effective = self._input(state, data, ctx)
        branches = state["Branches"]
        with ThreadPoolExecutor(len(branches), thread_name_prefix=f"engage-{path}") as pool:
            futures = [
                pool.submit(self.walk, branch, copy.deepcopy(effective), f"{path}/{index}/")
                for index, branch in enumerate(branches)
            ]
        for future in futures:  # all branches have finished: the pool has shut down
            if future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        return state.get("Next"), self._output(state, data, [f.result() for f in futures], ctx)

    def _pass(self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Step:
        effective = self._input(state, data, ctx)
        result = copy.deepcopy(state["Result"]) if "Result" in state else effective
        return state.get("Next"), self._output(state, data, result, ctx)

    def _choice(
        self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]
    ) -> Step:
        effective = select(data, state.get("InputPath", "$"))
        return choose(state, effective), select(effective, state.get("OutputPath", "$"))

    def _wait(self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Step:
        effective = select(data, state.get("InputPath", "$"))
        if "Seconds" in state:
            seconds = float(state["Seconds"])
        elif "SecondsPath" in state:
            seconds = float(get_path(effective, state["SecondsPath"]))
        else:
            stamp = state.get("Timestamp") or get_path(effective, state["TimestampPath"])
            target = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
            seconds = max(0.0, (target - _now()).total_seconds())
        self.sleep(seconds)
        return state.get("Next"), select(effective, state.get("OutputPath", "$"))

    def _succeed(
        self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]
    ) -> Step:
        effective = select(data, state.get("InputPath", "$"))
        return None, select(effective, state.get("OutputPath", "$"))

    def _fail(self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Step:
        error, cause = state.get("Error"), state.get("Cause", "")
        if "ErrorPath" in state:
            error = evaluate_value(state["ErrorPath"], data, ctx)
        if "CausePath" in state:
            cause = evaluate_value(state["CausePath"], data, ctx)
        raise StatesError(str(error or ctx["State"]["Name"]), str(cause))
