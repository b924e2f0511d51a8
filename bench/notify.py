"""Benchmark and grade `engage notify train`: lift, violations, time and peak RSS.

For each size a child process generates customers into a scratch folder; a second
runs `engage notify train --customers ... --json` against a scratch lake, so its wall
time and peak RSS are the command's own. Every figure (lift over fixed noon and over
the best single hour, violations, refused 03:00 requests) is the command's report,
computed on held-out customers of the simulator: nothing here is typed in.
Usage: python bench/notify.py [--rows 20000] [--episodes 6000] [--eval-customers 2000]
Writes bench/results/notify.json.
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

GENERATE = """
import sys
from pathlib import Path
from engage.data import generate
generate(int(sys.argv[1]), 42, Path(sys.argv[2]), ("parquet",))
"""
# The command itself, reporting its own peak RSS on stderr (stdout is its JSON).
COMMAND = """
import resource, sys
from engage.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print("peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def measure(rows: int, episodes: int, eval_customers: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="engage-bench-notify-"))
    data = work / "data"
    try:
        subprocess.run([sys.executable, "-c", GENERATE, str(rows), str(data)], check=True)
        command = [sys.executable, "-c", COMMAND]
        command += ["notify", "train", "--customers", str(data / "customers.parquet")]
        command += ["--episodes", str(episodes), "--eval-customers", str(eval_customers)]
        command += ["--json"]
        env = {**os.environ, "ENGAGE_LAKE": str(work / "lake"), "ENGAGE_DATA_DIR": str(data)}
        started = time.perf_counter()
        proc = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        peak = float(proc.stderr.strip().splitlines()[-1].split()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = json.loads(proc.stdout)
    by_policy = {e["policy"]: e for e in report["evaluation"]}
    return {
        "rows": rows,
        "episodes": episodes,
        "eval_customers": eval_customers,
        "lift_over_noon": report["lift_over_noon"],
        "lift_over_best_hour": report["lift_over_best_hour"],
        "lift_over_noon_95ci": report["lift_over_noon_95ci"],
        "lift_over_best_hour_95ci": report["lift_over_best_hour_95ci"],
        "best_single_hour": report["best_single_hour"]["hour"],
        "violations_total": report["violations_total"],
        "adversarial_3am": report["adversarial_3am"],
        "policies": {
            name: {
                k: e[k]
                for k in (
                    "reward_per_customer_day",
                    "engagement_rate",
                    "notifications",
                    "unsubscribes",
                    "violations",
                )
            }
            for name, e in by_policy.items()
        },
        "opted_out": report["opted_out"],
        "opt_out_source": report["opt_out_source"],
        "schedule_rows": report["schedule"]["rows"],
        "phase_seconds": report["seconds"],
        "process_wall_seconds": round(wall, 2),
        "peak_rss_mb": round(peak),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000])
    parser.add_argument("--episodes", type=int, default=6000)
    parser.add_argument("--eval-customers", type=int, default=2000)
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        result = measure(rows, args.episodes, args.eval_customers)
        runs.append(result)
        print(
            f"{rows:>9,} rows  lift vs noon {result['lift_over_noon']:+.1%}  vs best hour "
            f"{result['lift_over_best_hour']:+.1%}  violations {result['violations_total']}  "
            f"{result['process_wall_seconds']:.1f} s  peak RSS {result['peak_rss_mb']:,} MB"
        )
    write_report("notify", runs)


if __name__ == "__main__":
    main()
