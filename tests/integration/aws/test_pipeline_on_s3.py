"""The small pipeline end to end with ENGAGE_LAKE=s3://... against moto's S3 server.

Every stage reads and writes S3 through the S3 ObjectStore; DuckDB serves SQL from a
synced local mirror (see engage.adapters.store.s3_mirror). Nothing is written to a
local lake directory.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from engage import bootstrap
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings

ROWS = 2_000


def _no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


@pytest.fixture
def s3_settings(bucket: str, aws_env: str, tmp_path: Path) -> Settings:
    source = tmp_path / "data"
    generate(ROWS, 3, source, formats=("parquet",))
    return Settings(
        lake=f"s3://{bucket}/lake",
        s3_endpoint_url=aws_env,
        data_dir=source,
        lake_cache_dir=tmp_path / "mirror",
        catalog_path=tmp_path / "catalog.duckdb",
        token_key="k" * 40,  # an S3 lake refuses a generated key file
    )


def test_small_pipeline_runs_on_an_s3_lake(s3_settings: Settings, bucket: str) -> None:
    run = run_pipeline(s3_settings, sleep=_no_wait)
    assert run.succeeded, run.result.cause

    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=s3_settings.s3_endpoint_url)
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="lake/")
        for o in page.get("Contents", [])
    ]
    assert any(k.endswith(".parquet") and "predictions" in k for k in keys)
    assert not [k for k in keys if "/_staging/" in k], "staging areas must be cleaned up"

    engine = bootstrap.sql_engine(s3_settings)
    try:
        rows = (
            engine.query("SELECT count(*) AS n FROM engagement_predictions.predictions")
            .column("n")[0]
            .as_py()
        )
    finally:
        engine.close()
    assert rows > 0
