"""Benchmark the CLI's start-up: wall time and peak RSS of `engage --help` (and two groups).

Each measurement is a fresh `python -m engage.cli ... --help` child process, so it
includes the interpreter start and every import a user waits for; peak RSS is the
child's (RUSAGE_CHILDREN of a wrapper). Target (issue 15): <= 0.5 s and <= 150 MB.
Usage: python bench/cli.py [--runs 7] [--python OTHER_VENV/bin/python --name cli_main]
Writes bench/results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def measure(args: tuple[str, ...], runs: int, python: str) -> dict[str, object]:
    """Median and worst of `runs` fresh starts (the first warms the file cache).

    CPU seconds (user + system of the child) are reported beside wall time: on a
    shared, loaded machine they say what the command itself costs.
    """
    samples = []
    for _ in range(runs + 1):
        out = subprocess.run(
            [python, "-c", WRAPPER, *args], check=True, capture_output=True, text=True
        )
        samples.append(json.loads(out.stdout))
    samples = samples[1:]
    seconds = [s["seconds"] for s in samples]
    cpu = [s["cpu_seconds"] for s in samples]
    rss = [s["peak_rss_mb"] for s in samples]
    return {
        "command": "engage " + " ".join(args),
        "runs": runs,
        "median_seconds": round(statistics.median(seconds), 3),
        "max_seconds": round(max(seconds), 3),
        "median_cpu_seconds": round(statistics.median(cpu), 3),
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "max_peak_rss_mb": round(max(rss), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter whose engage to measure"
    )
    parser.add_argument("--name", default="cli", help="results file name (bench/results/)")
    args = parser.parse_args()
    results = []
    for command in COMMANDS:
        row = measure(command, args.runs, args.python)
        results.append(row)
        print(
            f"{row['command']:<22} median {row['median_seconds']:.3f} s "
            f"(max {row['max_seconds']:.3f}), CPU {row['median_cpu_seconds']:.3f} s, "
            f"peak RSS {row['median_peak_rss_mb']:.0f} MB"
        )
    load = os.getloadavg()[0]
    write_report(args.name, results, target={"seconds": 0.5, "peak_rss_mb": 150}, load=load)


if __name__ == "__main__":
    main()
