"""RunUsage x PriceTable -> a per-service cost breakdown for one run (on-demand and Spot).

Each line keeps its inputs (quantities and the names of the prices used), so every
dollar can be traced back to the run record, the lake and the dated price table.
Local stage durations are used as the Fargate/Lambda billed time: this laptop has
fewer cores than a 16-vCPU task, so the figures lean high, never low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engage.cost.prices import PriceTable
from engage.cost.usage import RunUsage

GB = 1024**3
TB = 1024**4
LAMBDA_MAX_SECONDS = 900.0


@dataclass(frozen=True)
class CostLine:
    """One service's cost: on-demand, and with Fargate Spot where that applies."""

    service: str
    usage: str
    on_demand_usd: float
    spot_usd: float
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CostEstimate:
    """A run's projected AWS bill."""

    run_id: str
    rows: int
    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...] = ()

    def total(self, capacity: str = "on_demand") -> float:
        """Per-run total; capacity "spot" prices the Fargate tasks on Fargate Spot."""
        return sum(
            line.spot_usd if capacity == "spot" else line.on_demand_usd for line in self.lines
        )

    def monthly(self, schedule_days: float, capacity: str = "on_demand") -> float:
        """Cost of a month (365.25 / 12 days) of runs every `schedule_days` days."""
        return self.total(capacity) * (365.25 / 12) / schedule_days


def estimate(usage: RunUsage, prices: PriceTable, schedule_days: float = 7.0) -> CostEstimate:
    """Price every billable quantity of `usage` (see the module doc)."""
    lines = [
        _fargate(usage, prices),
        _lambda(usage, prices),
        _same(
            "Step Functions",
            f"{usage.transitions} state transitions",
            usage.transitions * prices["stepfunctions_transition"],
            {"transitions": usage.transitions, "price": "stepfunctions_transition"},
        ),
        _athena(usage, prices),
        _same(
            "Glue Data Catalog",
            f"{len(usage.scans)} table updates",
            len(usage.scans) * prices["glue_catalog_request"],
            {"requests": len(usage.scans), "price": "glue_catalog_request"},
        ),
        _s3(usage, prices, schedule_days),
        _dynamodb(usage, prices),
        _same(
            "Bedrock",
            f"{usage.bedrock_input_tokens:,} in / {usage.bedrock_output_tokens:,} out tokens",
            usage.bedrock_input_tokens * prices["bedrock_input_token"]
            + usage.bedrock_output_tokens * prices["bedrock_output_token"],
            {
                "input_tokens": usage.bedrock_input_tokens,
                "output_tokens": usage.bedrock_output_tokens,
            },
        ),
        _same(
            "CloudWatch Logs",
            f"{usage.log_bytes / 1e6:.2f} MB ingested",
            usage.log_bytes / GB * prices["cloudwatch_logs_gb_ingested"],
            {"log_bytes": usage.log_bytes, "price": "cloudwatch_logs_gb_ingested"},
        ),
    ]
    warnings = tuple(
        f"{s.name} would run {s.seconds:.0f} s, past Lambda's 15-minute limit: move it to Fargate"
        for s in usage.stages
        if s.kind == "lambda" and s.seconds > LAMBDA_MAX_SECONDS
    )
    return CostEstimate(usage.run_id, usage.rows, tuple(lines), warnings)


def _same(service: str, usage: str, usd: float, inputs: dict[str, Any]) -> CostLine:
    return CostLine(service, usage, usd, usd, inputs)


def _fargate(usage: RunUsage, prices: PriceTable) -> CostLine:
    """Per task: billed seconds (one-minute minimum per attempt) x (vCPU and GB rates)."""
    minimum = prices["fargate_min_billed_seconds"]
    on_demand = spot = 0.0
    tasks = {}
    for s in usage.stages:
        if s.kind != "fargate":
            continue
        hours = max(s.seconds, minimum * s.attempts) / 3600
        on_demand += hours * (
            s.vcpu * prices["fargate_vcpu_hour"] + s.memory_gb * prices["fargate_gb_hour"]
        )
        spot += hours * (
            s.vcpu * prices["fargate_spot_vcpu_hour"] + s.memory_gb * prices["fargate_spot_gb_hour"]
        )
        tasks[s.name] = {
            "seconds": round(s.seconds, 3),
            "billed_seconds": round(hours * 3600, 3),
            "vcpu": s.vcpu,
            "memory_gb": s.memory_gb,
        }
    sizes = {(t["vcpu"], t["memory_gb"]) for t in tasks.values()}
    size = ", ".join(f"{v:g} vCPU / {m:g} GB" for v, m in sorted(sizes))
    billed = sum(t["billed_seconds"] for t in tasks.values())
    return CostLine(
        "ECS Fargate",
        f"{len(tasks)} tasks, {billed:,.0f} task-s ({size})",
        on_demand,
        spot,
        {"tasks": tasks},
    )


def _lambda(usage: RunUsage, prices: PriceTable) -> CostLine:
    gb = usage.lambda_memory_mb / 1024
    stages = [s for s in usage.stages if s.kind == "lambda"]
    gb_seconds = sum(math.ceil(s.seconds * 1000) / 1000 * gb for s in stages)
    requests = sum(s.attempts for s in stages)
    usd = gb_seconds * prices["lambda_gb_second"] + requests * prices["lambda_request"]
    return _same(
        "Lambda",
        f"{requests} invocations, {gb_seconds:,.1f} GB-s at {usage.lambda_memory_mb} MB",
        usd,
        {
            "functions": {s.name: round(s.seconds, 3) for s in stages},
            "memory_mb": usage.lambda_memory_mb,
            "requests": requests,
        },
    )


def _athena(usage: RunUsage, prices: PriceTable) -> CostLine:
    minimum = prices["athena_min_bytes_per_query"]
    billed = sum(max(s.bytes_scanned, minimum) for s in usage.scans)
    return _same(
        "Athena",
        f"{len(usage.scans)} statements, {billed / 1e6:,.1f} MB billed",
        billed / TB * prices["athena_tb_scanned"],
        {"statements": {s.statement: s.bytes_scanned for s in usage.scans}},
    )


def _s3(usage: RunUsage, prices: PriceTable, schedule_days: float) -> CostLine:
    """Storage is held until the next run replaces it: GB x price x (days / month)."""
    gb_months = usage.s3_bytes / GB * schedule_days / (365.25 / 12)
    usd = (
        gb_months * prices["s3_gb_month"]
        + usage.s3_puts * prices["s3_put_request"]
        + usage.s3_gets * prices["s3_get_request"]
    )
    return _same(
        "S3",
        f"{usage.s3_bytes / 1e6:,.1f} MB stored, {usage.s3_puts:,} PUT, {usage.s3_gets:,} GET",
        usd,
        {
            "bytes": usage.s3_bytes,
            "puts": usage.s3_puts,
            "gets": usage.s3_gets,
            "stored_days": schedule_days,
        },
    )


def _dynamodb(usage: RunUsage, prices: PriceTable) -> CostLine:
    usd = (
        usage.dynamodb_writes * prices["dynamodb_write_request_unit"]
        + usage.dynamodb_reads * prices["dynamodb_read_request_unit"]
    )
    return _same(
        "DynamoDB",
        f"{usage.dynamodb_writes:,} WRU, {usage.dynamodb_reads:,} RRU",
        usd,
        {"write_units": usage.dynamodb_writes, "read_units": usage.dynamodb_reads},
    )
