"""The Architecture report: the local and AWS component maps, the pipeline as it ran, trade-offs.

The component map and trade-offs are the design (docs, DESIGN.md); every time and size
in the report is the run's own measurement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from engage.cost.usage import task_kinds
from engage.diagrams.drawing import component_png
from engage.diagrams.graph import PORTS
from engage.reports import charts
from engage.reports.data import ReportData
from engage.reports.pdf import WIDTH, Doc, usd

TRADE_OFFS = (
    (
        "Fargate for training and scoring",
        "ECS Fargate",
        "No 15-minute limit and up to 16 vCPU per task; billed per second with a one-minute "
        "minimum, so short tasks pay for a full minute. Spot is cheaper but may be interrupted: "
        "the states retry.",
    ),
    (
        "Lambda for light stages",
        "Lambda",
        "Billed per millisecond, no idle cost; must finish "
        "in 15 minutes, which the cost projection checks at each customer count.",
    ),
    (
        "Athena over Parquet",
        "Athena",
        "No cluster to run; billed per byte scanned (10 MB "
        "minimum a query), so columnar files and partitions keep it cheap.",
    ),
    (
        "Step Functions Standard",
        "Step Functions",
        "Billed per state transition; the same ASL "
        "runs locally, so the pipeline is tested before it is deployed.",
    ),
    (
        "DynamoDB on-demand cache",
        "DynamoDB",
        "Pays per request with no capacity planning; "
        "loading N predictions costs N write units per KB of item.",
    ),
)


def build(data: ReportData, path: Path, on_chart: Callable[[str], None] | None = None) -> Path:
    """Write the Architecture PDF for `data`'s run."""
    doc = Doc(
        "Architecture Report", data.run_id, "components, pipeline and trade-offs", on_chart=on_chart
    )
    doc.h2("Components: one port, a local default and an AWS adapter")
    doc.p(
        "Drawn from <i>engage.diagrams.graph</i>, the data behind docs/diagrams/components.mmd; "
        "<i>engage.bootstrap</i> picks one adapter per port from the setting in brackets."
    )
    doc.chart(component_png())
    doc.table(
        ["Port", "Local (this run)", "AWS"],
        [[p.name, p.local.label, p.aws.service or p.aws.label] for p in PORTS],
        [WIDTH * 0.3, WIDTH * 0.3, WIDTH * 0.4],
    )
    doc.h2("The pipeline as it ran")
    stages = _stages(data)
    doc.chart(
        charts.gantt(
            [(n, s, d, k) for n, s, d, k, _ in stages],
            f"Measured stage times, {data.cost.usage.rows:,} customers",
        )
    )
    doc.table(
        ["Stage", "Runs on (AWS)", "Task size", "Seconds", "Attempts"],
        [[n, k, size, f"{d:.2f}", str(a)] for n, _, d, k, (size, a) in stages],
    )
    doc.h2("Service trade-offs")
    lines = {line.service: line for line in data.cost.estimate.lines}
    doc.table(
        ["Choice", "Why, and what it costs", "This run"],
        [
            [choice, why, f"{lines[svc].usage}: {usd(lines[svc].on_demand_usd, 4)}"]
            for choice, svc, why in TRADE_OFFS
        ],
        [WIDTH * 0.22, WIDTH * 0.5, WIDTH * 0.28],
    )
    return doc.save(path)


def _stages(data: ReportData) -> list[tuple[str, float, float, str, tuple[str, int]]]:
    """(name, start offset s, duration s, kind, (size, attempts)) of each Task, in start order."""
    kinds = task_kinds()
    tasks = [s for s in data.stages if s["name"] in kinds]
    if not tasks:
        return []
    t0 = min(datetime.fromisoformat(s["start"]) for s in tasks)
    out = []
    for s in sorted(tasks, key=lambda s: s["start"]):
        kind, vcpu, gb = kinds[s["name"]]
        size = (
            f"{vcpu:g} vCPU / {gb:g} GB"
            if kind == "fargate"
            else f"{data.cost.usage.lambda_memory_mb} MB"
        )
        start = (datetime.fromisoformat(s["start"]) - t0).total_seconds()
        out.append(
            (
                s["name"],
                start,
                float(s["duration_s"] or 0),
                kind,
                (size, int(s.get("attempts") or 1)),
            )
        )
    return out
