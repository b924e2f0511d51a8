"""Every figure the reports state, gathered from one run and nothing else.

Sources: the catalog (opened read-only, queried in the Athena dialect), the run record
and the run's cost estimate. The PDFs and the HTML page only format what is here, so a
figure in a report can always be traced to a query or a record field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engage.cost import RunCost
from engage.lake import TableName
from engage.ports import SqlEngine

PRED = TableName.PREDICTIONS
FINAL = TableName.FINAL_RESULTS

_OUTLOOK = f"""
SELECT count(*) AS customers, avg(predicted_engagement_score) AS avg_engagement,
       avg(churn_probability) AS avg_churn_probability,
       sum(CASE WHEN churn_prediction THEN 1 ELSE 0 END) AS predicted_churners,
       sum(CASE WHEN intervention_flag THEN 1 ELSE 0 END) AS interventions,
       sum(ltv_p10) AS ltv_p10, sum(ltv_p50) AS ltv_p50, sum(ltv_p90) AS ltv_p90,
       sum(value_at_risk_usd) AS value_at_risk_usd,
       sum(CASE WHEN anomaly_flag THEN 1 ELSE 0 END) AS anomalies
FROM {PRED} WHERE run_id = :run_id
"""
_CATEGORIES = f"""
SELECT engagement_category AS category, count(*) AS customers FROM {PRED}
WHERE run_id = :run_id GROUP BY engagement_category ORDER BY customers DESC
"""
_SCORES = f"SELECT predicted_engagement_score AS score FROM {PRED} WHERE run_id = :run_id"
_DRIVERS = """
SELECT model_name, rank, feature, mean_abs_shap FROM engagement_predictions.feature_importance
WHERE run_id = :run_id AND rank <= 10 ORDER BY model_name, rank
"""
_SEGMENTS = f"""
SELECT account_type, count(*) AS customers, avg(predicted_engagement_score) AS avg_engagement,
       avg(churn_probability) AS avg_churn_probability, sum(ltv_p50) AS ltv_p50
FROM {FINAL} WHERE pipeline_run_id = :run_id GROUP BY account_type ORDER BY customers DESC
"""
_ACTIONS = f"""
SELECT next_best_action AS action, count(*) AS customers FROM {PRED}
WHERE run_id = :run_id GROUP BY next_best_action ORDER BY customers DESC
"""
_AT_RISK = """
SELECT customer_id, churn_probability, ltv_p50, value_at_risk_usd, next_best_action
FROM engagement_analytics.at_risk_customers ORDER BY value_at_risk_usd DESC LIMIT 10
"""
_AT_RISK_COUNT = "SELECT count(*) AS n FROM engagement_analytics.at_risk_customers"
_FAIRNESS = """
SELECT model_name, decision, attribute, group_value, rows, selection_rate, di_ratio,
       passes_80_percent_rule
FROM engagement_analytics.fairness_metrics WHERE run_id = :run_id
ORDER BY model_name, attribute, group_value
"""


@dataclass
class ReportData:
    """One run's figures for the three reports."""

    run_id: str
    record: dict[str, Any]
    cost: RunCost
    outlook: dict[str, Any] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    drivers: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    at_risk_count: int = 0
    fairness: list[dict[str, Any]] = field(default_factory=list)

    @property
    def models(self) -> list[dict[str, Any]]:
        """Each model's training result (metrics, grading, gate) as the run recorded it."""
        training = (self.record.get("output") or {}).get("parallel_training") or []
        for branch in training:
            if isinstance(branch, dict) and "models" in branch:
                return [m for m in branch["models"] if isinstance(m, dict)]
        return []

    @property
    def stages(self) -> list[dict[str, Any]]:
        return [s for s in self.record.get("states", []) if s.get("start") and s.get("end")]


def gather(sql: SqlEngine, record: dict[str, Any], cost: RunCost) -> ReportData:
    """Query the catalog (read-only) for everything the reports show about `record`'s run."""
    run_id = record["run_id"]
    p = {"run_id": run_id}

    def rows(statement: str, params: dict[str, Any] | None = p) -> list[dict[str, Any]]:
        return sql.query(statement, params).to_pylist()

    return ReportData(
        run_id=run_id,
        record=record,
        cost=cost,
        outlook={k: _plain(v) for k, v in rows(_OUTLOOK)[0].items()},
        categories=rows(_CATEGORIES),
        scores=[r["score"] for r in rows(_SCORES)],
        drivers=rows(_DRIVERS),
        segments=rows(_SEGMENTS),
        actions=rows(_ACTIONS),
        at_risk=rows(_AT_RISK, None),
        at_risk_count=int(rows(_AT_RISK_COUNT, None)[0]["n"]),
        fairness=rows(_FAIRNESS),
    )


def _plain(value: Any) -> Any:
    """Athena/DuckDB sums of integers come back as Decimal: make them ints for formatting."""
    return int(value) if isinstance(value, Decimal) else value
