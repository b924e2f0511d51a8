"""Models: registry versions with metrics, rendered model cards, promote / roll back (admin).

Promotion calls `ModelRegistry.promote` as `engage models promote` does, asks for an
explicit confirmation, and is audited in `engagement-audit-admin/` (who, what, when,
from which version to which, and why).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from engage.models.grading import summary_text
from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.web import results
from engage.web.auth import Admin, Viewer, check_csrf, form
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.render import WebError, page

router = APIRouter()
ADMIN_AUDIT = "engagement-audit-admin/"
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML is escaped


def registry_rows(request: Request) -> list[dict[str, Any]]:
    store = common.store(request)
    rows = []
    for name in results.MODEL_NAMES:
        registry = ModelRegistry(store, name)
        served = registry.latest()
        for version in registry.versions():
            meta = registry.metadata(version)
            metrics = (meta.get("metrics") or {}).get("test") or {}
            rows.append(
                {
                    "model": name,
                    "version": version,
                    "served": version == served,
                    "run_id": meta.get("run_id"),
                    "created_at": meta.get("created_at"),
                    "primary_metric": meta.get("primary_metric"),
                    "metrics": " ".join(
                        f"{k}={v:.4g}" for k, v in metrics.items() if isinstance(v, int | float)
                    ),
                    "grade": summary_text(meta.get("grading")),
                }
            )
    return rows


_cards: dict[tuple[str, str, str], Markup | None] = {}


def card(request: Request, name: str) -> Markup | None:
    """The served version's model card as HTML (rendered once per version: cards never change)."""
    store = common.store(request)
    registry = ModelRegistry(store, name)
    version = registry.latest()
    if version is None:
        return None
    key = (store.uri(""), name, version)
    if key not in _cards:
        try:
            text = registry.load(version, "model_card.md").decode("utf-8")
        except ModelNotFoundError:
            return None
        _cards[key] = Markup(_markdown.render(text))  # noqa: S704 - raw HTML is disabled
    return _cards[key]


def admin_log(request: Request) -> list[dict[str, Any]]:
    store = common.store(request)
    keys = sorted(k for k in store.list(ADMIN_AUDIT) if k.endswith(".json"))
    return [json.loads(store.get_bytes(k)) for k in keys[-50:]][::-1]


def _gather(request: Request) -> dict[str, Any]:
    rows = registry_rows(request)
    return {
        "rows": rows,
        "cards": {n: card(request, n) for n in results.MODEL_NAMES},
        "log": admin_log(request),
    }


@router.get("/app/models", response_class=HTMLResponse)
async def models_page(request: Request, session: Viewer) -> HTMLResponse:
    done = request.query_params.get("done")
    message = "Promotion recorded." if done == "1" else None
    found = await run_in_threadpool(_gather, request)
    return page(request, "models.html", message=message, message_kind="ok", **found)


def promote(request: Request, who: str, name: str, version: str, note: str) -> dict[str, Any]:
    """Serve `version` of `name` from now on, and write who did it and why."""
    if name not in results.MODEL_NAMES:
        raise WebError(400, f"Unknown model {name!r}.")
    store = common.store(request)
    registry = ModelRegistry(store, name)
    before = registry.latest()
    try:
        registry.promote(version, run_id="manual")
    except ModelNotFoundError as err:
        raise WebError(400, str(err)) from None
    now = datetime.now(UTC)
    entry = {
        "action": "promote",
        "model": name,
        "from_version": before,
        "to_version": version,
        "by": who,
        "note": note,
        "at": now.isoformat(),
    }
    store.put_bytes(f"{ADMIN_AUDIT}{now:%Y%m%dT%H%M%S%fZ}_{name}.json", json.dumps(entry).encode())
    holder = getattr(request.app.state.engage, "holder", None)
    if holder is not None:  # the API serves it at once, not at the next reload check
        holder.check()
    return entry


@router.post("/app/models/promote")
async def promote_action(request: Request, session: Admin) -> Response:
    fields = await form(request)
    check_csrf(session, fields.get("csrf"))
    if fields.get("confirm") != "yes":
        raise WebError(400, "Tick the confirmation box to promote or roll back a model.")
    note = fields.get("note", "").strip()
    if not note:
        raise WebError(400, "Say why in the note: promotions are audited.")
    await run_in_threadpool(
        promote,
        request,
        f"web:{session.name}",
        fields.get("model", ""),
        fields.get("version", ""),
        note[:500],
    )
    return RedirectResponse("/app/models?done=1", status_code=303)


@dataset("model_versions")
def versions_table(request: Request) -> pa.Table:
    return pa.Table.from_pylist(registry_rows(request))
