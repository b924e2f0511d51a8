"""Request dependencies: the app state, and the caller's API key with its role.

Order of checks: the key (401), then the key's token bucket (429 with
Retry-After), then the role (403). API Gateway checks keys and usage plans in
the same order. A key that needs scrypt (not yet verified by this process)
first takes a token from two small buckets, one for its key id and one for
the client's address: guessing secrets for a known key id is answered 429
after a short burst instead of burning ~50 ms of CPU per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from engage.api.errors import ApiError
from engage.api.keys import ApiKey
from engage.api.state import AppState
from engage.api.throttle import TokenBuckets

api_key_header = APIKeyHeader(
    name="x-api-key",
    auto_error=False,  # a missing key is a 401 from us, not FastAPI's 403/422
    description="An API key from `engage keys create` (shown once at creation).",
)


def get_state(request: Request) -> AppState:
    return request.app.state.engage


State = Annotated[AppState, Depends(get_state)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _may_verify(state: AppState, request: Request, presented: str | None) -> None:
    """429 when this key id or client has had its share of scrypt verifications."""
    for bucket in (f"id:{state.keys.key_id(presented)}", f"ip:{_client(request)}"):
        allowed, wait_s = state.auth_attempts.take(bucket)
        if not allowed:
            state.metrics.count("auth_throttled")
            retry = TokenBuckets.retry_after(wait_s)
            raise ApiError(
                429, f"too many unverified keys; retry in {retry} s", {"Retry-After": retry}
            )


async def _caller(state: AppState, request: Request, presented: str | None) -> ApiKey:
    decided, key = state.keys.remembered(presented)
    if not decided:  # first use of this key: throttled, then scrypt off the event loop
        _may_verify(state, request, presented)
        key = await run_in_threadpool(state.keys.authenticate, presented)
    if key is None:
        state.metrics.count("auth_failures")
        raise ApiError(401, "missing or invalid API key (header x-api-key)")
    allowed, wait_s = state.buckets.take(key.key_id)
    if not allowed:
        state.metrics.count("throttled")
        retry = TokenBuckets.retry_after(wait_s)
        raise ApiError(429, f"rate limit exceeded; retry in {retry} s", {"Retry-After": retry})
    return key


Presented = Annotated[str | None, Security(api_key_header)]


async def reader(state: State, request: Request, presented: Presented) -> ApiKey:
    """Any active key (reader or admin)."""
    return await _caller(state, request, presented)


async def admin(state: State, request: Request, presented: Presented) -> ApiKey:
    """An active admin key."""
    key = await _caller(state, request, presented)
    if key.role != "admin":
        raise ApiError(403, "this route needs an admin key")
    return key


Reader = Annotated[ApiKey, Depends(reader)]
Admin = Annotated[ApiKey, Depends(admin)]
