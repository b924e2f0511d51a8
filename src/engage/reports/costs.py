"""The Costs report: what this run would cost on AWS, on-demand vs Spot, and at scale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engage.cost.projection import EXPONENT_RANGE, MIN_ROWS
from engage.reports import charts
from engage.reports.data import ReportData
from engage.reports.pdf import WIDTH, Doc, usd


def build(data: ReportData, path: Path, on_chart: Callable[[str], None] | None = None) -> Path:
    """Write the Costs PDF for `data`'s run."""
    cost, est = data.cost, data.cost.estimate
    days = cost.schedule_days
    doc = Doc(
        "AWS Cost Report",
        data.run_id,
        f"{est.rows:,} customers, {cost.prices.region}",
        on_chart=on_chart,
    )
    doc.h2("Summary")
    verdict = "exceeds" if cost.over_budget else "is within"
    doc.p(
        f"Run on AWS, this run would cost <b>{usd(est.total())}</b> with on-demand Fargate "
        f"and <b>{usd(est.total('spot'))}</b> with Fargate Spot. At one run every {days:g} days "
        f"that is <b>{usd(est.monthly(days))}</b> a month on-demand "
        f"({usd(est.monthly(days, 'spot'))} Spot). The {cost.capacity.replace('_', '-')} figure "
        f"{verdict} the per-run budget of {usd(cost.budget_usd)}."
    )
    doc.h2("Per-service breakdown (measured usage x dated price)")
    doc.table(
        ["Service", "Measured usage", "On-demand", "Fargate Spot"],
        [[ln.service, ln.usage, usd(ln.on_demand_usd, 4), usd(ln.spot_usd, 4)] for ln in est.lines]
        + [
            [
                "<b>Total per run</b>",
                "",
                f"<b>{usd(est.total(), 4)}</b>",
                f"<b>{usd(est.total('spot'), 4)}</b>",
            ]
        ],
        [WIDTH * 0.2, WIDTH * 0.5, WIDTH * 0.15, WIDTH * 0.15],
    )
    ranked = sorted(est.lines, key=lambda ln: ln.on_demand_usd, reverse=True)
    doc.chart(
        charts.grouped_bars(
            [ln.service.replace(" ", "\n", 1) for ln in ranked[:6]],
            {
                "on-demand": [ln.on_demand_usd for ln in ranked[:6]],
                "Fargate Spot": [ln.spot_usd for ln in ranked[:6]],
            },
            "Largest services per run",
            "USD per run",
        )
    )
    _projections(doc, data)
    _prices(doc, data)
    return doc.save(path)


def _projections(doc: Doc, data: ReportData) -> None:
    cost = data.cost
    doc.h2("Scale projections")
    doc.p(
        "Stage durations scale as (N / n)<super>b</super> from this run's measured times; "
        f"<i>b</i> is measured per stage when a second run of another size (at least "
        f"{MIN_ROWS:,} customers) exists in bench/results/pipeline.json, kept within "
        f"[{EXPONENT_RANGE[0]}, {EXPONENT_RANGE[1]}], else 1 (linear: every stage touches every "
        "customer). Bytes scanned and stored and cache writes are linear in customers; state "
        "transitions, objects and log volume are constant. Times measured on this machine are "
        "billed as Fargate/Lambda time, so projections lean high."
    )
    exps = cost.projections[0].exponents if cost.projections else {}
    measured = sorted({f"{p.rsplit('/', 1)[-1]} {b:g}" for p, b in exps.items() if b != 1.0})
    doc.p("Exponents used: " + (", ".join(measured) or "1 for every stage (one size measured)."))
    doc.table(
        ["Customers", "On-demand / run", "Spot / run", "On-demand / month", "Within budget"],
        [
            [
                f"{p.rows:,}",
                usd(p.estimate.total()),
                usd(p.estimate.total("spot")),
                usd(p.estimate.monthly(cost.schedule_days)),
                "yes" if p.estimate.total(cost.capacity) <= cost.budget_usd else "no",
            ]
            for p in cost.projections
        ],
    )
    labels = [f"{p.rows / 1e6:g}M" for p in cost.projections]
    doc.chart(
        charts.grouped_bars(
            labels,
            {
                "on-demand": [p.estimate.total() for p in cost.projections],
                "Fargate Spot": [p.estimate.total("spot") for p in cost.projections],
            },
            "Projected cost per run by customer count",
            "USD per run (log)",
            log=True,
        )
    )
    for p in cost.projections:
        for warning in p.estimate.warnings:
            doc.p(f"At {p.rows:,} customers: {warning}.")


def _prices(doc: Doc, data: ReportData) -> None:
    table = data.cost.prices
    doc.h2("Price table")
    doc.p(table.note)
    doc.table(
        ["Price", "USD", "Unit", "As of", "Source"],
        [[p.name, f"{p.usd:g}", p.unit, p.as_of, p.source] for p in table.prices.values()],
        [WIDTH * 0.25, WIDTH * 0.13, WIDTH * 0.24, WIDTH * 0.11, WIDTH * 0.27],
    )
