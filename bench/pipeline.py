"""Benchmark the whole local pipeline: wall time per stage, peak RSS and rows/s per size.

For each size one child process generates the data (timed apart, see
bench/generate.py) and a second child runs the pipeline on it, so the peak RSS
reported is the pipeline's own. Targets on the 2-core dev machine: 100K customers
end to end (generation + the full five-model pipeline with ensemble and TreeSHAP
for every customer) in <= 90 s; 1M in <= 10 min. Per-model training and scoring
times, SHAP cost and each model's grade against the ground truth are recorded.
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

from pipeline_table import update_readme  # bench/pipeline_table.py
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
from engage import bootstrap, lake
from engage.orchestrate import run_pipeline
from engage.settings import Settings
data, lake_dir = Path(sys.argv[1]), sys.argv[2]
settings = Settings(lake=lake_dir, data_dir=data)
t = time.perf_counter()
run = run_pipeline(settings)
seconds = time.perf_counter() - t
results = run.stage_results()
models = {r["model"]: r for r in results.values() if isinstance(r, dict) and "model" in r}
report = lake.report_key(run.run_id, "inference.json")
store = bootstrap.object_store(settings)
scoring = json.loads(store.get_bytes(report)) if store.exists(report) else {}
print(json.dumps({
    "status": run.result.status, "failed_state": run.result.failed_state,
    "cause": run.result.cause, "seconds": seconds,
    "states": {r.path: r.duration_s for r in run.result.records},
    "models": {
        name: {
            "training_seconds": r.get("training_seconds"),
            "metrics": r.get("metrics"),
            "grading": r.get("grading"),
            "scoring_seconds": scoring.get(name, {}).get("scoring_seconds"),
            "shap_seconds": scoring.get(name, {}).get("shap_seconds"),
        }
        for name, r in models.items()
    },
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "cpu_seconds": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    "shards": (results.get("MergeShardScores") or {}).get("shards"),
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
        "end_to_end_seconds": round(generate_seconds + child["seconds"], 2),
        "rows_per_second": round(rows / child["seconds"]),
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "cpu_seconds": round(child["cpu_seconds"], 1),  # user + system, all threads
        "cores_busy": round(child["cpu_seconds"] / child["seconds"], 2),
        "shards": child["shards"],
        "stage_seconds": {k: round(v or 0, 3) for k, v in child["states"].items()},
        "models": child["models"],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        result = measure(rows)
        runs.append(result)
        print(f"{rows:>11,} rows  end to end {result['end_to_end_seconds']:>7.1f} s "
              f"(generate {result['generate_seconds']:.1f} s + pipeline "
              f"{result['pipeline_seconds']:.1f} s)  RSS {result['peak_rss_mb']:,} MB, "
              f"{result['cores_busy']} cores busy, {result['shards']} shard(s)")  # fmt: skip
        for state, seconds in result["stage_seconds"].items():
            print(f"    {state:<80} {seconds:>8.2f} s")
        for name, model in result["models"].items():
            print(f"    {name:<15} fit {model['training_seconds']} s, score "
                  f"{model['scoring_seconds']} s (SHAP {model['shap_seconds']} s) "
                  f"{model['metrics']} grade {model['grading']}")  # fmt: skip
    targets = {"100000": "<= 60 s end to end", "1000000": "<= 480 s, <= 8 GB RSS"}
    write_report("pipeline", _with_earlier(runs), targets=targets)
    if update_readme():
        print("updated the performance table in README.md")


def _with_earlier(runs: list[dict]) -> list[dict]:
    """This invocation's runs plus the report's earlier runs of other sizes (each run
    carries its own measured_at), so measuring 1M alone does not drop the 100K figures."""
    path = Path(__file__).resolve().parent / "results" / "pipeline.json"
    earlier = json.loads(path.read_text())["runs"] if path.exists() else []
    sizes = {run["rows"] for run in runs}
    kept = [run for run in earlier if run["rows"] not in sizes and "measured_at" in run]
    return sorted(kept + runs, key=lambda run: run["rows"])


if __name__ == "__main__":
    main()
