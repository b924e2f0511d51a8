"""A JSON response rendered by orjson (several times faster than json for these bodies)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from engage.api.records import iso


class JsonResponse(JSONResponse):
    """A JSONResponse subclass, so FastAPI documents routes' response models."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


def finish(request: Request, body: dict[str, Any], customer_id: str) -> dict[str, Any]:
    """Add what every prediction answer carries: id, answer time, latency so far."""
    body["customer_id"] = customer_id
    body.setdefault("skipped", {})
    body["timestamp"] = iso(datetime.now(UTC))
    started = request.scope.get("state", {}).get("started", time.perf_counter())
    body["latency_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
    return body
