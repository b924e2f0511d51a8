"""Benchmark the synthetic generator: rows/s and peak RSS per size.

Each size runs in its own child process so that peak RSS belongs to that size.
Usage: python bench/generate.py [--rows 100000 1000000 10000000] [--formats parquet]
Writes bench/results/generate.json.
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

CHILD = """
import json, resource, sys, time
from pathlib import Path
from engage.data import generate
rows, out, formats = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split(",")
t = time.perf_counter()
summary = generate(rows, 42, out, formats)
print(json.dumps({"seconds": time.perf_counter() - t, "tables": summary.tables,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(rows: int, formats: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    try:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(rows), str(work / "out"), formats],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in (work / "out").iterdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": rows,
        "formats": formats,
        "generate_seconds": round(child["seconds"], 2),
        "process_wall_seconds": round(wall, 2),
        "rows_per_second": round(rows / child["seconds"]),
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "output_mb": round(size / 1e6, 1),
        "tables": child["tables"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", default="parquet")
    args = parser.parse_args()
    runs = []
    for rows in args.rows:
        result = measure(rows, args.formats)
        runs.append(result)
        print(f"{rows:>11,} rows  {result['generate_seconds']:>7.1f} s  "
              f"{result['rows_per_second']:>9,} rows/s  peak RSS {result['peak_rss_mb']:>6,} MB  "
              f"output {result['output_mb']:>8,.1f} MB")  # fmt: skip
    write_report("generate", runs)


if __name__ == "__main__":
    main()
