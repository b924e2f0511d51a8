"""The local prediction cache: one SQLite file in WAL mode (survives restarts).

WAL lets the pipeline's ensemble step replace entries while a running server
reads them. Each thread gets its own connection (SQLite connections are not
shared across threads); a read is one primary-key lookup that also filters on
the TTL, so an expired entry is never returned even before it is purged.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from engage.adapters.cache import encode_value, split_key

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


class SqliteCache:
    """Cache port on SQLite; `clock` (seconds since the epoch) is injectable for tests."""

    is_local = True  # reads are microseconds: the API may call it on its event loop

    def __init__(
        self, path: Path, ttl_seconds: int = 3600, clock: Callable[[], float] = time.time
    ) -> None:
        self.path, self.ttl_seconds, self.clock = Path(path), ttl_seconds, clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._conn() as conn:
            conn.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteCache({str(self.path)!r})"

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def get(self, key: str) -> dict[str, Any] | None:
        customer_id, feature_hash = split_key(key)
        row = self._conn().execute(_GET, (customer_id, feature_hash, self.clock())).fetchone()
        return None if row is None else orjson.loads(row[0])

    def put(self, key: str, value: dict[str, Any], model_version: str) -> None:
        self.put_many([(key, value)], model_version)

    def put_many(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        now = self.clock()
        expires = now + self.ttl_seconds
        rows = [
            (*split_key(key), encode_value(value), model_version, now, expires)
            for key, value in items
        ]
        with self._conn() as conn:  # one transaction
            conn.executemany(_PUT, rows)
        return len(rows)

    def invalidate_except(self, model_version: str) -> int:
        with self._conn() as conn:
            gone = conn.execute(
                "DELETE FROM predictions_cache WHERE model_version <> ?", (model_version,)
            ).rowcount
            gone += self._purge(conn)
        return gone

    def delete_customer(self, customer_id: str) -> int:
        with self._conn() as conn:
            return conn.execute(
                "DELETE FROM predictions_cache WHERE customer_id = ?", (customer_id,)
            ).rowcount

    def purge_expired(self) -> int:
        """Delete entries past their TTL (reads already ignore them)."""
        with self._conn() as conn:
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
