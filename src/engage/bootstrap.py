"""Composition root: Settings -> adapters. The only module that knows local vs AWS.

Only entry points call it: the CLI commands, the API's start-up, the Lambda/Fargate
handlers and the local runner's `Services`. Everything else receives the ports it
uses as parameters (`record_decision(store, catalog, ...)`, `Tools(settings, engine)`),
so a test hands in a fake and a backend switch is a settings change here.

Each port's backends are a table keyed by the setting's value (Metaflow's `TYPE`
idea), not an if-chain: adding a backend is one function and one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engage.lake import SQL_DIR
from engage.ports import Cache, KnowledgeBasePublisher, ObjectStore, SqlEngine
from engage.settings import Settings

if TYPE_CHECKING:
    from engage.adapters.store.s3 import S3ObjectStore
    from engage.agent.embeddings import Embedder
    from engage.agent.kb import KbIndex
    from engage.agent.planner import Planner
    from engage.agent.session import Session
    from engage.agent.tools import Tools
    from engage.privacy.hooks import Hooks


T = TypeVar("T")


class BackendNotAvailableError(NotImplementedError):
    """The settings ask for a backend whose adapter is not part of this build."""


def _pick(kind: str, value: str, table: dict[str, T]) -> T:
    try:
        return table[value]
    except KeyError:
        known = ", ".join(sorted(table))
        raise BackendNotAvailableError(f"no {kind} backend {value!r}; known: {known}") from None


# -- object store ------------------------------------------------------------------------


def _local_store(settings: Settings, generation: str | None = None) -> ObjectStore:
    from engage.adapters.store.generations import GenerationStore
    from engage.adapters.store.local import LocalObjectStore

    return GenerationStore(LocalObjectStore(Path(settings.lake)), generation)


def _s3_store(settings: Settings, generation: str | None = None) -> S3ObjectStore:
    from engage.adapters.store.s3 import S3ObjectStore, parse_s3_url, s3_client

    bucket, prefix = parse_s3_url(settings.lake)
    try:
        client = s3_client(settings.aws_region, settings.s3_endpoint_url)
    except ImportError as err:  # boto3 ships with the `aws` extra
        msg = "an s3:// lake needs boto3: pip install 'engage[aws]'"
        raise BackendNotAvailableError(msg) from err
    return S3ObjectStore(bucket, prefix, client=client)


STORES: dict[str, Callable[[Settings, str | None], ObjectStore]] = {
    "local": _local_store,
    "s3": _s3_store,
}


def object_store(settings: Settings, generation: str | None = None) -> ObjectStore:
    """The lake: a local directory, or an S3 bucket/prefix (`ENGAGE_LAKE=s3://...`).

    A local lake is seen through its published generation, or through `generation`
    (a pipeline run's own, see engage.adapters.store.generations).
    """
    kind = "s3" if settings.lake_is_s3 else "local"
    return _pick("lake", kind, STORES)(settings, generation)


# -- SQL engine and catalog --------------------------------------------------------------


def _duckdb(
    settings: Settings, read_only: bool, sql_dir: Path, generation: str | None
) -> SqlEngine:
    from engage.adapters.sql.duckdb_engine import DuckDbEngine

    if settings.lake_is_s3:  # DuckDB reads S3 through a local mirror (no httpfs offline)
        from engage.adapters.sql.duckdb_s3 import S3MirrorDuckDbEngine
        from engage.adapters.store.s3_mirror import S3MirrorStore

        mirror = S3MirrorStore(_s3_store(settings), settings.resolved_lake_cache_path())
        return S3MirrorDuckDbEngine(
            mirror,  # type: ignore[arg-type]
            settings.resolved_catalog_path(),
            sql_dir,
            read_only=read_only,
        )
    store = object_store(settings, generation)
    catalog = getattr(store, "catalog_path", lambda: None)() or settings.resolved_catalog_path()
    return DuckDbEngine(
        store,  # type: ignore[arg-type]  # DuckDB writes through local paths
        catalog,
        sql_dir,
        read_only=read_only,
    )


def _athena(
    settings: Settings, read_only: bool, sql_dir: Path, generation: str | None
) -> SqlEngine:
    from engage.adapters.sql.athena import AthenaEngine

    return AthenaEngine.from_settings(settings, sql_dir)


ENGINES: dict[str, Callable[[Settings, bool, Path, str | None], SqlEngine]] = {
    "duckdb": _duckdb,
    "athena": _athena,
}


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
    return _pick("SQL engine", settings.sql_engine, ENGINES)(
        settings, read_only, sql_dir or SQL_DIR, generation
    )


@dataclass(frozen=True)
class EngineCatalog:
    """The `Catalog` port over `sql_engine`: a connection per use, closed by the caller.

    Why two doors: a writer fails while another process holds the DuckDB file, but a
    reader still opens, so a command can record its data and register it later.
    """

    settings: Settings

    def reader(self) -> SqlEngine:
        return sql_engine(self.settings, read_only=True)

    def writer(self) -> SqlEngine:
        return sql_engine(self.settings)

    def exists(self) -> bool:
        if self.settings.sql_engine != "duckdb":
            return True
        store = object_store(self.settings)
        path = getattr(store, "catalog_path", lambda: None)()
        return (path or self.settings.resolved_catalog_path()).exists()


def catalog(settings: Settings) -> EngineCatalog:
    """The catalog as a port that opens read-only or read-write connections on demand."""
    return EngineCatalog(settings)


# -- prediction cache --------------------------------------------------------------------


def _sqlite_cache(settings: Settings) -> Cache:
    from engage.adapters.cache.sqlite import SqliteCache

    return SqliteCache(settings.resolved_cache_path(), settings.cache_ttl_seconds)


def _dynamodb_cache(settings: Settings) -> Cache:
    try:
        import boto3
    except ImportError as err:  # boto3 ships with the `aws` extra
        raise BackendNotAvailableError(
            "ENGAGE_CACHE=dynamodb needs boto3: pip install 'engage[aws]'"
        ) from err
    from engage.adapters.cache.dynamodb import DynamoDbCache

    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url
    )
    adapter = DynamoDbCache(client, settings.dynamodb_table, settings.cache_ttl_seconds)
    if settings.dynamodb_endpoint_url:  # a local endpoint (moto, DynamoDB Local)
        adapter.ensure_table()
    return adapter


CACHES: dict[str, Callable[[Settings], Cache]] = {
    "sqlite": _sqlite_cache,
    "dynamodb": _dynamodb_cache,
}


def cache(settings: Settings) -> Cache:
    """The prediction cache: SQLite beside the lake, or the seed's DynamoDB table."""
    return _pick("cache", settings.cache, CACHES)(settings)


def kb_publisher(settings: Settings) -> KnowledgeBasePublisher | None:
    """Where a deployed agent's Bedrock knowledge base gets each run's documents; None
    unless a knowledge-base bucket is configured (ENGAGE_KB_BUCKET)."""
    if not settings.kb_bucket:
        return None
    from engage.deploy.kb_sync import BedrockPublisher  # boto3 loads only when deployed

    return BedrockPublisher(settings)


# -- the Q&A agent -----------------------------------------------------------------------


def _offline_planner(settings: Settings, tools: Any, client: Any, kb: Any) -> Planner:
    from engage.agent.planner.offline import OfflinePlanner

    return OfflinePlanner(tools)


def _bedrock_planner(settings: Settings, tools: Any, client: Any, kb: Any) -> Planner:
    from engage.agent.planner.bedrock import BedrockPlanner

    return BedrockPlanner(settings, tools, client, kb)


def _openai_planner(settings: Settings, tools: Any, client: Any, kb: Any) -> Planner:
    from engage.agent.planner.openai_compat import OpenAiPlanner

    return OpenAiPlanner(settings, tools, client)


PLANNERS: dict[str, Callable[[Settings, Any, Any, Any], Planner]] = {
    "offline": _offline_planner,
    "bedrock": _bedrock_planner,
    "openai": _openai_planner,
}


def planner(settings: Settings, tools: Any, client: Any = None, kb: Any = None) -> Planner:
    """The Q&A planner: offline (default), Bedrock Converse or an OpenAI-compatible API."""
    return _pick("LLM", settings.llm, PLANNERS)(settings, tools, client, kb)


def _local_embedder(settings: Settings, client: Any, state: dict[str, Any]) -> Embedder:
    from engage.agent.embeddings import LocalEmbedder

    return LocalEmbedder(state.get("n_features", 2**12), state.get("idf"))


def _titan_embedder(settings: Settings, client: Any, state: dict[str, Any]) -> Embedder:
    from engage.agent.embeddings import TitanEmbedder

    if client is None:
        import boto3

        client = boto3.client("bedrock-runtime", region_name=settings.aws_region)
    return TitanEmbedder(client, **{k: v for k, v in state.items() if k != "idf"})


EMBEDDERS: dict[str, Callable[[Settings, Any, dict[str, Any]], Embedder]] = {
    "local": _local_embedder,
    "titan": _titan_embedder,
}


def embedder(
    settings: Settings, client: Any = None, state: dict[str, Any] | None = None
) -> Embedder:
    """The knowledge-base embedder: local hashed TF-IDF (default) or Titan v2 on Bedrock;
    `state` restores a fitted one."""
    return _pick("embeddings", settings.embeddings, EMBEDDERS)(settings, client, state or {})


def tools(settings: Settings, engine: SqlEngine | None = None) -> Tools:
    """The agent's tools over this lake; the catalog opens read-only on first use."""
    from engage.agent.tools import Tools

    return Tools(
        settings,
        engine,
        open_engine=lambda: sql_engine(settings, read_only=True),
        store=object_store(settings),
    )


def kb_index(settings: Settings) -> KbIndex:
    """The run's stored knowledge base, searched with the embedder that built it."""
    from engage.agent.kb import KbIndex

    return KbIndex(object_store(settings), lambda state: embedder(settings, state=state))


def session(settings: Settings, planner_: Planner | None = None) -> Session:
    """A Q&A conversation wired with tools, knowledge base and the configured planner."""
    from engage.agent.session import Session

    agent_tools = tools(settings)
    found = Session(agent_tools, lambda: kb_index(settings))
    found.planner = planner_ or planner(settings, agent_tools, kb=found.passages)
    return found


# -- privacy -----------------------------------------------------------------------------


def privacy_hooks(settings: Settings, store: ObjectStore | None = None) -> Hooks:
    """What else holds customer data, each step bound to its adapter here.

    The prediction cache is opened only when it could hold something (a local SQLite
    file that was never written is not created just to be emptied).
    """
    from engage.audit import customer_entries, erase_customer
    from engage.privacy.hooks import Hooks, erase_from_cache

    store = store or object_store(settings)
    never_served = settings.cache == "sqlite" and not settings.resolved_cache_path().exists()
    open_cache = None if never_served else (lambda: cache(settings))

    def recommender(customer_id: str) -> int:
        from engage.privacy.models import erase_from_recommender  # torch loads only if needed

        return erase_from_recommender(store, customer_id)

    hooks = Hooks()
    hooks.on_erase("prediction_cache", lambda cid: erase_from_cache(open_cache, cid))
    hooks.on_erase("audit_trail", lambda cid: erase_customer(store, cid))
    hooks.on_erase("recommendation_model", recommender)
    hooks.on_export("audit_trail", lambda cid: customer_entries(store, cid))
    return hooks
