"""The cost dashboard as Markdown: the same figures as `engage cost`, for a PR or a wiki.

Why Markdown: a review reads it where the change is discussed (a pull request, an
issue, a docs page) without running anything. It is written from the same `RunCost`
as the terminal table and the Infracost JSON, so the three never disagree.
"""

from __future__ import annotations

from engage.cost.infracost import DAYS_PER_MONTH, line_cost
from engage.cost.runcost import RunCost


def _usd(value: float, places: int = 4) -> str:
    return f"${value:,.{places}f}"


def markdown(cost: RunCost) -> str:
    """Per-service breakdown, totals, projections, warnings and the budget verdict."""
    est, days, capacity = cost.estimate, cost.schedule_days, cost.capacity
    runs = DAYS_PER_MONTH / days
    out = [
        f"# AWS cost dashboard: {est.run_id}",
        "",
        f"{est.rows:,} customers, us-east-1, priced on **{capacity}** capacity; "
        f"a run every {days:g} days ({runs:.2f} runs a month). Computed from the run's "
        "measured usage and the dated price table (`engage cost --json` lists every input).",
        "",
        "| Service | Measured usage | On-demand $/run | Fargate Spot $/run | $/month |",
        "|---|---|---:|---:|---:|",
    ]
    for line in est.lines:
        out.append(
            f"| {line.service} | {line.usage} | {_usd(line.on_demand_usd)} | "
            f"{_usd(line.spot_usd)} | {_usd(line_cost(line, capacity) * runs, 2)} |"
        )
    out.append(
        f"| **Total** | | **{_usd(est.total())}** | **{_usd(est.total('spot'))}** | "
        f"**{_usd(est.monthly(days, capacity), 2)}** |"
    )
    out += ["", "## Projection at other customer counts", ""]
    out += ["| Customers | On-demand $/run | Spot $/run | $/month |", "|---:|---:|---:|---:|"]
    for p in cost.projections:
        out.append(
            f"| {p.rows:,} | {_usd(p.estimate.total(), 2)} | {_usd(p.estimate.total('spot'), 2)} "
            f"| {_usd(p.estimate.monthly(days, capacity), 2)} |"
        )
    warnings = [
        f"- At {p.rows:,} customers: {w}" for p in cost.projections for w in p.estimate.warnings
    ]
    if est.warnings:
        out += ["", "## Warnings", "", *[f"- {w}" for w in est.warnings]]
    if warnings:  # long at large scales: folded, so the table stays the first thing read
        out += ["", f"<details><summary>{len(warnings)} warning(s) at larger customer counts"
                "</summary>", "", *warnings, "", "</details>"]  # fmt: skip
    verdict = "**over**" if cost.over_budget else "within"
    out += [
        "",
        f"Budget: {_usd(cost.total, 2)} per run ({capacity}) is {verdict} "
        f"the budget of {_usd(cost.budget_usd, 2)} (`ENGAGE_BUDGET_USD`).",
        "",
    ]
    return "\n".join(out)
