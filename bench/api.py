"""Benchmark the prediction API: throughput and p50/p95/p99 per kind of request.

Builds a lake with the real pipeline (default 100K customers), creates an API key,
starts `engage serve` (uvicorn, one process) on 127.0.0.1 and drives it with
bench/loadgen.py at concurrency 32 for a bounded time per phase:

* cache hits: POST /predict {"customer_id"} (batch predictions from the cache);
* live inference: POST /predict with a customer's inputs, one input perturbed per
  request so that every request misses the cache and runs all five models + SHAP;
* batch: POST /predict/batch with 10 customer ids (cache hits).

Each kind is measured closed-loop (saturation: the most the server does) and, for
cache hits and live inference, open-loop at a fixed offered rate below saturation
(the latency a client sees at that load; the targets are stated at such a load).
Targets on the 2-core machine: cache hit p99 <= 10 ms and >= 1,000 requests/s;
live inference p99 <= 50 ms. The generator shares the 2 cores with the server.
Usage: python bench/api.py [--rows 100000] [--seconds 12]
Writes bench/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from loadgen import request_bytes, run  # bench/loadgen.py
from report import write_report  # bench/report.py (scripts run from bench/)

SETUP = """
import sys
from pathlib import Path
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings
generate(int(sys.argv[1]), 42, Path(sys.argv[2]), ["parquet"])
run = run_pipeline(Settings(lake=sys.argv[3], data_dir=Path(sys.argv[2])))
assert run.succeeded, run.result.cause
"""
KEY = """
import sys
from pathlib import Path
from engage.api.keys import KeyStore
print(KeyStore(Path(sys.argv[1])).create("bench", "reader")[1])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        "from engage.cli import main; main()",
        "serve",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(proc.stderr.read().decode()) from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def phase(name: str, port: int, make, seconds: float, rate: float | None = None) -> dict:
    result = asyncio.run(run("127.0.0.1", port, make, seconds, concurrency=32, rate=rate))
    summary = {"phase": name, "concurrency": 32, "offered_rate": rate, **result.summary()}
    print(
        f"{name:<34} {summary['requests_per_second']:>8,.0f} req/s  p50 {summary['p50_ms']:>7} ms"
        f"  p95 {summary['p95_ms']:>7} ms  p99 {summary['p99_ms']:>7} ms  {summary['statuses']}"
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=12.0, help="per phase (<= 60)")
    args = parser.parse_args()
    seconds = min(args.seconds, 60.0)
    work = Path(tempfile.mkdtemp(prefix="engage-bench-api-"))
    data, lake_dir, keys = work / "data", work / "lake", work / "keys.json"
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", SETUP, str(args.rows), str(data), str(lake_dir)], check=True
        )
        setup_seconds = time.perf_counter() - started
        key = subprocess.run(
            [sys.executable, "-c", KEY, str(keys)], check=True, capture_output=True, text=True
        ).stdout.strip()
        env = {
            **os.environ,
            "ENGAGE_LAKE": str(lake_dir),
            "ENGAGE_DATA_DIR": str(data),
            "ENGAGE_API_KEYS_PATH": str(keys),
            "ENGAGE_API_RATE_PER_SECOND": "1000000",
            "ENGAGE_API_BURST": "1000000",
        }
        inputs = pq.read_table(lake_dir / "engagement-data/processed/inference").to_pylist()
        ids = [r["customer_id"] for r in inputs]
        rng = random.Random(7)
        headers = {"x-api-key": key}

        def hit(i: int) -> bytes:
            return request_bytes(
                "/predict", json.dumps({"customer_id": ids[i % len(ids)]}).encode(), headers
            )

        def live(i: int) -> bytes:
            row = dict(inputs[rng.randrange(len(inputs))])
            cid = row.pop("customer_id")
            row["avg_session_duration_min"] = round(rng.uniform(0, 240), 4)  # always a miss
            return request_bytes(
                "/predict", json.dumps({"customer_id": cid, "features": row}).encode(), headers
            )

        def batch(i: int) -> bytes:
            items = [{"customer_id": ids[(i * 10 + k) % len(ids)]} for k in range(10)]
            return request_bytes(
                "/predict/batch", json.dumps({"requests": items}).encode(), headers
            )

        port = free_port()
        server = start_server(env, port)
        load_avg = os.getloadavg()
        try:
            phase("warm-up", port, hit, 2.0)
            phases = [
                phase("cache_hit (closed loop)", port, hit, seconds),
                phase("cache_hit @ 1000 req/s", port, hit, seconds, rate=1000),
                phase("live_inference (closed loop)", port, live, seconds),
                phase("live_inference @ 300 req/s", port, live, seconds, rate=300),
                phase("batch_10 (closed loop)", port, batch, seconds),
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by = {p["phase"]: p for p in phases}
    write_report(
        "api",
        phases,
        rows=args.rows,
        setup_seconds=round(setup_seconds, 1),
        load_average_at_start=[round(x, 2) for x in load_avg],
        server="engage serve: uvicorn, 1 process, SQLite cache (WAL), 127.0.0.1",
        generator="bench/loadgen.py, asyncio keep-alive, 32 connections, same 2 cores",
        targets={
            "cache_hit_p99_ms": "<= 10 at 1,000 req/s",
            "cache_hit_rps": ">= 1,000",
            "live_inference_p99_ms": "<= 50",
        },
        met={
            "cache_hit_p99": by["cache_hit @ 1000 req/s"]["p99_ms"] <= 10,
            "cache_hit_rps": by["cache_hit (closed loop)"]["requests_per_second"] >= 1000,
            "live_inference_p99": by["live_inference @ 300 req/s"]["p99_ms"] <= 50,
        },
    )


if __name__ == "__main__":
    main()
