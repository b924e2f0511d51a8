"""Shared fixtures: one small generated dataset reused by many tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from engage.data import generate

SMALL_ROWS = 20_000


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20K customers, Parquet and CSV, seed 7."""
    out = tmp_path_factory.mktemp("gen") / "data"
    generate(SMALL_ROWS, 7, out, formats=("parquet", "csv"))
    return out


@pytest.fixture(scope="session")
def small_tables(small_dataset: Path) -> dict:
    """Every generated table of the small dataset, read once."""
    return {p.stem: pq.read_table(p) for p in small_dataset.glob("*.parquet")}
