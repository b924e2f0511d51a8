"""The NetworkAnalysis stage: reads social_edges, publishes three contract tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engage import contract, lake
from engage.contract import outputs
from engage.data import graph
from engage.lake import TableName
from engage.settings import Settings
from engage.stages import network_analysis
from engage.stages.errors import DataValidationError
from engage.stages.services import Services
from fakes import FakeEngine, MemoryStore

N = 1_200


def _ids(n: int) -> list[str]:
    return [f"CUST_{i:07d}" for i in range(1, n + 1)]


@pytest.fixture
def services(tmp_path: Path) -> Services:
    store = MemoryStore()
    customers = pa.table({"customer_id": _ids(N - 1)})  # the last customer was not admitted
    store.write_parquet(lake.RAW_CUSTOMERS_FILE, customers)
    return Services(settings=Settings(lake=str(tmp_path / "lake")), store=store, _sql=FakeEngine())


def _write_edges(folder: Path) -> graph.Graph:
    g = graph.build_graph(np.random.default_rng(5), np.zeros(N))
    ids = pa.array(_ids(N))
    edges = pa.table(
        {"src_customer_id": ids.take(pa.array(g.src)), "dst_customer_id": ids.take(pa.array(g.dst))}
    )
    pq.write_table(edges, folder / "social_edges.parquet")
    return g


def test_publishes_the_three_tables_by_their_contract(services, tmp_path) -> None:
    g = _write_edges(tmp_path)
    out = network_analysis.run({"run_id": "r1", "source": str(tmp_path)}, services)
    assert out["network_status"] == "success" and out["customers"] == N - 1
    unknown = (g.src == N - 1) | (g.dst == N - 1)
    assert out["edges"] == int((~unknown).sum())  # edges of the unadmitted customer dropped
    specs = {
        TableName.NETWORK_METRICS: outputs.NETWORK_METRICS,
        TableName.COMMUNITIES: outputs.COMMUNITIES,
        TableName.INFLUENCERS: outputs.INFLUENCERS,
    }
    for name, spec in specs.items():
        table = services.store.read_parquet(lake.table_location(name).prefix)
        assert table.schema.names == spec.names, name
        assert services.sql.registered[name] == lake.table_location(name).prefix
    metrics = services.store.read_parquet(lake.NETWORK_METRICS)
    assert metrics.num_rows == N - 1
    assert len(metrics.column("embedding")[0].as_py()) == 16
    influencers = services.store.read_parquet(lake.INFLUENCERS)
    assert influencers.num_rows == round(0.01 * (N - 1))
    assert influencers.column("rank").to_pylist()[:3] == [1, 2, 3]
    communities = services.store.read_parquet(lake.COMMUNITIES)
    assert sum(communities.column("size").to_pylist()) == N - 1


def test_a_source_without_edges_is_skipped(services, tmp_path) -> None:
    out = network_analysis.run({"run_id": "r1", "source": str(tmp_path)}, services)
    assert out["network_status"] == "skipped"


def test_a_bad_edges_file_names_file_and_column(services, tmp_path) -> None:
    pq.write_table(
        pa.table({"src_customer_id": ["CUST_0000001"]}), tmp_path / "social_edges.parquet"
    )
    with pytest.raises(DataValidationError, match="dst_customer_id"):
        network_analysis.run({"run_id": "r1", "source": str(tmp_path)}, services)


def test_edges_contract_is_what_the_stage_reads() -> None:
    assert contract.EDGES.names == ["src_customer_id", "dst_customer_id"]
