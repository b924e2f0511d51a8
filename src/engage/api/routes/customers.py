"""GET /customers/{id}: a customer's stored model inputs, latest batch predictions, segment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool

from engage.api.deps import Reader, State
from engage.api.errors import ApiError
from engage.api.responses import JsonResponse, finish
from engage.api.schemas import (
    CUSTOMER_ID_PATTERN,
    KEYED,
    CustomerResponse,
    error_responses,
)
from engage.api.service import CustomerNotFoundError

router = APIRouter(tags=["customers"])
CustomerIdPath = Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN, description="Customer id.")]


@router.get(
    "/customers/{customer_id}",
    response_class=JsonResponse,
    response_model=CustomerResponse,
    responses=error_responses(*KEYED, 404, 422),
    summary="A customer's inputs and latest predictions",
)
async def customer(customer_id: CustomerIdPath, request: Request, state: State, key: Reader) -> Any:
    """The inputs the last run scored (what a live request would reuse), the latest
    batch predictions and the causal model's premium effect (null without one); 404
    when the latest batch does not know the customer."""

    def read() -> tuple[dict | None, dict, dict | None, dict, dict | None]:
        tables = state.tables
        latest = state.service.latest(customer_id)  # raises first for an unknown customer
        uplift, network = tables.premium_uplift(customer_id), tables.network(customer_id)
        return tables.inputs(customer_id), latest, uplift, network, tables.segment(customer_id)

    try:
        features, latest, uplift, network, segment = await run_in_threadpool(read)
    except CustomerNotFoundError:
        raise ApiError(404, f"unknown customer {customer_id!r}") from None
    body = {
        "customer_id": customer_id,
        "features": features,
        "latest": finish(request, latest, customer_id),
        "premium_uplift": uplift,
        **network,
        "segment": segment,
    }
    return JsonResponse(body)
