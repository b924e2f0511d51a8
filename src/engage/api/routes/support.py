"""Support routes (issue 18 item 4): the negative-sentiment alerts for customer support.

Admin keys only: an alert says that a named customer wrote something upset. An alert
carries the message's id, channel, time, score and emotion; the text itself stays in
the restricted area and is never served here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import pyarrow.compute as pc
import pyarrow.dataset as ds
from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from engage import lake
from engage.api.deps import Admin, State
from engage.api.responses import JsonResponse
from engage.api.schemas import CUSTOMER_ID_PATTERN, KEYED, error_responses
from engage.ports import ObjectStore

router = APIRouter(prefix="/support", tags=["support"], responses=error_responses(*KEYED, 403))
MAX_ALERTS = 1_000


class Alert(BaseModel):
    message_id: str
    customer_id: str
    channel: str
    sent_at: datetime
    sentiment_score: float
    emotion: str
    run_id: str


class AlertsResponse(BaseModel):
    alerts: list[Alert]
    total: int  # alerts matching the filter, before the limit


def read_alerts(store: ObjectStore, customer_id: str | None, limit: int) -> dict[str, Any]:
    """The latest run's alerts, most negative first; none when no run made any."""
    if not store.list(lake.SUPPORT_ALERTS):
        return {"alerts": [], "total": 0}
    dataset = ds.dataset(store.uri(lake.SUPPORT_ALERTS), format="parquet")
    where = None if customer_id is None else ds.field("customer_id") == customer_id
    table = dataset.to_table(filter=where)
    order = pc.sort_indices(
        table, sort_keys=[("sentiment_score", "ascending"), ("message_id", "ascending")]
    )
    rows = table.take(order[:limit]).to_pylist()
    return {"alerts": rows, "total": table.num_rows}


@router.get(
    "/alerts",
    response_class=JsonResponse,
    response_model=AlertsResponse,
    responses=error_responses(422),
    summary="Negative-sentiment alerts (ids and scores, never the text)",
)
async def alerts(
    state: State,
    key: Admin,
    customer_id: Annotated[str | None, Query(pattern=CUSTOMER_ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ALERTS)] = 100,
) -> Any:
    """Texts of consenting customers that scored below -0.5 in the latest run."""
    found = await run_in_threadpool(read_alerts, state.store, customer_id, limit)
    return JsonResponse(found)
