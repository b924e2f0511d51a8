"""Benchmark and grade the advanced analytics against the generator's truth (issue 17).

A small registry: each area adds one function `section(ctx) -> dict` to SECTIONS (or
lives in bench/analytics_<area>.py and is wired in here), and each writes
bench/results/analytics_<area>.json with its graded figures against truth, its wall
time and its peak RSS. Sections share one generated dataset and one pipeline run per
size (`Context`), each made in a child process so that its peak RSS is its own.

grading: every model's test figure beside its strongest simple baseline and its truth
ceiling, as the pipeline recorded them (the registry's grading records), with anomaly
recall by kind and the recommender's oracle NDCG@10.

Usage: python bench/analytics.py [--rows 100000] [--only grading]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

GENERATE = """
import json, resource, sys, time
from pathlib import Path
from engage.data import generate
t = time.perf_counter()
generate(int(sys.argv[1]), 42, Path(sys.argv[2]), ["parquet"])
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
PIPELINE = """
import json, resource, sys, time
from pathlib import Path
from engage import bootstrap
from engage.models.registry import ModelRegistry
from engage.orchestrate import run_pipeline
from engage.settings import Settings
settings = Settings(lake=sys.argv[2], data_dir=Path(sys.argv[1]))
t = time.perf_counter()
run = run_pipeline(settings)
seconds = time.perf_counter() - t
store = bootstrap.object_store(settings)
models = {}
for r in run.stage_results().values():
    if isinstance(r, dict) and r.get("training_status") == "success":
        meta = ModelRegistry(store, r["model"]).metadata(r["model_version"])
        models[r["model"]] = {"training_seconds": r.get("training_seconds"),
                              "metrics": meta.get("metrics"), "grading": meta.get("grading")}
print(json.dumps({"status": run.result.status, "seconds": seconds,
                  "states": {r.path: r.duration_s for r in run.result.records},
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "models": models}, default=str))
"""


@dataclass
class Context:
    """One size's dataset and pipeline run, made once and shared by the sections."""

    rows: int
    work: Path
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        if "generate" not in self._cache:
            self._cache["generate"] = _child(GENERATE, str(self.rows), str(self.work / "data"))
        return self.work / "data"

    def pipeline(self) -> dict[str, Any]:
        if "pipeline" not in self._cache:
            data = self.data
            self._cache["pipeline"] = _child(PIPELINE, str(data), str(self.work / "lake"))
        return self._cache["pipeline"]


def _child(code: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def grading(ctx: Context) -> dict[str, Any]:
    """Each model vs its strongest baseline and its ceiling, from one default pipeline run."""
    run = ctx.pipeline()
    models = {}
    for name, m in sorted(run["models"].items()):
        g = m.get("grading") or {}
        models[name] = {
            "metric": g.get("metric"),
            "value": g.get("value"),
            "baselines": g.get("baselines"),
            "baseline": g.get("baseline"),
            "vs_baseline": g.get("vs_baseline"),
            "ceiling": g.get("ceiling"),
            "vs_ceiling": g.get("vs_ceiling"),
            "validation": (m.get("metrics") or {}).get("validation"),
            "training_seconds": m.get("training_seconds"),
            **{k: g[k] for k in ("recall_by_kind", "single_column_rule", "hr_at_10",
                                 "recall_confidence", "expected_recall") if k in g},
        }  # fmt: skip
    training = {k: v for k, v in run["states"].items() if k.endswith("Training") or "Model" in k}
    return {
        "pipeline_status": run["status"],
        "pipeline_seconds": round(run["seconds"], 1),
        "pipeline_peak_rss_mb": round(run["peak_rss_mb"], 1),
        "training_states_seconds": training,
        "models": models,
    }


SECTIONS: dict[str, Callable[[Context], dict[str, Any]]] = {"grading": grading}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), default=sorted(SECTIONS))
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out: dict[str, dict[str, Any]] = {n: {"generated_at": stamp, "rows": {}} for n in args.only}
    for rows in args.rows:
        work = Path(tempfile.mkdtemp(prefix=f"analytics_{rows}_"))
        try:
            ctx = Context(rows, work)  # one dataset and one pipeline run, shared
            for name in args.only:
                started = time.perf_counter()
                result = SECTIONS[name](ctx)
                result["section_seconds"] = round(time.perf_counter() - started, 1)
                out[name]["rows"][str(rows)] = result | {"generate": ctx._cache.get("generate")}
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for name, result in out.items():
        path = RESULTS / f"analytics_{name}.json"
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
