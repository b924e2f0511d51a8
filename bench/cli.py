"""Benchmark the CLI's start-up: wall time and peak RSS of `engage --help` (and two groups).

Each measurement is a fresh `python -m engage.cli ... --help` child process, so it
includes the interpreter start and every import a user waits for; peak RSS is the
child's (RUSAGE_CHILDREN of a wrapper). Target (issue 15): <= 0.5 s and <= 150 MB.
Usage: python bench/cli.py [--runs 7]
Writes bench/results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from report import write_report  # bench/report.py (scripts run from bench/)

COMMANDS = (("--help",), ("ask", "--help"), ("sql", "--help"))

# Runs one command in a grandchild and reports its wall time and peak RSS.
WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run([sys.executable, "-c", "from engage.cli import main; main()", *sys.argv[1:]],
               check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": wall, "peak_rss_mb": rss}))
"""


def measure(args: tuple[str, ...], runs: int) -> dict[str, object]:
    """Median and worst of `runs` fresh starts (the first warms the file cache)."""
    samples = []
    for _ in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-c", WRAPPER, *args], check=True, capture_output=True, text=True
        )
        samples.append(json.loads(out.stdout))
    samples = samples[1:]
    seconds = [s["seconds"] for s in samples]
    rss = [s["peak_rss_mb"] for s in samples]
    return {
        "command": "engage " + " ".join(args),
        "runs": runs,
        "median_seconds": round(statistics.median(seconds), 3),
        "max_seconds": round(max(seconds), 3),
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "max_peak_rss_mb": round(max(rss), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = []
    for command in COMMANDS:
        row = measure(command, args.runs)
        results.append(row)
        print(
            f"{row['command']:<22} median {row['median_seconds']:.3f} s "
            f"(max {row['max_seconds']:.3f})  peak RSS {row['median_peak_rss_mb']:.0f} MB"
        )
    write_report("cli", results, target={"seconds": 0.5, "peak_rss_mb": 150})


if __name__ == "__main__":
    main()
