"""Retention (seed §2.3.7 "auto-delete after 90 days"): expire old run artefacts.

What expires, each judged by its own date:

- run history records and run reports (the run id carries its start time);
- leftovers under ``_staging/`` (file modification time; remote stores are skipped);
- model versions (``created_at`` in their metadata) and registry run pointers, except
  the version that is served and the newest one of each model: deleting the served
  version would break inference and the API, whatever its age.

Never touched: the tables (erasure already removes a person's rows), the erasure
log and the QA decisions (compliance records), the token key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engage import lake
from engage.ports import ObjectStore

_RUN = re.compile(r"run_(\d{8}T\d{6}Z)_[0-9a-f]{6}")
_VERSION = re.compile(r"v(\d+)")


@dataclass(frozen=True)
class Expired:
    """One artefact past the limit: what it is, its key or prefix, when it was made."""

    kind: str
    key: str
    created_at: datetime


def plan_retention(store: ObjectStore, days: int, now: datetime | None = None) -> list[Expired]:
    """Everything older than `days` that retention would delete (nothing is deleted)."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    found = [*_runs(store), *_staging(store), *_models(store)]
    return sorted((e for e in found if e.created_at < cutoff), key=lambda e: (e.kind, e.key))


def apply_retention(store: ObjectStore, expired: list[Expired]) -> int:
    """Delete what `plan_retention` found; returns how many objects went."""
    return sum(store.delete_prefix(e.key) for e in expired)


def _run_time(run_id: str) -> datetime | None:
    match = _RUN.fullmatch(run_id)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _runs(store: ObjectStore) -> list[Expired]:
    out = []
    for key in store.list(lake.RUNS):
        when = _run_time(key[len(lake.RUNS) :].removesuffix(".json"))
        if when is not None and key.endswith(".json"):
            out.append(Expired("run record", key, when))
    reports = {k[len(lake.REPORTS) :].split("/", 1)[0] for k in store.list(lake.REPORTS)}
    for run_id in sorted(reports):
        when = _run_time(run_id)
        if when is not None:
            out.append(Expired("run report", f"{lake.REPORTS}{run_id}/", when))
    return out


def _modified(store: ObjectStore, key: str) -> datetime | None:
    """A local file's modification time; None where the store is not a local folder."""
    path = Path(store.uri(key))
    if not path.is_file():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _staging(store: ObjectStore) -> list[Expired]:
    """Work areas ``_staging/<a>/<b>/``, dated by their newest file (one in use stays)."""
    areas: dict[str, list[str]] = {}
    for key in store.list(lake.STAGING):
        parts = key[len(lake.STAGING) :].split("/")
        area = lake.STAGING + "/".join(parts[:2]) + ("/" if len(parts) > 2 else "")
        areas.setdefault(area, []).append(key)
    out = []
    for area, keys in sorted(areas.items()):
        times = [t for t in (_modified(store, k) for k in keys) if t is not None]
        if times and len(times) == len(keys):
            out.append(Expired("staging leftover", area, max(times)))
    return out


def _models(store: ObjectStore) -> list[Expired]:
    names = {k[len(lake.MODELS) :].split("/", 1)[0] for k in store.list(lake.MODELS)}
    out = []
    for model in sorted(names):
        root = f"{lake.MODELS}{model}/"
        keys = store.list(root)
        versions = sorted(_versions(keys, root), key=lambda v: int(v[1:]))
        if not versions:
            continue
        keep = {versions[-1], _served(store, root)}
        for version in versions:
            when = _created(store, f"{root}{version}/metadata.json")
            if version not in keep and when is not None:
                out.append(Expired("model version", f"{root}{version}/", when))
        out += _pointers(store, root, keep)
    return out


def _versions(keys: list[str], root: str) -> set[str]:
    """Version folders (``vN/``) among a model's keys."""
    parts = (k[len(root) :].split("/", 1) for k in keys)
    return {p[0] for p in parts if len(p) == 2 and _VERSION.fullmatch(p[0])}


def _served(store: ObjectStore, root: str) -> str | None:
    key = f"{root}latest.json"
    return json.loads(store.get_bytes(key)).get("version") if store.exists(key) else None


def _created(store: ObjectStore, key: str) -> datetime | None:
    if not store.exists(key):
        return None
    text = json.loads(store.get_bytes(key)).get("created_at")
    if not text:
        return None
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _pointers(store: ObjectStore, root: str, keep: set[str | None]) -> list[Expired]:
    """Registry ``runs/<run_id>.json`` files of old runs, unless they name a kept version."""
    out = []
    for key in store.list(f"{root}runs/"):
        when = _run_time(key.rsplit("/", 1)[1].removesuffix(".json"))
        if when is None:
            continue
        if json.loads(store.get_bytes(key)).get("version") not in keep:
            out.append(Expired("model run pointer", key, when))
    return out
