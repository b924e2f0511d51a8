"""POST /predict and /predict/batch: batch predictions by id, or live inference on features.

No `from __future__ import annotations` here: the batch body model is made at
app creation (its bound is configured), and FastAPI must see the real class.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from engage.api.deps import Reader, State
from engage.api.errors import ApiError
from engage.api.responses import JsonResponse, finish
from engage.api.schemas import (
    BODY,
    KEYED,
    BatchPredictResponse,
    PredictRequest,
    PredictResponse,
    error_responses,
)
from engage.api.service import CustomerNotFoundError
from engage.api.state import AppState

ERRORS = error_responses(*KEYED, *BODY, 404)
BATCH_ERRORS = error_responses(*KEYED, *BODY)  # unknown ids are per-item 404s


async def predict_one(state: AppState, request: Request, body: PredictRequest, key_id: str) -> dict:
    """Answer one request: on the event loop when no I/O is needed, else in a thread."""
    features = None if body.features is None else body.features.model_dump(exclude_unset=True)
    service = state.service
    result = service.fast(body.customer_id, features, key_id)
    if result is None:
        try:
            result = await run_in_threadpool(service.answer, body.customer_id, features, key_id)
        except CustomerNotFoundError:
            raise ApiError(404, f"unknown customer {body.customer_id!r}") from None
    return finish(request, result, body.customer_id)


def register(router: APIRouter, batch_model: type[BaseModel]) -> None:
    """Add the routes; the batch body model carries the configured size bound."""

    @router.post(
        "/predict",
        response_class=JsonResponse,
        response_model=PredictResponse,
        responses=ERRORS,
        summary="Predictions for one customer (all five models + SHAP top 5)",
    )
    async def predict(body: PredictRequest, request: Request, state: State, key: Reader) -> Any:
        """Without `features`: the latest batch predictions (cache, else the predictions
        table); 404 for an unknown customer. With `features`: live inference with every
        model whose inputs are present (missing ones are filled from the customer's
        stored inputs when the id is known), cached by `customer_id#feature_hash`."""
        return JsonResponse(await predict_one(state, request, body, key.key_id))

    @router.post(
        "/predict/batch",
        response_class=JsonResponse,
        response_model=BatchPredictResponse,
        responses=BATCH_ERRORS,
        summary="Predictions for a bounded list of customers",
    )
    async def predict_batch(
        body: batch_model,  # type: ignore[valid-type]
        request: Request,
        state: State,
        key: Reader,
    ) -> Any:
        """Each item is answered like POST /predict; per-item status 200 or 404."""
        results = []
        for item in body.requests:  # type: ignore[attr-defined]
            try:
                answer = await predict_one(state, request, item, key.key_id)
                results.append({"status": 200, "customer_id": item.customer_id, "result": answer})
            except ApiError as err:
                results.append(
                    {"status": err.status, "customer_id": item.customer_id, "error": err.detail}
                )
        return JsonResponse(
            {"results": results, "latency_ms": finish(request, {}, "")["latency_ms"]}
        )
