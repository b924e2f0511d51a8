"""Scale a measured run to other customer counts.

Assumptions, per quantity (printed with every projection):
- Stage durations: `seconds x (N / n) ** b`. `b` is measured per stage when a second
  run of a different size exists (this run plus `bench/results/pipeline.json`), both
  at least MIN_ROWS (smaller runs are dominated by start-up time); it is kept within
  [0.8, 2] so that one noisy timing cannot make a stage free or explode. Without a
  second size `b` = 1: every stage reads, scores or writes every customer once.
- Bytes scanned, bytes stored, cache writes: linear in customers (one row each).
- State transitions, S3 objects, Lambda invocations, log volume: constant (set by
  the pipeline's shape and partitioning, not by the number of customers).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engage.cost.model import CostEstimate, estimate
from engage.cost.prices import PriceTable
from engage.cost.sqlscan import SqlScan
from engage.cost.usage import RunUsage

SCALES = (100_000, 1_000_000, 10_000_000, 60_000_000)
MIN_ROWS = 10_000
EXPONENT_RANGE = (0.8, 2.0)


@dataclass(frozen=True)
class Projection:
    """The estimate at `rows` customers, and the exponent used for each stage."""

    rows: int
    estimate: CostEstimate
    exponents: dict[str, float]


def reference_runs(path: Path) -> list[tuple[int, dict[str, float]]]:
    """(rows, stage seconds by path) of each run in a bench/results/pipeline.json file."""
    if not path.exists():
        return []
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [(int(r["rows"]), dict(r.get("stage_seconds", {}))) for r in data.get("runs", [])]


def exponents(usage: RunUsage, references: list[tuple[int, dict[str, float]]]) -> dict[str, float]:
    """Stage path -> scaling exponent (see the module doc)."""
    out = {}
    for stage in usage.stages:
        b = 1.0
        for rows, seconds in references:
            other = seconds.get(stage.path, 0.0)
            if min(rows, usage.rows) < MIN_ROWS or rows == usage.rows:
                continue
            if other > 0 and stage.seconds > 0:
                b = math.log(other / stage.seconds) / math.log(rows / usage.rows)
                b = min(max(b, EXPONENT_RANGE[0]), EXPONENT_RANGE[1])
        out[stage.path] = round(b, 3)
    return out


def scale_usage(usage: RunUsage, rows: int, exps: dict[str, float]) -> RunUsage:
    """The usage the same pipeline would have at `rows` customers."""
    f = rows / usage.rows
    stages = tuple(replace(s, seconds=s.seconds * f ** exps.get(s.path, 1.0)) for s in usage.stages)
    scans = tuple(SqlScan(s.statement, s.reads, round(s.bytes_scanned * f)) for s in usage.scans)
    return replace(
        usage,
        rows=rows,
        stages=stages,
        scans=scans,
        s3_bytes=round(usage.s3_bytes * f),
        dynamodb_writes=round(usage.dynamodb_writes * f),
    )


def project(
    usage: RunUsage,
    prices: PriceTable,
    references: list[tuple[int, dict[str, float]]] | None = None,
    scales: tuple[int, ...] = SCALES,
    schedule_days: float = 7.0,
) -> list[Projection]:
    """Estimates at each customer count in `scales`."""
    if usage.rows <= 0:
        raise ValueError(f"run {usage.run_id} recorded no customer count; cannot project")
    exps = exponents(usage, references or [])
    return [
        Projection(n, estimate(scale_usage(usage, n, exps), prices, schedule_days), exps)
        for n in scales
    ]
