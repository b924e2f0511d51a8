"""One customer: every prediction, churn against the thresholds, the LTV interval,
recommendations, anomaly score, SHAP waterfalls, counterfactual hints and the audit trail.

The predictions come from `engage explain`'s own reader (`fetch_customer`); the hints
and the audit trail are slower (a model, every audit file), so the page asks for them
as fragments after it has rendered.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from engage.audit import customer_entries
from engage.contract.ids import CUSTOMER_ID_FORM, CUSTOMER_ID_RE
from engage.models import churn as churn_mod
from engage.models.counterfactual import churn_goal, counterfactual_hints, engagement_goal
from engage.models.registry import ModelRegistry
from engage.serving import explain, load_served, points
from engage.web import catalog, charts, results
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.render import WebError, page, svg

router = APIRouter()
CUSTOMER_ID = CUSTOMER_ID_RE  # the contract's rule, shared with the API and the CLI
_models: dict[tuple[str, str, str], Any] = {}
_models_lock = threading.Lock()


def _customer_id(value: str) -> str:
    if CUSTOMER_ID.fullmatch(value) is None:
        raise WebError(400, f"A customer id is {CUSTOMER_ID_FORM}.")
    return value


def fetch(request: Request, customer_id: str, reference: bool = False) -> explain.CustomerRecord:
    try:
        with catalog.engine(common.catalog(request)) as sql:
            return explain.fetch_customer(sql, customer_id, reference)
    except explain.CustomerNotFoundError:
        raise WebError(404, f"No customer {customer_id} in the latest predictions.") from None
    except explain.NoPredictionsError as err:
        raise WebError(503, str(err)) from None


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def waterfall(pred: dict[str, Any], model: str) -> str:
    """The stored top-5 signed SHAP impacts as a waterfall ending at the model's output."""
    impacts = [
        (i["feature"], float(i["impact"]))
        for i in pred.get(f"{model}_top_features") or []
        if i.get("impact") is not None
    ]
    if model == "churn":  # TreeSHAP of a classifier adds up in log-odds
        final, unit = _logit(float(pred["churn_probability"])), "log-odds of churn"
    else:
        final, unit = float(pred["predicted_engagement_score"]), "engagement score"
    base = final - sum(v for _, v in impacts)
    return charts.waterfall(base, impacts, final, f"SHAP waterfall of the {model} model ({unit})")


_thresholds: dict[tuple[str, str], float | None] = {}


def _churn_threshold(request: Request, version: str | None) -> float | None:
    """The churn version's decision threshold (a version's metadata never changes)."""
    if not version:
        return None
    store = common.store(request)
    key = (store.uri(""), str(version))
    if key not in _thresholds:
        try:
            _thresholds[key] = ModelRegistry(store, "churn").metadata(str(version)).get("threshold")
        except LookupError:
            return None
    return _thresholds[key]


def _points(request: Request, name: str) -> points.PointTable | None:
    """The latest run's copy of table `name` for point lookups (engage.web.points)."""
    store, port = common.store(request), common.catalog(request)

    def load() -> pa.Table:
        with catalog.engine(port) as sql:
            return catalog.table(sql, f"SELECT * FROM {name}")

    def rows() -> int:
        with catalog.engine(port) as sql:
            return int(catalog.rows(sql, f"SELECT count(*) AS n FROM {name}")[0]["n"])

    return points.table((store.uri(""), str(name)), results.version(store), load, rows)


def prediction(request: Request, customer_id: str) -> dict[str, Any]:
    """The customer's row of the predictions table: a lookup in the run's copy, else one
    point query (the page needs neither the model inputs nor the reference sample)."""
    copied = _points(request, explain.PREDICTIONS)
    if copied is not None:
        row = copied.row(customer_id)
        if row is None:
            raise WebError(404, f"No customer {customer_id} in the latest predictions.")
        return row.to_pylist()[0]
    statement = f"SELECT * FROM {explain.PREDICTIONS} WHERE customer_id = :customer_id"
    with catalog.engine(common.catalog(request)) as sql:
        found = catalog.rows(sql, statement, {"customer_id": customer_id})
    if not found:
        raise WebError(404, f"No customer {customer_id} in the latest predictions.")
    return found[0]


def details(request: Request, customer_id: str) -> dict[str, Any]:
    pred = prediction(request, customer_id)
    p = float(pred["churn_probability"])
    items = list(
        zip(
            pred.get("recommended_items") or [],
            pred.get("recommended_categories") or [],
            strict=False,
        )
    )
    return {
        "customer_id": customer_id,
        "pred": pred,
        "recommendations": items,
        "shown": {
            k: v
            for k, v in pred.items()
            if not k.endswith("_top_features")
            and k not in ("recommended_items", "recommended_categories")
        },
        "decision_threshold": _churn_threshold(request, pred.get("churn_model_version")),
        "intervention_threshold": churn_mod.INTERVENTION_PROBABILITY,
        "gauge": svg(
            charts.gauge(
                p,
                churn_mod.INTERVENTION_PROBABILITY,
                "Churn probability against the intervention threshold",
            )
        ),
        "ltv": svg(
            charts.interval(
                float(pred["ltv_p10"]),
                float(pred["ltv_p50"]),
                float(pred["ltv_p90"]),
                "Lifetime value, 80% interval",
            )
        ),
        "shap": {m: svg(waterfall(pred, m)) for m in ("engagement", "churn")},
    }


