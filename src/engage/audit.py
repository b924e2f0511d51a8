"""The append-only audit trail of predictions: who asked, which model, what it said.

Every record names the model version, a SHA-256 of the canonical JSON of the
inputs (never the inputs themselves, which may be personal data), the outputs
and top SHAP features as JSON, the API key id (never the key) and a slot for a
later human override. Appending writes new Parquet files under
``engagement-audit/date=YYYY-MM-DD/``; nothing is ever rewritten, so concurrent
writers (the API, batch inference) never conflict and a reader sees whole files.

One customer's trail is read without scanning everyone's (the web customer page,
the privacy export and erasure, the review queue): each customer id hashes
(CRC-32) to one of `BUCKETS` buckets, and a file's name ends with the bitmap of
the buckets its rows belong to (``-b<16 hex>.parquet``). A large write (batch
inference: 5 records per customer) is split into one file per bucket; a small one
(an API flush) stays one file whose bitmap names its few buckets. A reader lists
the keys (no data read) and opens only the files whose bitmap holds the
customer's bucket, plus files from before this layout (no bitmap: always read).

`AuditLog.append_columns` takes column arrays (what batch inference has at hand:
500K records in about a second); `append_many` takes records. The API buffers
its records in `BufferedAudit` and flushes in the background, so a request never
waits on a Parquet write; with a journal (`engage.audit_journal`) each record is
first appended to a local write-ahead segment, so an answered prediction
survives `kill -9` of the server and is replayed into the lake at the next start.
"""

from __future__ import annotations

import re
import threading
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from engage import lake
from engage.audit_journal import AuditJournal, recover
from engage.contract import MODEL_INPUTS
from engage.periodic import PeriodicWorker
from engage.ports import ObjectStore

BUCKETS = 64  # customer buckets; a bitmap of 64 bits is 16 hex digits in a file name
SPLIT_ROWS = 4096  # writes at least this large get one file per bucket
_BITMAP = re.compile(r"-b([0-9a-f]{16})\.parquet$")
SOURCES = ("batch", "api", "review")  # review: a human decision on a prediction (override)
SCHEMA = pa.schema(
    [
        pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("model_name", pa.string(), nullable=False),
        pa.field("model_version", pa.string()),
        pa.field("input_hash", pa.string(), nullable=False),
        pa.field("outputs", pa.string()),  # JSON
        pa.field("top_features", pa.string()),  # JSON, null for models without SHAP
        pa.field("key_id", pa.string()),  # API key id; null for batch
        pa.field("override", pa.string()),  # a human decision recorded later
    ]
)


@dataclass(frozen=True)
class AuditRecord:
    """One model's prediction for one customer."""

    source: str
    customer_id: str
    model_name: str
    model_version: str | None
    input_hash: str
    outputs: str
    top_features: str | None = None
    key_id: str | None = None
    override: str | None = None
    timestamp: datetime | None = None  # None: the time it is appended


_FIELDS = [f.name for f in fields(AuditRecord)]


