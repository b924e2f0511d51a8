"""A human-readable validation report: one self-contained HTML page per run."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}th{background:#f3f3f3}"
)
_COLOURS = {"ok": "#e6f4ea", "warn": "#fff4ce", "fail": "#fde2e1", "no_reference": "#eef"}


def _row(cells: list[str], level: str = "") -> str:
    style = f' style="background:{_COLOURS[level]}"' if level in _COLOURS else ""
    return f"<tr{style}>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def render(report: dict[str, Any]) -> str:
    """The validation report (checks, counts, drift) as an HTML page."""
    drift = report.get("drift", {})
    checks = "".join(
        _row([table, f["check"], f["column"], f"{f['count']:,}", f["detail"]], "fail")
        for table, findings in report.get("checks", {}).items()
        for f in findings
    ) or _row(["all tables", "contract, split, coverage", "", "", "passed"], "ok")
    counts = "".join(_row([k, f"{v:,}"]) for k, v in report.get("counts", {}).items())
    columns = "".join(
        _row([name, f"{c['psi']:.4f}", c["level"]], c["level"])
        for name, c in drift.get("columns", {}).items()
    )
    status = drift.get("status", "no_reference")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Data validation {escape(report["run_id"])}</title><style>{_STYLE}</style></head>
<body><h1>Data validation: {escape(report["status"])}</h1>
<p>Run <code>{escape(report["run_id"])}</code>; drift against run
<code>{escape(str(report.get("reference_run")))}</code>:
<strong style="background:{_COLOURS.get(status, "#fff")}">{escape(status)}</strong>
(PSI warn &gt; {drift.get("warn")}, fail &gt; {drift.get("fail")}).</p>
<h2>Checks</h2><table>
<tr><th>Table</th><th>Check</th><th>Column</th><th>Rows</th><th>Result</th></tr>{checks}</table>
<h2>Row counts</h2><table><tr><th>Table</th><th>Rows</th></tr>{counts}</table>
<h2>Drift (Population Stability Index per column)</h2>
<table><tr><th>Column</th><th>PSI</th><th>Level</th></tr>{columns}</table>
</body></html>
"""
