"""Benchmark the Q&A agent: accuracy on the seed's 40 (and paraphrases), the
development set and the held-out set, separately, plus cold and warm latency.

Builds a lake with the real pipeline (default 20K customers; --lake reuses one),
asks every set in fresh session contexts and grades each answer against its
reference (reference SQL run on the same catalog). Cold latency is a fresh
`engage ask` process, wall clock, start to exit; warm is one question asked in an
open session. Targets: 40/40 seed, >= 95% held-out, 0 wrong figures, 0 unsafe
answers; cold <= 1.5 s, warm <= 200 ms.
Usage: python bench/agent.py [--rows 20000] [--lake DIR --data DIR]
Writes bench/results/agent.json.
"""

from __future__ import annotations

import argparse
import os
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


def _lake(args: argparse.Namespace, tmp: str) -> Settings:
    if args.lake:
        return Settings(lake=args.lake, data_dir=Path(args.data))
    from engage.data import generate
    from engage.orchestrate import run_pipeline

    source, lake_dir = Path(tmp) / "data", Path(tmp) / "lake"
    generate(args.rows, args.seed, source, formats=("parquet",))
    settings = Settings(lake=str(lake_dir), data_dir=source)
    assert run_pipeline(settings).succeeded
    return settings


def cold(settings: Settings, n: int = 3) -> list[float]:
    """Wall seconds of fresh `engage ask` processes (imports, catalog, answer, exit)."""
    env = os.environ | {"ENGAGE_LAKE": settings.lake, "ENGAGE_DATA_DIR": str(settings.data_dir)}
    engage = Path(sys.executable).with_name("engage")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run([str(engage), "ask", QUESTION], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def warm(session: Session, n: int = 20) -> list[float]:
    session.ask(QUESTION)
    times = []
    for _ in range(n):
        session.history.clear()
        start = time.perf_counter()
        session.ask(QUESTION)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lake")
    parser.add_argument("--data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = _lake(args, tmp)
        session = bootstrap.session(settings)
        seed = agent_eval.evaluate(session)
        result = {"seed": {k: seed[k] for k in ("questions", "correct", "paraphrases",
                                                "paraphrases_correct")}}  # fmt: skip
        result["seed_failures"] = seed["failures"]
        for name in ("dev", "heldout"):
            report = sets.evaluate(session, name)
            result[name] = {k: v for k, v in report.items() if k != "failures"}
            result[f"{name}_failures"] = report["failures"]
            print(f"{name}: {report['correct']}/{report['questions']} correct, "
                  f"{report['wrong']} wrong, {report['declined']} declined, "
                  f"{report['unsafe']} unsafe")  # fmt: skip
        warm_s = warm(session)
        session.close()
        cold_s = cold(settings)
    result["latency"] = {"cold_s": [round(t, 3) for t in cold_s],
                         "cold_median_s": round(statistics.median(cold_s), 3),
                         "warm_median_s": round(statistics.median(warm_s), 4),
                         "question": QUESTION}  # fmt: skip
    print(f"seed {seed['correct']}/40, paraphrases {seed['paraphrases_correct']}/"
          f"{seed['paraphrases']}; cold {result['latency']['cold_median_s']} s, warm "
          f"{result['latency']['warm_median_s'] * 1000:.0f} ms")  # fmt: skip
    write_report(
        "agent", [result], rows=args.rows if not args.lake else None, planner="offline",
        targets={"seed": 40, "heldout_accuracy": 0.95, "wrong": 0, "unsafe": 0,
                 "cold_s": 1.5, "warm_s": 0.2},
    )  # fmt: skip


if __name__ == "__main__":
    main()
