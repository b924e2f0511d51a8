"""Benchmark the federated-training experiment (issue 18 item 5): AUC gap, bytes, epsilon.

Generates `--rows` customers, runs data preparation (the same processed training and
test splits `engage federated` reads), then the experiment in a child process (so the
peak RSS is the experiment's): central vs FedAvg plain, secure and differentially
private. Prints the markdown table and writes bench/results/federated.json with the
whole report, the wall and CPU time and the machine's load average (on a shared box wall
time is not CPU time).
Usage: python bench/federated.py [--rows 100000]
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

EXPERIMENT = """
import json, resource, sys, time
from engage.analytics.federated import experiment, publish
from engage.settings import Settings
from engage.stages.services import Services
source, lake = sys.argv[1], sys.argv[2]
wall, cpu = time.perf_counter(), time.process_time()
with Services.from_settings(Settings(lake=lake, data_dir=source)) as services:
    train, test = publish.read_splits(services.store)  # the prepared splits, as a run has them
report = experiment.run(train, test, experiment.ExperimentParams(seed=42))
print(json.dumps({"report": report, "markdown": experiment.markdown(report),
                  "process_wall_seconds": time.perf_counter() - wall,
                  "process_cpu_seconds": time.process_time() - cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(rows: int) -> dict:
    """One generated lake, prepared, then the experiment on its splits."""
    work = Path(tempfile.mkdtemp(prefix="engage-bench-federated-"))
    try:
        source, lake = work / "source", str(work / "lake")
        cmd = [sys.executable, "-c", PREPARE, str(rows), str(source), lake]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", EXPERIMENT, str(source), lake],
            check=True,
            capture_output=True,
            text=True,
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        print(child.pop("markdown"))
        return {
            "rows": rows,
            "wall_seconds": round(time.perf_counter() - started, 2),
            "process_wall_seconds": round(child["process_wall_seconds"], 2),
            "process_cpu_seconds": round(child["process_cpu_seconds"], 2),
            "peak_rss_mb": round(child["peak_rss_mb"], 1),
            "load_average_1m_before": round(load, 2),
            "report": child["report"],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    run = measure(args.rows)
    arms = run["report"]["arms"]
    for name, arm in arms.items():
        eps = arm["dp"]["epsilon"] if arm["dp"] else None
        print(
            f"{name}: AUC {arm['test_auc']:.4f} gap {arm['auc_gap']:+.4f} "
            f"up/device/round {arm.get('bytes_up_per_device_round', 0):.0f} B"
            + ("" if eps is None else f" epsilon {eps:.2f}")
        )
    write_report("federated", [run])


if __name__ == "__main__":
    main()
