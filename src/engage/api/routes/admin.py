"""Admin routes: reload models now, list keys (never their hashes), erase a customer's cache."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from engage.api.deps import Admin, State
from engage.api.responses import JsonResponse
from engage.api.schemas import (
    CUSTOMER_ID_PATTERN,
    KEYED,
    EraseResponse,
    KeysResponse,
    ReloadResponse,
    error_responses,
)

router = APIRouter(prefix="/admin", tags=["admin"], responses=error_responses(*KEYED, 403))


@router.post(
    "/reload",
    response_class=JsonResponse,
    response_model=ReloadResponse,
    summary="Check for promoted models now",
)
async def reload(state: State, key: Admin) -> Any:
    """Load newly promoted versions (as the background check does every few seconds)."""
    changed = await run_in_threadpool(state.holder.check)
    served = state.holder.current
    return JsonResponse(
        {"reloaded": changed, "model_versions": served.versions, "error": state.holder.last_error}
    )


@router.get(
    "/keys",
    response_class=JsonResponse,
    response_model=KeysResponse,
    summary="API keys (ids, names, roles)",
)
async def keys(state: State, key: Admin) -> Any:
    listed = [
        {"key_id": k.key_id, "name": k.name, "role": k.role, "created_at": k.created_at,
         "revoked_at": k.revoked_at}
        for k in state.keys.list()
    ]  # fmt: skip
    return JsonResponse({"keys": listed})


@router.delete(
    "/cache/{customer_id}",
    response_class=JsonResponse,
    response_model=EraseResponse,
    responses=error_responses(422),
    summary="Erase a customer's cache",
)
async def erase(
    customer_id: Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)], state: State, key: Admin
) -> Any:
    """Delete every cached prediction of one customer (part of a GDPR erasure)."""
    queued = state.service.writer.forget(customer_id)
    deleted = queued + await run_in_threadpool(state.cache.delete_customer, customer_id)
    return JsonResponse({"customer_id": customer_id, "deleted": deleted})
