"""What one run measured, in the units AWS bills: the inputs of the cost model.

Everything here is read from the run itself: stage durations and attempts from the
run record (`engagement-runs/<run_id>.json`), task sizes from the packaged ASL
definition, bytes from the lake's files, cache items from the SQLite cache. Nothing
is estimated that the run could tell us; where AWS bills something the local run
cannot observe, the assumption is written beside the field.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engage import lake
from engage.cost.sqlscan import SqlScan, sql_scans
from engage.pipeline.asl import iter_states
from engage.pipeline.local import definition

# Local stand-ins for Glue, DynamoDB and API Gateway keys (and their -wal/-shm files).
LOCAL_ONLY = ("catalog.duckdb", "cache.sqlite", "api_keys.json")
AGENT_USAGE = "agent_usage.json"  # optional per-run report: {"input_tokens", "output_tokens"}


@dataclass(frozen=True)
class StageUsage:
    """One Task state: where it would run on AWS and how long it ran here."""

    name: str
    path: str
    kind: str  # "fargate" | "lambda"
    seconds: float
    attempts: int
    vcpu: float = 0.0
    memory_gb: float = 0.0


@dataclass(frozen=True)
class RunUsage:
    """A run's billable quantities (see the module doc for where each comes from)."""

    run_id: str
    rows: int
    stages: tuple[StageUsage, ...]
    transitions: int
    scans: tuple[SqlScan, ...]
    s3_bytes: int
    s3_puts: int
    s3_gets: int  # assumption: every object written is read once by a later stage
    dynamodb_writes: int  # write request units: items x ceil(measured item bytes / 1 KB)
    dynamodb_reads: int
    log_bytes: int  # the run record: what the stages would print to CloudWatch
    bedrock_input_tokens: int = 0
    bedrock_output_tokens: int = 0
    lambda_memory_mb: int = 1024
    notes: tuple[str, ...] = field(default=())


def task_kinds() -> dict[str, tuple[str, float, float]]:
    """State name -> (kind, vCPU, memory GB) for every Task of the pipeline definition."""
    kinds: dict[str, tuple[str, float, float]] = {}
    for _, name, state in iter_states(definition()):
        resource = str(state.get("Resource", ""))
        if state.get("Type") != "Task":
            continue
        if "ecs:runTask" in resource:
            override = state["Parameters"]["Overrides"]["ContainerOverrides"][0]
            kinds[name] = ("fargate", override["Cpu"] / 1024, override["Memory"] / 1024)
        else:
            kinds[name] = ("lambda", 0.0, 0.0)
    return kinds


def measure(record: dict[str, Any], lake_root: Path, lambda_memory_mb: int = 1024) -> RunUsage:
    """The billable quantities of one run record whose lake is the local folder `lake_root`."""
    kinds = task_kinds()
    stages = tuple(
        StageUsage(
            s["name"],
            s["path"],
            kinds[s["name"]][0],
            float(s.get("duration_s") or 0.0),
            int(s.get("attempts") or 1),
            kinds[s["name"]][1],
            kinds[s["name"]][2],
        )
        for s in record["states"]
        if s["name"] in kinds
    )
    # Standard workflows bill every state entered, and each retry is a transition more.
    transitions = sum(int(s.get("attempts") or 1) for s in record["states"])
    files = _lake_files(lake_root)
    written = _written_since(files, record["started_at"])
    output = record.get("output") or {}
    cached = int(((output.get("ensemble") or {}).get("cache") or {}).get("cached") or 0)
    tokens = _agent_tokens(lake_root, record["run_id"])
    return RunUsage(
        run_id=record["run_id"],
        rows=int((output.get("data_prep") or {}).get("raw_records") or 0),
        stages=stages,
        transitions=transitions,
        scans=tuple(sql_scans({k: size for k, (size, _) in files.items()})),
        s3_bytes=sum(size for size, _ in files.values()),
        s3_puts=len(written),
        s3_gets=len(written),
        dynamodb_writes=cached * _wru_per_item(lake_root),
        dynamodb_reads=0,
        log_bytes=len(json.dumps(record, default=str).encode("utf-8")),
        bedrock_input_tokens=tokens[0],
        bedrock_output_tokens=tokens[1],
        lambda_memory_mb=lambda_memory_mb,
    )


def _lake_files(root: Path) -> dict[str, tuple[int, float]]:
    """Lake key -> (bytes, mtime), without local-only files (catalog, cache, keys, dotfiles)."""
    out: dict[str, tuple[int, float]] = {}
    for path in root.rglob("*"):
        key = path.relative_to(root).as_posix()
        if not path.is_file() or key.startswith((*LOCAL_ONLY, ".", lake.STAGING)):
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        stat = path.stat()
        out[key] = (stat.st_size, stat.st_mtime)
    return out


def _written_since(files: dict[str, tuple[int, float]], started_at: str) -> list[str]:
    start = datetime.fromisoformat(started_at).timestamp()
    return [key for key, (_, mtime) in files.items() if mtime >= start - 1]


def _wru_per_item(root: Path) -> int:
    """DynamoDB write units per cached prediction, from the measured size of cached items."""
    path = root / "cache.sqlite"
    if not path.exists():
        return 1
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute(
            "SELECT avg(length(value) + length(customer_id) + length(feature_hash)"
            " + length(model_version) + 16) FROM predictions_cache"
        ).fetchone()
    except sqlite3.Error:
        return 1
    finally:
        con.close()
    return max(1, math.ceil((row[0] or 0) / 1024))


def _agent_tokens(root: Path, run_id: str) -> tuple[int, int]:
    path = root / lake.report_key(run_id, AGENT_USAGE)
    if not path.exists():
        return 0, 0
    data = json.loads(path.read_text(encoding="utf-8"))
    return int(data.get("input_tokens", 0)), int(data.get("output_tokens", 0))
