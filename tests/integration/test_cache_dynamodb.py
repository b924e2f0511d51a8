"""The cache contract on both adapters; DynamoDB through moto's real HTTP server.

moto's ThreadedMotoServer listens on a loopback port and speaks the DynamoDB
wire protocol, so boto3 makes real HTTP calls: the table design (keys, `ttl`
attribute, the `model_version-timestamp-index` GSI), paging, batch writes and
expression syntax are all exercised without patching anything.
"""

from __future__ import annotations

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from engage import bootstrap  # noqa: E402
from engage.adapters.cache.dynamodb import GSI, DynamoDbCache  # noqa: E402
from engage.adapters.cache.sqlite import SqliteCache  # noqa: E402
from engage.settings import Settings  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def endpoint(moto_endpoint: str) -> str:
    return moto_endpoint


@pytest.fixture
def creds(fake_credentials: None) -> None:
    """Fake credentials (tests/integration/conftest.py)."""


@pytest.fixture(params=["sqlite", "dynamodb"])
def make_cache(request, endpoint, creds, tmp_path):
    """A factory of caches sharing one clock, for each adapter."""
    clock = Clock()
    made = []

    def make(ttl: int = 3600):
        if request.param == "sqlite":
            cache = SqliteCache(tmp_path / "c.sqlite", ttl, clock)
        else:
            table = f"cache-{request.node.name[-20:].strip('[]')}-{len(made)}".replace("[", "-")
            settings = Settings(
                lake=str(tmp_path),
                cache="dynamodb",
                dynamodb_endpoint_url=endpoint,
                dynamodb_table="".join(c if c.isalnum() or c in "-_." else "-" for c in table),
                cache_ttl_seconds=ttl,
            )
            cache = bootstrap.cache(settings)
            cache.clock = clock
        made.append(cache)
        return cache

    make.clock = clock
    yield make
    for cache in made:
        cache.close()


def test_get_put_and_ttl_expiry(make_cache) -> None:
    cache, clock = make_cache(ttl=60), make_cache.clock
    cache.put("C1#batch", {"score": 0.5, "items": ["a", "b"]}, "tag-1")
    assert cache.get("C1#batch") == {"score": 0.5, "items": ["a", "b"]}
    assert cache.get("C1#other") is None and cache.get("C9#batch") is None
    clock.now += 61
    assert cache.get("C1#batch") is None  # expired entries are never served


def test_put_many_and_version_invalidation(make_cache) -> None:
    cache = make_cache()
    old = [(f"C{i}#batch", {"i": i}) for i in range(30)]  # more than one 25-item batch
    assert cache.put_many(old, "tag-old") == 30
    assert (
        cache.put_many([("C1#batch", b'{"i": "new"}'), ("C100#batch", {"i": 100})], "tag-new") == 2
    )
    assert cache.invalidate_except("tag-new") == 29
    assert cache.get("C1#batch") == {"i": "new"} and cache.get("C100#batch") == {"i": 100}
    assert cache.get("C2#batch") is None


def test_delete_customer(make_cache) -> None:
    cache = make_cache()
    cache.put_many([("C1#batch", {}), ("C1#h1", {}), ("C2#batch", {})], "t")
    assert cache.delete_customer("C1") == 2
    assert cache.get("C1#h1") is None and cache.get("C2#batch") == {}


def test_dynamodb_table_has_the_seeds_design(endpoint, creds, tmp_path) -> None:
    settings = Settings(
        lake=str(tmp_path),
        cache="dynamodb",
        dynamodb_endpoint_url=endpoint,
        dynamodb_table="predictions-cache",
    )
    cache = bootstrap.cache(settings)
    assert isinstance(cache, DynamoDbCache)
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    table = client.describe_table(TableName="predictions-cache")["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["customer_id", "feature_hash"]
    gsi = table["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == GSI
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["model_version", "timestamp"]
    ttl = client.describe_time_to_live(TableName="predictions-cache")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "ttl" and ttl["TimeToLiveStatus"] == "ENABLED"
    cache.put("C1#batch", {"x": 1}, "tag")
    item = client.get_item(
        TableName="predictions-cache",
        Key={"customer_id": {"S": "C1"}, "feature_hash": {"S": "batch"}},
    )["Item"]
    assert set(item) == {
        "customer_id",
        "feature_hash",
        "value",
        "model_version",
        "timestamp",
        "ttl",
    }
    bootstrap.cache(settings)  # an existing table is reused, not recreated


def test_the_api_serves_from_dynamodb(endpoint, creds, world_for_dynamo) -> None:
    """End to end: warm a DynamoDB cache from a run, the API answers cache hits from it."""
    from fastapi.testclient import TestClient

    from engage.api.app import create_app
    from engage.api.state import build_state
    from engage.api.warm import warm_cache

    settings, reader = world_for_dynamo(endpoint)
    state = build_state(settings)
    from engage import bootstrap, lake

    table = bootstrap.object_store(settings).read_parquet(lake.PREDICTIONS_TABLE)
    assert warm_cache(state.cache, table.slice(0, 30))["cached"] == 30
    cid = table.column("customer_id")[0].as_py()
    with TestClient(create_app(state=state, background=False)) as c:
        r = c.post("/predict", json={"customer_id": cid}, headers={"x-api-key": reader})
        assert r.status_code == 200 and r.json()["cache"] == "hit"
        body = {"customer_id": "CUST_900000001", "features": {"age": 30}}
        first = c.post("/predict", json=body, headers={"x-api-key": reader}).json()
        second = c.post("/predict", json=body, headers={"x-api-key": reader}).json()
        assert (first["cache"], second["cache"]) == ("miss", "hit")


@pytest.fixture(scope="module")
def world_for_dynamo(tmp_path_factory):
    """A tiny pipeline run (600 customers) for the end-to-end DynamoDB check."""
    from engage.api.keys import KeyStore
    from engage.data import generate
    from engage.orchestrate import run_pipeline

    root = tmp_path_factory.mktemp("dyn")
    generate(600, 8, root / "data", formats=("parquet",))
    run = run_pipeline(
        Settings(lake=str(root / "lake"), data_dir=root / "data"), sleep=lambda s: None
    )
    assert run.succeeded, run.result.cause
    _, reader = KeyStore(root / "keys.json").create("dyn", "reader")

    def settings(endpoint: str) -> tuple[Settings, str]:
        return Settings(
            lake=str(root / "lake"),
            data_dir=root / "data",
            cache="dynamodb",
            dynamodb_endpoint_url=endpoint,
            dynamodb_table="api-cache",
            api_keys_path=root / "keys.json",
            api_reload_seconds=0,
        ), reader

    return settings
