"""Composition root: Settings -> adapters. The only module that knows local vs AWS.

Stages, the CLI and the API ask this module for ports (ObjectStore, SqlEngine, ...)
and never construct adapters themselves, so switching a backend is a settings change.
"""

from __future__ import annotations

from pathlib import Path

from engage.ports import Cache, ObjectStore, SqlEngine
from engage.settings import Settings

# sql/ lives at the repository root (one statement per file, Athena dialect).
SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


class BackendNotAvailableError(NotImplementedError):
    """The settings ask for a backend whose adapter is not part of this build yet."""


def object_store(settings: Settings) -> ObjectStore:
    """The lake: a local directory, or (not yet available) an S3 bucket/prefix."""
    from engage.adapters.store.local import LocalObjectStore

    if settings.lake_is_s3:
        raise BackendNotAvailableError(
            f"ENGAGE_LAKE={settings.lake} is on S3, but the S3 object store adapter is not "
            "available yet; use a local directory for ENGAGE_LAKE"
        )
    return LocalObjectStore(Path(settings.lake))


def sql_engine(
    settings: Settings, read_only: bool = False, sql_dir: Path | None = None
) -> SqlEngine:
    """The catalog + SQL engine; read_only opens the DuckDB catalog for queries only."""
    if settings.sql_engine != "duckdb":
        raise BackendNotAvailableError(
            f"ENGAGE_SQL_ENGINE={settings.sql_engine} is not available yet; use 'duckdb'"
        )
    from engage.adapters.sql.duckdb_engine import DuckDbEngine

    store = object_store(settings)
    return DuckDbEngine(
        store,  # type: ignore[arg-type]  # DuckDB writes through local paths
        settings.resolved_catalog_path(),
        sql_dir or SQL_DIR,
        read_only=read_only,
    )


def cache(settings: Settings) -> Cache:
    """The prediction cache: SQLite beside the lake, or the seed's DynamoDB table."""
    if settings.cache == "dynamodb":
        try:
            import boto3
        except ImportError as err:  # boto3 ships with the `aws` extra
            raise BackendNotAvailableError(
                "ENGAGE_CACHE=dynamodb needs boto3: pip install 'engage[aws]'"
            ) from err
        from engage.adapters.cache.dynamodb import DynamoDbCache

        client = boto3.client(
            "dynamodb",
            region_name=settings.aws_region,
            endpoint_url=settings.dynamodb_endpoint_url,
        )
        adapter = DynamoDbCache(client, settings.dynamodb_table, settings.cache_ttl_seconds)
        if settings.dynamodb_endpoint_url:  # a local endpoint (moto, DynamoDB Local)
            adapter.ensure_table()
        return adapter
    from engage.adapters.cache.sqlite import SqliteCache

    return SqliteCache(settings.resolved_cache_path(), settings.cache_ttl_seconds)
