"""Calling one Task's Python callable the way Step Functions calls a Lambda.

The callable gets a private JSON copy of its input (so it cannot corrupt the
execution's data, which Parallel branches share), its exception becomes the
task error, and `TimeoutSeconds` is enforced from outside the callable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from engage.pipeline.errors import TIMEOUT, StatesError, runtime_error

Task = Callable[[Any], Any]


def json_copy(value: Any, what: str) -> Any:
    """Deep copy through JSON; States.Runtime if `value` is not JSON (e.g. a numpy scalar)."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise runtime_error(f"{what} is not JSON: {exc}") from exc


def _call_with_timeout(fn: Task, arg: Any, timeout: float) -> Any:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(arg)
        except Exception as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="engage-task")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StatesError(TIMEOUT, f"task did not finish within {timeout} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def call_task(fn: Task, effective_input: Any, timeout: float | None, path: str) -> Any:
    """Run a task and return its JSON result, raising its failure as a `StatesError`.

    With a timeout the callable runs in a daemon worker thread; Python cannot
    kill a thread, so on `States.Timeout` the worker is abandoned (it keeps
    running in the background until it returns, and its result is dropped).
    """
    arg = json_copy(effective_input, f"input of {path}")
    try:
        result = fn(arg) if timeout is None else _call_with_timeout(fn, arg, timeout)
    except Exception as exc:
        raise StatesError.from_exception(exc) from exc
    return json_copy(result, f"result of task {path}")
