"""Benchmark the Q&A agent: accuracy over the seed's 40 questions and their
paraphrases, and latency per answer, offline.

Builds a lake with the real pipeline (default 20K customers), then asks every
question of src/engage/agent/eval/questions.json (and its paraphrases) in a fresh
session context, grading each answer against its reference computation.
Targets: 40/40 correct, >= 95% on paraphrases, median answer <= 1 s offline.
Usage: python bench/agent.py [--rows 20000] [--repeats 3]
Writes bench/results/agent.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from engage import bootstrap
from engage.agent import eval as agent_eval
from engage.agent import kb
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings
from report import write_report  # bench/report.py (scripts run from bench/)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, lake_dir = Path(tmp) / "data", Path(tmp) / "lake"
        generate(args.rows, args.seed, source, formats=("parquet",))
        settings = Settings(lake=str(lake_dir), data_dir=source)
        run = run_pipeline(settings)
        kb_start = time.perf_counter()
        tools = bootstrap.tools(settings)
        embedder = bootstrap.embedder(settings)
        kb_summary = kb.build(bootstrap.object_store(settings), run.run_id, tools, embedder)
        tools.close()
        kb_seconds = time.perf_counter() - kb_start
        runs = []
        for repeat in range(args.repeats):
            session = bootstrap.session(settings)
            report = agent_eval.evaluate(session)
            session.close()
            report["repeat"] = repeat
            runs.append(report)
            print(
                f"repeat {repeat}: {report['correct']}/{report['questions']} correct, "
                f"paraphrases {report['paraphrase_accuracy']:.1%}, median "
                f"{report['latency_median_s'] * 1000:.0f} ms, p95 "
                f"{report['latency_p95_s'] * 1000:.0f} ms"
            )
    write_report(
        "agent", runs, rows=args.rows, planner="offline", kb=kb_summary,
        kb_build_seconds=round(kb_seconds, 3),
        targets={"correct": 40, "paraphrase_accuracy": 0.95, "latency_median_s": 1.0},
    )  # fmt: skip


if __name__ == "__main__":
    main()
