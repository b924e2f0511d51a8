"""Bytes each SQL statement of a run would scan on Athena.

Athena bills the bytes it reads. Our CTAS statements (one per file under sql/) read
whole catalog tables, so the scan of a statement is approximated by the size of the
Parquet files under the lake prefixes of the tables it names. That is an upper bound:
Athena reads only the referenced columns of Parquet. Views and external-table DDL
scan nothing when created, so they cost nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from engage import lake
from engage.adapters.sql import athena_to_duckdb as tr


@dataclass(frozen=True)
class SqlScan:
    """One statement: the table it makes, the tables it reads and their bytes."""

    statement: str
    reads: tuple[str, ...]
    bytes_scanned: int


def statement_reads(sql_dir: Path = lake.SQL_DIR) -> dict[str, tuple[str, ...]]:
    """sql file (schema/table) -> lake tables its CTAS reads; views and DDL are left out."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted(sql_dir.glob("*/*.sql")):
        source = f"{path.parent.name}/{path.stem}"
        tree = tr.parse_one(path.read_text(encoding="utf-8"), source)
        if tr.classify(tree, source).kind != "ctas":
            continue
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        names = {
            f"{t.db}.{t.name}".lower()
            for t in tree.find_all(exp.Table)
            if t.db and t.name.lower() not in ctes
        }
        out[source] = tuple(sorted(n for n in names if _prefix(n) and n != _target(source)))
    return out


def sql_scans(sizes: Mapping[str, int], sql_dir: Path = lake.SQL_DIR) -> list[SqlScan]:
    """Each CTAS statement with the bytes of the lake files of the tables it reads."""
    scans = []
    for statement, reads in statement_reads(sql_dir).items():
        prefixes = [p for p in map(_prefix, reads) if p]
        scanned = sum(size for key, size in sizes.items() if key.startswith(tuple(prefixes)))
        scans.append(SqlScan(statement, reads, scanned))
    return scans


def _prefix(table: str) -> str | None:
    """Lake prefix of a catalog table, per-model score tables included."""
    if table in lake.TABLES:
        return lake.TABLES[table].prefix
    schema, _, name = table.partition(".")
    if schema == lake.PREDICTIONS_SCHEMA and name.endswith("_scores"):
        return lake.model_scores(name.removesuffix("_scores")).prefix
    return None


def _target(source: str) -> str:
    return source.replace("/", ".", 1)
