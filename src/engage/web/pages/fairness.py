"""Fairness: per model, protected attribute and group, the gate's verdict and its rule.

The figures are the served version's own `fairness` record (model metadata), the same
object its model card and release gate were built from, so page, card and gate agree.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.render import page

router = APIRouter()
GATED = ("churn", "engagement")
SUMMARY = ("di_ratio", "di_upper", "labels_di_ratio", "dp_difference", "eo_difference", "eo_lower")


def verdicts(request: Request) -> list[dict[str, Any]]:
    """For each gated model: version, decision, gate (rule + verdict), attributes, mitigation."""
    store = common.store(request)
    out = []
    for name in GATED:
        registry = ModelRegistry(store, name)
        version = registry.latest()
        try:
            fairness = registry.metadata(version).get("fairness") if version else None
        except ModelNotFoundError:
            fairness = None
        if not fairness:
            out.append({"model": name, "version": version, "missing": True})
            continue
        out.append(
            {
                "model": name,
                "version": version,
                "missing": False,
                "decision": fairness.get("decision"),
                "threshold": fairness.get("threshold"),
                "rows": fairness.get("rows"),
                "gate": fairness.get("gate") or {},
                "attributes": fairness.get("attributes") or {},
                "mitigation": _flat(fairness.get("mitigation") or {}),
            }
        )
    return out


def _flat(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _flat(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


@router.get("/app/fairness", response_class=HTMLResponse)
async def fairness_page(request: Request, session: Viewer) -> HTMLResponse:
    found = await run_in_threadpool(verdicts, request)
    return page(request, "fairness.html", models=found, summary=SUMMARY)


@dataset("fairness")
def fairness_table(request: Request) -> pa.Table:
    """One row per model, attribute and group, with the attribute's summary figures."""
    rows = []
    for m in verdicts(request):
        for attribute, result in (m.get("attributes") or {}).items():
            for group, g in (result.get("groups") or {}).items():
                rows.append(
                    {
                        "model": m["model"],
                        "version": m["version"],
                        "decision": m["decision"],
                        "attribute": attribute,
                        "group": group,
                        **{
                            k: g.get(k)
                            for k in (
                                "rows",
                                "selection_rate",
                                "true_positive_rate",
                                "false_positive_rate",
                                "observed_rate",
                            )
                        },
                        **{k: result.get(k) for k in SUMMARY},
                        "gate_passed": m["gate"].get("passed"),
                    }
                )
    return pa.Table.from_pylist(rows)
