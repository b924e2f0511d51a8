"""Streaming writers: each table goes to Parquet (snappy) and optionally CSV, chunk by chunk.

Output is written into a temporary sibling directory and swapped into place only
when every table is complete, so an interrupted run never replaces good data.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")


class TableSink:
    """Appends chunks of one table to <name>.parquet and <name>.csv."""

    def __init__(self, directory: Path, name: str, schema: pa.Schema, formats: Iterable[str]):
        self.rows = 0
        self._writers: list[pq.ParquetWriter | pacsv.CSVWriter] = []
        for fmt in formats:
            path = directory / f"{name}.{fmt}"
            if fmt == "parquet":
                self._writers.append(pq.ParquetWriter(path, schema, compression="snappy"))
            else:
                self._writers.append(pacsv.CSVWriter(path, schema))

    def write(self, table: pa.Table) -> None:
        for writer in self._writers:
            writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        for writer in self._writers:
            writer.close()


def staging_dir(out: Path) -> Path:
    """A fresh sibling directory of `out` to write into before the swap."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    return stage


def swap_into_place(stage: Path, out: Path) -> None:
    """Replace `out` by `stage`; the old contents are removed only after the swap."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    stage.rename(out)
    shutil.rmtree(old, ignore_errors=True)
