"""The S3 ObjectStore against moto's server: same semantics as the local lake."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engage.adapters.store.s3 import S3ObjectStore, parse_s3_url
from engage.adapters.store.s3_mirror import S3MirrorStore


@pytest.fixture
def store(bucket: str, aws_env: str) -> S3ObjectStore:
    return S3ObjectStore.from_url(f"s3://{bucket}/lake", endpoint_url=aws_env)


@pytest.mark.parametrize(
    ("url", "expected"),
    [("s3://b", ("b", "")), ("s3://b/p", ("b", "p/")), ("s3://b/p/q/", ("b", "p/q/"))],
)
def test_parse_s3_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_s3_url(url) == expected


def test_bytes_list_exists_delete(store: S3ObjectStore) -> None:
    store.put_bytes("a/one.json", b"1")
    store.put_bytes("a/b/two.json", b"2")
    store.put_bytes("ab.json", b"3")
    assert store.get_bytes("a/one.json") == b"1"
    assert store.list("a/") == ["a/b/two.json", "a/one.json"]
    assert store.exists("a") and store.exists("a/one.json") and not store.exists("zz")
    assert store.uri("a/one.json").endswith("/lake/a/one.json")
    assert store.delete_prefix("a/") == 2
    assert store.list("") == ["ab.json"]
    with pytest.raises(FileNotFoundError):
        store.get_bytes("a/one.json")


def test_parquet_file_and_partitioned_dataset(store: S3ObjectStore) -> None:
    table = pa.table({"x": [1, 2, 3], "part": ["p", "q", "p"]})
    store.write_parquet("t/file.parquet", table)
    assert store.read_parquet("t/file.parquet").equals(table)
    store.write_parquet("ds", table, partition_cols=["part"])
    assert sorted(k.split("/")[1] for k in store.list("ds/")) == ["part=p", "part=q"]
    got = store.read_parquet("ds").sort_by("x")
    assert got.column("x").to_pylist() == [1, 2, 3]
    assert got.column("part").to_pylist() == ["p", "q", "p"]
    assert not store.list("_staging/")


def test_publish_replaces_the_final_prefix(store: S3ObjectStore) -> None:
    store.put_bytes("final/old.parquet", b"old")
    store.put_bytes("stage/new.parquet", b"new")
    store.publish("stage/", "final/")
    assert store.list("final/") == ["final/new.parquet"]
    with pytest.raises(FileNotFoundError):
        store.publish("nothing/", "final/")


def test_mirror_follows_s3_changes(store: S3ObjectStore, tmp_path: Path) -> None:
    """The DuckDB engine's local mirror re-syncs: new, changed and deleted objects."""
    mirror = S3MirrorStore(store, tmp_path / "mirror")
    store.put_bytes("t/a.parquet", b"one")
    local = Path(mirror.uri("t/"))
    assert (local / "a.parquet").read_bytes() == b"one"
    store.put_bytes("t/a.parquet", b"two")
    store.put_bytes("t/b.parquet", b"new")
    mirror.refresh()
    assert (local / "a.parquet").read_bytes() == b"two" and (local / "b.parquet").is_file()
    store.delete_prefix("t/b")
    mirror.refresh()
    assert not (local / "b.parquet").exists()


def test_mirror_publishes_a_local_staging_folder(store: S3ObjectStore, tmp_path: Path) -> None:
    mirror = S3MirrorStore(store, tmp_path / "mirror")
    staged = Path(mirror.uri("_staging/x/1/"))
    staged.mkdir(parents=True)
    (staged / "data_0.parquet").write_bytes(b"rows")
    mirror.publish("_staging/x/1/", "tables/x/")
    assert store.list("tables/x/") == ["tables/x/data_0.parquet"]
    assert (Path(mirror.uri("tables/x/")) / "data_0.parquet").read_bytes() == b"rows"
    mirror.delete_prefix("_staging/x/1/")
    assert not store.list("_staging/")


def test_entry_resolves_the_token_key_secret(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Container Lambdas get ENGAGE_TOKEN_KEY from Secrets Manager at cold start."""
    import boto3

    from engage.deploy.entry import resolve_secrets

    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws_env)
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=f"engage-token-{uuid.uuid4().hex[:8]}", SecretString="k" * 40
    )["ARN"]
    env = {"TOKEN_KEY_SECRET_ARN": arn}
    assert resolve_secrets(env) == ["ENGAGE_TOKEN_KEY"]
    assert env["ENGAGE_TOKEN_KEY"] == "k" * 40
    assert resolve_secrets({"TOKEN_KEY_SECRET_ARN": arn, "ENGAGE_TOKEN_KEY": "x"}) == []
    assert resolve_secrets({}) == []


def _small_parts(bucket: str, aws_env: str) -> S3ObjectStore:
    """Multipart from 5 MiB (S3's minimum part size) so a test needs only a few MiB."""
    from engage.adapters.store.s3 import Transfer, s3_client

    five = 5 * 1024 * 1024
    return S3ObjectStore(
        bucket, "lake", client=s3_client("us-east-1", aws_env),
        transfer=Transfer(multipart_bytes=five, part_bytes=five, concurrency=4),
    )  # fmt: skip


def _parts(store: S3ObjectStore, key: str) -> int:
    """A multipart object's ETag ends in -<parts>; a single PUT's has no dash."""
    etag = store.client.head_object(Bucket=store.bucket, Key=store._key(key))["ETag"]
    return int(etag.strip('"').rpartition("-")[2]) if "-" in etag else 1


def test_large_objects_go_multipart_and_publish_copies_them(bucket: str, aws_env: str) -> None:
    store = _small_parts(bucket, aws_env)
    data = os.urandom(11 * 1024 * 1024)
    store.put_bytes("stage/big.bin", data)
    store.put_bytes("stage/small.bin", b"x")
    assert _parts(store, "stage/big.bin") == 3 and _parts(store, "stage/small.bin") == 1
    store.publish("stage/", "final/")  # CopyObject stops at 5 GB: the copy is multipart too
    assert _parts(store, "final/big.bin") == 3
    assert store.get_bytes("final/big.bin") == data
    assert store.list("final/") == ["final/big.bin", "final/small.bin"]


def test_a_large_parquet_file_is_streamed_up_in_parts(bucket: str, aws_env: str) -> None:
    store = _small_parts(bucket, aws_env)
    table = pa.table({"blob": [os.urandom(1024) for _ in range(8 * 1024)]})  # ~8 MiB
    store.write_parquet("t/big.parquet", table)
    assert _parts(store, "t/big.parquet") == 2
    assert store.read_parquet("t/big.parquet").equals(table)


def test_a_prefix_of_many_files_uploads_and_reads_back(
    store: S3ObjectStore, tmp_path: Path
) -> None:
    for i in range(12):
        part = tmp_path / f"k={i % 3}"
        part.mkdir(exist_ok=True)
        pq.write_table(pa.table({"x": [i]}), part / f"f{i}.parquet")
    assert store.upload_dir(tmp_path, "many/") == 12
    got = store.read_parquet("many").sort_by("x")
    assert got.column("x").to_pylist() == list(range(12))
    assert sorted(set(got.column("k").to_pylist())) == [0, 1, 2]
