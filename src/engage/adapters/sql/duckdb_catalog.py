"""DuckDB specifics of the catalog: opening the file, listing tables, writing Parquet."""

from __future__ import annotations

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


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the catalog; explain the two usual failures (missing file, file lock)."""
    if read_only and not path.is_file():
        raise SqlError(f"no catalog at {path}: run the pipeline first to create it")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as err:
        raise SqlError(f"cannot open catalog {path}: {err}") from err
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # timestamps are UTC, as in Athena
    return con


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
