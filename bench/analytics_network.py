"""Benchmark and grade the NetworkAnalysis stage against the generator's truth.

For each size: generate the data (seed 42) in a child process, then run the real stage
(`engage.stages.network_analysis.run`, local lake and DuckDB catalog) in another child
so its wall time and peak RSS are the stage's alone, and grade its tables against
ground_truth: NMI of the Louvain communities vs the planted ones, precision of the
top-1% influencers vs the top 1% by true influence (beside a degree-only baseline).
The betweenness sampling error is measured against exact betweenness on a 5,000-node
graph of the same generator. The truth is read here only, never by the stage.
Usage: python bench/analytics_network.py [--rows 100000]
Writes bench/results/analytics_network.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from report import write_report  # bench/report.py (scripts run from bench/)
from stage_child import stage_on_generated_data

STAGE = """
import json, resource, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from engage import lake
from engage.settings import Settings
from engage.stages import network_analysis
from engage.stages.services import Services
source, root = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings(lake=str(root / "lake"), data_dir=source)
with Services.from_settings(settings) as services:
    ids = pq.read_table(source / "customers.parquet", columns=["customer_id"])
    services.store.write_parquet(lake.RAW_CUSTOMERS_FILE, ids)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    out = network_analysis.run({"run_id": "bench", "source": str(source), "seed": 42}, services)
    out["stage_wall_seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_stage_mb"] = rss_before
    metrics = services.store.read_parquet(lake.NETWORK_METRICS)
    metrics.select(["customer_id", "community_id", "influence_score", "degree"]).to_pandas(
    ).to_parquet(root / "metrics.parquet")
print(json.dumps(out))
"""


def grade(source: Path, metrics_path: Path) -> dict:
    import numpy as np
    import pandas as pd

    from engage.analytics import grade_network

    truth = pd.read_parquet(source / "ground_truth.parquet").set_index("customer_id")
    metrics = pd.read_parquet(metrics_path).set_index("customer_id")
    truth = truth.loc[metrics.index]
    true_influence = truth["true_influence"].to_numpy()
    return {
        "planted_communities": int(truth["community"].nunique()),
        "detected_communities": int(metrics["community_id"].nunique()),
        "community_nmi": round(
            grade_network.community_nmi(
                metrics["community_id"].to_numpy(), truth["community"].to_numpy()
            ),
            4,
        ),
        "influencer_precision_top1pct": round(
            grade_network.influencer_precision(
                metrics["influence_score"].to_numpy(), true_influence
            ),
            4,
        ),
        "degree_only_baseline_precision_top1pct": round(
            grade_network.influencer_precision(
                metrics["degree"].to_numpy().astype(float) + 1e-9 * np.arange(len(metrics)),
                true_influence,
            ),
            4,
        ),
    }


def betweenness_error(nodes: int = 5_000) -> dict:
    import numpy as np

    from engage.analytics import grade_network, network
    from engage.data import graph

    g = graph.build_graph(np.random.default_rng(42), np.zeros(nodes))
    return grade_network.betweenness_error(g.src, g.dst, nodes, network.BETWEENNESS_PIVOTS, seed=42)


def measure(rows: int) -> dict:
    with stage_on_generated_data(rows, STAGE, "net") as run:
        gen_seconds, stage = run.generate_seconds, run.stage
        graded = grade(run.source, run.work / "metrics.parquet")
    return {
        "rows": rows,
        "generate_seconds": gen_seconds,
        "stage_wall_seconds": round(stage["stage_wall_seconds"], 2),
        "stage_reported_seconds": stage["network_seconds"],
        "peak_rss_mb": round(stage["peak_rss_mb"]),
        "rss_before_stage_mb": round(stage["rss_before_stage_mb"]),
        "edges": stage["edges"],
        "modularity": stage["modularity"],
        "betweenness_pivots": stage["betweenness_pivots"],
        **graded,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    runs = [measure(rows) for rows in args.rows]
    for run in runs:
        print(json.dumps(run))
    write_report(
        "analytics_network",
        runs,
        betweenness_sampling_error=betweenness_error(),
        load_average_at_end=_load(),
    )


def _load() -> list[float]:
    import os

    return [round(x, 2) for x in os.getloadavg()]


if __name__ == "__main__":
    main()
