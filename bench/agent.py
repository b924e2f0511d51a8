"""Benchmark the Q&A agent: accuracy on the seed's 40 (and paraphrases), the
development set and each held-out set, separately, plus cold and warm latency.

Builds a lake with the real pipeline (default 20K customers; --lake reuses one,
and may be given several times, e.g. a 2K and a 100K lake, one run entry each),
asks every set in fresh session contexts and grades each answer against its
reference (reference SQL run on the same catalog). Cold latency is a fresh
`engage ask` process, wall clock, start to exit, with the CPU seconds it used
(wall on a shared machine mostly measures the other processes: the load average
is recorded beside it); warm is p50/p95 over several questions asked in an open
session. Targets: 40/40 seed, >= 95% held-out, 0 wrong figures, 0 unsafe answers;
cold <= 1.5 s, warm <= 200 ms.
Usage: python bench/agent.py [--rows 20000] [--lake DIR --data DIR]...
Writes bench/results/agent.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engage import bootstrap
from engage.agent import eval as agent_eval
from engage.agent.eval import sets
from engage.agent.session import Session
from engage.settings import Settings
from report import write_report  # bench/report.py (scripts run from bench/)

QUESTION = "average churn probability of premium users in Texas on mobile"
WARM = (
    QUESTION,
    "how many customers are at risk of churning?",
    "median ltv by device for women",
    "top 3 states by total revenue",
    "churn rate by engagement quartile",
    "what share of premium customers churned",
    "p75 of churn probability among mobile users",
    "auc of the churn model",
)
SETS = ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6")


def _lake(rows: int, seed: int, tmp: str) -> Settings:
    from engage.data import generate
    from engage.orchestrate import run_pipeline

    source, lake_dir = Path(tmp) / "data", Path(tmp) / "lake"
    generate(rows, seed, source, formats=("parquet",))
    settings = Settings(lake=str(lake_dir), data_dir=source)
    assert run_pipeline(settings).succeeded
    return settings


def cold(settings: Settings, n: int = 5) -> dict[str, object]:
    """Fresh `engage ask` processes (imports, catalog, answer, exit): wall and CPU."""
    env = os.environ | {"ENGAGE_LAKE": settings.lake, "ENGAGE_DATA_DIR": str(settings.data_dir)}
    engage = Path(sys.executable).with_name("engage")
    walls, cpus = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(engage), "ask", QUESTION], env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    start = time.perf_counter()
    subprocess.run([str(engage), "--help"], env=env, check=True, capture_output=True)
    return {"cold_s": [round(t, 3) for t in walls], "cold_median_s": _r(statistics.median(walls)),
            "cold_min_s": _r(min(walls)), "cold_cpu_median_s": _r(statistics.median(cpus)),
            "help_s": _r(time.perf_counter() - start),
            "load_average_1min": round(os.getloadavg()[0], 2), "question": QUESTION}  # fmt: skip


def warm(session: Session, repeats: int = 5) -> dict[str, float]:
    """p50/p95 of questions asked again in an open session (layer and catalog open)."""
    times = []
    for question in WARM:
        session.history.clear()
        session.ask(question)
        for _ in range(repeats):
            session.history.clear()
            start = time.perf_counter()
            session.ask(question)
            times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return {"warm_p50_s": _r(statistics.median(times)), "warm_p95_s": _r(p95),
            "warm_questions": len(WARM)}  # fmt: skip


def _r(value: float) -> float:
    return round(value, 4)


def measure(settings: Settings) -> dict[str, object]:
    """Every set and the latencies on one lake."""
    session = bootstrap.session(settings)
    customers = session.tools.engine.query(
        "SELECT count(*) AS n FROM engagement_analytics.final_results"
    ).to_pylist()[0]["n"]
    seed = agent_eval.evaluate(session)
    result: dict[str, object] = {"customers": customers}
    result["seed"] = {k: seed[k] for k in ("questions", "correct", "paraphrases",
                                           "paraphrases_correct")}  # fmt: skip
    result["seed_failures"] = seed["failures"]
    for name in SETS:
        report = sets.evaluate(session, name)
        result[name] = {k: v for k, v in report.items() if k != "failures"}
        result[f"{name}_failures"] = report["failures"]
        print(f"{customers} customers, {name}: {report['correct']}/{report['questions']} "
              f"correct, {report['wrong']} wrong, {report['declined']} declined, "
              f"{report['unsafe']} unsafe")  # fmt: skip
    result["latency"] = warm(session)
    session.close()
    result["latency"] |= cold(settings)  # type: ignore[operator]
    print(f"seed {seed['correct']}/40, paraphrases {seed['paraphrases_correct']}/"
          f"{seed['paraphrases']}; latency {result['latency']}")  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lake", action="append", default=[])
    parser.add_argument("--data", action="append", default=[])
    args = parser.parse_args()
    if len(args.lake) != len(args.data):
        parser.error("give one --data per --lake")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        pairs = zip(args.lake, args.data, strict=True)
        lakes = [Settings(lake=lk, data_dir=Path(d)) for lk, d in pairs]
        for settings in lakes or [_lake(args.rows, args.seed, tmp)]:
            runs.append(measure(settings))
    write_report(
        "agent", runs, planner="offline", sets=list(SETS),
        targets={"seed": 40, "heldout_accuracy": 0.95, "wrong": 0, "unsafe": 0,
                 "cold_s": 1.5, "warm_s": 0.2, "help_s": 0.5},
    )  # fmt: skip


if __name__ == "__main__":
    main()
