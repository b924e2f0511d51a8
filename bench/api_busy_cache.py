"""The API while another process holds the cache's SQLite write lock (issue 20 item 10).

Builds a small lake with the real pipeline, serves it in-process (uvicorn on
127.0.0.1), and sends sequential live POST /predict and GET /health requests,
first with a free cache and then while a second connection holds the write lock
(BEGIN IMMEDIATE) for the whole phase, as a pipeline's cache warm used to. It
prints and records status codes and latency percentiles of each phase; before
the fix the locked phase answered 500 after ~10 s per request.
Usage: python bench/api_busy_cache.py [--rows 3000] [--requests 200]
Writes bench/results/api_busy_cache.json.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import uvicorn

from engage import lake
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.api.state import build_state
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings


def phase(client: httpx.Client, key: str, inputs: dict, n: int) -> dict:
    latencies, codes = [], Counter()
    ids = sorted(inputs)
    for i in range(n):
        cid = ids[i % len(ids)]
        body = {"customer_id": cid, "features": {**inputs[cid], "age": 18 + i % 47}}
        for method, path, kw in (("POST", "/predict", {"json": body}), ("GET", "/health", {})):
            t0 = time.perf_counter()
            r = client.request(method, path, headers={"x-api-key": key}, **kw)
            latencies.append((time.perf_counter() - t0) * 1000)
            codes[f"{path} {r.status_code}"] += 1
    q = statistics.quantiles(latencies, n=100)
    return {"codes": dict(codes), "p50_ms": round(q[49], 2), "p99_ms": round(q[98], 2),
            "max_ms": round(max(latencies), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="engage-busy-"))
    generate(args.rows, 7, root / "data", formats=("parquet",))
    settings = Settings(lake=str(root / "lake"), data_dir=root / "data", api_burst=100_000)
    assert run_pipeline(settings, sleep=lambda s: None).succeeded
    inputs = {r.pop("customer_id"): r for r in pq.read_table(
        root / "lake" / lake.PROCESSED_INFERENCE).to_pylist()}  # fmt: skip
    _, key = KeyStore(settings.resolved_keys_path()).create("bench", "reader")
    state = build_state(settings)
    server = uvicorn.Server(uvicorn.Config(create_app(state=state), host="127.0.0.1", port=0,
                                           log_level="error"))  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    results = {"rows": args.rows, "requests_per_phase": args.requests * 2}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        results["free_cache"] = phase(client, key, inputs, args.requests)
        lock = sqlite3.connect(state.cache.path, isolation_level=None, timeout=0)
        lock.execute("BEGIN IMMEDIATE")
        results["cache_write_locked"] = phase(client, key, inputs, args.requests)
        lock.execute("ROLLBACK")
    server.should_exit = True
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results" / "api_busy_cache.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
