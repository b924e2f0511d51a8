"""AWS Lambda entry point: the same FastAPI app behind API Gateway, through Mangum.

The app (and its models) is built once per Lambda container, on the first
invocation, and reused by warm invocations; Mangum's lifespan is off because
it would run start-up and shut-down around every event. Without a background
thread, each invocation flushes the audit buffer before returning (a frozen
container must not hold unwritten audit records) and checks for promoted
models at most every ENGAGE_API_RELOAD_SECONDS.
"""

from __future__ import annotations

import time
from typing import Any

from mangum import Mangum

from engage.api.app import create_app
from engage.api.gateway_keys import current_event
from engage.api.state import AppState, build_state
from engage.settings import Settings

_HANDLER: Mangum | None = None
_STATE: AppState | None = None
_LAST_CHECK = 0.0


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway (REST or HTTP API) proxy event in, proxy response out."""
    global _HANDLER, _STATE, _LAST_CHECK
    if _HANDLER is None:
        _STATE = build_state(Settings())
        _HANDLER = Mangum(create_app(state=_STATE, background=False), lifespan="off")
        _LAST_CHECK = time.monotonic()
    assert _STATE is not None
    interval = _STATE.settings.api_reload_seconds
    if interval > 0 and time.monotonic() - _LAST_CHECK >= interval:
        _STATE.holder.check()
        _LAST_CHECK = time.monotonic()
    current_event(event)  # the API Gateway key id (ENGAGE_API_AUTH=gateway)
    try:
        return _HANDLER(event, context)
    finally:
        _STATE.service.writer.flush()
        _STATE.audit.flush()


def reset() -> None:
    """Forget the built app (tests; a new container starts from nothing)."""
    global _HANDLER, _STATE
    if _STATE is not None:
        _STATE.stop()
    _HANDLER, _STATE = None, None
