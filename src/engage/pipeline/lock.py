"""One pipeline run per lake at a time.

Why: two runs in one lake share `_staging/` and the catalog; the second run's
cleanup would delete the first one's work in progress. The lock is an exclusive
`flock` on a file beside the lake, so the kernel releases it when the holder dies
(even by `kill -9`): a stale lock never needs clearing by hand. The file records
who holds it, so the refusal can say which process to wait for.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO

LOCK_NAME = ".engage-run.lock"


class RunLockedError(RuntimeError):
    """Another `engage run` holds this lake's run lock."""


class RunLock:
    """Exclusive, non-blocking run lock on `<folder>/.engage-run.lock`."""

    def __init__(self, folder: Path, run_id: str = "") -> None:
        self.path = Path(folder) / LOCK_NAME
        self.run_id = run_id
        self._handle: IO[str] | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise RunLockedError naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "{}"
            handle.close()
            raise RunLockedError(_refusal(self.path.parent, holder)) from None
        handle.seek(0)
        handle.truncate()
        holder = {"pid": os.getpid(), "run_id": self.run_id, "since": time.time()}
        handle.write(json.dumps(holder))
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.truncate(0)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _refusal(lake: Path, holder_json: str) -> str:
    try:
        holder = json.loads(holder_json)
    except ValueError:
        holder = {}
    who = f"process {holder.get('pid', '?')}"
    if holder.get("run_id"):
        who += f" (run {holder['run_id']})"
    return (
        f"another engage run is in progress in lake {lake}: {who} holds {LOCK_NAME}; "
        "wait for it to finish (engage runs) or stop it, then start again"
    )
