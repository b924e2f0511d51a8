"""One typed settings object, read from ENGAGE_* environment variables.

Nothing happens on import: callers build `Settings()` (or pass overrides) and hand
it to `engage.bootstrap`, the only place that turns settings into adapters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_ROWS = 100_000_000


class Settings(BaseSettings):
    """Where data lives and which backend serves each port."""

    model_config = SettingsConfigDict(env_prefix="ENGAGE_", extra="forbid")

    lake: str = Field("lake", description="Lake root: a directory or s3://bucket/prefix.")
    data_dir: Path = Field(Path("data"), description="Where `engage generate` writes.")
    catalog_path: Path | None = Field(
        None, description="DuckDB catalog file; default <lake>/catalog.duckdb for a local lake."
    )
    sql_engine: Literal["duckdb", "athena"] = "duckdb"
    runner: Literal["local", "stepfunctions"] = "local"
    cache: Literal["sqlite", "dynamodb"] = "sqlite"
    llm: Literal["offline", "bedrock", "openai"] = "offline"
    agent_row_limit: int = Field(1000, ge=1, le=100_000, description="Rows an agent query returns.")
    agent_timeout_seconds: float = Field(10.0, gt=0, description="Time limit of an agent query.")
    bedrock_model_id: str = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    embeddings: Literal["local", "titan"] = "local"
    openai_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (/v1).")
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None

    rows: int = Field(100_000, ge=1, le=MAX_ROWS)
    seed: int = 42
    promotion_tolerance: float = Field(
        0.01,
        ge=0,
        description="A new model version is served only if its primary test metric is not "
        "worse than the served version's by more than this (metric units; for metrics in "
        "currency, such as LTV's p50 MAE, a fraction of the served value).",
    )
    model_threads: int = Field(
        0,
        ge=0,
        description="Threads each model may use to fit and score; 0 shares the cores "
        "between the models that run side by side.",
    )
    shard_rows: int = Field(
        250_000,
        ge=1,
        description="Customers per inference shard: the ScoreShards Map scores "
        "ceil(customers / shard_rows) shards, one task each.",
    )
    shard_concurrency: int = Field(
        1,
        ge=1,
        description="Shards a local run scores at once (each shard already uses every "
        "core; more at once only adds memory). On AWS the Map's MaxConcurrency rules.",
    )
    model_features: list[str] | None = Field(
        None,
        description="Model inputs to use (JSON list); default every contract input. "
        "Prohibited attributes are refused.",
    )
    age_bins: bool = Field(False, description="Feed age to models as 18-24/25-34/... bins.")
    proxy_threshold: float = Field(0.6, gt=0, le=1, description="Proxy strength limit.")
    proxy_action: Literal["exclude", "flag"] = "exclude"
    fairness_gate: bool = Field(True, description="Block promotion of unfair versions.")
    fairness_min_di: float = Field(0.8, ge=0, le=1, description="The 80% rule.")
    fairness_max_eod: float = Field(0.1, ge=0, le=1)
    fairness_tolerance: float = Field(0.05, ge=0, le=1)
    fairness_di_basis: Literal["labels", "absolute"] = "labels"
    fairness_use_bounds: bool = Field(
        True, description="Judge 95% bounds (evidence), not noisy point estimates."
    )
    fairness_min_rows: int = Field(
        500, ge=1, description="Groups smaller than this are reported, not judged."
    )
    fairness_mitigation: Literal["none", "threshold_optimizer"] = "none"
    drift_warn_psi: float = Field(0.1, gt=0)
    drift_fail_psi: float = Field(0.25, gt=0)
    aws_region: str = "us-east-1"
    s3_endpoint_url: str | None = None
    lake_cache_dir: Path | None = Field(
        None,
        description="Local mirror of an S3 lake for the DuckDB engine; default "
        "<data_dir>/s3-lake-cache (DuckDB cannot read S3 offline).",
    )
    athena_workgroup: str = "engagement-analytics"
    athena_output: str | None = Field(
        None, description="s3:// location for Athena query results; default <lake>/_athena/."
    )

    # Prediction cache (seed §4.1: DynamoDB `predictions-cache`, TTL 1 h).
    cache_path: Path | None = Field(
        None, description="SQLite cache file; default <lake>/cache.sqlite for a local lake."
    )
    cache_ttl_seconds: int = Field(3600, ge=1, le=7 * 24 * 3600)
    dynamodb_table: str = Field("predictions-cache", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    dynamodb_endpoint_url: str | None = None
    source_url: str | None = Field(
        None, description="s3:// folder of a deployed run's customer files (default data_dir)."
    )
    kb_bucket: str | None = Field(
        None, description="Bucket the Bedrock knowledge base ingests from (documents/ prefix)."
    )
    bedrock_kb_id: str = Field("", description="Bedrock knowledge base to re-ingest after a run.")
    bedrock_kb_data_source: str = Field("", description="Its data source id.")

    # Real-time API (seed §4.1: API Gateway keys, validation, throttling).
    api_keys_path: Path | None = Field(
        None, description="Hashed API keys; default <lake>/api_keys.json for a local lake."
    )
    api_rate_per_second: float = Field(
        200.0, gt=0, description="Sustained requests per second allowed to one API key."
    )
    api_burst: int = Field(400, ge=1, description="Requests one API key may send at once.")
    api_max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    api_batch_max: int = Field(100, ge=1, le=1000)
    api_reload_seconds: float = Field(
        5.0, ge=0, description="How often a server checks for promoted models; 0: never."
    )
    api_auth: Literal["keys", "gateway"] = Field(
        "keys",
        description="keys: this server checks ek_ keys; gateway: API Gateway checked the "
        "usage-plan "
        "key and the app trusts its requestContext identity (the API on Lambda).",
    )
    api_admin_key_ids: str = Field(
        "", description="With api_auth=gateway: comma-separated API Gateway key ids given admin."
    )
    audit_flush_seconds: float = Field(2.0, gt=0)
    audit_flush_records: int = Field(5000, ge=1)

    # Privacy (seed §2.3.7): keyed tokens of customer ids, retention of run artefacts.
    token_key: SecretStr | None = Field(
        None,
        min_length=32,
        description="HMAC key for customer-id tokens (32+ characters); unset: a random key "
        "kept in token_key_file.",
    )
    token_key_file: Path | None = Field(
        None, description="Generated token key (mode 0600); default <lake>/.token_key."
    )
    retention_days: int = Field(
        90, ge=1, description="Run artefacts older than this are deleted by `engage retention`."
    )

    # AWS cost projection (engage cost): seed §10 promises under $20 a run, weekly.
    budget_usd: float = Field(
        20.0, gt=0, description="Per-run AWS budget for `engage cost --check`."
    )
    cost_schedule_days: float = Field(
        7.0, gt=0, description="Days between scheduled runs (the seed's weekly EventBridge rule)."
    )
    cost_capacity: Literal["on_demand", "spot"] = Field(
        "on_demand", description="Fargate capacity the budget is checked against."
    )
    lambda_memory_mb: int = Field(1024, ge=128, le=10240, description="Memory of each Lambda.")

    @field_validator("lake")
    @classmethod
    def _lake_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("ENGAGE_LAKE must name a directory or an s3:// URL")
        return value.strip()

    @property
    def lake_is_s3(self) -> bool:
        return self.lake.startswith("s3://")

    def resolved_catalog_path(self) -> Path:
        """The DuckDB catalog file; kept beside a local lake, else under data_dir."""
        if self.catalog_path is not None:
            return self.catalog_path
        return self._local_base() / "catalog.duckdb"

    def resolved_cache_path(self) -> Path:
        """The SQLite prediction cache; beside a local lake, else under data_dir."""
        return self.cache_path or self._local_base() / "cache.sqlite"

    def resolved_keys_path(self) -> Path:
        """The API key store (salted hashes only); beside a local lake, else under data_dir."""
        return self.api_keys_path or self._local_base() / "api_keys.json"

    def resolved_token_key_path(self) -> Path:
        """The generated token key; beside a local lake (hidden from the store), else data_dir."""
        return self.token_key_file or self._local_base() / ".token_key"

    def resolved_lake_cache_path(self) -> Path:
        """Where the DuckDB engine mirrors an S3 lake's Parquet (see adapters.store.s3_mirror)."""
        return self.lake_cache_dir or self.data_dir / "s3-lake-cache"

    def _local_base(self) -> Path:
        return self.data_dir if self.lake_is_s3 else Path(self.lake)
