"""Ports: the interfaces stages depend on. Adapters in `engage.adapters` implement them.

Stages never import boto3, duckdb or sqlite3 directly; `engage.bootstrap` picks
the adapter for each port from `Settings` in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # only annotations: importing the ports stays cheap (the CLI's --help)
    import pyarrow as pa


class ProgressReporter(Protocol):
    """Where a long step says how far it is: `report("boosting round", 120, 400)`.

    `done`/`total` are optional (a phase with no count). Implementations must be
    cheap and must not raise; the pipeline binds one per running state.
    """

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        """Report progress."""


class KnowledgeBasePublisher(Protocol):
    """Where a deployed agent's knowledge base gets each run's documents (Bedrock on AWS).

    The lake's own knowledge base is always built; this is the extra copy a
    deployed stack ingests. Returns figures for the stage's summary.
    """

    def publish(self, run_id: str, docs: Iterable[Any]) -> dict[str, Any]:
        """Replace the published documents with `docs` of run `run_id`."""


@runtime_checkable
class ObjectStore(Protocol):
    """The lake: a key/value store of files addressed by '/'-separated keys.

    Keys are relative to the lake root, e.g. 'engagement-data/raw/customers.parquet'.
    """

    def uri(self, key: str) -> str:
        """Location a query engine or pyarrow can read (path or s3:// URL)."""
        ...

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[str]:
        """Keys under a prefix, recursively, sorted."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under prefix; returns how many objects were deleted."""
        ...

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        """Write one Parquet file at key, or a Hive-partitioned dataset under key/."""
        ...

    def read_parquet(self, key: str) -> pa.Table:
        """Read one Parquet file or every Parquet file under a prefix."""
        ...

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        """Replace final_prefix by staging_prefix as close to atomically as the backend allows.

        Readers see either the old complete data or the new complete data.
        """
        ...


class SqlError(RuntimeError):
    """A SQL file, statement or parameter the engine cannot run, or a refused query.

    Every SqlEngine raises this (wrapping backend errors) so callers such as the CLI
    can report one clear line without knowing which backend ran the SQL.
    """


@runtime_checkable
class SqlEngine(Protocol):
    """Catalog + SQL engine (Glue/Athena on AWS, DuckDB locally).

    SQL files are written in Athena (Trino) dialect; the engine translates them.
    Named placeholders (``:run_id``) are bound as literals by the engine.
    """

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run sql/<name>.sql (name like 'engagement_raw/training_data').

        CTAS statements are materialised where the lake layout (engage.lake) says.
        Returns a summary: table, kind, rows, location and partitions where known.
        """
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run one read-only SELECT/WITH statement and return its rows; refuse anything else."""
        ...

    def drop_table(self, qualified_name: str) -> bool:
        """Drop a table or view if present; returns whether something was dropped."""
        ...

    def register_parquet(self, qualified_name: str, key: str, hive: bool = False) -> None:
        """Expose Parquet files under a lake key as a catalog table."""
        ...

    def tables(self) -> list[str]:
        """Qualified names of every table and view in the catalog."""
        ...


@runtime_checkable
class Cache(Protocol):
    """TTL cache of predictions (DynamoDB on AWS, SQLite locally).

    Keys are ``customer_id#feature_hash`` (the seed's DynamoDB partition and sort
    keys). Every entry carries the model version it was computed with, so one
    call can drop everything older after a promotion; an entry past its TTL is
    never returned, even where the backend deletes expired items lazily.
    """

    def get(self, key: str) -> dict[str, Any] | None:
        """The live value stored under key, or None (missing or expired)."""
        ...

    def put(self, key: str, value: dict[str, Any], model_version: str) -> None: ...

    def put_many(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        """Store many entries of one model version in as few round trips as possible.

        A value may be given already encoded as JSON bytes (bulk loads build the
        JSON of 100K rows at once rather than one dict at a time).
        """
        ...

    def replace_all(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        """Make these entries (one model version) the cache's whole content.

        A bulk load after a run: it must not hold a lock that live reads or writes
        wait on (SQLite builds a new file and swaps it in).
        """
        ...

    def invalidate_except(self, model_version: str) -> int:
        """Delete every entry of another model version; returns how many went."""
        ...

    def delete_customer(self, customer_id: str) -> int:
        """Delete every entry of one customer (GDPR erasure); returns how many went."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Catalog(Protocol):
    """The catalog as a source of connections: each use opens one and closes it.

    Why not one SqlEngine: a read-write connection cannot open while another process
    holds the DuckDB catalog, but a read-only one can; a command that must not lose
    what it recorded (a QA decision, an erasure) reads through `reader` and registers
    through `writer` when it can.
    """

    def reader(self) -> SqlEngine: ...

    def writer(self) -> SqlEngine: ...

    def exists(self) -> bool:
        """Whether there is a catalog to open yet (a local DuckDB file before the first run)."""
        ...
