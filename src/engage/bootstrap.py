"""Composition root: Settings -> adapters. The only module that knows local vs AWS.

Stages, the CLI and the API ask this module for ports (ObjectStore, SqlEngine, ...)
and never construct adapters themselves, so switching a backend is a settings change.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engage.ports import Cache, ObjectStore, SqlEngine
from engage.settings import Settings

if TYPE_CHECKING:
    from engage.adapters.store.s3 import S3ObjectStore
    from engage.agent.embeddings import Embedder
    from engage.agent.planner import Planner

# sql/ lives at the repository root (one statement per file, Athena dialect).
SQL_DIR = Path(__file__).resolve().parent / "sql"  # packaged: the wheel and image carry it


def planner(settings: Settings, tools: Any, client: Any = None, kb: Any = None) -> Planner:
    """The Q&A planner: offline (default), Bedrock Converse or an OpenAI-compatible API."""
    if settings.llm == "bedrock":
        from engage.agent.planner.bedrock import BedrockPlanner

        return BedrockPlanner(settings, tools, client, kb)
    if settings.llm == "openai":
        from engage.agent.planner.openai_compat import OpenAiPlanner

        return OpenAiPlanner(settings, tools, client)
    from engage.agent.planner.offline import OfflinePlanner

    return OfflinePlanner(tools)


def embedder(
    settings: Settings, client: Any = None, state: dict[str, Any] | None = None
) -> Embedder:
    """The knowledge-base embedder: local hashed TF-IDF (default) or Titan v2 on Bedrock;
    `state` restores a fitted one."""
    from engage.agent.embeddings import LocalEmbedder, TitanEmbedder

    if settings.embeddings == "titan":
        if client is None:
            import boto3

            client = boto3.client("bedrock-runtime", region_name=settings.aws_region)
        return TitanEmbedder(client, **{k: v for k, v in (state or {}).items() if k != "idf"})
    state = state or {}
    return LocalEmbedder(state.get("n_features", 2**12), state.get("idf"))


class BackendNotAvailableError(NotImplementedError):
    """The settings ask for a backend whose adapter is not part of this build yet."""


def object_store(settings: Settings, generation: str | None = None) -> ObjectStore:
    """The lake: a local directory, or an S3 bucket/prefix (`ENGAGE_LAKE=s3://...`).

    A local lake is seen through its published generation, or through `generation`
    (a pipeline run's own, see engage.adapters.store.generations).
    """
    if settings.lake_is_s3:
        return _s3_store(settings)
    from engage.adapters.store.generations import GenerationStore
    from engage.adapters.store.local import LocalObjectStore

    return GenerationStore(LocalObjectStore(Path(settings.lake)), generation)


def _s3_store(settings: Settings) -> S3ObjectStore:
    from engage.adapters.store.s3 import S3ObjectStore, parse_s3_url, s3_client

    bucket, prefix = parse_s3_url(settings.lake)
    try:
        client = s3_client(settings.aws_region, settings.s3_endpoint_url)
    except ImportError as err:  # boto3 ships with the `aws` extra
        msg = "an s3:// lake needs boto3: pip install 'engage[aws]'"
        raise BackendNotAvailableError(msg) from err
    return S3ObjectStore(bucket, prefix, client=client)


def sql_engine(
    settings: Settings,
    read_only: bool = False,
    sql_dir: Path | None = None,
    generation: str | None = None,
) -> SqlEngine:
    """The catalog + SQL engine; read_only opens the DuckDB catalog for queries only.

    A local lake's catalog is its published generation's (or `generation`'s, for a
    pipeline run); a lake that has published none uses `settings.catalog_path`.
    """
    if settings.sql_engine == "athena":
        from engage.adapters.sql.athena import AthenaEngine

        return AthenaEngine.from_settings(settings, sql_dir or SQL_DIR)
    from engage.adapters.sql.duckdb_engine import DuckDbEngine

    if settings.lake_is_s3:  # DuckDB reads S3 through a local mirror (no httpfs offline)
        from engage.adapters.sql.duckdb_s3 import S3MirrorDuckDbEngine
        from engage.adapters.store.s3_mirror import S3MirrorStore

        mirror = S3MirrorStore(_s3_store(settings), settings.resolved_lake_cache_path())
        return S3MirrorDuckDbEngine(
            mirror,  # type: ignore[arg-type]
            settings.resolved_catalog_path(),
            sql_dir or SQL_DIR,
            read_only=read_only,
        )
    store = object_store(settings, generation)
    catalog = getattr(store, "catalog_path", lambda: None)() or settings.resolved_catalog_path()
    return DuckDbEngine(
        store,  # type: ignore[arg-type]  # DuckDB writes through local paths
        catalog,
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
