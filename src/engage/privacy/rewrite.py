"""Remove one customer's rows from a lake table, keeping every other row and file intact.

A table is rebuilt beside itself under ``_staging/`` (changed files rewritten without
the customer's rows, the others copied byte for byte, Hive folders and file names
kept) and swapped into place by the store's `publish`. Why the whole table and not
file by file: readers then see the table either before or after the erasure, never
half of it, and the catalog's view keeps pointing at the same folder.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engage import lake
from engage.ports import ObjectStore
from engage.privacy.subjects import SubjectTable, parquet_keys, read_file

REDACTED = "[erased]"
DOCUMENT_PREFIXES = (lake.REPORTS, lake.RUNS)  # JSON reports and run records
_TEXT_SUFFIXES = (".json", ".md", ".txt", ".csv")


def _matches(data: pa.Table, column: str, value: str) -> pa.ChunkedArray:
    return pc.fill_null(pc.equal(data.column(column), value), False)


def count_rows(store: ObjectStore, table: SubjectTable, value: str) -> dict[str, int]:
    """Rows keyed by `value` in each file of the table (files without any are left out)."""
    counts = {}
    for key in parquet_keys(store, table.prefix):
        data = read_file(store, key)
        if table.key_column in data.column_names:
            n = pc.sum(_matches(data, table.key_column, value)).as_py() or 0
            if n:
                counts[key] = int(n)
    return counts


def rewrite_without(store: ObjectStore, table: SubjectTable, value: str, files: set[str]) -> int:
    """Publish the table without rows keyed by `value` (only `files` hold any); rows removed."""
    removed = 0
    with lake.staged(store, table.name, table.prefix) as staging:
        for key in store.list(table.prefix):
            target = staging + key[len(table.prefix) :]
            if key not in files:
                store.put_bytes(target, store.get_bytes(key))
                continue
            data = read_file(store, key)
            kept = data.filter(pc.invert(_matches(data, table.key_column, value)))
            removed += data.num_rows - kept.num_rows
            store.put_bytes(target, _parquet_bytes(kept))
    return removed


def _parquet_bytes(data: pa.Table) -> bytes:
    """Snappy Parquet, schema (and its metadata) as read, so readers see the same types."""
    out = pa.BufferOutputStream()
    pq.write_table(data, out, compression="snappy")
    return out.getvalue().to_pybytes()


def _id_pattern(customer_id: str) -> re.Pattern[str]:
    return re.compile(re.escape(customer_id) + r"(?!\d)")  # CUST_1 must not hit CUST_12


def redact_documents(store: ObjectStore, customer_id: str, *, apply: bool = True) -> list[str]:
    """Replace the id in run reports and run records by a marker; the keys that held it."""
    pattern = _id_pattern(customer_id)
    changed = []
    for prefix in DOCUMENT_PREFIXES:
        for key in store.list(prefix):
            if not key.endswith(_TEXT_SUFFIXES):
                continue
            text = store.get_bytes(key).decode("utf-8", errors="replace")
            if pattern.search(text):
                changed.append(key)
                if apply:
                    store.put_bytes(key, pattern.sub(REDACTED, text).encode("utf-8"))
    return changed


def models_mentioning(store: ObjectStore, customer_id: str) -> list[str]:
    """Model versions (``name/vN``) whose metadata lists the id (e.g. a recommender's users).

    They are reported, not changed: a saved version is immutable and the customer
    leaves it when the model is retrained (suppression keeps them out of new data).
    """
    pattern = _id_pattern(customer_id)
    found = set()
    for key in store.list(lake.MODELS):
        parts = key[len(lake.MODELS) :].split("/")
        if len(parts) < 3 or not re.fullmatch(r"v\d+", parts[1]):
            continue
        if key.endswith((".json", ".md")) and pattern.search(store.get_bytes(key).decode()):
            found.add(f"{parts[0]}/{parts[1]}")
    return sorted(found)
