"""GET /customers/{id}/forecast: the customer's 7-day engagement forecast with intervals.

Reads `engagement_analytics.forecast` (engage.stages.forecast) of the latest published
generation: one filtered scan of its Parquet files per request (7 rows come back),
and the platform total's rows beside it so a caller can put the customer in context.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pyarrow.dataset as ds
from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from engage import lake
from engage.api.deps import Reader, State
from engage.api.errors import ApiError
from engage.api.responses import JsonResponse
from engage.api.schemas import CUSTOMER_ID_PATTERN, KEYED, error_responses
from engage.ports import ObjectStore

router = APIRouter(tags=["customers"])
CustomerIdPath = Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN, description="Customer id.")]
_BANDS = ("lower_80", "upper_80", "lower_95", "upper_95")


class ForecastDay(BaseModel):
    forecast_date: dt.date
    horizon_day: int = Field(description="Days after the history's last day (1-7).")
    forecast: float = Field(description="Forecast daily engagement (0-1).")
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


class PlatformDay(BaseModel):
    forecast_date: dt.date
    total: float = Field(description="Forecast sum of every customer's daily engagement.")
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


class ForecastResponse(BaseModel):
    customer_id: str
    model: str = Field(description="Forecasting model the held-out week chose.")
    run_id: str
    days: list[ForecastDay]
    platform: list[PlatformDay] = Field(description="The platform total over the same days.")


def read_forecast(store: ObjectStore, customer_id: str) -> dict[str, Any] | None:
    """The customer's forecast rows and the platform total, or None without any."""
    if not store.list(lake.FORECAST_CUSTOMERS):
        return None
    rows = ds.dataset(store.uri(lake.FORECAST_CUSTOMERS), format="parquet").to_table(
        filter=ds.field("customer_id") == customer_id
    )
    if not rows.num_rows:
        return None
    days = sorted(rows.to_pylist(), key=lambda r: r["horizon_day"])
    total = store.read_parquet(lake.FORECAST_TOTAL).to_pylist()
    keep = ("forecast_date", "horizon_day", "forecast", *_BANDS)
    return {
        "customer_id": customer_id,
        "model": days[0]["model"],
        "run_id": days[0]["run_id"],
        "days": [{k: r[k] for k in keep} for r in days],
        "platform": [
            {k: r[k] for k in ("forecast_date", "total", *_BANDS)}
            for r in sorted(total, key=lambda r: r["horizon_day"])
        ],
    }


@router.get(
    "/customers/{customer_id}/forecast",
    response_class=JsonResponse,
    response_model=ForecastResponse,
    responses=error_responses(*KEYED, 404, 422),
    summary="A customer's 7-day engagement forecast",
)
async def customer_forecast(customer_id: CustomerIdPath, state: State, key: Reader) -> Any:
    """Seven daily points with 80% and 95% intervals from the last run's
    EngagementForecast stage, and the platform total; 404 when the run made no
    forecast for this customer."""
    body = await run_in_threadpool(read_forecast, state.tables.store, customer_id)
    if body is None:
        raise ApiError(404, f"no forecast for customer {customer_id!r}")
    return JsonResponse(body)
