"""The Engagement report: where customers stand, why, who is at risk, what it is worth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engage.fairness.metrics import MIN_ROWS
from engage.models.grading import summary_text
from engage.reports import charts
from engage.reports.data import ReportData
from engage.reports.pdf import Doc, usd


def build(data: ReportData, path: Path, on_chart: Callable[[str], None] | None = None) -> Path:
    """Write the Engagement PDF for `data`'s run."""
    o = data.outlook
    doc = Doc(
        "Customer Engagement Report",
        data.run_id,
        f"{o['customers']:,} customers scored",
        on_chart=on_chart,
    )
    doc.h2("Summary")
    doc.p(
        f"Average predicted engagement is <b>{o['avg_engagement']:.3f}</b> (0-1 scale). "
        f"The churn model gives an average 30-day churn probability of "
        f"<b>{o['avg_churn_probability']:.1%}</b>; <b>{o['interventions']:,}</b> customers are "
        f"flagged for a retention intervention and <b>{data.at_risk_count:,}</b> are in the "
        f"at-risk view. Predicted lifetime value totals <b>{usd(o['ltv_p50'], 0)}</b> (p50; "
        f"p10-p90 {usd(o['ltv_p10'], 0)} - {usd(o['ltv_p90'], 0)}), of which "
        f"<b>{usd(o['value_at_risk_usd'], 0)}</b> is value at risk from churn. "
        f"{o['anomalies']:,} customers were flagged as anomalous for human review."
    )
    doc.chart(charts.histogram(data.scores, "Predicted engagement score", "score"))
    doc.table(
        ["Engagement category", "Customers", "Share"],
        [
            [c["category"], f"{c['customers']:,}", f"{c['customers'] / o['customers']:.1%}"]
            for c in data.categories
        ],
    )
    _models(doc, data)
    _drivers(doc, data)
    doc.h2("Segments")
    doc.table(
        ["Account type", "Customers", "Avg engagement", "Avg churn prob.", "LTV p50 total"],
        [
            [
                s["account_type"],
                f"{s['customers']:,}",
                f"{s['avg_engagement']:.3f}",
                f"{s['avg_churn_probability']:.1%}",
                usd(s["ltv_p50"], 0),
            ]
            for s in data.segments
        ],
    )
    doc.table(
        ["Next best action", "Customers"],
        [[a["action"], f"{a['customers']:,}"] for a in data.actions],
    )
    doc.h2("At-risk customers (top 10 by value at risk)")
    doc.table(
        ["Customer", "Churn prob.", "LTV p50", "Value at risk", "Action"],
        [
            [
                r["customer_id"],
                f"{r['churn_probability']:.1%}",
                usd(r["ltv_p50"]),
                usd(r["value_at_risk_usd"]),
                r["next_best_action"],
            ]
            for r in data.at_risk
        ],
    )
    _fairness(doc, data)
    return doc.save(path)


def _models(doc: Doc, data: ReportData) -> None:
    doc.h2("Models of this run (test split)")
    rows = []
    for m in data.models:
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in (m.get("metrics") or {}).items())
        graded = summary_text(m.get("grading"))
        gate = (m.get("fairness_gate") or {}).get("passed")
        rows.append(
            [
                m.get("model"),
                m.get("model_version", "-"),
                metrics,
                graded,
                {True: "passed", False: "failed", None: "-"}[gate],
            ]
        )
    doc.table(
        ["Model", "Version", "Test metrics", "Vs baseline; vs ceiling", "Fairness gate"], rows
    )


def _drivers(doc: Doc, data: ReportData) -> None:
    doc.h2("Drivers (mean |SHAP| across customers)")
    for model in ("engagement", "churn"):
        top = [d for d in data.drivers if d["model_name"] == model]
        if top:
            doc.chart(
                charts.barh(
                    [d["feature"] for d in top],
                    [d["mean_abs_shap"] for d in top],
                    f"Top drivers of the {model} model",
                    "mean |SHAP|",
                )
            )


def gate_verdict(gate: dict[str, Any] | None, decision: str, attribute: str) -> str:
    """The release gate's verdict on one decision and attribute: the one page 1 reports.

    Computed once, at training (`FairnessGate.check`, with its confidence bounds
    and label-based bar); this page never re-judges a point estimate against 0.8.
    """
    if not gate:
        return "-"
    failed = any(f.startswith(f"{decision}/{attribute}:") for f in gate.get("failures", []))
    return "FAIL" if failed else "pass"


def fairness_table_rows(data: ReportData) -> list[list[str]]:
    """One row per model, attribute and group; small groups say so instead of a verdict."""
    gates = {m.get("model"): m.get("fairness_gate") for m in data.models}
    out = []
    for f in data.fairness:
        small = f["rows"] < MIN_ROWS
        out.append(
            [
                f["model_name"],
                f["attribute"],
                f["group_value"],
                f"{f['rows']:,}",
                f"{f['selection_rate']:.1%}" if f["selection_rate"] is not None else "-",
                "-" if small or f["di_ratio"] is None else f"{f['di_ratio']:.3f}",
                "too small to judge"
                if small
                else gate_verdict(gates.get(f["model_name"]), f["decision"], f["attribute"]),
            ]
        )
    return out


def _fairness(doc: Doc, data: ReportData) -> None:
    doc.h2("Fairness by group")
    if not data.fairness:
        doc.p("The run recorded no fairness metrics.")
        return
    doc.p(
        "Selection rate of each model's decision per protected group "
        "(engagement_analytics.fairness_metrics). The DI ratio (lowest vs highest judged "
        "group of the attribute) and the verdict are the fairness release gate's, computed "
        "once at training and the same as the gate column of page 1 (it judges the 95% "
        f"bound against the outcomes' own ratio). Groups under {MIN_ROWS} rows are too "
        "small to judge and get no ratio or verdict."
    )
    doc.table(
        ["Model", "Attribute", "Group", "Rows", "Selection rate", "DI ratio", "Gate verdict"],
        fairness_table_rows(data),
    )
