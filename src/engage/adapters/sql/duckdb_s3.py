"""DuckDB over an S3 lake, offline: the DuckDB engine reading through an S3MirrorStore.

Why a subclass and not a DuckDB setting: DuckDB's S3 support (httpfs) is an extension
downloaded at first use, which fails offline. The mirror store keeps a local copy of
the Parquet the catalog's views read; before each statement this engine re-syncs it,
so files another stage rewrote on S3 are what the next query sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from engage.adapters.sql.duckdb_engine import DuckDbEngine
from engage.adapters.store.s3_mirror import S3MirrorStore


class S3MirrorDuckDbEngine(DuckDbEngine):
    """DuckDbEngine whose lake is S3, seen through a synced local mirror."""

    store: S3MirrorStore  # type: ignore[assignment]

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        self.store.refresh()
        return super().run_file(name, params)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        self.store.refresh()
        return super().query(sql, params)
