"""Issue 17 use case 5: social network analysis of the run's customers.

Runs in the AdvancedAnalytics branch beside training. Reads `social_edges` from the
run's source folder, keeps only edges between customers the run admitted (the raw
customers table: erased customers are already gone), computes every metric of
`engage.analytics.network` and publishes three catalog tables with the run's
generation: network_metrics, communities and influencers. A source without a
social_edges file is skipped, not failed: the graph is optional input.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage import contract, lake
from engage.analytics import network
from engage.contract import outputs
from engage.data.arrow import contract_table
from engage.lake import TableName
from engage.stages.data_prep import conform, find_file, read_customers
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir


def read_edges(folder: Path) -> pa.Table | None:
    """The validated social_edges file of the source folder, or None without one."""
    path = find_file(folder, contract.EDGES.name)
    if path is None:
        return None
    return conform(read_customers(path, contract.EDGES), str(path), contract.EDGES)


def edge_indices(edges: pa.Table, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Edges as node index pairs into `ids`; edges touching an unknown customer are dropped."""
    src = pc.index_in(edges.column("src_customer_id"), value_set=ids)
    dst = pc.index_in(edges.column("dst_customer_id"), value_set=ids)
    keep = pc.and_(pc.is_valid(src), pc.is_valid(dst))
    src = src.filter(keep).to_numpy().astype(np.int64)
    dst = dst.filter(keep).to_numpy().astype(np.int64)
    distinct = src != dst
    return src[distinct], dst[distinct]


def tables(ids: pa.Array, res: network.NetworkResult, src, dst, run_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The three output tables, typed by their contract entries."""
    n = len(ids)
    flags = np.zeros(n, dtype=bool)
    flags[res.influencers] = True
    dims = res.embedding.shape[1]
    embedding = pa.ListArray.from_arrays(
        pa.array(np.arange(0, n * dims + 1, dims, dtype=np.int32)),
        pa.array(np.round(res.embedding, 4).ravel(), pa.float32()),
    )
    run = pa.array([run_id] * n, pa.string())
    metrics = {
        "customer_id": ids, "degree": res.degree, "eigenvector": res.eigenvector,
        "betweenness": res.betweenness, "community_id": res.community,
        "influence_score": res.influence,
        "community_rank": network.community_rank(res.community, res.influence),
        "is_influencer": flags, "embedding": embedding,
        "run_id": run,
    }  # fmt: skip
    comm = network.community_rows(res.community, src, dst)
    comm["run_id"] = run[: len(comm["size"])]
    top = res.influencers
    influencers = {
        "rank": np.arange(1, len(top) + 1), "customer_id": ids.take(pa.array(top)),
        "influence_score": res.influence[top], "degree": res.degree[top],
        "community_id": res.community[top], "run_id": run[: len(top)],
    }  # fmt: skip
    return {
        TableName.NETWORK_METRICS: contract_table(outputs.NETWORK_METRICS, metrics),
        TableName.COMMUNITIES: contract_table(outputs.COMMUNITIES, comm),
        TableName.INFLUENCERS: contract_table(outputs.INFLUENCERS, influencers),
    }


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Analyse the social graph of the run's customers and publish the three tables."""
    run_id = run_id_of(event)
    edges = read_edges(source_dir(event, services.settings))
    if edges is None:
        return {"network_status": "skipped", "run_id": run_id, "reason": "no social_edges file"}
    started = time.perf_counter()
    ids = services.store.read_parquet(lake.RAW_CUSTOMERS).column("customer_id").combine_chunks()
    src, dst = edge_indices(edges, ids)
    seed = int(event.get("seed", services.settings.seed))
    res = network.analyse(src, dst, len(ids), seed)
    for name, table in tables(ids, res, src, dst, run_id).items():
        publish_table(services, name, lake.table_location(name).prefix, table)
    return {
        "network_status": "success",
        "run_id": run_id,
        "customers": len(ids),
        "edges": len(src),
        "communities": len(np.unique(res.community)),
        "modularity": round(res.modularity, 4),
        "influencers": len(res.influencers),
        "betweenness_pivots": min(network.BETWEENNESS_PIVOTS, len(ids)),
        "network_seconds": round(time.perf_counter() - started, 2),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
