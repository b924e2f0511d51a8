"""The catalog + SQL engine on DuckDB: the embedded default for Glue + Athena.

The catalog is a DuckDB file whose tables are *views* over the lake's Parquet files,
so the data stays in the lake, exactly as with Glue. Views name files by their lake
key (a relative path) and every connection sets DuckDB's `file_search_path` to the
store's folders, so a moved or copied lake answers from where it is now.

Locks: a DuckDB file open for writing locks out every other process. A pipeline
run writes only its own generation's catalog (adapters.store.generations); readers
open the published one read-only and re-open it when a run publishes; a writer
outside a run (`forget`, `qa review`) changes a private copy and swaps it in.
CTAS results are written to a staging prefix and published atomically by the
object store before the view is pointed at them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from engage import lake
from engage.adapters.sql import athena_to_duckdb as tr
from engage.adapters.sql.duckdb_catalog import (
    LIST_TABLES,
    LIST_VIEWS,
    check_partitions_last,
    connect,
    copy_statement,
)
from engage.adapters.sql.views import empty_view_sql, parquet_view_sql
from engage.adapters.store.local import LocalObjectStore
from engage.ports import SqlError


class DuckDbEngine:
    """SqlEngine over a DuckDB catalog file and a LocalObjectStore lake.

    Thread-safe: every call uses its own cursor of one shared connection, and
    catalog changes (DDL) are serialised by a lock, so the pipeline's parallel
    branches may call `run_file` at the same time.
    """

    def __init__(
        self,
        store: LocalObjectStore,
        catalog_path: Path,
        sql_dir: Path,
        *,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.catalog_path = Path(catalog_path)
        self.sql_dir = Path(sql_dir)
        self.read_only = read_only
        self._lock = threading.RLock()
        self._generation = getattr(store, "generation", None)
        self._swap_to: Path | None = None
        if not read_only and _outside_run(store):
            self._swap_to, self.catalog_path = self.catalog_path, _private_copy(self.catalog_path)
        self._con = self._connect()
        if not read_only:
            for schema in lake.SCHEMAS:
                self._con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = connect(self.catalog_path, self.read_only)
        folders = getattr(self.store, "search_path", lambda: [])()
        if folders:
            paths = ",".join(str(f) for f in folders)
            con.execute(f"SET GLOBAL file_search_path = {tr.to_literal(paths).sql('duckdb')}")
        return con

    def _follow_publication(self) -> None:
        """A read-only engine re-opens on the newly published generation's catalog."""
        if not self.read_only or getattr(self.store, "fixed", "") is not None:
            return
        generation = self.store.generation  # type: ignore[attr-defined]
        if generation == self._generation or generation is None:
            return
        with self._lock:
            self._con.close()
            self._generation = generation
            self.catalog_path = self.store.catalog_path()  # type: ignore[attr-defined]
            self._con = self._connect()

    def close(self) -> None:
        """Close the catalog (writes it to disk), releasing DuckDB's file lock.

        A private copy (see the module doc) replaces the published catalog here.
        """
        with self._lock:
            self._con.close()
            if self._swap_to is not None:
                os.replace(self.catalog_path, self._swap_to)
                self._swap_to = None

    def __enter__(self) -> DuckDbEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run sql/<name>.sql (name 'schema/table' or 'schema.table'); see the module doc."""
        self._require_writable()
        path = tr.sql_file(self.sql_dir, name)
        source = f"sql/{path.relative_to(self.sql_dir).as_posix()}"
        tree = tr.bind(tr.parse_one(path.read_text(encoding="utf-8"), source), params, source)
        stmt = tr.classify(tree, source)
        if stmt.table != f"{path.parent.name}.{path.stem}".lower():
            raise SqlError(f"{source} creates {stmt.table}; a file must be named after its table")
        run = {"ctas": self._materialise, "external": self._external, "view": self._view}
        try:
            return run[stmt.kind](stmt)
        except duckdb.Error as err:
            raise SqlError(f"{source}: {err}") from err

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run one read-only SELECT/WITH (Athena dialect) and return its rows as Arrow."""
        tree = tr.bind(tr.parse_one(sql), params, "query")
        tr.ensure_read_only(tree)
        self._follow_publication()
        with self._cursor() as cur:
            try:
                rel = cur.sql(tr.to_duckdb(tree))
                return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
            except duckdb.Error as err:
                raise SqlError(f"query: {err}") from err

    def drop_table(self, qualified_name: str) -> bool:
        """Drop a catalog table or view if present (the lake's files are kept, as in Glue)."""
        self._require_writable()
        name = tr.qualified_name(qualified_name)
        if name not in self.tables():
            return False
        with self._lock, self._cursor() as cur:
            views = cur.execute(LIST_VIEWS).fetchall()
            kind = "VIEW" if (name,) in views else "TABLE"
            cur.execute(f"DROP {kind} IF EXISTS {name}")
        return True

    def register_parquet(self, qualified_name: str, key: str, hive: bool = False) -> None:
        """Expose Parquet files at a lake key (a file or a prefix) as a catalog table."""
        self._require_writable()
        name = tr.qualified_name(qualified_name)
        if not self.store.exists(key):
            raise SqlError(f"cannot register {name}: no Parquet data at lake key {key!r}")
        source = self._view_source(key)
        sql = parquet_view_sql(name, source, hive=hive, single_file=key.endswith(".parquet"))
        self._ddl(name, sql)

    def tables(self) -> list[str]:
        """Qualified names of the catalog's tables and views, sorted."""
        self._follow_publication()
        with self._cursor() as cur:
            return [row[0] for row in cur.execute(LIST_TABLES).fetchall()]

    # -- statement kinds -------------------------------------------------------------

    def _materialise(self, stmt: tr.Statement) -> dict[str, Any]:
        """CTAS: COPY the SELECT into staging, publish it, point the view at it."""
        loc = lake.table_location(stmt.table)
        select_sql = tr.to_duckdb(stmt.body)
        with self._cursor() as cur:
            rel = cur.sql(select_sql)
            columns = list(zip(rel.columns, (str(t) for t in rel.types), strict=True))
            check_partitions_last(stmt.table, rel.columns, loc.partitioned_by)
            with lake.staged(self.store, stmt.table, loc.prefix) as staging:
                rows = self._copy(cur, select_sql, staging, loc.partitioned_by)
        keys = self.store.list(loc.prefix)
        source = self.store.uri(loc.prefix)
        hive = {c: t for c, t in columns if c in loc.partitioned_by}
        if keys:
            view_source = self._view_source(loc.prefix)
            sql = parquet_view_sql(stmt.table, view_source, columns=columns, hive_types=hive)
        else:
            sql = empty_view_sql(stmt.table, columns)
        self._ddl(stmt.table, sql)
        summary = _summary(stmt.table, "ctas", [c for c, _ in columns], rows, source)
        if loc.partitioned_by:
            summary["partitions"] = len({k.rsplit("/", 1)[0] for k in keys})
        return summary

    def _copy(self, cur: Any, select_sql: str, staging: str, partitions: tuple[str, ...]) -> int:
        folder = Path(self.store.uri(staging))
        folder.mkdir(parents=True, exist_ok=True)
        return int(cur.execute(copy_statement(select_sql, folder, partitions)).fetchone()[0])

    def _external(self, stmt: tr.Statement) -> dict[str, Any]:
        """CREATE EXTERNAL TABLE: a typed view over the table's lake location."""
        loc = lake.table_location(stmt.table)
        if not self.store.list(loc.prefix):
            raise SqlError(f"{stmt.table}: no files at lake prefix {loc.prefix!r} yet")
        source = self.store.uri(loc.prefix)
        view = parquet_view_sql(
            stmt.table, self._view_source(loc.prefix), columns=stmt.columns, cast=True
        )
        self._ddl(stmt.table, view)
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT count(*) FROM {stmt.table}").fetchone()[0]
        return _summary(stmt.table, "external", [c for c, _ in stmt.columns], rows, source)

    def _view(self, stmt: tr.Statement) -> dict[str, Any]:
        self._ddl(stmt.table, tr.to_duckdb(stmt.body))
        with self._cursor() as cur:
            columns = cur.sql(f"SELECT * FROM {stmt.table}").columns
        return _summary(stmt.table, "view", list(columns))

    # -- plumbing ----------------------------------------------------------------------

    def _ddl(self, table: str, sql: str) -> None:
        with self._lock, self._cursor() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
            cur.execute(sql)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._lock:
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _view_source(self, key: str) -> str:
        """The lake key itself where the connection resolves keys (see the module doc)."""
        return key if hasattr(self.store, "search_path") else self.store.uri(key)

    def _require_writable(self) -> None:
        if self.read_only:
            raise SqlError("the catalog is open read-only; this needs a writable engine")


def _outside_run(store: Any) -> bool:
    """A writer on a published generation's catalog (not a run's own generation)."""
    return getattr(store, "fixed", "") is None and getattr(store, "generation", None) is not None


def _private_copy(catalog: Path) -> Path:
    work = catalog.with_name(f".{catalog.name}.{os.getpid()}.{threading.get_ident()}")
    if catalog.is_file():
        shutil.copy2(catalog, work)
    return work


def _summary(
    table: str, kind: str, columns: list[str], rows: int | None = None, location: str | None = None
) -> dict[str, Any]:
    """What run_file reports: the same keys for every statement kind where they apply."""
    out: dict[str, Any] = {"table": table, "kind": kind, "columns": columns}
    if rows is not None:
        out["rows"] = int(rows)
    if location is not None:
        out["location"] = location
    return out
