"""The review queue (admin): filter it, approve / reject / override with a note.

Decisions go through `engage.qa.decisions.record_decision`, the function behind
`engage qa review`, so they persist in the same append-only table and feed the next
training run exactly as the CLI's do.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from engage.contract.ids import ANCHORED_CUSTOMER_ID_PATTERN
from engage.ports import SqlError
from engage.qa.decisions import ReviewError, record_decision
from engage.qa.queue import review_queue
from engage.web.auth import Admin, check_csrf, form
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.params import Query, parse
from engage.web.render import WebError, page

router = APIRouter()
SHOWN = 50
COLUMNS = (
    "customer_id",
    "qa_reason",
    "predicted_engagement_score",
    "actual_engagement",
    "prediction_error",
    "model_version",
    "review_status",
    "override_value",
    "reviewer",
    "reviewer_notes",
    "decided_at",
    "run_id",
)


class ReviewQuery(Query):
    status: Literal["pending", "approved", "rejected", "overridden"] | None = None
    reason: str | None = Field(None, pattern=r"^[a-z_]{1,32}$")
    done: str | None = Field(None, pattern=ANCHORED_CUSTOMER_ID_PATTERN)


def queue(request: Request, query: ReviewQuery) -> list[dict[str, Any]]:
    try:
        rows = review_queue(common.store(request), common.catalog(request), query.status)
    except SqlError as err:
        raise WebError(503, f"No QA queue yet: {err}") from None
    return [r for r in rows if query.reason is None or r["qa_reason"] == query.reason]


@router.get("/app/review", response_class=HTMLResponse)
async def review_page(request: Request, session: Admin) -> HTMLResponse:
    query = parse(request, ReviewQuery)
    rows = await run_in_threadpool(queue, request, query)
    reasons = sorted({r["qa_reason"] for r in rows})
    message = f"Decision recorded for {query.done}." if query.done else None
    return page(
        request,
        "review.html",
        rows=rows[:SHOWN],
        total=len(rows),
        query=query,
        reasons=reasons,
        message=message,
        message_kind="ok",
    )


@router.post("/app/review")
async def decide(request: Request, session: Admin) -> Response:
    """Record one decision; errors (no note, bad value, not queued) come back as a message."""
    fields = await form(request)
    check_csrf(session, fields.get("csrf"))
    raw_value = fields.get("value", "").strip()
    try:
        value = float(raw_value) if raw_value else None
    except ValueError:
        raise WebError(400, f"The override value {raw_value[:20]!r} is not a number.") from None
    try:
        await run_in_threadpool(
            record_decision,
            common.store(request),
            common.catalog(request),
            fields.get("customer_id", ""),
            fields.get("status", ""),
            fields.get("note", ""),
            value,
            f"web:{session.name}",
        )
    except ReviewError as err:
        raise WebError(400, f"Not recorded: {err}") from None
    back = {k: fields[k] for k in ("filter_status", "filter_reason") if fields.get(k)}
    query = {
        "status": back.get("filter_status"),
        "reason": back.get("filter_reason"),
        "done": fields.get("customer_id"),
    }
    target = "/app/review?" + urlencode({k: v for k, v in query.items() if v})
    return RedirectResponse(target, status_code=303)


@dataset("review_queue")
def queue_table(request: Request) -> pa.Table:
    """The filtered queue (admin only, like the page: notes may explain customers' cases)."""
    session = getattr(request.state, "web_session", None)
    if session is None or not session.is_admin:
        raise WebError(403, "The review queue needs an admin key.")
    rows = queue(request, parse(request, ReviewQuery))
    return pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows])
