"""Who may read the restricted (PII) schema from `engage sql`, and the record of it.

`engagement_restricted` holds names and e-mails. The shell refuses any statement
that reads it (a table of that schema, a path into the lake's restricted area, or
a file-reading table function that could reach it) unless the user passed
`--privileged`; each privileged statement that touches it is appended to
`engagement-restricted/sql_access/` (who, when, the statement's SHA-256 and text)
before it runs. The engine's own read-only rule still applies on top.
"""

from __future__ import annotations

import getpass
import hashlib
import uuid
from datetime import UTC, datetime

import pyarrow as pa
import sqlglot
from sqlglot import exp

from engage import lake
from engage.ports import ObjectStore

ACCESS_LOG = lake.RESTRICTED + "sql_access/"
_FILE_FUNCTIONS = ("read_parquet", "read_csv", "read_csv_auto", "read_json", "glob", "read_text",
                   "read_blob", "parquet_scan", "read_json_auto", "sniff_csv")  # fmt: skip


class RestrictedError(PermissionError):
    """A statement reads PII without --privileged."""

    hint = "rerun with `engage sql --privileged` (each such statement is audited)"


def touches_restricted(query: str) -> bool:
    """True when the statement could read the restricted schema or its files."""
    lowered = query.lower()
    if lake.RESTRICTED_SCHEMA in lowered or lake.RESTRICTED.rstrip("/") in lowered:
        return True
    try:
        trees = [t for t in sqlglot.parse(query, read="trino") if t is not None]
    except sqlglot.errors.ParseError:
        return False  # the engine refuses it with its own message
    for tree in trees:
        for table in tree.find_all(exp.Table):
            if (table.db or "").lower() == lake.RESTRICTED_SCHEMA:
                return True
        for func in tree.find_all(exp.Func):
            name = func.name if isinstance(func, exp.Anonymous) else func.sql_name()
            if str(name).lower() in _FILE_FUNCTIONS:
                return True
    return False


def check(query: str, privileged: bool, store: ObjectStore | None) -> None:
    """Refuse (RestrictedError) or audit a statement that touches the restricted schema."""
    if not touches_restricted(query):
        return
    if not privileged:
        raise RestrictedError(
            f"{lake.RESTRICTED_SCHEMA} holds personal data: this statement needs --privileged"
        )
    if store is not None:
        record(store, query)


def record(store: ObjectStore, query: str) -> None:
    """Append one access record (before the statement runs)."""
    now = datetime.now(UTC)
    table = pa.table(
        {
            "timestamp": pa.array([now], pa.timestamp("us", tz="UTC")),
            "user": [getpass.getuser()],
            "query_sha256": [hashlib.sha256(query.encode()).hexdigest()],
            "query": [query],
        }
    )
    name = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.parquet"
    store.write_parquet(f"{ACCESS_LOG}date={now:%Y-%m-%d}/{name}", table)
