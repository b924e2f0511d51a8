"""Drift and data quality: PSI per column against the reference run, and the validation report."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from engage.web import charts, results
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.render import page, svg

router = APIRouter()


def report(request: Request) -> dict[str, Any]:
    record = results.latest_run(common.store(request))
    full = results.validation_report(common.store(request), record)
    drift = full.get("drift") or {}
    columns = [
        {"column": c, **(v if isinstance(v, dict) else {"psi": v})}
        for c, v in (drift.get("columns") or {}).items()
    ]
    columns.sort(key=lambda c: -(c.get("psi") or 0))
    chart = charts.bars(
        [(c["column"], float(c.get("psi") or 0)) for c in columns[:25]], "PSI per column (top 25)"
    )
    return {
        "run_id": record["run_id"],
        "report": full,
        "drift": drift,
        "columns": columns,
        "chart": svg(chart),
        "checks": full.get("checks") or {},
    }


@router.get("/app/quality", response_class=HTMLResponse)
async def quality_page(request: Request, session: Viewer) -> HTMLResponse:
    return page(request, "quality.html", **await run_in_threadpool(report, request))


@dataset("drift")
def drift_table(request: Request) -> pa.Table:
    columns = report(request)["columns"]
    return (
        pa.Table.from_pylist(
            [{k: v for k, v in c.items() if not isinstance(v, dict | list)} for c in columns]
        )
        if columns
        else pa.table({"column": pa.array([], pa.string())})
    )
