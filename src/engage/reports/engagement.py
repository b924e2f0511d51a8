"""The Engagement report: where customers stand, why, who is at risk, what it is worth."""

from __future__ import annotations

from pathlib import Path

from engage.reports import charts
from engage.reports.data import ReportData
from engage.reports.pdf import Doc, usd


def build(data: ReportData, path: Path) -> Path:
    """Write the Engagement PDF for `data`'s run."""
    o = data.outlook
    doc = Doc("Customer Engagement Report", data.run_id, f"{o['customers']:,} customers scored")
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
        grading = m.get("grading") or {}
        graded = f"{grading['ratio']:.3f} x reference" if "ratio" in grading else "-"
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
    doc.table(["Model", "Version", "Test metrics", "vs ground truth", "Fairness gate"], rows)


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


def _fairness(doc: Doc, data: ReportData) -> None:
    doc.h2("Fairness by group")
    if not data.fairness:
        doc.p("The run recorded no fairness metrics.")
        return
    doc.p(
        "Selection rate of each model's decision per protected group "
        "(engagement_analytics.fairness_metrics). The disparate-impact ratio is shown "
        "where the group was large enough to be judged."
    )
    doc.table(
        ["Model", "Attribute", "Group", "Rows", "Selection rate", "DI ratio", "80% rule"],
        [
            [
                f["model_name"],
                f["attribute"],
                f["group_value"],
                f"{f['rows']:,}",
                f"{f['selection_rate']:.1%}" if f["selection_rate"] is not None else "-",
                f"{f['di_ratio']:.3f}" if f["di_ratio"] is not None else "-",
                {True: "pass", False: "FAIL", None: "-"}[f["passes_80_percent_rule"]],
            ]
            for f in data.fairness
        ],
    )
