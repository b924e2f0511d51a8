"""Small helpers the pages share."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from engage.ports import Catalog, ObjectStore
from engage.settings import Settings


# The ports are built once at API start-up (engage.api.state.build_state, the composition
# root's caller) and live on app.state; pages never call the composition root per request.
def settings(request: Request) -> Settings:
    return request.app.state.engage.settings


def store(request: Request) -> ObjectStore:
    """The lake; a local one follows the published generation, so a new run shows at once."""
    return request.app.state.engage.store


def catalog(request: Request) -> Catalog:
    """The catalog port (a read-only connection per use: `engage run` must not be blocked)."""
    return request.app.state.engage.catalog


def new_session(request: Request) -> Any:
    """A new Q&A conversation, from the factory wired at start-up."""
    return request.app.state.engage.new_session()


def seconds_between(start: str | None, end: str | None) -> float | None:
    from datetime import datetime

    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def top_level_stages(record: dict[str, Any]) -> list[tuple[str, float, float, str]]:
    """(name, start s, end s, status) of each top-level state, relative to the run start."""
    from datetime import datetime

    states = [
        s for s in record.get("states", []) if "/" not in s.get("path", "") and s.get("start")
    ]
    if not states:
        return []
    t0 = min(datetime.fromisoformat(s["start"]) for s in states)
    out = []
    for s in states:
        start = (datetime.fromisoformat(s["start"]) - t0).total_seconds()
        end = (datetime.fromisoformat(s["end"]) - t0).total_seconds() if s.get("end") else start
        out.append((s.get("name", s["path"]), start, end, s.get("status", "")))
    return out
