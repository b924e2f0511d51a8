"""State-by-state execution of an ASL state machine (the inside of `LocalRunner`).

Each state follows the AWS input/output pipeline: InputPath -> Parameters ->
work -> ResultSelector -> ResultPath -> OutputPath, wrapped in Retry and Catch.
Parallel branches run in real threads so that the laptop overlaps training and
validation exactly where Step Functions would; so do the items of a Map state
(`engage.pipeline.mapstate`), at most `MaxConcurrency` at a time.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from engage.pipeline import mapstate, progress
from engage.pipeline.asl import task_name
from engage.pipeline.choice import choose
from engage.pipeline.errors import StatesError
from engage.pipeline.events import RunListener, StateRecord
from engage.pipeline.intrinsics import evaluate_value, resolve_template
from engage.pipeline.invoke import Task, call_task
from engage.pipeline.paths import get_path, select, set_result
from engage.pipeline.retry import RetryPolicy, find_catcher
from engage.ports import ObjectStore

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
        store: ObjectStore | None = None,
        map_workers: int | None = None,
    ) -> None:
        self.tasks, self.listener, self.sleep = tasks, listener, sleep
        self.context, self.prefix, self.store = context, prefix, store
        self.map_workers = map_workers
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

    def _map(self, path: str, state: Mapping[str, Any], data: Any, ctx: Mapping[str, Any]) -> Step:
        """Run the item processor once per item; see `mapstate` for the rules.

        Items run in threads, not processes: a task is a closure over the run's
        shared `Services` (catalog connection, store adapters), which cannot be
        pickled into another process; stages that need more cores use their own
        native threads (Arrow, DuckDB, XGBoost) inside one item.
        """
        effective = select(data, state.get("InputPath", "$"))
        items = mapstate.read_items(state, effective, ctx, self.store)
        inputs = [mapstate.item_input(state, effective, ctx, i, v) for i, v in enumerate(items)]
        run_arn = self._map_run_arn(ctx["State"]["Name"])
        outcomes = self._run_items(path, state, inputs, run_arn)
        failures = [o for o in outcomes if o.error is not None]
        if mapstate.mode(state) == mapstate.INLINE and failures:
            raise failures[0].error  # type: ignore[misc]
        result: Any = mapstate.result_list(outcomes)
        if "ResultWriter" in state:
            result = mapstate.write_results(state, effective, ctx, self.store, run_arn, outcomes)
        if mapstate.Tolerance.of(state).exceeded(len(failures), len(inputs)):
            first = failures[0]
            raise StatesError(
                mapstate.EXCEED_TOLERATED,
                f"{len(failures)} of {len(inputs)} items failed, more than tolerated; first: "
                f"item {first.index}: {first.error.error}: {first.error.cause}",  # type: ignore[union-attr]
            )
        return state.get("Next"), self._output(state, data, result, ctx)

    def _map_run_arn(self, name: str) -> str:
        machine = self.context.get("StateMachine", {}).get("Name", "local")
        return f"arn:aws:states:local:000000000000:mapRun:{machine}/{name}:{uuid.uuid4()}"

    def _child(self, run_arn: str, index: int, item: Any) -> Engine:
        """The engine of a distributed item: a child execution with its own
        `$$.Execution` (as on AWS), sharing the run's records, listener and tasks."""
        child = copy.copy(self)
        execution = {
            "Id": mapstate.child_arn(run_arn, index),
            "Input": item,
            "Name": mapstate.child_name(run_arn, index),
            "StartTime": _now().isoformat(),
        }
        child.context = {**self.context, "Execution": execution}
        return child

    def _run_items(
        self, path: str, state: Mapping[str, Any], inputs: Sequence[Any], run_arn: str
    ) -> list[mapstate.ItemOutcome]:
        """Outcomes of the items that ran, in item order.

        At most `workers` items are in flight: the next item is started only when
        one finishes and the Map has not failed yet (an inline item failed, or more
        than tolerated), so a failed Map starts no new items, as on AWS.
        """
        machine, tolerance = mapstate.processor(state), mapstate.Tolerance.of(state)
        distributed = mapstate.mode(state) == mapstate.DISTRIBUTED
        report = getattr(self.listener, "on_state_progress", None)
        name = path.rsplit("/", 1)[-1]
        todo = list(enumerate(inputs))[::-1]
        outcomes: list[mapstate.ItemOutcome] = []
        limit = mapstate.workers(state, len(inputs), self.map_workers)
        with ThreadPoolExecutor(limit, thread_name_prefix=f"engage-{path}") as pool:
            running: set[Future[mapstate.ItemOutcome]] = set()
            while todo or running:
                failed = sum(o.error is not None for o in outcomes)
                while todo and len(running) < limit and not tolerance.exceeded(failed, len(inputs)):
                    index, item = todo.pop()
                    engine = self._child(run_arn, index, item) if distributed else self
                    running.add(
                        pool.submit(engine._run_item, machine, f"{path}/{index}/", index, item)
                    )
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                outcomes += [future.result() for future in finished]
                if report is not None:
                    report(path, name, "items", len(outcomes), len(inputs))
        return sorted(outcomes, key=lambda o: o.index)

    def _run_item(
        self, machine: Mapping[str, Any], prefix: str, index: int, item: Any
    ) -> mapstate.ItemOutcome:
        outcome = mapstate.ItemOutcome(index=index, input=item, start=_now())
        try:
            outcome.output = self.walk(machine, copy.deepcopy(item), prefix)
        except StatesError as err:
            outcome.error = err
        outcome.stop = _now()
        return outcome

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
