"""The append-only erasure log: who erased which (tokenised) customer, when, and what.

One Parquet file per event under ``engagement-restricted/erasure_log/``, never
rewritten, so the log is append-only by construction and readable as one catalog
table (``engagement_restricted.erasure_log``). Records hold the subject's *token*
(HMAC of the id) and never the id itself: the log must outlive the data it records
the removal of, yet must not become a list of erased people.

Each erasure writes two events: ``started`` (the plan, before any data changes, so
that the subject is suppressed from new data even if the erasure is interrupted)
and ``completed`` (what was actually removed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from engage import lake
from engage.lake import TableName
from engage.ports import ObjectStore

TABLE = TableName.ERASURE_LOG
SCHEMA = pa.schema(
    [
        pa.field("erasure_id", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("subject_token", pa.string(), nullable=False),
        pa.field("key_id", pa.string(), nullable=False),
        pa.field("recorded_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("erased_by", pa.string(), nullable=False),
        pa.field("total_rows", pa.int64(), nullable=False),
        pa.field("rows_by_table", pa.string(), nullable=False),  # JSON {table: rows}
        pa.field("hooks", pa.string(), nullable=False),  # JSON {hook: outcome}
        pa.field("notes", pa.string(), nullable=False),  # JSON list of strings
    ]
)


@dataclass(frozen=True)
class ErasureEvent:
    """One line of the log. Nothing in it may identify the subject without the key."""

    erasure_id: str
    event: str
    subject_token: str
    key_id: str
    erased_by: str
    rows_by_table: Mapping[str, int]
    hooks: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    recorded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    def to_table(self) -> pa.Table:
        row = {
            "erasure_id": self.erasure_id,
            "event": self.event,
            "subject_token": self.subject_token,
            "key_id": self.key_id,
            "recorded_at": self.recorded_at,
            "erased_by": self.erased_by,
            "total_rows": self.total_rows,
            "rows_by_table": json.dumps(dict(self.rows_by_table), sort_keys=True),
            "hooks": json.dumps(dict(self.hooks), sort_keys=True),
            "notes": json.dumps(list(self.notes)),
        }
        return pa.Table.from_pylist([row], schema=SCHEMA)


def new_erasure_id() -> str:
    return f"erasure_{datetime.now(UTC):%Y%m%dT%H%M%SZ}_{uuid.uuid4().hex[:8]}"


class ErasureLog:
    """Reads and appends the log in an ObjectStore."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def append(self, event: ErasureEvent) -> str:
        """Write one event as a new file; returns its key. Existing files are never touched."""
        stamp = event.recorded_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        key = f"{lake.ERASURE_LOG}{stamp}_{event.erasure_id}_{event.event}.parquet"
        if self.store.exists(key):
            raise FileExistsError(f"erasure log entry {key} exists; the log is append-only")
        self.store.write_parquet(key, event.to_table())
        return key

    def records(self) -> list[dict[str, Any]]:
        """Every event, oldest first, JSON columns decoded."""
        rows: list[dict[str, Any]] = []
        for key in self.store.list(lake.ERASURE_LOG):
            if key.endswith(".parquet"):
                rows += self.store.read_parquet(key).to_pylist()
        for row in rows:
            for name in ("rows_by_table", "hooks", "notes"):
                row[name] = json.loads(row[name])
        return sorted(rows, key=lambda r: (r["recorded_at"], r["erasure_id"]))

    def tokens(self) -> frozenset[str]:
        """Tokens of every subject ever erased (started counts: suppression fails safe)."""
        return frozenset(r["subject_token"] for r in self.records())

    def key_ids(self) -> frozenset[str]:
        """Fingerprints of the keys the tokens were made with."""
        return frozenset(r["key_id"] for r in self.records())

    def is_empty(self) -> bool:
        return not any(k.endswith(".parquet") for k in self.store.list(lake.ERASURE_LOG))
