"""In-memory stand-ins for the ports, shared by unit tests (cosmicpython's FakeRepository idea).

Libraries receive their ports as parameters (see engage.bootstrap), so a unit test
hands in one of these instead of patching ENGAGE_* variables or the composition
root. Each fake keeps just enough behaviour to be honest: Parquet really round-trips
through bytes, the cache really expires nothing and deletes by customer, the engine
answers only the statements a test scripted.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from engage.ports import SqlError


class MemoryStore:
    """The ObjectStore port over a dict of key -> bytes; records every write."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.writes: list[str] = []

    def uri(self, key: str) -> str:
        return f"memory://{key}"

    def put_bytes(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)
        self.writes.append(key)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise FileNotFoundError(f"no object {key!r} in the memory store") from None

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete_prefix(self, prefix: str) -> int:
        gone = self.list(prefix)
        for key in gone:
            del self.objects[key]
        return len(gone)

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        if partition_cols:
            raise NotImplementedError("the memory store writes single Parquet files only")
        sink = io.BytesIO()
        pq.write_table(table, sink)
        self.put_bytes(key, sink.getvalue())

    def read_parquet(self, key: str) -> pa.Table:
        keys = [key] if key in self.objects else self.list(key.rstrip("/") + "/")
        if not keys:
            raise FileNotFoundError(f"no Parquet data at {key!r} in the memory store")
        return pa.concat_tables(pq.read_table(io.BytesIO(self.objects[k])) for k in keys)

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        staged = self.list(staging_prefix)
        if not staged:
            raise FileNotFoundError(f"nothing staged at {staging_prefix!r} to publish")
        self.delete_prefix(final_prefix)
        for key in staged:
            self.objects[final_prefix + key[len(staging_prefix) :]] = self.objects.pop(key)


Handler = Callable[[str, Mapping[str, Any] | None], pa.Table]


class FakeEngine:
    """The SqlEngine port: `tables` maps qualified names to Arrow tables; `answers` maps
    a statement's first words to a handler. Anything else is a SqlError, as a real
    engine's refusal would be."""

    def __init__(
        self,
        tables: Mapping[str, pa.Table] | None = None,
        answers: Mapping[str, Handler] | None = None,
    ) -> None:
        self._tables = dict(tables or {})
        self.answers = dict(answers or {})
        self.queries: list[tuple[str, Mapping[str, Any] | None]] = []
        self.registered: dict[str, str] = {}
        self.closed = False

    def tables(self) -> list[str]:
        return sorted(self._tables)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        self.queries.append((sql, params))
        text = " ".join(sql.split())
        for prefix, handler in self.answers.items():
            if text.startswith(prefix):
                return handler(text, params)
        if text.startswith("SELECT * FROM ") and text.endswith(" LIMIT 0"):
            name = text.split()[3]
            if name in self._tables:
                return self._tables[name].schema.empty_table()
        raise SqlError(f"the fake engine has no answer for: {text[:80]}")

    def register_parquet(self, qualified_name: str, key: str, hive: bool = False) -> None:
        self.registered[qualified_name] = key

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        raise SqlError(f"the fake engine runs no SQL files ({name})")

    def drop_table(self, qualified_name: str) -> bool:
        return self._tables.pop(qualified_name, None) is not None

    def close(self) -> None:
        self.closed = True


class FakeCatalog:
    """The Catalog port over one FakeEngine; `busy` makes writers fail like a locked file."""

    def __init__(self, engine: FakeEngine | None = None, busy: bool = False) -> None:
        self.engine = engine or FakeEngine()
        self.busy = busy
        self.opened: list[str] = []

    def exists(self) -> bool:
        return True

    def reader(self) -> FakeEngine:
        self.opened.append("reader")
        return self.engine

    def writer(self) -> FakeEngine:
        self.opened.append("writer")
        if self.busy:
            raise SqlError("the catalog is in use by another process")
        return self.engine


class FakeCache:
    """The Cache port in a dict; TTLs are not simulated (nothing expires in a test)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[dict[str, Any] | bytes, str]] = {}
        self.closed = False

    def get(self, key: str) -> dict[str, Any] | None:
        found = self.items.get(key)
        return None if found is None or isinstance(found[0], bytes) else found[0]

    def put(self, key: str, value: dict[str, Any], model_version: str) -> None:
        self.items[key] = (value, model_version)

    def put_many(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        count = 0
        for key, value in items:
            self.items[key] = (value, model_version)
            count += 1
        return count

    def invalidate_except(self, model_version: str) -> int:
        old = [k for k, (_, v) in self.items.items() if v != model_version]
        for key in old:
            del self.items[key]
        return len(old)

    def delete_customer(self, customer_id: str) -> int:
        mine = [k for k in self.items if k.split("#", 1)[0] == customer_id]
        for key in mine:
            del self.items[key]
        return len(mine)

    def close(self) -> None:
        self.closed = True


# The packaged definition's ScoreShards Map reads the shard manifest data preparation
# writes; a fake data-prep returns where it is, and `sharded_store` holds one.
SHARDS_LOCATION = {
    "Bucket": "engagement-data",
    "Key": "processed/inference_shards/manifest.json",
}


def sharded_store(count: int = 2) -> MemoryStore:
    """A store with a manifest of `count` shards where the packaged definition reads it."""
    import json

    store = MemoryStore()
    items = [{"shard": i, "shards": count, "rows": 10} for i in range(count)]
    store.put_bytes("engagement-data/" + SHARDS_LOCATION["Key"], json.dumps(items).encode())
    return store


def packaged_tasks(names: Iterable[str], **overrides: Any) -> dict[str, Any]:
    """Echo-like callables for every task of the packaged definition: each returns
    {"stage": name}; data-prep also says where the shard manifest is."""
    tasks: dict[str, Any] = {n: (lambda e, n=n: {"stage": n}) for n in names}
    tasks["data-prep"] = lambda e: {"stage": "data-prep", "shards": SHARDS_LOCATION}
    return {**tasks, **overrides}
