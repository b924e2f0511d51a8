"""Server time of every web page (p50/p95 over N requests), at the lake's size.

Usage: ENGAGE_LAKE=lake .venv/bin/python bench/ui.py [--n 30]
Needs a pipeline run in that lake. Requests go through the whole ASGI app in process
(sessions, CSP middleware, templates, SQL), so the figure is the server's part of a
page load, without the network. `warm_up_s` is the one-off cost per new run that the
server's warm-up thread (engage.web.warm) pays before any visit. The Ask page's
answers (POST /app/ask/stream, a question and its follow-up in one conversation) are
timed to the last streamed line.
The machine's load average before and after is recorded beside the figures, since a
shared machine's load moves them. Writes bench/results/ui.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from engage import bootstrap
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.settings import Settings
from engage.web.warm import warm

OUT = Path(__file__).resolve().parent / "results" / "ui.json"


def pages(settings: Settings) -> dict[str, str]:
    """Every page, the customer table filtered and deep in its pages, and the fragments."""
    engine = bootstrap.sql_engine(settings, read_only=True)
    try:
        customer = engine.query(
            "SELECT min(customer_id) AS c FROM engagement_analytics.final_results"
        ).to_pylist()[0]["c"]
        run_id = engine.query(
            "SELECT max(run_id) AS r FROM engagement_predictions.predictions"
        ).to_pylist()[0]["r"]
    finally:
        engine.close()  # type: ignore[attr-defined]
    return {
        "overview": "/",
        "customers": "/app/customers",
        "customers_filtered": "/app/customers?risk=churn&value=high&sort=ltv_p50&dir=desc",
        "customers_page_1000": "/app/customers?page=1000&sort=customer_id&dir=asc",
        "customers_search": "/app/customers?q=0042",
        "customers_sorted_deep": "/app/customers?segment=high&sort=anomaly_score&dir=asc&page=200",
        "customers_by_state": "/app/customers?state=CA&account_type=premium&sort=location",
        "customer": f"/app/customers/{customer}",
        "customer_hints": f"/app/customers/{customer}/hints",
        "customer_audit": f"/app/customers/{customer}/audit",
        "ask": "/app/ask",
        "review": "/app/review",
        "fairness": "/app/fairness",
        "quality": "/app/quality",
        "models": "/app/models",
        "runs": "/app/runs",
        "run": f"/app/runs/{run_id}",
    }


QUESTIONS = ("What is the churn rate by account type?", "and for premium users?")


def timed(times: list[float], call: object) -> object:
    start = time.perf_counter()
    answer = call()  # type: ignore[operator]
    times.append((time.perf_counter() - start) * 1000)
    return answer


def summary(path: str, times: list[float]) -> dict[str, object]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{path[:40]:40s} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")
    return {
        "path": path,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
    }


def ask_answers(client: TestClient, n: int) -> dict[str, dict[str, object]]:
    """A question and its follow-up, each timed until the whole answer has streamed."""
    token = re.search(r'data-csrf="([^"]+)"', client.get("/app/ask").text).group(1)
    headers = {"x-csrf-token": token, "content-type": "application/json"}
    out = {}
    for name, question in zip(("ask_question", "ask_follow_up"), QUESTIONS, strict=True):
        times: list[float] = []
        for _ in range(n + 1):
            body = json.dumps({"question": question})
            answer = timed(
                times, lambda b=body: client.post("/app/ask/stream", content=b, headers=headers)
            )
            last = json.loads(answer.text.strip().splitlines()[-1])  # type: ignore[attr-defined]
            assert last["type"] == "answer", last
        out[name] = summary(f"POST /app/ask/stream {question!r}", times[1:])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="requests per page")
    args = parser.parse_args()
    settings = Settings()
    _, key = KeyStore(settings.resolved_keys_path()).create(f"bench-ui-{time.time_ns()}", "admin")
    app = create_app(settings, background=False)
    started = time.perf_counter()
    warm(app)  # what the server's warm-up thread does once per new run, before any visit
    warm_up_s = round(time.perf_counter() - started, 2)
    client = TestClient(app, base_url="http://127.0.0.1")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/app/login").text).group(1)
    client.post("/app/login", data={"csrf": token, "api_key": key})
    rows = client.get("/").text  # warm: first imports, first catalog open
    report: dict[str, Any] = {"lake": settings.lake, "n": args.n, "warm_up_s": warm_up_s}
    report["pages"] = {}
    customers = re.search(r'data-total="(\d+)"', client.get("/app/customers").text)
    report["customers_in_table"] = int(customers.group(1)) if customers else None
    load_before = os.getloadavg()
    for name, path in pages(settings).items():
        client.get(path)
        times: list[float] = []
        for _ in range(args.n):
            answer = timed(times, lambda p=path: client.get(p))
            assert answer.status_code == 200, (path, answer.status_code)  # type: ignore[attr-defined]
        report["pages"][name] = summary(path, times)
    report["pages"].update(ask_answers(client, max(3, args.n // 3)))
    report["load_average_1_5_15"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
    }
    del rows
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
