"""Benchmark the premium-uplift stage (issue 17 item 3): graded figures, time, peak RSS.

Generates `--rows` customers, runs data preparation, then the premium-uplift stage in
a child process of its own (so peak RSS is the stage's, imports included), and keeps
the stage's report: the grade against the generator's true `premium_effect`
(correlation, average and age-band errors, interval coverage), the overlap check and
the naive premium-vs-free gap for comparison. The machine's load average is recorded:
on a shared box wall time is not CPU time, so both are written.
`engage tune engagement` then runs on the same lake (--dry-run: nothing promoted) with
`--tune-budget-s` and `--tune-rows`, and its trial counts, scores and wall time are kept.
Usage: python bench/analytics_causal.py [--rows 100000] [--tune-budget-s 300]
Writes bench/results/analytics_causal.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
rows, source, lake = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
generate(rows, 42, source, formats=("parquet",))
with Services.from_settings(Settings(lake=lake, data_dir=source)) as services:
    data_prep.run({"run_id": "bench", "seed": 42, "source": str(source)}, services)
"""

STAGE = """
import json, resource, sys, time
from engage import lake as layout
from engage.settings import Settings
from engage.stages import premium_uplift
from engage.stages.services import Services
source, lake = sys.argv[1], sys.argv[2]
wall, cpu = time.perf_counter(), time.process_time()
with Services.from_settings(Settings(lake=lake, data_dir=source)) as services:
    result = premium_uplift.run({"run_id": "bench", "seed": 42, "source": source}, services)
    report = json.loads(services.store.get_bytes(layout.report_key("bench", premium_uplift.REPORT)))
print(json.dumps({"result": result, "report": report,
                  "process_wall_seconds": time.perf_counter() - wall,
                  "process_cpu_seconds": time.process_time() - cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def tune(lake: str, budget_s: float, rows: int) -> dict:
    """`engage tune engagement` on the bench lake; the CLI's JSON plus its wall time."""
    engage = str(Path(sys.executable).with_name("engage"))
    cmd = [engage, "tune", "engagement", "--json", "--dry-run", "--trials", "60",
           "--budget-s", str(budget_s), "--rows", str(rows)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, check=True, capture_output=True, text=True, env={**os.environ, "ENGAGE_LAKE": lake}
    )
    out = json.loads(proc.stdout)
    keep = ("metric", "cv_folds", "rows", "budget_s", "seconds", "completed", "pruned",
            "baseline_score", "best", "relative_improvement", "margin", "promote")  # fmt: skip
    return {"command": " ".join(cmd[1:]), "wall_seconds": round(time.perf_counter() - started, 1),
            **{k: out[k] for k in keep}}  # fmt: skip


def measure(rows: int, tune_budget_s: float, tune_rows: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="engage-bench-causal-"))
    source, lake = work / "data", str(work / "lake")
    try:
        subprocess.run([sys.executable, "-c", PREPARE, str(rows), str(source), lake], check=True)
        load = os.getloadavg()[0]
        proc = subprocess.run(
            [sys.executable, "-c", STAGE, str(source), lake],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        tuned = tune(lake, tune_budget_s, tune_rows) if tune_budget_s > 0 else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = child["report"]
    return {
        "rows": rows,
        "stage_seconds": report["seconds"],
        "process_wall_seconds": round(child["process_wall_seconds"], 2),
        "process_cpu_seconds": round(child["process_cpu_seconds"], 2),
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "load_average_1m_before": round(load, 2),
        "grading": report.get("grading"),
        "naive_difference": report["naive_difference"],
        "average_effect": report["average_effect"],
        "out_of_overlap_share": report["out_of_overlap_share"],
        "propensity_auc": report["propensity_auc"],
        "mean_interval_width": report["mean_interval_width"],
        "by_age_band": report["by_age_band"],
        "fit_rows": report["fit_rows"],
        "params": report["params"],
        "tune": tuned,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--tune-budget-s", type=float, default=300.0, help="0: skip tuning")
    parser.add_argument("--tune-rows", type=int, default=10_000)
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        started = time.perf_counter()
        run = measure(rows, args.tune_budget_s, args.tune_rows)
        runs.append(run)
        grade = run["grading"] or {}
        print(f"{rows:>9,} rows  stage {run['stage_seconds']:.1f} s  cpu "
              f"{run['process_cpu_seconds']:.1f} s  peak RSS {run['peak_rss_mb']} MB  "
              f"corr {grade.get('correlation', float('nan')):.3f}  coverage "
              f"{grade.get('interval_coverage', float('nan')):.3f}  "
              f"({time.perf_counter() - started:.0f} s in all)")  # fmt: skip
    write_report("analytics_causal", runs)


if __name__ == "__main__":
    main()
