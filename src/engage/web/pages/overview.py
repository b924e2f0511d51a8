"""The overview: the latest run, stage timings, the five models graded, drift and AWS cost."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from engage.cost import run_cost
from engage.models.grading import vs_fields
from engage.web import catalog, charts, results
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.common import seconds_between, settings, top_level_stages
from engage.web.pages.downloads import dataset
from engage.web.render import page, svg

router = APIRouter()
_OUTLOOK = """
SELECT count(*) AS customers, avg(predicted_engagement_score) AS avg_engagement,
       sum(CASE WHEN churn_prediction THEN 1 ELSE 0 END) AS predicted_churners,
       sum(CASE WHEN intervention_flag THEN 1 ELSE 0 END) AS interventions,
       sum(CASE WHEN anomaly_flag THEN 1 ELSE 0 END) AS anomalies,
       sum(ltv_p50) AS ltv_p50
FROM engagement_predictions.predictions WHERE run_id = :run_id
"""
_COSTS: dict[str, Any] = {}


def _cost(request: Request, run_id: str) -> dict[str, Any]:
    """The run's AWS cost (per run, per month, budget); a run's cost never changes."""
    if run_id not in _COSTS:
        try:
            cost = run_cost(settings(request), run_id)
        except Exception as err:  # a missing measurement: say so, the page still renders
            return {"error": f"{type(err).__name__}: {err}"}
        est = cost.estimate
        _COSTS[run_id] = {
            "on_demand": est.total(),
            "spot": est.total("spot"),
            "month": est.monthly(cost.schedule_days),
            "month_spot": est.monthly(cost.schedule_days, "spot"),
            "schedule_days": cost.schedule_days,
            "budget": cost.budget_usd,
            "over": cost.over_budget,
            "lines": [(line.service, line.on_demand_usd, line.spot_usd) for line in est.lines],
        }
    return _COSTS[run_id]


_OUTLOOKS: dict[tuple[str, str], dict[str, Any]] = {}


def _outlook(request: Request, run_id: str) -> dict[str, Any]:
    """The run's headline figures: computed once per run (a run's predictions never change),
    so the overview opens no catalog connection after its first view."""
    key = (common.store(request).uri(""), results.version(common.store(request)))
    if key not in _OUTLOOKS:
        with catalog.engine(common.catalog(request)) as sql:
            found = catalog.rows(sql, _OUTLOOK, {"run_id": run_id})[0]
        if len(_OUTLOOKS) > 16:
            _OUTLOOKS.clear()
        _OUTLOOKS[key] = found
    return _OUTLOOKS[key]


def model_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per model: version, test metrics, grade against the generator's truth, gate."""
    out = []
    promoted = ((record.get("output") or {}).get("inference") or {}).get("models") or {}
    for m in results.trained_models(record):
        grading, gate = m.get("grading") or {}, m.get("fairness_gate")
        vs = vs_fields(grading)
        out.append(
            {
                "model": m.get("model"),
                "version": m.get("model_version"),
                "served": (promoted.get(m.get("model")) or {}).get("model_version"),
                "metrics": m.get("metrics") or {},
                "grade_metric": grading.get("metric"),
                "grade_value": grading.get("value"),
                "baseline": vs["baseline"],
                "baseline_value": vs["baseline_value"],
                "vs_baseline": vs["vs_baseline"],
                "ceiling": vs["ceiling"],
                "vs_ceiling": vs["vs_ceiling"],
                "gate": None if gate is None else ("passed" if gate.get("passed") else "FAILED"),
                "training_seconds": m.get("training_seconds"),
            }
        )
    return out


def _gather(request: Request) -> dict[str, Any]:
    record = results.latest_run(common.store(request))
    outlook = _outlook(request, record["run_id"])
    stages = top_level_stages(record)
    return {
        "record": record,
        "rows": ((record.get("output") or {}).get("data_prep") or {}).get("raw_records"),
        "seconds": seconds_between(record.get("started_at"), record.get("ended_at")),
        "gantt": svg(charts.gantt(stages, "Stage timings of the run (seconds from start)")),
        "models": model_rows(record),
        "drift": results.validation(record).get("drift") or {},
        "validation_status": results.validation(record).get("validation_status"),
        "outlook": outlook,
        "cost": _cost(request, record["run_id"]),
    }


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, session: Viewer) -> HTMLResponse:
    return page(request, "overview.html", **await run_in_threadpool(_gather, request))


@dataset("models")
def models_table(request: Request) -> pa.Table:
    rows = model_rows(results.latest_run(common.store(request)))
    for row in rows:
        row["metrics"] = " ".join(f"{k}={v}" for k, v in row["metrics"].items())
    return pa.Table.from_pylist(rows)


@dataset("stages")
def stages_table(request: Request) -> pa.Table:
    stages = top_level_stages(results.latest_run(common.store(request)))
    names = ("stage", "start_s", "end_s", "status")
    return pa.Table.from_pylist([dict(zip(names, s, strict=True)) for s in stages])
