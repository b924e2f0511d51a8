"""The catalog's column list is cached per catalog file: a cold `engage ask` does not
bind every view again, and a replaced catalog is listed afresh."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from engage.agent.semantic import run as sem

ROWS = [{"table_schema": "engagement_analytics", "table_name": "final_results",
         "column_name": "age", "data_type": "INTEGER"}]  # fmt: skip


class _Rows:
    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def to_pylist(self) -> list[dict]:
        return self.rows


class _Engine:
    def __init__(self, catalog: Path, read_only: bool = True) -> None:
        self.catalog_path, self.read_only, self.queries = catalog, read_only, 0

    def query(self, sql: str) -> _Rows:
        self.queries += 1
        return _Rows(ROWS)


@pytest.fixture()
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    path = tmp_path / "catalog.duckdb"
    path.write_bytes(b"v1")
    return path


def test_a_second_process_reads_the_cached_columns(catalog: Path) -> None:
    first, second = _Engine(catalog), _Engine(catalog)
    assert sem.catalog_columns(first) == ROWS and first.queries == 1
    assert sem.catalog_columns(second) == ROWS and second.queries == 0


def test_a_replaced_catalog_is_listed_again(catalog: Path) -> None:
    sem.catalog_columns(_Engine(catalog))
    catalog.write_bytes(b"version 2")
    os.utime(catalog, ns=(1, 1))
    again = _Engine(catalog)
    sem.catalog_columns(again)
    assert again.queries == 1


def test_a_catalog_being_written_is_never_cached(catalog: Path) -> None:
    writer = _Engine(catalog, read_only=False)
    sem.catalog_columns(writer)
    sem.catalog_columns(writer)
    assert writer.queries == 2
