"""Benchmark and grade the segmentation stage: ARI vs planted personas, k, time, peak RSS.

For each size a first child process generates the data and runs data preparation into
a scratch lake; a second runs only the segmentation stage over it, so its wall time and
peak RSS are the stage's own. stage_seconds is `segmentation.run` (reading the splits,
fitting, assigning, publishing, grading); import_seconds, apart, is loading engage's
stage and model modules, which a pipeline run has already paid in its training branches.
The ARI comes from the stage's own grading against `ground_truth.persona` (a report:
nothing in the stage reads it).
Usage: python bench/analytics_segments.py [--rows 100000 1000000]
Writes bench/results/analytics_segments.json.
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

PREPARE = """
import sys
from pathlib import Path
from engage.data import generate
from engage.settings import Settings
from engage.stages import data_prep
from engage.stages.services import Services
rows, data, lake = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
generate(rows, 42, data, ("parquet",))
with Services.from_settings(Settings(lake=lake, data_dir=data)) as services:
    data_prep.run({"run_id": "bench_segments"}, services)
"""
STAGE = """
import json, resource, sys, time
from pathlib import Path
t = time.perf_counter()
import engage.stages.plans  # loaded by the training branches beside it in a pipeline run
from engage.settings import Settings
from engage.stages import segmentation
from engage.stages.services import Services
imports = time.perf_counter() - t
data, lake = Path(sys.argv[1]), sys.argv[2]
with Services.from_settings(Settings(lake=lake, data_dir=data)) as services:
    t = time.perf_counter()
    summary = segmentation.run({"run_id": "bench_segments"}, services)
    seconds = time.perf_counter() - t
summary["seconds"], summary["import_seconds"] = seconds, imports
summary["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(summary, default=str))
"""


def measure(rows: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="engage-bench-segments-"))
    data, lake = str(work / "data"), str(work / "lake")
    try:
        subprocess.run([sys.executable, "-c", PREPARE, str(rows), data, lake], check=True)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", STAGE, data, lake], check=True, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        child = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    grading = child.get("grading") or {}
    return {
        "rows": rows,
        "k": child.get("k"),
        "k_criterion": child.get("k_criterion"),
        "silhouette_by_k": child.get("silhouette"),
        "segments": child.get("segments"),
        "kmeans_ari": grading.get("kmeans_ari"),
        "kmeans_ari_without_noise": grading.get("kmeans_ari_without_noise"),
        "hdbscan_clusters": child.get("hdbscan_clusters"),
        "hdbscan_ari": grading.get("hdbscan_ari"),
        "hdbscan_ari_clustered": grading.get("hdbscan_ari_clustered"),
        "hdbscan_outlier_share": grading.get("hdbscan_outlier_share"),
        "segment_majority_persona": grading.get("segment_majority_persona"),
        "stage_seconds": round(child["seconds"], 2),
        "import_seconds": round(child["import_seconds"], 2),
        "fit_seconds": child.get("fit_seconds"),
        "phase_seconds": child.get("phase_seconds"),
        "process_wall_seconds": round(wall, 2),
        "peak_rss_mb": round(child["peak_rss_mb"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        result = measure(rows)
        runs.append(result)
        print(
            f"{rows:>11,} rows  k={result['k']}  ARI {result['kmeans_ari']} "
            f"(without noise {result['kmeans_ari_without_noise']})  "
            f"stage {result['stage_seconds']:.1f} s  peak RSS {result['peak_rss_mb']:,} MB"
        )
    write_report("analytics_segments", runs)


if __name__ == "__main__":
    main()