class AuditLog:
    """Append and read the audit trail in the lake."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def append_many(self, records: Iterable[AuditRecord | Mapping[str, Any]]) -> int:
        """Append records (dataclasses or dicts with the same fields) as one new file."""
        rows = list(records)
        if not rows:
            return 0
        get = (
            (lambda r, n: getattr(r, n))
            if isinstance(rows[0], AuditRecord)
            else (lambda r, n: r.get(n))
        )
        columns = {name: [get(r, name) for r in rows] for name in _FIELDS}
        return self.append_columns(columns)

    def append_columns(self, columns: Mapping[str, Sequence[Any] | pa.Array]) -> int:
        """Append records given column-wise; missing optional columns are null.

        `timestamp` may be omitted or hold None (the current time), `source` may be
        one string for every record.
        """
        table = self.prepare(columns)
        return self.append_prepared(table) if table is not None else 0

    def prepare(self, columns: Mapping[str, Sequence[Any] | pa.Array]) -> pa.Table | None:
        """The records as the table `append_prepared` writes (None when there are none).

        Split from the write so that a caller can build entries while other work runs
        and write them only once everything they describe has succeeded.
        """
        n = len(columns["customer_id"])
        if n == 0:
            return None
        arrays = {}
        now = datetime.now(UTC)
        for field in SCHEMA:
            value = columns.get(field.name)
            if field.name == "timestamp":
                value = [now] * n if value is None else [t or now for t in value]
            elif field.name == "source" and isinstance(value, str):
                value = [value] * n
            elif value is None:
                value = pa.nulls(n, field.type)
            arrays[field.name] = (
                pa.array(value, field.type)
                if not isinstance(value, pa.Array)
                else value.cast(field.type)
            )
        table = pa.Table.from_pydict(arrays, schema=SCHEMA)
        bad = pc.invert(pc.is_in(table["source"], pa.array(SOURCES))).to_pylist()
        if any(bad):
            raise ValueError(f"audit source must be one of {SOURCES}")
        return table

    def append_prepared(self, table: pa.Table) -> int:
        """Write a table from `prepare`; returns the records written."""
        self._write(table)
        return table.num_rows

    def _write(self, table: pa.Table) -> None:
        days = pc.strftime(table["timestamp"], format="%Y-%m-%d")
        source = table["source"][0].as_py()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        unique = pc.unique(days).to_pylist()
        for day in unique:
            part = table if len(unique) == 1 else table.filter(pc.equal(days, day))
            for bitmap, rows in _by_bucket(part):
                name = f"{source}-{stamp}-{uuid.uuid4().hex[:12]}-b{bitmap:016x}.parquet"
                self.store.write_parquet(lake.audit_key(day, name), rows)

    def read(self) -> pa.Table:
        """Every record (with the `date` partition column); empty before the first append."""
        if not self.store.list(lake.AUDIT):
            return SCHEMA.empty_table()
        return self.store.read_parquet(lake.AUDIT)


class BufferedAudit:
    """Collects the API's records in memory and appends them in batches.

    Flushes when `flush_records` are waiting, every `flush_seconds` from a
    background thread, and on `close` (server shutdown). A failed write keeps the
    records for the next try and is reported by `last_error`. With `journal_dir`
    every record is journaled before `add` returns (see `engage.audit_journal`),
    and segments left by dead processes are replayed into the lake at start-up.
    """

    def __init__(
        self,
        log: AuditLog,
        flush_records: int = 5000,
        flush_seconds: float = 2.0,
        journal_dir: Path | None = None,
    ) -> None:
        self.log, self.flush_records, self.flush_seconds = log, flush_records, flush_seconds
        self.recovered = 0 if journal_dir is None else recover(journal_dir, log.append_many)
        self.journal = None if journal_dir is None else AuditJournal(journal_dir)
        self._segments: list[Any] = []  # rotated journal segments not yet in the lake
        self._pending: list[AuditRecord] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._worker = PeriodicWorker("audit-flush", self.flush, flush_seconds)
        self.written = 0
        self.last_error: str | None = None

    def add(self, records: Iterable[AuditRecord]) -> None:
        """Journal (one local append) and queue records; never waits on the lake."""
        now = datetime.now(UTC)
        stamped = [r if r.timestamp else replace(r, timestamp=now) for r in records]
        with self._lock:
            if self.journal is not None:
                self.journal.append(stamped)
            self._pending.extend(stamped)
            full = len(self._pending) >= self.flush_records
        if full:
            self._worker.wake()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Write what is waiting now; returns how many records were written."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
                if batch and self.journal is not None:  # the segment holds exactly `batch`
                    self._segments.append(self.journal.rotate())
            if not batch:
                return 0
            try:
                written = self.log.append_many(batch)
            except Exception as err:  # keep the records; the next flush retries
                with self._lock:
                    self._pending[:0] = batch
                self.last_error = f"{type(err).__name__}: {err}"
                return 0
            for segment in self._segments:
                AuditJournal.release(segment)
            self._segments.clear()
            self.written += written
            self.last_error = None
            return written

    def start(self) -> None:
        self._worker.start()

    def close(self) -> None:
        self._worker.stop(timeout_s=30)
        self.flush()
        if self.journal is not None and not self._segments and not self._pending:
            self.journal.close()
            self.journal = None


def bucket(customer_id: str) -> int:
    """The customer's bucket: stable across processes and versions (CRC-32, not `hash`)."""
    return zlib.crc32(customer_id.encode()) % BUCKETS


