"""Benchmark the whole local pipeline: wall time per stage, peak RSS and rows/s per size.

For each size one child process generates the data (timed apart, see
bench/generate.py) and a second child runs the pipeline on it, so the peak RSS
reported is the pipeline's own. Targets on the 2-core dev machine: 100K customers
end to end in <= 60 s, 1M in <= 10 min.
Usage: python bench/pipeline.py [--rows 100000 1000000]
Writes bench/results/pipeline.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import write_report  # bench/report.py (scripts run from bench/)

GENERATE = """
import sys
from pathlib import Path
from engage.data import generate
generate(int(sys.argv[1]), 42, Path(sys.argv[2]), ["parquet"])
"""
PIPELINE = """
import json, resource, sys, time
from pathlib import Path
from engage.models.grading import engagement_ceiling
from engage.orchestrate import run_pipeline
from engage.settings import Settings
data, lake = Path(sys.argv[1]), sys.argv[2]
settings = Settings(lake=lake, data_dir=data)
t = time.perf_counter()
run = run_pipeline(settings)
seconds = time.perf_counter() - t
training = run.stage_results().get("TrainingTask") or {}
print(json.dumps({
    "status": run.result.status, "failed_state": run.result.failed_state,
    "cause": run.result.cause, "seconds": seconds,
    "states": {r.path: r.duration_s for r in run.result.records},
    "test_r2": training.get("test_r2"), "ceiling_r2": engagement_ceiling(data),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def _child(code: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def measure(rows: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="engage-bench-pipeline-"))
    try:
        started = time.perf_counter()
        _child(GENERATE, str(rows), str(work / "data"))
        generate_seconds = time.perf_counter() - started
        child = json.loads(_child(PIPELINE, str(work / "data"), str(work / "lake")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if child["status"] != "SUCCEEDED":
        raise SystemExit(f"{rows:,} rows: pipeline {child['status']} at {child['failed_state']}")
    return {
        "rows": rows,
        "generate_seconds": round(generate_seconds, 2),
        "pipeline_seconds": round(child["seconds"], 2),
        "rows_per_second": round(rows / child["seconds"]),
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "stage_seconds": {k: round(v or 0, 3) for k, v in child["states"].items()},
        "test_r2": child["test_r2"],
        "ceiling_r2": child["ceiling_r2"] and round(child["ceiling_r2"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        result = measure(rows)
        runs.append(result)
        print(f"{rows:>11,} rows  pipeline {result['pipeline_seconds']:>7.1f} s  "
              f"{result['rows_per_second']:>8,} rows/s  peak RSS {result['peak_rss_mb']:>6,} MB  "
              f"R² {result['test_r2']} (ceiling {result['ceiling_r2']})")  # fmt: skip
        for state, seconds in result["stage_seconds"].items():
            print(f"    {state:<50} {seconds:>8.2f} s")
    write_report("pipeline", runs, targets={"100000": "<= 60 s", "1000000": "<= 600 s"})


if __name__ == "__main__":
    main()
