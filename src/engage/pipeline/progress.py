"""Progress inside a Task state: how a stage says "round 120 of 400" without knowing
who listens.

The engine binds a reporter to the state it runs (`bound`), in the thread that
runs the task; a stage asks for it once (`current()`, via `Services.progress`)
and passes it down to the models or worker threads it uses. The reporter forwards
to the run's listener (`on_state_progress`), so the CLI renders it and stages
never import rich or the CLI. Outside the local runner (a Lambda, an ECS task,
a test calling a stage directly) `current()` is a no-op reporter.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any

from engage.ports import ProgressReporter

_CURRENT: contextvars.ContextVar[ProgressReporter | None] = contextvars.ContextVar(
    "engage_progress", default=None
)
MIN_INTERVAL_S = 0.2  # counted updates: at most ~5 a second per state (phases and ends pass)


def quiet(message: str, done: int | None = None, total: int | None = None) -> None:
    """The reporter where nobody listens."""


def current() -> ProgressReporter:
    """The reporter bound to the state running in this thread (or `quiet`)."""
    return _CURRENT.get() or quiet


class _StateReporter:
    """Forwards to `listener.on_state_progress`, throttled; never raises into the stage."""

    def __init__(self, listener: Any, path: str) -> None:
        self.listener, self.path = listener, path
        self.name = path.rstrip("/").rsplit("/", 1)[-1]
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        counted = done is not None and total is not None
        with self._lock:  # a new phase (no count) and the last count always pass
            now = time.monotonic()
            if counted and done < total and now - self._last < MIN_INTERVAL_S:  # type: ignore[operator]
                return
            self._last = now
        handler = getattr(self.listener, "on_state_progress", None)
        if handler is None:
            return
        try:
            handler(self.path, self.name, message, done, total)
        except Exception:  # a display must never fail the run
            return


def bound(listener: Any, path: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`fn` running with a reporter for state `path` (set in whichever thread runs it)."""
    reporter = _StateReporter(listener, path)

    def run(arg: Any) -> Any:
        token = _CURRENT.set(reporter)
        try:
            return fn(arg)
        finally:
            _CURRENT.reset(token)

    return run
