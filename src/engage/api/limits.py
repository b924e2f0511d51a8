"""ASGI middleware: body size limit (413) and request metrics, outside FastAPI's routing.

Pure ASGI rather than `BaseHTTPMiddleware`, which costs a task and a queue per
request. The size limit trusts neither the client's Content-Length (a chunked
body has none) nor its honesty: the body (at most the limit, 64 KiB by default)
is read here, counting the bytes that really arrive, and the request is cut off
with 413 as soon as they pass the limit; the application then reads the buffered
body.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from engage.api.metrics import Metrics

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


class GuardMiddleware:
    """Refuses oversized bodies and records every request's route, status and latency."""

    def __init__(self, app: Any, max_body_bytes: int, metrics: Metrics) -> None:
        self.app, self.max_body_bytes, self.metrics = app, max_body_bytes, metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})["started"] = started
        status = {"code": 500}  # what was answered, for the metrics

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self._guarded(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(
                name, scope["method"], status["code"], time.perf_counter() - started
            )

    async def _guarded(self, scope: Scope, receive: Any, send: Any) -> None:
        declared = _content_length(scope)
        if declared == -1:
            await _send_json(
                send, 400, {"error": "bad_request", "detail": "invalid Content-Length"}
            )
            return
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send)
            return
        # Read the whole (bounded) body first, counting what really arrives.
        chunks, received = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await self._too_large(send)
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

    async def _too_large(self, send: Any) -> None:
        detail = f"request body larger than {self.max_body_bytes} bytes"
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
