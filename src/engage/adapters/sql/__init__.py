"""SQL engine adapters: the catalog + SQL engine on DuckDB (Athena comes later)."""

from engage.adapters.sql.duckdb_engine import DuckDbEngine

__all__ = ["DuckDbEngine"]
