"""The local prediction cache: SQLite files in WAL mode (survives restarts).

Two rules keep a busy cache from ever stalling the API:

* **Short busy timeouts.** A connection waits at most `busy_timeout_s` (default
  0.25 s) for another writer's lock, then raises `CacheBusyError`; callers treat
  that as a miss (reads) or skip the write. Reads in WAL mode never wait for a
  writer anyway.
* **Bulk loads never lock the live file.** `replace_all` (the pipeline's cache
  warm after a run: 100K rows, seconds of writing) builds a new generation file
  beside the live one and then swaps a symlink onto `path` with one atomic
  `rename`. Every connection checks the link on each call (one `readlink`) and
  reopens on the new generation; the old one is unlinked (open handles keep it
  readable until they move on). The link is relative, so a lake that is moved
  or copied keeps its cache. A plain file at `path` (an older lake) is read as
  the current generation until the first swap replaces it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from engage.adapters.cache import CacheBusyError, encode_value, split_key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions_cache (
    customer_id   TEXT NOT NULL,
    feature_hash  TEXT NOT NULL,
    value         BLOB NOT NULL,
    model_version TEXT NOT NULL,
    timestamp     REAL NOT NULL,
    ttl           REAL NOT NULL,
    PRIMARY KEY (customer_id, feature_hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS model_version_timestamp
    ON predictions_cache (model_version, timestamp);
"""
_GET = "SELECT value FROM predictions_cache WHERE customer_id = ? AND feature_hash = ? AND ttl > ?"
_PUT = "INSERT OR REPLACE INTO predictions_cache VALUES (?, ?, ?, ?, ?, ?)"
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _target(path: Path) -> str:
    """What `path` names now: the generation file of a symlink, else the path itself."""
    try:
        return os.readlink(path)
    except OSError:  # a plain file (older lake) or nothing yet
        return path.name


class SqliteCache:
    """Cache port on SQLite; `clock` (seconds since the epoch) is injectable for tests."""

    is_local = True  # reads are microseconds: the API may call `get` on its event loop

    def __init__(
        self,
        path: Path,
        ttl_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        busy_timeout_s: float = 0.25,
    ) -> None:
        self.path, self.ttl_seconds, self.clock = Path(path), ttl_seconds, clock
        self.busy_timeout_s = busy_timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._guard(), self._conn() as conn:
            conn.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteCache({str(self.path)!r})"

    def _open(self, name: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path.parent / name, timeout=self.busy_timeout_s, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._all.append(conn)
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection to the current generation (reopened after a swap)."""
        name = _target(self.path)
        local = self._local
        if getattr(local, "name", None) != name:
            old = getattr(local, "conn", None)
            local.conn, local.name = self._open(name), name
            if old is not None:
                with self._lock:
                    self._all.remove(old)
                old.close()
        return local.conn

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """A locked database becomes `CacheBusyError` (a miss or a skipped write)."""
        try:
            yield
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise CacheBusyError(f"{self.path}: {err}") from err
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        customer_id, feature_hash = split_key(key)
        with self._guard():
            row = self._conn().execute(_GET, (customer_id, feature_hash, self.clock())).fetchone()
        return None if row is None else orjson.loads(row[0])

    def put(self, key: str, value: dict[str, Any], model_version: str) -> None:
        self.put_many([(key, value)], model_version)

    def _rows(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> list[tuple[Any, ...]]:
        now = self.clock()
        expires = now + self.ttl_seconds
        return [
            (*split_key(key), encode_value(value), model_version, now, expires)
            for key, value in items
        ]

    def put_many(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        rows = self._rows(items, model_version)
        with self._guard(), self._conn() as conn:  # one transaction
            conn.executemany(_PUT, rows)
        return len(rows)

    def replace_all(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        """Make these entries the whole cache: written into a new file, then swapped in.

        The live file's write lock is never taken, so API writes go on meanwhile
        (entries they add to the old generation are dropped with it).
        """
        name = f"{self.path.name}.gen-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        fresh = self.path.parent / name
        conn = sqlite3.connect(fresh)
        try:
            conn.executescript(_SCHEMA)
            rows = self._rows(items, model_version)
            with conn:
                conn.executemany(_PUT, rows)
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        self._swap(name)
        return len(rows)

    def _swap(self, name: str) -> None:
        """Point `path` at generation `name` atomically; remove the previous one."""
        previous = _target(self.path)
        link = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}.link"
        os.symlink(name, link)
        os.replace(link, self.path)
        if previous != self.path.name:
            (self.path.parent / previous).unlink(missing_ok=True)
        for suffix in _SIDE_FILES:  # the previous generation's (or the plain file's) journals
            (self.path.parent / f"{previous}{suffix}").unlink(missing_ok=True)

    def invalidate_except(self, model_version: str) -> int:
        with self._guard(), self._conn() as conn:
            gone = conn.execute(
                "DELETE FROM predictions_cache WHERE model_version <> ?", (model_version,)
            ).rowcount
            gone += self._purge(conn)
        return gone

    def delete_customer(self, customer_id: str) -> int:
        with self._guard(), self._conn() as conn:
            return conn.execute(
                "DELETE FROM predictions_cache WHERE customer_id = ?", (customer_id,)
            ).rowcount

    def purge_expired(self) -> int:
        """Delete entries past their TTL (reads already ignore them)."""
        with self._guard(), self._conn() as conn:
            return self._purge(conn)

    def _purge(self, conn: sqlite3.Connection) -> int:
        return conn.execute(
            "DELETE FROM predictions_cache WHERE ttl <= ?", (self.clock(),)
        ).rowcount

    def count(self) -> int:
        """Entries stored, expired ones included until purged (for tests and /metrics)."""
        return self._conn().execute("SELECT count(*) FROM predictions_cache").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
