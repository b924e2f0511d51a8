"""The audit trail's write-ahead journal: an answered prediction is never lost.

The API buffers audit records and writes them to the lake in batches (a
Parquet file per flush). Before a record is buffered it is appended to a
journal segment on local disk with one `write` of one JSON line, so a server
killed with `kill -9` (or a crash) after answering leaves the record in the
journal: the kernel holds it even if the process is gone. The flush thread
`fsync`s the segment before each batch (so a power loss loses at most one
flush interval) and deletes a segment once its records are in the lake.

Each process writes its own segments and holds an exclusive `flock` on the one
it is appending to; `recover` (run when a server starts) replays the segments
nobody holds, i.e. those of dead processes, into the lake and removes them.
A line torn by a kill in the middle of a write belongs to a request that was
never answered and is skipped.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

SUFFIX = ".jsonl"


class AuditJournal:
    """Append-only JSON-lines segments in `folder`, one open segment per process."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd, self._path = self._open()

    def _open(self) -> tuple[int, Path]:
        path = self.folder / f"{os.getpid()}-{secrets.token_hex(6)}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, path

    def append(self, records: Iterable[Any]) -> None:
        """One write of the records' JSON lines (dataclasses) before the answer goes out."""
        payload = b"".join(orjson.dumps(asdict(r)) + b"\n" for r in records)
        if payload:
            with self._lock:
                os.write(self._fd, payload)

    def rotate(self) -> tuple[int, Path]:
        """Start a new segment; the previous one (fsync'd, still locked) is returned.

        The caller `release`s it once its records are in the lake; until then it
        stays locked, so no recoverer replays it twice.
        """
        with self._lock:
            fd, path = self._fd, self._path
            self._fd, self._path = self._open()
        os.fsync(fd)
        return fd, path

    @staticmethod
    def release(segment: tuple[int, Path]) -> None:
        """Delete a segment whose records are safely in the lake."""
        fd, path = segment
        path.unlink(missing_ok=True)
        os.close(fd)

    def close(self) -> None:
        with self._lock:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
        if self._path.stat().st_size == 0:
            self._path.unlink(missing_ok=True)


def read_segment(path: Path) -> list[dict[str, Any]]:
    """The whole lines of one segment as record dicts (timestamps as datetimes)."""
    out = []
    for line in path.read_bytes().splitlines():
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:  # torn by a kill: that request was not answered
            continue
        if row.get("timestamp"):
            row["timestamp"] = datetime.fromisoformat(row["timestamp"])
        out.append(row)
    return out


def recover(folder: Path, append: Callable[[list[dict[str, Any]]], int]) -> int:
    """Replay segments no live process holds into `append`; returns records replayed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    replayed = 0
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # another recoverer got there first
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live process's open segment
            os.close(fd)
            continue
        try:
            rows = read_segment(path)
            if rows:
                replayed += append(rows)
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return replayed
