"""POST /ask: the Q&A agent over HTTP, behind the same key and throttling as /predict.

Sessions (for follow-ups) are kept per API key and session id, a bounded number of
them, so one caller can neither read another's conversation nor grow memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from engage.api.deps import Reader, State
from engage.api.errors import ApiError
from engage.api.schemas import BODY, KEYED, error_responses
from engage.ports import SqlError

if TYPE_CHECKING:
    from engage.agent.session import Session

MAX_SESSIONS = 256
router = APIRouter(tags=["agent"])
_sessions: OrderedDict[tuple[str, str], Session] = OrderedDict()
_lock = threading.Lock()


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000)
    session_id: str = Field("default", max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


def _session(state: Any, key_id: str, session_id: str) -> Session:
    with _lock:
        found = _sessions.get((key_id, session_id))
        if found is None:
            found = _sessions[(key_id, session_id)] = state.new_session()
            if len(_sessions) > MAX_SESSIONS:
                _sessions.popitem(last=False)[1].close()
        _sessions.move_to_end((key_id, session_id))
        return found


def _ask(state: Any, key_id: str, body: AskRequest) -> dict[str, Any]:
    session = _session(state, key_id, body.session_id)
    with _lock:  # one question at a time per process: DuckDB cursors and model state
        return session.ask(body.question).to_dict()


@router.post(
    "/ask",
    responses=error_responses(*KEYED, *BODY, 503),
    summary="Ask a question about the engagement results",
)
async def ask(body: AskRequest, state: State, key: Reader) -> dict[str, Any]:
    """Text, supporting rows, tool calls and SQL used, citations and a confidence."""
    try:
        return await run_in_threadpool(_ask, state, key.key_id, body)
    except SqlError as err:  # no run yet: nothing to answer from
        raise ApiError(503, str(err)) from None
