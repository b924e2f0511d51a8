"""LocalRunner: execute the pipeline's ASL definition on one machine, for real.

The definition that AWS Step Functions would run is the one executed here:
same states, same Retry/Catch, same ResultPaths, same Parallel fan-out. Only
the Task resources differ: each Task state calls a Python callable looked up
by its logical name (`asl.task_name`), e.g. `{"training": train_fn, ...}`.

Example:
    runner = LocalRunner(render(load_definition(), local_values()), tasks)
    result = runner.run({"customers": 1000})
    result.status  # "SUCCEEDED" or "FAILED"; result.failed_state names the culprit
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engage.pipeline.asl import iter_states, task_name, validate
from engage.pipeline.engine import Engine
from engage.pipeline.errors import StatesError
from engage.pipeline.events import BaseListener, MultiListener, RunListener, StateRecord
from engage.ports import ObjectStore

__all__ = [
    "BaseListener",
    "ExecutionResult",
    "LocalRunner",
    "MultiListener",
    "RunListener",
    "StateRecord",
    "StatesError",
]

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"


@dataclass
class ExecutionResult:
    """Outcome of one execution, shaped like Step Functions' DescribeExecution.

    `failed_state` is the name of the state where the failure started (e.g.
    `TrainingTask`, even when a Parallel and a Catch -> Fail route carried it
    further); `failed_path` locates it inside Parallel branches.
    """

    name: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    failed_path: str | None = None
    records: list[StateRecord] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """Whether the execution ended in a Succeed state or a final End."""
        return self.status == SUCCEEDED


class LocalRunner:
    """Runs an ASL state machine in-process with Python callables as Task resources.

    Args:
        definition: a state machine (rendered, or with placeholders left in).
        tasks: logical task name -> callable taking the Task's effective input
            (after InputPath/Parameters; for ECS tasks the RunTask Parameters)
            and returning a JSON value. Its exception is the task error, named
            after the exception class, so Retry/Catch `ErrorEquals` can name it.
        listener: observer of state events; called from several threads when
            Parallel branches run (see `RunListener`).
        sleep: waits for Retry intervals and Wait states; inject a fake in tests.
        prefix: resource-name prefix to strip when deriving task names.
        store: the object store a Map's `ItemReader` reads its item manifest from
            and its `ResultWriter` writes results to (`<Bucket>/<Key>` lake keys).
        map_workers: at most this many Map items at once, whatever MaxConcurrency
            allows (a laptop scores a few shards at a time where AWS runs many tasks).
        state_machine_name: used in the context object (`$$.StateMachine.Name`).

    Raises:
        DefinitionError: the definition is structurally invalid.
        ValueError: a Task state has no callable in `tasks`.
    """

    def __init__(
        self,
        definition: Mapping[str, Any],
        tasks: Mapping[str, Callable[[Any], Any]],
        listener: RunListener | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        *,
        prefix: str = "",
        state_machine_name: str = "engagement-ml-pipeline",
        store: ObjectStore | None = None,
        map_workers: int | None = None,
    ) -> None:
        validate(definition)
        needed = {
            task_name(state, prefix)
            for _, _, state in iter_states(definition)
            if state.get("Type") == "Task"
        }
        missing = sorted(needed - set(tasks))
        if missing:
            raise ValueError(f"no callable for task(s): {', '.join(missing)}")
        self.definition, self.tasks, self.sleep = definition, tasks, sleep
        self.listener: RunListener = listener or BaseListener()
        self.prefix, self.state_machine_name = prefix, state_machine_name
        self.store, self.map_workers = store, map_workers

    def _context(self, name: str, data: Any) -> dict[str, Any]:
        machine_arn = f"arn:aws:states:local:000000000000:stateMachine:{self.state_machine_name}"
        return {
            "Execution": {
                "Id": f"{machine_arn.replace(':stateMachine:', ':execution:')}:{name}",
                "Input": data,
                "Name": name,
                "StartTime": datetime.now(UTC).isoformat(),
            },
            "StateMachine": {"Id": machine_arn, "Name": self.state_machine_name},
        }

    def run(
        self, input: Mapping[str, Any] | None = None, name: str | None = None
    ) -> ExecutionResult:
        """Execute the state machine once; never raises for a failed execution.

        Args:
            input: the execution input (JSON object).
            name: the execution name (`$$.Execution.Name`); a run id is a good choice.

        Raises:
            ValueError: `input` is not JSON-serialisable.
        """
        name = name or f"local-{uuid.uuid4().hex[:12]}"
        try:
            data = json.loads(json.dumps({} if input is None else input))
        except TypeError as exc:
            raise ValueError(f"execution input is not JSON: {exc}") from exc
        engine = Engine(
            self.tasks,
            self.listener,
            self.sleep,
            self._context(name, data),
            self.prefix,
            self.store,
            self.map_workers,
        )
        try:
            output = engine.walk(self.definition, data, "")
        except StatesError as err:
            origin = err.origin or ""
            return ExecutionResult(
                name=name,
                status=FAILED,
                error=err.error,
                cause=err.cause,
                failed_state=origin.rsplit("/", 1)[-1] or None,
                failed_path=origin or None,
                records=engine.records,
            )
        return ExecutionResult(name=name, status=SUCCEEDED, output=output, records=engine.records)
