"""A local mirror of an S3 lake, so the embedded DuckDB engine can serve an S3 lake offline.

Why: DuckDB reads S3 only through its httpfs extension, which is downloaded on first
use (`INSTALL httpfs`) and so is unavailable offline and in locked-down containers.
Instead the DuckDB engine gets this store: S3 stays the source of truth for every
read and write, and `uri(key)` first copies that key's objects into a local cache
folder (changed objects only, by ETag) and returns the local path the catalog's views
name. CTAS output, which DuckDB writes to a local staging folder, is uploaded and
published on S3 before the local copy is swapped in. `refresh()` re-syncs every
prefix a view reads, so data another stage rewrote on S3 is seen by the next query.

Scope: one process (the local runner, one Fargate task). Deployed pipelines whose
stages run in separate Lambdas should use the Athena engine (ENGAGE_SQL_ENGINE=athena).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa

from engage.adapters.store.local import LocalObjectStore
from engage.adapters.store.s3 import S3ObjectStore
from engage.lake import STAGING


class S3MirrorStore:
    """ObjectStore whose data lives on S3 and whose `uri` is a synced local path."""

    def __init__(self, remote: S3ObjectStore, cache_dir: Path) -> None:
        self.remote = remote
        self.local = LocalObjectStore(cache_dir)
        self._etags: dict[str, str] = {}
        self._served: set[str] = set()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"S3MirrorStore({self.remote!r}, {str(self.local.root)!r})"

    def uri(self, key: str) -> str:
        """Local path of key after copying its current S3 objects into the cache."""
        if not key.startswith(STAGING):  # work areas exist only in the cache
            self.sync(key)
        return self.local.uri(key)

    def sync(self, key: str) -> None:
        """Make the local copy of a key (object or prefix) equal to S3's."""
        if not key:
            return
        with self._lock:
            prefix = key if key.endswith("/") else key.rstrip("/") + "/"
            remote = self.remote.objects(key)
            remote = {k: e for k, e in remote.items() if k == key or k.startswith(prefix)}
            local = {k for k in self._etags if k == key or k.startswith(prefix)}
            for stale in local - remote.keys():
                self.local._path(stale).unlink(missing_ok=True)
                del self._etags[stale]
            for item, etag in remote.items():
                if self._etags.get(item) != etag or not self.local._path(item).is_file():
                    self.local.put_bytes(item, self.remote.get_bytes(item))
                    self._etags[item] = etag
            self._served.add(key)

    def refresh(self) -> None:
        """Re-sync every key served so far (views keep reading current S3 data)."""
        with self._lock:
            for key in sorted(self._served):
                self.sync(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        self.remote.put_bytes(key, data)

    def get_bytes(self, key: str) -> bytes:
        return self.remote.get_bytes(key)

    def exists(self, key: str) -> bool:
        return self.remote.exists(key)

    def list(self, prefix: str) -> list[str]:
        return self.remote.list(prefix)

    def delete_prefix(self, prefix: str) -> int:
        """Delete on S3 and in the cache (local staging folders exist only there)."""
        with self._lock:
            local = self.local.delete_prefix(prefix)
            for key in [k for k in self._etags if k.startswith(prefix)]:
                del self._etags[key]
            return max(local, self.remote.delete_prefix(prefix))

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        self.remote.write_parquet(key, table, partition_cols)

    def read_parquet(self, key: str) -> pa.Table:
        return self.remote.read_parquet(key)

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        """Upload a locally staged dataset, publish it on S3, then swap the local copy."""
        with self._lock:
            staged = Path(self.local.uri(staging_prefix))
            if not staged.is_dir():
                raise FileNotFoundError(f"nothing staged at {staging_prefix!r} to publish")
            if self.remote.upload_dir(staged, staging_prefix.rstrip("/") + "/"):
                self.remote.publish(staging_prefix, final_prefix)
            else:  # an empty result: the final prefix becomes empty too
                self.remote.delete_prefix(final_prefix.rstrip("/") + "/")
            self.local.publish(staging_prefix, final_prefix)
            self.sync(final_prefix)
