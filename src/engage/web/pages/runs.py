"""Runs: the pipeline's history, and one run's states with attempts, errors and durations."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from engage.pipeline.history import RunHistory
from engage.web import charts, results
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.common import seconds_between, top_level_stages
from engage.web.pages.downloads import dataset
from engage.web.render import page, svg

router = APIRouter()


def history(request: Request) -> list[dict[str, Any]]:
    runs = RunHistory(common.store(request)).list_runs()
    return [
        {
            "run_id": r.run_id,
            "status": r.display_status,
            "started_at": r.started_at,
            "seconds": seconds_between(r.started_at, r.ended_at),
            "failed_state": r.failed_state,
        }
        for r in runs[:200]
    ]


def states(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "state": s.get("name", s["path"]),
            "depth": s["path"].count("/") // 2,
            "status": s.get("status"),
            "attempts": s.get("attempts"),
            "seconds": s.get("duration_s"),
            "error": s.get("error"),
        }
        for s in record.get("states", [])
    ]


@router.get("/app/runs", response_class=HTMLResponse)
async def runs_page(request: Request, session: Viewer) -> HTMLResponse:
    return page(request, "runs.html", runs=await run_in_threadpool(history, request))


@router.get("/app/runs/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: str, session: Viewer) -> HTMLResponse:
    record = await run_in_threadpool(results.run_record, common.store(request), run_id)
    gantt = svg(charts.gantt(top_level_stages(record), f"Stage timings of {run_id}"))
    return page(
        request,
        "run.html",
        record=record,
        states=states(record),
        gantt=gantt,
        seconds=seconds_between(record.get("started_at"), record.get("ended_at")),
    )


@dataset("runs")
def runs_table(request: Request) -> pa.Table:
    return pa.Table.from_pylist(history(request))


@dataset("run_states")
def states_table(request: Request) -> pa.Table:
    run_id = request.query_params.get("run", "")
    return pa.Table.from_pylist(states(results.run_record(common.store(request), run_id)))
