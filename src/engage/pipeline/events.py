"""What observers of an execution see: per-state records and the listener protocol.

A progress display and the run history both watch the runner through the same
four callbacks instead of parsing logs, so they can never disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from engage.pipeline.errors import StatesError


@dataclass
class StateRecord:
    """One state's execution: timing, attempts and outcome.

    `path` is unique within a run: top-level states are their name, states in
    Parallel branches are `<Parallel>/<branch index>/<name>`, states of a Map's
    item processor are `<Map>/<item index>/<name>`.
    """

    name: str
    path: str
    start: datetime
    end: datetime | None = None
    duration_s: float | None = None
    attempts: int = 0
    status: str = "RUNNING"
    error: str | None = None
    cause: str | None = None
    output: Any = field(default=None, repr=False)

    def to_dict(self, with_output: bool = False) -> dict[str, Any]:
        """JSON-ready form (ISO-8601 times); the output only when asked, as it can be large."""
        out = {
            "name": self.name,
            "path": self.path,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "duration_s": self.duration_s,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
            "cause": self.cause,
        }
        if with_output:
            out["output"] = self.output
        return out


class RunListener(Protocol):
    """Observer of an execution.

    Thread safety: states in different Parallel branches run in different
    threads, so these methods may be called concurrently and must guard any
    shared state (a lock is enough). Calls about one state come from one thread,
    in order: start, zero or more retries, then end or fail. An exception raised
    by a listener aborts the run, so listeners should not raise.
    """

    def on_state_start(self, path: str, name: str, input: Any) -> None:
        """A state was entered with `input` (its raw input, before InputPath)."""

    def on_state_retry(
        self, path: str, name: str, attempt: int, error: StatesError, delay: float
    ) -> None:
        """Attempt number `attempt` failed with `error`; the next starts after `delay` s."""

    def on_state_end(self, path: str, name: str, output: Any, record: StateRecord) -> None:
        """The state succeeded with `output` (after OutputPath)."""

    def on_state_fail(self, path: str, name: str, error: StatesError, record: StateRecord) -> None:
        """The state failed for good (retries spent); a Catch may still route onward."""

    def on_state_progress(
        self, path: str, name: str, message: str, done: int | None, total: int | None
    ) -> None:
        """A running Task reported progress (`engage.pipeline.progress`), e.g. a boosting
        round; optional for listeners (the engine calls it only where it exists)."""


class BaseListener:
    """A listener that ignores everything; subclass it and override what you need."""

    def on_state_start(self, path: str, name: str, input: Any) -> None:
        """Ignore."""

    def on_state_retry(
        self, path: str, name: str, attempt: int, error: StatesError, delay: float
    ) -> None:
        """Ignore."""

    def on_state_end(self, path: str, name: str, output: Any, record: StateRecord) -> None:
        """Ignore."""

    def on_state_fail(self, path: str, name: str, error: StatesError, record: StateRecord) -> None:
        """Ignore."""

    def on_state_progress(
        self, path: str, name: str, message: str, done: int | None, total: int | None
    ) -> None:
        """Ignore."""


class MultiListener(BaseListener):
    """Fan every callback out to several listeners (e.g. progress display + run history)."""

    def __init__(self, *listeners: RunListener) -> None:
        self.listeners = listeners

    def on_state_start(self, path: str, name: str, input: Any) -> None:
        """Forward to every listener."""
        for listener in self.listeners:
            listener.on_state_start(path, name, input)

    def on_state_retry(
        self, path: str, name: str, attempt: int, error: StatesError, delay: float
    ) -> None:
        """Forward to every listener."""
        for listener in self.listeners:
            listener.on_state_retry(path, name, attempt, error, delay)

    def on_state_end(self, path: str, name: str, output: Any, record: StateRecord) -> None:
        """Forward to every listener."""
        for listener in self.listeners:
            listener.on_state_end(path, name, output, record)

    def on_state_fail(self, path: str, name: str, error: StatesError, record: StateRecord) -> None:
        """Forward to every listener."""
        for listener in self.listeners:
            listener.on_state_fail(path, name, error, record)

    def on_state_progress(
        self, path: str, name: str, message: str, done: int | None, total: int | None
    ) -> None:
        """Forward to every listener that takes progress."""
        for listener in self.listeners:
            handler = getattr(listener, "on_state_progress", None)
            if handler is not None:
                handler(path, name, message, done, total)
