"""The lake on S3 (or LocalStack, MinIO, moto): the AWS adapter of the ObjectStore port.

Keys are the same relative keys as the local lake, placed under ``s3://bucket/prefix/``.
boto3 is imported lazily (only when an S3 lake is configured), so the default local
run never needs it. S3 has no rename, so `publish` copies the staged objects over the
final prefix and then deletes what the new dataset no longer has: a reader may
briefly see new and old files together. Athena on AWS has the same property; the
pipeline's tables only become visible through the catalog after publish returns.

Large objects go through boto3's managed transfers (`Transfer`): multipart uploads
and copies above a threshold (a single PUT or CopyObject stops at 5 GB; the
predictions file alone would be ~10 GB at 60M customers), files streamed from disk
rather than held as one bytes object, and many objects moved by a bounded pool.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from engage.adapters.store.local import validate_key
from engage.lake import STAGING

_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1,000 keys per call
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Transfer:
    """When to switch to multipart, the part size, and how many requests run at once."""

    multipart_bytes: int = 64 * _MIB
    part_bytes: int = 64 * _MIB
    concurrency: int = 8

    def config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=self.multipart_bytes,
            multipart_chunksize=self.part_bytes,
            max_concurrency=self.concurrency,
        )


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://bucket/some/prefix`` into ('bucket', 'some/prefix/'); prefix may be ''."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"s3:// URL without a bucket: {url!r}")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def s3_client(region: str, endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client; path-style addressing when an endpoint (moto, MinIO) is given."""
    import boto3
    from botocore.config import Config

    config = Config(s3={"addressing_style": "path"}) if endpoint_url else None
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


class S3ObjectStore:
    """ObjectStore over ``s3://bucket/prefix``; same keys and semantics as LocalObjectStore."""

    def __init__(
        self, bucket: str, prefix: str = "", *, client: Any, transfer: Transfer | None = None
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client
        self.transfer = transfer or Transfer()
        self._config: Any = None

    @classmethod
    def from_url(
        cls, url: str, *, region: str = "us-east-1", endpoint_url: str | None = None
    ) -> S3ObjectStore:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, client=s3_client(region, endpoint_url))

    def __repr__(self) -> str:
        return f"S3ObjectStore('s3://{self.bucket}/{self.prefix}')"

    def _key(self, key: str, *, allow_empty: bool = False) -> str:
        return self.prefix + validate_key(key, allow_empty=allow_empty)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key, allow_empty=True)}"

    def put_bytes(self, key: str, data: bytes) -> None:
        """One PUT for small objects; a multipart upload past `Transfer.multipart_bytes`."""
        if len(data) < self.transfer.multipart_bytes:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
            return
        self.client.upload_fileobj(
            io.BytesIO(data), self.bucket, self._key(key), Config=self._transfer_config()
        )

    def put_file(self, path: Path, key: str) -> None:
        """Upload a local file, streamed from disk (multipart when large)."""
        self.client.upload_file(
            str(path), self.bucket, self._key(key), Config=self._transfer_config()
        )

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as err:
            raise FileNotFoundError(f"no object {key!r} in lake {self!r}") from err
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        """True for an object, or for a prefix with at least one object under it."""
        if key in self.objects(key):
            return True
        return bool(self.objects(key.rstrip("/") + "/"))

    def list(self, prefix: str) -> list[str]:
        """Keys under prefix (a plain string prefix), recursively, sorted."""
        return sorted(self.objects(prefix))

    def objects(self, prefix: str) -> dict[str, str]:
        """Key -> ETag under prefix, skipping hidden work files (a segment starting '.')."""
        validate_key(prefix, allow_empty=True)
        found: dict[str, str] = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if key and not any(part.startswith(".") for part in key.split("/")):
                    found[key] = item["ETag"]
        return found

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under prefix; returns the count."""
        validate_key(prefix)
        keys = self.list(prefix)
        self._delete(keys)
        return len(keys)

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        """One snappy Parquet object at key, or a Hive-partitioned dataset replacing key/."""
        if not partition_cols:
            with tempfile.TemporaryDirectory(prefix="engage-s3-") as tmp:
                path = Path(tmp, "part.parquet")
                pq.write_table(table, path, compression="snappy")
                self.put_file(path, key)
            return
        final = key.rstrip("/") + "/"
        staging = f"{STAGING}s3-datasets/{uuid.uuid4().hex}/"
        with tempfile.TemporaryDirectory(prefix="engage-s3-") as tmp:
            ds.write_dataset(
                table,
                tmp,
                format="parquet",
                partitioning=partition_cols,
                partitioning_flavor="hive",
                basename_template="part-{i}.parquet",
                file_options=ds.ParquetFileFormat().make_write_options(compression="snappy"),
            )
            self.upload_dir(Path(tmp), staging)
        try:
            self.publish(staging, final)
        finally:
            self.delete_prefix(staging)

    def read_parquet(self, key: str) -> pa.Table:
        """One Parquet object, or every Parquet object under a prefix (Hive partitions too)."""
        if key.endswith(".parquet") and key in self.objects(key):
            return pq.read_table(io.BytesIO(self.get_bytes(key)))
        prefix = key.rstrip("/") + "/"
        keys = self.list(prefix)
        if not keys:
            raise FileNotFoundError(f"no Parquet data at {key!r} in lake {self!r}")
        with tempfile.TemporaryDirectory(prefix="engage-s3-") as tmp:
            self._each(
                keys, lambda item: self._download(item, Path(tmp, *item[len(prefix) :].split("/")))
            )
            return ds.dataset(tmp, format="parquet", partitioning="hive").to_table()

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        """Copy the staged objects over final_prefix, then delete the final's stale objects."""
        staged = self.list(staging_prefix.rstrip("/") + "/")
        if not staged:
            raise FileNotFoundError(f"nothing staged at {staging_prefix!r} to publish")
        src, dst = staging_prefix.rstrip("/") + "/", final_prefix.rstrip("/") + "/"
        pairs = {key: dst + key[len(src) :] for key in staged}
        self._each(staged, lambda key: self._copy(key, pairs[key]))
        fresh = set(pairs.values())
        self._delete([k for k in self.list(dst) if k not in fresh])

    def upload_dir(self, folder: Path, prefix: str) -> int:
        """Upload every file under a local folder to prefix (relative paths kept)."""
        paths = sorted(p for p in folder.rglob("*") if p.is_file())
        self._each(
            paths, lambda path: self.put_file(path, prefix + path.relative_to(folder).as_posix())
        )
        return len(paths)

    # -- transfers ---------------------------------------------------------------------
    def _transfer_config(self) -> Any:
        if self._config is None:
            self._config = self.transfer.config()
        return self._config

    def _copy(self, key: str, target: str) -> None:
        """Managed copy: CopyObject, or UploadPartCopy parts past the threshold."""
        self.client.copy(
            {"Bucket": self.bucket, "Key": self._key(key)},
            self.bucket,
            self._key(target),
            Config=self._transfer_config(),
        )

    def _download(self, key: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.client.download_file(
            self.bucket, self._key(key), str(path), Config=self._transfer_config()
        )

    def _each(self, items: Iterable[Any], work: Callable[[Any], None]) -> None:
        """Run `work` on every item, `Transfer.concurrency` at a time; first error raised."""
        items = list(items)
        if len(items) <= 1:
            for item in items:
                work(item)
            return
        with ThreadPoolExecutor(self.transfer.concurrency, thread_name_prefix="s3") as pool:
            for _ in pool.map(work, items):
                pass

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": self._key(k)} for k in keys[start : start + _DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
