"""A single self-contained HTML page for a run: key figures and links to the three PDFs.

Inline CSS and system fonts only, so it renders offline; every value is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from engage.reports.data import ReportData
from engage.reports.pdf import usd

CSS = (
    "body{font-family:system-ui,Helvetica,Arial,sans-serif;max-width:900px;margin:2em auto;"
    "color:#222}h1{color:#1f4e79}table{border-collapse:collapse;width:100%;margin:1em 0}"
    "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#dbe5f1}"
    "td.n{text-align:right}.links a{margin-right:1.5em}"
)


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(k)}</td><td class=n>{escape(v)}</td></tr>" for k, v in rows)


def build(data: ReportData, path: Path, pdfs: list[Path]) -> Path:
    """Write the run's HTML report beside (and linking to) its PDFs."""
    o, est = data.outlook, data.cost.estimate
    links = "".join(f'<a href="{escape(p.name)}">{escape(p.stem.title())} (PDF)</a>' for p in pdfs)
    figures = [
        ("Customers scored", f"{o['customers']:,}"),
        ("Average predicted engagement", f"{o['avg_engagement']:.3f}"),
        ("Average churn probability", f"{o['avg_churn_probability']:.1%}"),
        ("Retention interventions", f"{o['interventions']:,}"),
        ("At-risk customers", f"{data.at_risk_count:,}"),
        ("Predicted LTV (p50 total)", usd(o["ltv_p50"], 0)),
        ("Value at risk", usd(o["value_at_risk_usd"], 0)),
        ("AWS cost per run (on-demand)", usd(est.total(), 4)),
        ("AWS cost per run (Fargate Spot)", usd(est.total("spot"), 4)),
        ("Budget per run", usd(data.cost.budget_usd)),
    ]
    models = [
        (
            str(m.get("model")),
            ", ".join(f"{k} {v:.4f}" for k, v in (m.get("metrics") or {}).items()),
        )
        for m in data.models
    ]
    stages = [(s["name"], f"{float(s.get('duration_s') or 0):.2f} s") for s in data.stages]
    page = (
        f"<!doctype html><html><head><meta charset=utf-8><title>engage run {escape(data.run_id)}"
        f"</title><style>{CSS}</style></head><body><h1>Run {escape(data.run_id)}</h1>"
        f"<p>Status {escape(str(data.record.get('status')))}, started "
        f"{escape(str(data.record.get('started_at')))}.</p><p class=links>{links}</p>"
        f"<h2>Key figures</h2><table>{_rows(figures)}</table>"
        f"<h2>Models</h2><table>{_rows(models)}</table>"
        f"<h2>Stages</h2><table>{_rows(stages)}</table></body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
