"""One error shape for every 4xx/5xx: {"error": <code>, "detail": <what and where>}.

Validation errors name the field (`body.features.age`) and never echo the
input back, so a hostile value is not reflected into the response.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engage.adapters.cache import CacheBusyError
from engage.api.responses import JsonResponse
from engage.contract.ids import CUSTOMER_ID_FORM

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "too_many_requests", 500: "internal_error",
    503: "unavailable",
}  # fmt: skip


class ApiError(Exception):
    """An error answered as JSON with a status, a code and optional headers."""

    def __init__(self, status: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> JsonResponse:
    body = {"error": _CODES.get(status, "error"), "detail": detail}
    return JsonResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _message(err: Any) -> str:
    """pydantic's message, except a bad customer id names the expected form in words."""
    loc = err.get("loc", ())
    if err.get("type") == "string_pattern_mismatch" and loc and loc[-1] == "customer_id":
        return f"not a customer id; expected {CUSTOMER_ID_FORM}"
    return str(err.get("msg", ""))


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JsonResponse:
        return error_response(exc.status, exc.detail, exc.headers)

    @app.exception_handler(CacheBusyError)
    async def _busy(request: Request, exc: CacheBusyError) -> JsonResponse:
        """Only where no fallback exists (an admin write): say when to come back."""
        return error_response(503, "the prediction cache is busy; retry", {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        """A bug: JSON like every other error, without internals (the log has them)."""
        return error_response(500, "internal error")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JsonResponse:
        detail = [
            {
                "field": _field(err.get("loc", ())),
                "message": _message(err),
                "type": err.get("type"),
            }
            for err in exc.errors()[:50]
        ]
        return error_response(422, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return error_response(exc.status_code, exc.detail, getattr(exc, "headers", None))
