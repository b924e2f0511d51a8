"""Where a customer's rows can be: every lake table keyed by customer id or token.

Erasure and export must cover *every* table, including ones added after this module
was written. So the list is discovered, not typed in: every catalog table with a
``customer_id`` (or ``customer_token``) column, plus every table the lake layout
knows, mapped to its lake prefix through `engage.lake`. A catalog table that holds
customer rows but has no known location stops the request (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from engage import bootstrap, lake
from engage.ports import ObjectStore, SqlEngine
from engage.privacy.errors import UnmappedTableError
from engage.settings import Settings

ID_COLUMN = "customer_id"
TOKEN_COLUMN = "customer_token"  # noqa: S105 - a column name, not a secret
_SCORES = re.compile(rf"{lake.PREDICTIONS_SCHEMA}\.([a-z][a-z0-9_]*)_scores")
# Views computed from other tables: erasing their sources erases them.
DERIVED_VIEWS = frozenset(lake.VIEWS)


@dataclass(frozen=True)
class SubjectTable:
    """A table holding per-customer rows, where its files are and which column keys them."""

    name: str
    prefix: str
    key_column: str  # ID_COLUMN or TOKEN_COLUMN


def location_of(name: str) -> lake.TableLocation | None:
    """The lake location of a catalog table, or None when the layout does not know it."""
    name = name.lower()
    if name in lake.TABLES:
        return lake.TABLES[name]
    if name in lake.RESTRICTED_TABLES:
        return lake.RESTRICTED_TABLES[name]
    match = _SCORES.fullmatch(name)
    return lake.model_scores(match.group(1)) if match else None


def read_file(store: ObjectStore, key: str) -> pa.Table:
    """One Parquet file exactly as stored (no Hive columns inferred from its path)."""
    return pq.read_table(pa.BufferReader(store.get_bytes(key)))


def parquet_keys(store: ObjectStore, prefix: str) -> list[str]:
    return [k for k in store.list(prefix) if k.endswith(".parquet")]


def subject_tables(store: ObjectStore, sql: SqlEngine | None) -> list[SubjectTable]:
    """Every table that may hold a customer's rows, sorted by name.

    Raises:
        UnmappedTableError: a catalog table has customer rows but no known location.
    """
    found: dict[str, SubjectTable] = {}
    for name, columns in _catalog_columns(sql):
        key = _key_column(columns)
        if key is None or name in DERIVED_VIEWS:
            continue
        loc = location_of(name)
        if loc is None:
            raise UnmappedTableError(
                f"catalog table {name} holds customer rows but engage.lake does not say where "
                "its files are; add it there so that erasure and export can reach it"
            )
        found[name] = SubjectTable(name, loc.prefix, key)
    for loc in [*lake.TABLES.values(), *lake.RESTRICTED_TABLES.values(), *_score_tables(store)]:
        if loc.qualified_name in found:
            continue
        keys = parquet_keys(store, loc.prefix)
        key = _key_column(_file_columns(store, keys[0])) if keys else None
        if key is not None:
            found[loc.qualified_name] = SubjectTable(loc.qualified_name, loc.prefix, key)
    return [found[n] for n in sorted(found)]


def discover(settings: Settings, store: ObjectStore) -> list[SubjectTable]:
    """Tables to search: the catalog's (read-only, closed again) and the lake layout's.

    A catalog that exists but cannot be opened (a pipeline run holds it) is an error:
    searching the layout alone could miss a table only the catalog knows.
    """
    engine: SqlEngine | None = None
    published = getattr(store, "catalog_path", lambda: None)()  # a generation's catalog
    if settings.sql_engine != "duckdb" or published or settings.resolved_catalog_path().exists():
        engine = bootstrap.sql_engine(settings, read_only=True)
    try:
        return subject_tables(store, engine)
    finally:
        if engine is not None and hasattr(engine, "close"):
            engine.close()


def _key_column(columns: list[str]) -> str | None:
    if ID_COLUMN in columns:
        return ID_COLUMN
    return TOKEN_COLUMN if TOKEN_COLUMN in columns else None


def _file_columns(store: ObjectStore, key: str) -> list[str]:
    return pq.read_schema(pa.BufferReader(store.get_bytes(key))).names


def _catalog_columns(sql: SqlEngine | None) -> Iterator[tuple[str, list[str]]]:
    if sql is None:
        return
    for name in sql.tables():
        yield name, sql.query(f"SELECT * FROM {name} LIMIT 0").column_names


def _score_tables(store: ObjectStore) -> list[lake.TableLocation]:
    models = {k[len(lake.MODEL_SCORES) :].split("/", 1)[0] for k in store.list(lake.MODEL_SCORES)}
    return [lake.model_scores(m) for m in sorted(models) if re.fullmatch(r"[a-z][a-z0-9_]*", m)]
