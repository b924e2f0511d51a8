"""DuckDB specifics of the catalog: opening the file, listing tables, writing Parquet."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from engage.adapters.sql.athena_to_duckdb import WRITE, to_literal
from engage.ports import SqlError

LIST_TABLES = """
SELECT schema_name || '.' || view_name FROM duckdb_views()
WHERE NOT internal AND database_name = current_database()
UNION ALL
SELECT schema_name || '.' || table_name FROM duckdb_tables()
WHERE NOT internal AND database_name = current_database()
ORDER BY 1
"""
LIST_VIEWS = """
SELECT schema_name || '.' || view_name FROM duckdb_views()
WHERE NOT internal AND database_name = current_database()
"""


# How long a writer waits for another process's write lock on the catalog. DuckDB has
# no busy timeout: a second process that opens the file while the first holds it fails
# at once. Parallel pipeline branches deployed as separate processes (Lambda or Fargate
# sharing one catalog, as they share Glue) each hold the lock for their few statements,
# so waiting turns a collision into a short queue instead of a failed run.
LOCK_WAIT_ENV = "ENGAGE_CATALOG_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 120.0


def connect(
    path: Path, read_only: bool, lock_wait_s: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the catalog; explain the two usual failures (missing file, file lock).

    A lock held by another process is waited for (with backoff) for up to
    `lock_wait_s` seconds (default: $ENGAGE_CATALOG_LOCK_WAIT_S, else 120 s).
    """
    if read_only and not path.is_file():
        raise SqlError(f"no catalog at {path}: run the pipeline first to create it")
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = _lock_wait(lock_wait_s)
    deadline, delay = time.monotonic() + wait, 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as err:
            if not _is_lock_conflict(err) or time.monotonic() + delay > deadline:
                waited = f" (waited {wait:g} s for the lock)" if _is_lock_conflict(err) else ""
                raise SqlError(f"cannot open catalog {path}{waited}: {err}") from err
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # timestamps are UTC, as in Athena
    return con


def _lock_wait(explicit: float | None) -> float:
    if explicit is not None:
        return max(0.0, explicit)
    raw = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_LOCK_WAIT_S
    except ValueError as err:
        raise SqlError(f"{LOCK_WAIT_ENV}={raw!r} is not a number of seconds") from err


def _is_lock_conflict(err: duckdb.Error) -> bool:
    """DuckDB's message when another process holds the file (no distinct error type)."""
    text = str(err)
    return "Could not set lock" in text or "Conflicting lock" in text


def copy_statement(select_sql: str, folder: Path, partitions: tuple[str, ...]) -> str:
    """COPY a SELECT into folder as snappy Parquet: one file, or Hive partitions."""
    options = "FORMAT PARQUET, COMPRESSION SNAPPY"
    target = folder / "part-0.parquet"
    if partitions:
        options += f", PARTITION_BY ({', '.join(partitions)})"
        target = folder
    return f"COPY ({select_sql}) TO {to_literal(str(target)).sql(WRITE)} ({options})"


def check_partitions_last(table: str, columns: list[str], partitions: tuple[str, ...]) -> None:
    """Athena requires partition columns to be the last ones; fail here, not on AWS."""
    if partitions and tuple(columns[-len(partitions) :]) != partitions:
        raise SqlError(
            f"{table}: partition columns {list(partitions)} must be the last "
            "columns of the SELECT, in that order"
        )
