"""GET /models: the served version of each model, its test figures, vs baseline and vs ceiling."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from engage.api.deps import Reader, State
from engage.api.responses import JsonResponse
from engage.api.schemas import KEYED, ModelsResponse, error_responses
from engage.models.grading import summary_text, vs_fields
from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.ports import ObjectStore

router = APIRouter(tags=["operations"], responses=error_responses(*KEYED))


def served_models(store: ObjectStore, versions: dict[str, str | None]) -> list[dict[str, Any]]:
    """One entry per served model from its registry metadata (missing figures are null)."""
    out = []
    for name, version in sorted(versions.items()):
        meta: dict[str, Any] = {}
        if version:
            try:
                meta = ModelRegistry(store, name).metadata(version)
            except ModelNotFoundError:
                meta = {}
        grading = meta.get("grading")
        metrics = meta.get("metrics") or {}
        out.append(
            {
                "model": name,
                "version": version,
                "primary_metric": meta.get("primary_metric"),
                "test_metrics": _flat(metrics.get("test")),
                "validation_metrics": _flat(metrics.get("validation")),
                **vs_fields(grading),
                "summary": summary_text(grading),
            }
        )
    return out


def _flat(values: Any) -> dict[str, float]:
    if not isinstance(values, dict):
        return {}
    return {k: float(v) for k, v in values.items() if isinstance(v, int | float)}


@router.get(
    "/models",
    response_class=JsonResponse,
    response_model=ModelsResponse,
    summary="Served models: test figures, vs baseline and vs truth ceiling",
)
async def models(state: State, key: Reader) -> Any:
    """Each served model's test metrics, its strongest simple baseline on the same split
    (margin in the metric's units) and the share of its truth ceiling it reaches."""
    served = state.holder.current
    rows = await run_in_threadpool(served_models, state.holder.store, dict(served.versions))
    return JsonResponse({"model_version": served.tag, "models": rows})
