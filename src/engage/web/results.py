"""What the pages read from the lake besides SQL: the latest run, its reports, model metadata.

Per-run artefacts never change once written, so they are memoised by run id.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engage import lake
from engage.pipeline.history import RUN_ID, RUNS_PREFIX, RunHistory, UnknownRunError
from engage.ports import ObjectStore
from engage.web.render import WebError

MODEL_NAMES = ("engagement", "churn", "ltv", "recommendation", "anomaly")


def latest_run(store: ObjectStore) -> dict[str, Any]:
    """The record of the newest SUCCEEDED run (what the results tables hold)."""
    history = RunHistory(store)
    # Run ids start with their start time, so newest first is a sort of the keys; finished
    # records come from memory, so a page does not re-read the whole history.
    ids = sorted((RUN_ID.search(k) for k in history.store.list(RUNS_PREFIX)), key=_id, reverse=True)
    for found in ids:
        if found is not None and _record(history, found.group(0)).get("status") == "SUCCEEDED":
            return _record(history, found.group(0))
    raise WebError(503, "No succeeded run yet; run `engage run` first.")


def version(store: ObjectStore) -> str:
    """What the pages' per-run copies are keyed by: the latest run, and how many erasure
    events the log holds, since `engage forget` rewrites the published tables in place
    (the copies must not show an erased customer). Only the log's key names are read."""
    erasures = len(store.list(lake.ERASURE_LOG))
    return f"{latest_run(store)['run_id']}+{erasures}"


def _id(found: re.Match[str] | None) -> str:
    return found.group(0) if found else ""


def run_record(store: ObjectStore, run_id: str) -> dict[str, Any]:
    history = RunHistory(store)
    try:
        return _record(history, run_id)
    except UnknownRunError as err:
        raise WebError(404, str(err).strip("'\"")) from None


_FINISHED: dict[tuple[str, str], dict[str, Any]] = {}


def _record(history: RunHistory, run_id: str) -> dict[str, Any]:
    """A run's record; finished ones (they never change) are kept in memory."""
    key = (history.store.uri(""), run_id)
    if key in _FINISHED:
        return _FINISHED[key]
    record = history.get(run_id)
    if record.get("status") in ("SUCCEEDED", "FAILED") and record.get("ended_at"):
        if len(_FINISHED) > 64:
            _FINISHED.clear()
        _FINISHED[key] = record
    return record


def trained_models(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each model's training result (metrics, grading against truth, gate) from the record."""
    for branch in (record.get("output") or {}).get("parallel_training") or []:
        if isinstance(branch, dict) and "models" in branch:
            return [m for m in branch["models"] if isinstance(m, dict)]
    return []


def validation(record: dict[str, Any]) -> dict[str, Any]:
    """The run's validation branch output (status, counts, drift summary, report key)."""
    for branch in (record.get("output") or {}).get("parallel_training") or []:
        if isinstance(branch, dict) and "validation_status" in branch:
            return branch
    return {}


def validation_report(lake: ObjectStore, record: dict[str, Any]) -> dict[str, Any]:
    """The full data_validation.json of a run (checks per table, PSI per column)."""
    key = validation(record).get("report")
    if not key or not lake.exists(key):
        return {}
    return json.loads(lake.get_bytes(key))