def _buckets(ids: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each row's bucket; the hash is computed once per distinct customer."""
    distinct = pc.unique(ids)
    codes = pa.array([bucket(c) for c in distinct.to_pylist()], pa.int8())
    return pc.take(codes, pc.index_in(ids, distinct))


def _by_bucket(table: pa.Table) -> list[tuple[int, pa.Table]]:
    """(bitmap, rows) per file to write: one per bucket for large writes, else one."""
    buckets = _buckets(table["customer_id"])
    present = sorted(pc.unique(buckets).to_pylist())
    if table.num_rows < SPLIT_ROWS or len(present) == 1:
        return [(sum(1 << b for b in present), table)]
    order = pc.sort_indices(buckets)  # one take, then zero-copy slices per bucket
    grouped, sorted_buckets = table.take(order), pc.take(buckets, order)
    counts = pc.value_counts(sorted_buckets).to_pylist()
    out, start = [], 0
    for item in sorted(counts, key=lambda c: c["values"]):
        out.append((1 << item["values"], grouped.slice(start, item["counts"])))
        start += item["counts"]
    return out


def _files(store: ObjectStore, customer_id: str | None = None) -> list[str]:
    """Audit files; with a customer, only those that may hold that customer's records."""
    keys = [k for k in store.list(lake.AUDIT) if k.endswith(".parquet")]
    if customer_id is None:
        return keys
    bit = 1 << bucket(customer_id)
    return [k for k in keys if (m := _BITMAP.search(k)) is None or int(m.group(1), 16) & bit]


def customer_entries(store: ObjectStore, customer_id: str) -> list[dict[str, Any]]:
    """Every audit record about one customer (the right to know); privacy export hook.

    Reads only the files of the customer's bucket (module docstring), so the cost is
    that bucket's share of the trail, not the whole trail.
    """
    found: list[dict[str, Any]] = []
    for key in _files(store, customer_id):
        table = store.read_parquet(key)
        found += table.filter(pc.equal(table["customer_id"], customer_id)).to_pylist()
    return sorted(found, key=lambda r: r["timestamp"])


def erase_customer(store: ObjectStore, customer_id: str) -> int:
    """Remove one customer's records (GDPR erasure); privacy erasure hook.

    The trail is append-only for everyone else: erasure is the one rewrite, file by
    file (each replaced atomically, or deleted when nothing else is left in it). Only
    files whose bitmap holds the customer's bucket can hold their records; a
    rewritten file keeps its name, whose bitmap then still covers what is left.
    """
    erased = 0
    for key in _files(store, customer_id):
        table = store.read_parquet(key)
        mine = pc.equal(table["customer_id"], customer_id)
        hits = pc.sum(mine).as_py() or 0
        if not hits:
            continue
        rest = table.filter(pc.invert(mine)).select(SCHEMA.names)
        if rest.num_rows:
            store.write_parquet(key, rest)
        else:
            store.delete_prefix(key)
        erased += hits
    return erased


def input_hashes(table: pa.Table) -> pa.Array:
    """sha256 of each row's model inputs as JSON with sorted keys (nulls as null).

    Hashed from the Arrow table, not pandas, so integer columns stay integers and a
    customer's batch hash equals the API's for the same inputs.
    """
    inputs = table.select(sorted(MODEL_INPUTS))
    fields = ", ".join(f'"{name}" := "{name}"' for name in inputs.column_names)
    with duckdb.connect() as con:
        con.register("inputs", inputs)
        sql = f"SELECT sha256(CAST(to_json(struct_pack({fields})) AS VARCHAR)) FROM inputs"
        return con.sql(sql).to_arrow_table().column(0).combine_chunks()
