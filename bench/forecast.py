"""Benchmark and grade the EngagementForecast stage against the generator's truth.

For each size: generate the data (seed 42) in a child process, then run the real stage
(`engage.stages.forecast.run`, local lake and DuckDB catalog) in another child so its
wall time and peak RSS are the stage's alone. The stage grades the forecast it
published against truth_activity (the 7 days after the cut-off) in its report, after
the fit: MASE against seasonal-naive, 80%/95% interval coverage, platform total inside
its intervals. Those figures are copied here as the stage computed them.
Usage: python bench/forecast.py [--rows 100000]
Writes bench/results/forecast.json.
"""

from __future__ import annotations

import argparse
import json
import os

from report import write_report  # bench/report.py (scripts run from bench/)
from stage_child import stage_on_generated_data

STAGE = """
import json, resource, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from engage import lake
from engage.settings import Settings
from engage.stages import forecast
from engage.stages.services import Services
source, root = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings(lake=str(root / "lake"), data_dir=source)
with Services.from_settings(settings) as services:
    ids = pq.read_table(source / "customers.parquet", columns=["customer_id"])
    services.store.write_parquet(lake.RAW_CUSTOMERS_FILE, ids)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    out = forecast.run({"run_id": "bench", "source": str(source), "seed": 42}, services)
    out["stage_wall_seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_stage_mb"] = rss_before
print(json.dumps(out))
"""


def measure(rows: int) -> dict:
    with stage_on_generated_data(rows, STAGE, "forecast") as run:
        gen_seconds, stage = run.generate_seconds, run.stage
    return {
        "rows": rows,
        "generate_seconds": gen_seconds,
        "stage_wall_seconds": round(stage["stage_wall_seconds"], 2),
        "stage_reported_seconds": stage["forecast_seconds"],
        "peak_rss_mb": round(stage["peak_rss_mb"]),
        "rss_before_stage_mb": round(stage["rss_before_stage_mb"]),
        "customers": stage["customers"],
        "model": stage["model"],
        "validation_mase_panel": stage["validation_mase"],
        "grading": stage["grading"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    runs = [measure(rows) for rows in args.rows]
    for run in runs:
        print(json.dumps(run))
    write_report("forecast", runs, load_average_at_end=[round(x, 2) for x in os.getloadavg()])


if __name__ == "__main__":
    main()
