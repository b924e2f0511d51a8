"""A run's cost estimate in Infracost's `breakdown --format json` shape (version 0.2).

Why this shape: review tools (Infracost's PR comments, its `output`/`diff` commands,
dashboards that read its JSON) already understand it, so the projection can sit beside a
Terraform-based estimate without a converter. Infracost prices *resources* from a plan;
we price *measured usage*, so every cost line of the model becomes one resource whose
cost component is "runs per month x cost per run". That keeps the output generic over
the model's lines: a line added to `engage.cost.model` shows up here unchanged.

Infracost writes every number as a decimal string and assumes 730 hours a month; so
does this module. The month is the one `engage cost` uses (365.25 / 12 days).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from engage.cost.model import CostLine
from engage.cost.runcost import RunCost

INFRACOST_VERSION = "0.2"
HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 365.25 / 12


def _num(value: float) -> str:
    """A decimal string as Infracost writes it (no exponent, trailing zeros dropped)."""
    text = format(Decimal(repr(float(value))).quantize(Decimal("1e-10")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def line_cost(line: CostLine, capacity: str) -> float:
    """The line's cost per run on the chosen capacity (Spot applies to Fargate lines only)."""
    return line.spot_usd if capacity == "spot" else line.on_demand_usd


def _resource(line: CostLine, cost: RunCost, runs_per_month: float) -> dict[str, Any]:
    per_run = line_cost(line, cost.capacity)
    monthly = per_run * runs_per_month
    component = {
        "name": f"Pipeline runs ({line.usage})",
        "unit": "runs",
        "hourlyQuantity": _num(runs_per_month / HOURS_PER_MONTH),
        "monthlyQuantity": _num(runs_per_month),
        "price": _num(per_run),
        "hourlyCost": _num(monthly / HOURS_PER_MONTH),
        "monthlyCost": _num(monthly),
    }
    return {
        "name": f"engage.{_slug(line.service)}",
        "tags": {"service": line.service, "capacity": cost.capacity},
        "metadata": {
            "measuredUsage": line.usage,
            "onDemandPerRunUsd": line.on_demand_usd,
            "spotPerRunUsd": line.spot_usd,
            "inputs": line.inputs,
        },
        "hourlyCost": _num(monthly / HOURS_PER_MONTH),
        "monthlyCost": _num(monthly),
        "costComponents": [component],
    }


def _slug(service: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in service.lower()).strip("_")


def breakdown(cost: RunCost, now: datetime | None = None) -> dict[str, Any]:
    """The Infracost breakdown JSON of one run's estimate (see the module doc)."""
    runs_per_month = DAYS_PER_MONTH / cost.schedule_days
    resources = [_resource(line, cost, runs_per_month) for line in cost.estimate.lines]
    monthly = cost.estimate.monthly(cost.schedule_days, cost.capacity)
    total = {"totalHourlyCost": _num(monthly / HOURS_PER_MONTH), "totalMonthlyCost": _num(monthly)}
    empty = {"resources": [], "totalHourlyCost": "0", "totalMonthlyCost": "0"}
    summary = {
        "totalResources": len(resources),
        "totalDetectedResources": len(resources),
        "totalSupportedResources": len(resources),
        "totalUnsupportedResources": 0,
        "totalUsageBasedResources": len(resources),
        "totalNoPriceResources": 0,
    }
    project = {
        "name": f"engage/{cost.estimate.run_id}",
        "metadata": {"path": "infra/terraform/envs/aws", "type": "engage_measured_run"},
        "pastBreakdown": empty,
        "breakdown": {"resources": resources, **total},
        "diff": {"resources": resources, **total},
        "summary": summary,
    }
    return {
        "version": INFRACOST_VERSION,
        "runId": cost.estimate.run_id,
        "currency": "USD",
        "projects": [project],
        **total,
        "pastTotalHourlyCost": "0",
        "pastTotalMonthlyCost": "0",
        "diffTotalHourlyCost": total["totalHourlyCost"],
        "diffTotalMonthlyCost": total["totalMonthlyCost"],
        "timeGenerated": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": summary,
    }
