"""The experiment's report goes to the lake as JSON, markdown and a contract-typed table."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engage import lake
from engage.analytics.federated import experiment, publish
from engage.contract.outputs import FEDERATED_RESULTS
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from fakes import MemoryStore


def _customers(rows: int, seed: int) -> pd.DataFrame:
    spec = ChunkSpec(seed, 0, 1, rows, 7, AS_OF, build_catalogue(stream(seed, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def report() -> dict:
    params = experiment.ExperimentParams(rounds=5, dp_rounds=3, dp_epsilons=(8.0,))
    return experiment.run(_customers(1500, 3), _customers(500, 4), params)


def test_save_writes_the_report_and_one_row_per_arm(report: dict) -> None:
    store = MemoryStore()
    written = publish.save(store, report, "run_1")
    assert set(written) == {"json", "markdown", "table"}
    saved = json.loads(store.get_bytes(lake.report_key("run_1", publish.REPORT_JSON)))
    assert saved["arms"].keys() == report["arms"].keys()
    table = pq.read_table(pa.BufferReader(store.get_bytes(publish.results_key("run_1"))))
    assert table.schema.names == FEDERATED_RESULTS.names
    rows = table.to_pylist()
    assert [r["arm"] for r in rows] == list(report["arms"])
    dp = next(r for r in rows if r["arm"] == "fedavg_secure_dp_eps8")
    assert dp["epsilon"] == pytest.approx(report["arms"]["fedavg_secure_dp_eps8"]["dp"]["epsilon"])
    central = next(r for r in rows if r["arm"] == "central")
    assert central["auc_gap"] == 0.0 and central["epsilon"] is None
    assert {r["run_id"] for r in rows} == {"run_1"}


def test_read_splits_without_a_run_says_what_to_do() -> None:
    with pytest.raises(FileNotFoundError, match="engage run"):
        publish.read_splits(MemoryStore())
