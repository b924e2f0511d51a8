"""A per-run in-memory copy of the customer table's columns, queried with DuckDB in process.

Why: `final_results` is partitioned by state x account type (~100 Parquet files), so every
query over it opens them all: 60-350 ms at 100K on a busy 2-core machine, for each page of
the table. The shown columns (~10 MB at 100K) are read once per run through the catalog
engine into an in-memory DuckDB table; each page is then one SQL statement (WHERE,
ORDER BY, LIMIT/OFFSET) on a cursor of it. Tables larger than MAX_ROWS are not copied:
their pages query the catalog directly.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

MAX_ROWS = 2_000_000
NAME = "customers"
_copies: dict[tuple[str, str], duckdb.DuckDBPyConnection | None] = {}
_lock = threading.Lock()


def copy(
    key: tuple[str, str], load: Callable[[], pa.Table], rows: Callable[[], int]
) -> duckdb.DuckDBPyConnection | None:
    """The run's copy (loaded on first use), or None when the table is too large to copy."""
    with _lock:
        if key not in _copies:
            for old in _copies.values():  # one run at a time: the newest
                if old is not None:
                    old.close()
            _copies.clear()
            _copies[key] = _load(load()) if rows() <= MAX_ROWS else None
        return _copies[key]


def _load(table: pa.Table) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.register("loaded", table)
    con.execute(f"CREATE TABLE {NAME} AS SELECT * FROM loaded")
    con.unregister("loaded")
    return con


def query(
    con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run `statement` (FROM customers, `:name` parameters) on a cursor of the copy."""
    cursor = con.cursor()  # one per call: cursors may be used from any thread
    try:
        duck = re.sub(r":([a-z_]+)", r"$\1", statement)
        return cursor.sql(duck, params=params).to_arrow_table().to_pylist()
    finally:
        cursor.close()
