"""The Engagement PDF's fairness page and page 1 give one verdict: the release gate's.

Before: the page marked churn/region DI 0.797 as FAIL by a point-estimate 80% rule
while page 1 said the gate (which judges the 95% bound against the outcomes' own
ratio) passed, and showed ratios for groups too small to judge.
"""

from __future__ import annotations

from engage.fairness.metrics import MIN_ROWS
from engage.reports.data import ReportData
from engage.reports.engagement import fairness_table_rows


def row(model, decision, attribute, group, rows, di):
    return {"model_name": model, "decision": decision, "attribute": attribute,
            "group_value": group, "rows": rows, "selection_rate": 0.2, "di_ratio": di,
            "passes_80_percent_rule": di >= 0.8}  # fmt: skip


def data(models, fairness) -> ReportData:
    record = {"output": {"parallel_training": [{"models": models}]}}
    return ReportData(run_id="r1", record=record, cost=None, fairness=fairness)  # type: ignore[arg-type]


def test_fairness_rows_follow_the_gate_and_mark_small_groups() -> None:
    models = [
        {"model": "churn", "fairness_gate": {"passed": True, "failures": []}},
        {"model": "engagement", "fairness_gate": {
            "passed": False, "failures": ["high_engagement/age_band: disparate impact ..."]}},
    ]  # fmt: skip
    fairness = [
        row("churn", "churn_prediction", "region", "west", 5000, 0.797),
        row("churn", "churn_prediction", "region", "tiny", MIN_ROWS - 1, 0.797),
        row("engagement", "high_engagement", "age_band", "55+", 3000, 0.6),
        row("engagement", "high_engagement", "gender", "F", 3000, 0.95),
    ]
    rows = fairness_table_rows(data(models, fairness))
    verdicts = [r[-1] for r in rows]
    assert verdicts == ["pass", "too small to judge", "FAIL", "pass"]
    assert rows[1][5] == "-"  # no ratio for a group too small to judge
    assert rows[0][5] == "0.797"
    # page 1's gate column reads the same gate dicts: a FAIL row only where it failed
    page1 = {m["model"]: m["fairness_gate"]["passed"] for m in models}
    for r in rows:
        if r[-1] == "FAIL":
            assert page1[r[0]] is False
