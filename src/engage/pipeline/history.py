"""Run history: one JSON record per pipeline run, kept in the object store.

The record is written when the run starts (status RUNNING) and rewritten as
states start and finish, so a run killed half-way still shows how far it got.
Usage:

    history = RunHistory(store)
    recorder = history.start(params)
    runner = LocalRunner(definition, tasks, listener=MultiListener(progress, recorder))
    recorder.finish(runner.run(params, name=recorder.run_id))
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engage import lake
from engage.pipeline.errors import StatesError
from engage.pipeline.events import BaseListener, StateRecord
from engage.pipeline.runner import ExecutionResult
from engage.ports import ObjectStore

RUNS_PREFIX = lake.RUNS
RUN_ID = re.compile(r"run_\d{8}T\d{6}Z_[0-9a-f]{6}")


class UnknownRunError(KeyError):
    """No run record with this id exists in the store."""

    def __str__(self) -> str:
        return str(self.args[0])


def new_run_id(now: datetime | None = None) -> str:
    """`run_YYYYMMDDTHHMMSSZ_<6 hex>`: sortable by time, unique enough for one laptop or team."""
    now = now or datetime.now(UTC)
    return f"run_{now:%Y%m%dT%H%M%SZ}_{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunSummary:
    """One line of `engage runs list`."""

    run_id: str
    status: str
    started_at: str
    ended_at: str | None
    failed_state: str | None
    host: str | None = None
    pid: int | None = None

    @property
    def display_status(self) -> str:
        """RUNNING, unless its process on this machine is gone: then the run was killed."""
        if self.status == "RUNNING" and self.host == socket.gethostname() and self.pid:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return "KILLED"
            except PermissionError:
                return self.status
        return self.status


class RunRecorder(BaseListener):
    """A run listener that keeps the run's JSON record up to date in the store (thread-safe)."""

    def __init__(self, history: RunHistory, params: Mapping[str, Any], run_id: str) -> None:
        self.history, self.run_id = history, run_id
        self._lock = threading.Lock()
        self._states: dict[str, dict[str, Any]] = {}
        self.record: dict[str, Any] = {
            "run_id": run_id,
            "started_at": datetime.now(UTC).isoformat(),
            "ended_at": None,
            "status": "RUNNING",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "params": dict(params),
            "states": [],
            "failed_state": None,
            "failed_path": None,
            "error": None,
            "cause": None,
            "output": None,
        }
        self._save()

    def _save(self) -> None:
        with self._lock:
            self.record["states"] = list(self._states.values())
            self.history.save(self.record)

    def _update(self, record: StateRecord, with_output: bool) -> None:
        with self._lock:
            entry = self._states.setdefault(record.path, {})
            entry.update(record.to_dict(with_output=with_output))
        self._save()

    def on_state_start(self, path: str, name: str, input: Any) -> None:
        """Show the state as RUNNING, so a killed run tells where it stopped."""
        with self._lock:
            self._states[path] = {"name": name, "path": path, "status": "RUNNING"}
        self._save()

    def on_state_retry(
        self, path: str, name: str, attempt: int, error: StatesError, delay: float
    ) -> None:
        """Keep every failed attempt: flaky stages are worth knowing about."""
        retry = {"attempt": attempt, "error": error.error, "cause": error.cause, "delay_s": delay}
        with self._lock:
            self._states.setdefault(path, {}).setdefault("retries", []).append(retry)

    def on_state_end(self, path: str, name: str, output: Any, record: StateRecord) -> None:
        """Store timing, attempts and output."""
        self._update(record, with_output=True)

    def on_state_fail(self, path: str, name: str, error: StatesError, record: StateRecord) -> None:
        """Store timing, attempts and the error (and the Python traceback when there is one)."""
        with self._lock:
            if error.trace:
                self._states.setdefault(path, {})["trace"] = error.trace
        self._update(record, with_output=False)

    def finish(self, result: ExecutionResult) -> dict[str, Any]:
        """Write the final status, output and failure details; return the record."""
        for state in result.records:
            self._update(state, with_output=state.status == "SUCCEEDED")
        self.record.update(
            ended_at=datetime.now(UTC).isoformat(),
            status=result.status,
            output=result.output,
            failed_state=result.failed_state,
            failed_path=result.failed_path,
            error=result.error,
            cause=result.cause,
        )
        self._save()
        return self.record


class RunHistory:
    """Run records under `engagement-runs/<run_id>.json` in an ObjectStore."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    @staticmethod
    def key(run_id: str) -> str:
        """Store key of a run's record; rejects ids that are not run ids (no path tricks)."""
        if RUN_ID.fullmatch(run_id) is None:
            expected = "run_YYYYMMDDTHHMMSSZ_xxxxxx"
            raise UnknownRunError(f"{run_id!r} is not a run id (expected {expected})")
        return f"{RUNS_PREFIX}{run_id}.json"

    def start(self, params: Mapping[str, Any], run_id: str | None = None) -> RunRecorder:
        """Create the run's record (status RUNNING) and return the listener that maintains it."""
        return RunRecorder(self, params, run_id or new_run_id())

    def save(self, record: Mapping[str, Any]) -> None:
        """Write one record, replacing the previous version."""
        data = json.dumps(record, indent=2, default=str).encode("utf-8")
        self.store.put_bytes(self.key(record["run_id"]), data)

    def get(self, run_id: str) -> dict[str, Any]:
        """The full record of one run; `UnknownRunError` if there is none."""
        key = self.key(run_id)
        if not self.store.exists(key):
            raise UnknownRunError(f"no run {run_id!r} in {RUNS_PREFIX}")
        return json.loads(self.store.get_bytes(key))

    def list_runs(self) -> list[RunSummary]:
        """Every run, newest first (RUNNING ones included: they may have been killed)."""
        records = [
            json.loads(self.store.get_bytes(key))
            for key in self.store.list(RUNS_PREFIX)
            if key.endswith(".json")
        ]
        records.sort(key=lambda r: (r["started_at"], r["run_id"]), reverse=True)
        return [
            RunSummary(
                r["run_id"],
                r["status"],
                r["started_at"],
                r["ended_at"],
                r["failed_state"],
                r.get("host"),
                r.get("pid"),
            )
            for r in records
        ]
