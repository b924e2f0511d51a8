"""ASGI middleware: body size limit (413) and request metrics, outside FastAPI's routing.

Pure ASGI rather than `BaseHTTPMiddleware`, which costs a task and a queue per
request. The size limit trusts neither the client's Content-Length (a chunked
body has none) nor its honesty: the body (at most the limit, 64 KiB by default)
is read here, counting the bytes that really arrive, and the request is cut off
with 413 as soon as they pass the limit; the application then reads the buffered
body.

The batch route's limit is derived from the batch bound, never set apart from
it: `batch_body_bytes(n)` is n times the largest JSON one full-feature item can
take (`item_bytes`, from the data contract), so a batch of `api_batch_max`
items always fits (before: 45 full items filled the 64 KiB shared by all routes
while the schema allowed 100).

A client that goes away before the answer is counted as `client_disconnects`,
never as a 500 of route `unmatched` (anyone could trip a 5xx alarm that way).
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from engage.api.metrics import Metrics
from engage.contract import CUSTOMERS, MODEL_INPUTS, DType

Scope = dict[str, Any]


async def _send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


_FLOAT_CHARS = 24  # the longest shortest-repr of a double: -2.2250738585072014e-308


def _value_chars(name: str) -> int:
    column = CUSTOMERS.column(name)
    if column.categories:
        widest = max(len(orjson.dumps(c)) for c in column.categories)
    elif column.dtype is DType.FLOAT:
        widest = _FLOAT_CHARS
    elif column.dtype is DType.INT:
        widest = max(len(str(int(v))) for v in (column.minimum or 0, column.maximum or 0)) + 1
    elif column.dtype is DType.BOOL:
        widest = 5
    else:
        widest = 2 + 4 * 256
    return max(widest, 4 if column.nullable else 0)


def item_bytes() -> int:
    """The largest JSON of one /predict body with every feature (`json.dumps` spacing)."""
    fields = sum(len(name) + 2 + 2 + _value_chars(name) + 2 for name in MODEL_INPUTS)
    return len('{"customer_id": "", "features": {}}') + 64 + fields


def batch_body_bytes(max_items: int, base_limit: int) -> int:
    """The /predict/batch body limit: room for `max_items` of the largest items."""
    return max(base_limit, len('{"requests": []}') + max_items * (item_bytes() + 2))


class GuardMiddleware:
    """Refuses oversized bodies and records every request's route, status and latency."""

    def __init__(
        self,
        app: Any,
        max_body_bytes: int,
        metrics: Metrics,
        path_limits: dict[str, int] | None = None,
    ) -> None:
        self.app, self.max_body_bytes, self.metrics = app, max_body_bytes, metrics
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})["started"] = started
        status: dict[str, int | None] = {"code": None}  # what was answered, for the metrics

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self._guarded(scope, receive, send_wrapper)
        except BaseException:
            self._record(scope, status["code"] or 500, started)  # the error handler's 500
            raise
        if status["code"] is None:  # nothing was sent: the client went away
            self.metrics.count("client_disconnects")
        else:
            self._record(scope, status["code"], started)

    def _record(self, scope: Scope, code: int, started: float) -> None:
        name = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.observe(name, scope["method"], code, time.perf_counter() - started)

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        limit = self.path_limits.get(scope.get("path", ""), self.max_body_bytes)
        declared = _content_length(scope)
        if declared == -1:
            await _send_json(
                send, 400, {"error": "bad_request", "detail": "invalid Content-Length"}
            )
            return
        if declared is not None and declared > limit:
            await self._too_large(send, limit)
            return
        # Read the whole (bounded) body first, counting what really arrives.
        chunks, received = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await self._too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Any, limit: int) -> None:
        detail = f"request body larger than {limit} bytes"
        await _send_json(send, 413, {"error": "payload_too_large", "detail": detail})


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when unparseable."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None
