"""Ask: a chat with the Q&A agent, streamed as NDJSON while it computes.

The agent is reached only through its entry point, `engage.agent.session.Session.ask`
(what `engage ask` and POST /ask call). One conversation per browser session, so
follow-ups ("and for premium users?") refer to the previous answer.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse

from engage.agent.session import Session
from engage.web import charts
from engage.web.auth import Viewer, WebSession, check_csrf
from engage.web.pages.common import new_session
from engage.web.render import WebError, page

router = APIRouter()
MAX_CONVERSATIONS = 64
MAX_QUESTION = 2000
_conversations: OrderedDict[str, Session] = OrderedDict()
_lock = threading.Lock()


def _conversation(request: Request, session: WebSession) -> Session:
    with _lock:
        found = _conversations.get(session.sid)
        if found is None:
            found = new_session(request)  # the factory wired at API start-up
            _conversations[session.sid] = found
            if len(_conversations) > MAX_CONVERSATIONS:
                _conversations.popitem(last=False)[1].close()
        _conversations.move_to_end(session.sid)
        return found


def chart(rows: list[dict[str, Any]]) -> str:
    """A bar chart when the rows are (label, number) pairs, up to 30 of them; else none."""
    if not rows or len(rows) > 30:
        return ""
    first = rows[0]
    label = next((k for k, v in first.items() if isinstance(v, str)), None)
    numbers = [
        k for k, v in first.items() if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    value = "value" if "value" in numbers else (numbers[0] if numbers else None)
    if label is None or value is None or len(rows) < 2:
        return ""
    items = [(str(r.get(label)), float(r.get(value) or 0)) for r in rows]
    return charts.bars(items, f"{value} by {label}")


def _answer(request: Request, session: WebSession, question: str) -> dict[str, Any]:
    conversation = _conversation(request, session)
    with _lock:  # one question at a time per process, as POST /ask
        answer = conversation.ask(question).to_dict()
    answer["chart_svg"] = chart(answer.get("rows") or [])
    return answer


def _line(event: dict[str, Any]) -> bytes:
    return (json.dumps(event, default=str) + "\n").encode()


@router.get("/app/ask", response_class=HTMLResponse)
async def ask_page(request: Request, session: Viewer) -> HTMLResponse:
    return page(request, "ask.html")


@router.post("/app/ask/stream")
async def ask_stream(request: Request, session: Viewer) -> StreamingResponse:
    """NDJSON: a status line at once, the answer's text in pieces, then the whole answer."""
    check_csrf(session, request.headers.get("x-csrf-token"))
    try:
        body = json.loads(await request.body())
        question = str(body["question"]).strip()
    except (ValueError, KeyError, TypeError):
        raise WebError(400, 'Send {"question": "..."}.') from None
    if not question or len(question) > MAX_QUESTION:
        raise WebError(400, f"A question has 1 to {MAX_QUESTION} characters.")

    async def events() -> AsyncIterator[bytes]:
        yield _line({"type": "status", "text": "Planning and querying the results…"})
        try:
            answer = await run_in_threadpool(_answer, request, session, question)
        except Exception as err:  # the user sees a message; the trace stays in the log
            yield _line(
                {"type": "error", "text": f"The agent could not answer: {type(err).__name__}"}
            )
            return
        words = str(answer.get("text", "")).split(" ")
        for start in range(0, len(words), 12):
            yield _line({"type": "text", "text": " ".join(words[start : start + 12]) + " "})
        yield _line({"type": "answer", "answer": answer})

    return StreamingResponse(
        events(), media_type="application/x-ndjson", headers={"cache-control": "no-store"}
    )
