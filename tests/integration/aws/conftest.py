"""A moto server on 127.0.0.1 (random port) standing in for S3, Glue, Athena, Step Functions.

Server mode (not `mock_aws`) because the code under test builds its own boto3
clients from settings, exactly as it would against LocalStack or MinIO.
"""

from __future__ import annotations

import uuid

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

REGION = "us-east-1"


@pytest.fixture
def aws_env(fake_credentials: None, moto_endpoint: str) -> str:
    """The moto server's endpoint, with fake credentials in the environment."""
    return moto_endpoint


@pytest.fixture
def bucket(aws_env: str) -> str:
    """A fresh bucket on the moto server."""
    name = f"engage-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", region_name=REGION, endpoint_url=aws_env).create_bucket(Bucket=name)
    return name