@router.get("/app/customers/{customer_id}", response_class=HTMLResponse)
async def customer(request: Request, customer_id: str, session: Viewer) -> HTMLResponse:
    found = await run_in_threadpool(details, request, _customer_id(customer_id))
    return page(request, "customer.html", **found)


def _served(request: Request, name: str) -> tuple[str, Any]:
    """The served model, loaded once per version (the same loader `engage explain` uses)."""
    store = common.store(request)
    version = ModelRegistry(store, name).latest() or ""
    key = (store.uri(""), name, version)
    with _models_lock:
        if key not in _models:
            _models[key] = load_served(store, name)
        return _models[key]


_references: dict[tuple[str, str], Any] = {}


def _reference(request: Request, customer_id: str, record: explain.CustomerRecord) -> Any:
    """The reference sample of `engage explain` (value ranges for the hints): the same for
    every customer of a run, so it is read once per run rather than once per page."""
    key = (common.store(request).uri(""), results.version(common.store(request)))
    if key not in _references:
        _references.clear()
        _references[key] = fetch(request, customer_id, reference=True).reference
    return _references[key]


def customer_record(request: Request, customer_id: str) -> explain.CustomerRecord:
    """What `explain.fetch_customer` returns without the reference sample, from the run's
    copies of the predictions and the model inputs (the catalog when there are none)."""
    pred = prediction(request, customer_id)
    try:
        inputs = _points(request, explain.INPUTS)
    except WebError:  # no inference_input in the catalog: no hints, as `engage explain`
        return explain.CustomerRecord(pred, None, None)
    if inputs is None:
        return fetch(request, customer_id)
    row = inputs.row(customer_id)
    return explain.CustomerRecord(pred, None if row is None else row.to_pandas(), None)


def hints(request: Request, customer_id: str) -> list[dict[str, Any]]:
    """Counterfactual suggestions for engagement and churn ("what single change would help")."""
    record = customer_record(request, customer_id)
    reference = _reference(request, customer_id, record)
    if record.inputs is None or reference is None:
        return [{"model": "all", "error": "no model inputs stored for this customer"}]
    out = []
    for name in ("engagement", "churn"):
        try:
            version, fitted = _served(request, name)
        except Exception as err:  # a missing model only skips its hints
            out.append({"model": name, "error": f"hints unavailable: {err}"})
            continue
        if name == "churn":
            predict, goal = fitted.predict_proba, churn_goal(float(fitted.threshold_))
        else:
            predict, goal = fitted.predict, engagement_goal(0.7)
        now = float(predict(record.inputs)[0])
        found = counterfactual_hints(predict, record.inputs, reference, goal)
        out.append(
            {
                "model": name,
                "version": version,
                "goal": str(goal),
                "now": now,
                "met": goal(now),
                "hints": found,
            }
        )
    return out


@router.get("/app/customers/{customer_id}/hints", response_class=HTMLResponse)
async def hints_fragment(request: Request, customer_id: str, session: Viewer) -> HTMLResponse:
    found = await run_in_threadpool(hints, request, _customer_id(customer_id))
    return page(request, "_hints.html", models=found)


AUDIT_SHOWN = 200  # newest entries on the page; the download has them all
AUDIT_COLUMNS = ("timestamp", "source", "model_name", "model_version", "outputs", "override")


def audit(request: Request, customer_id: str) -> list[dict[str, Any]]:
    """The customer's audit entries (batch, live API, review), oldest first."""
    entries = customer_entries(common.store(request), customer_id)
    for e in entries:
        e["outputs"] = _compact(e.get("outputs"))
        e["override"] = _compact(e.get("override"))
    return entries


def _compact(value: Any) -> str:
    if not value:
        return ""
    try:
        return ", ".join(f"{k}={v}" for k, v in json.loads(value).items())
    except (ValueError, AttributeError):
        return str(value)


@router.get("/app/customers/{customer_id}/audit", response_class=HTMLResponse)
async def audit_fragment(request: Request, customer_id: str, session: Viewer) -> HTMLResponse:
    """The newest `AUDIT_SHOWN` entries, newest first (a trail grows with every live call)."""
    found = await run_in_threadpool(audit, request, _customer_id(customer_id))
    shown = found[::-1][:AUDIT_SHOWN]
    return page(request, "_audit.html", entries=shown, total=len(found), customer_id=customer_id)


@dataset("customer_audit")
def audit_table(request: Request) -> pa.Table:
    """One customer's whole audit trail (no key ids, no inputs: only their hash is kept)."""
    entries = audit(request, _customer_id(request.query_params.get("id", "")))
    return pa.Table.from_pylist([{c: e.get(c) for c in AUDIT_COLUMNS} for e in entries])


@dataset("customer")
def customer_table(request: Request) -> pa.Table:
    """One customer's predictions row (no PII: the predictions table holds none)."""
    pred = prediction(request, _customer_id(request.query_params.get("id", "")))
    return pa.Table.from_pylist(
        [{k: (json.dumps(v) if isinstance(v, list) else v) for k, v in pred.items()}]
    )
