"""GET /health (what is served), /ready (can it serve), /metrics (Prometheus, admin)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse

from engage.api.deps import Admin, State
from engage.api.responses import JsonResponse
from engage.api.schemas import KEYED, HealthResponse, ReadyResponse, error_responses

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    response_class=JsonResponse,
    response_model=HealthResponse,
    summary="Liveness and the versions served",
)
async def health(state: State) -> Any:
    """Open (no key): load balancers and humans check it. Shows the model versions
    served now, when they were loaded and how many hot reloads happened."""
    served = state.holder.current if state.holder.ready else None
    return JsonResponse(
        {
            "status": "ok" if served else "no run yet",
            "model_versions": served.versions if served else {},
            "model_version": served.tag if served else None,
            "models_loaded_at": served.loaded_at if served else None,
            "reloads": state.holder.reloads,
            "reload_error": state.holder.last_error,
            "cache": type(state.cache).__name__,
            "uptime_s": round(time.time() - state.started_at, 1),
        }
    )


@router.get(
    "/ready",
    response_class=JsonResponse,
    response_model=ReadyResponse,
    responses={
        503: {"model": ReadyResponse, "description": "Not ready (no run yet, or the cache failed)."}
    },
    summary="Readiness: models and cache usable",
)
async def ready(state: State) -> Any:
    """200 when models are loaded and the cache answers; 503 otherwise."""
    if not state.holder.ready:
        return JsonResponse({"ready": False, "detail": "no run yet"}, 503)
    try:
        await run_in_threadpool(state.cache.get, "ready-probe#none")
    except Exception as err:
        return JsonResponse({"ready": False, "detail": f"cache: {type(err).__name__}"}, 503)
    return JsonResponse({"ready": True, "model_version": state.holder.current.tag})


@router.get(
    "/metrics",
    response_class=JsonResponse,  # errors are JSON; the 200 is text, documented here
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "OK"},
        **error_responses(*KEYED, 403),
    },
    summary="Prometheus metrics (admin)",
)
async def metrics(state: State, key: Admin) -> Any:
    versions = state.holder.current.versions if state.holder.ready else {}
    gauges = {
        "model_reloads": state.holder.reloads,
        "audit_records_written": state.audit.written,
        "audit_records_pending": state.audit.pending,
        "uptime_seconds": round(time.time() - state.started_at, 1),
    }
    info = {name: version or "-" for name, version in versions.items()}
    return PlainTextResponse(
        state.metrics.render(gauges, info), media_type="text/plain; version=0.0.4"
    )
