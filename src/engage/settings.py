"""One typed settings object, read from ENGAGE_* environment variables.

Nothing happens on import: callers build `Settings()` (or pass overrides) and hand
it to `engage.bootstrap`, the only place that turns settings into adapters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    aws_region: str = "us-east-1"
    s3_endpoint_url: str | None = None

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
        base = self.data_dir if self.lake_is_s3 else Path(self.lake)
        return base / "catalog.duckdb"
