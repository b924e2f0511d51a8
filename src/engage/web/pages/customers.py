"""Customers: a server-side filtered, sorted, paginated table, and one customer's page.

The table is one SQL statement with LIMIT/OFFSET (and the total from a window count),
so 100K customers never reach the browser; sort columns and filters are whitelisted.
"""

from __future__ import annotations

import math
from typing import Any, Literal
from urllib.parse import urlencode

import pyarrow as pa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import Field

from engage.web import catalog, results, snapshot
from engage.web.auth import Viewer
from engage.web.pages import common
from engage.web.pages.downloads import dataset
from engage.web.params import Query, parse
from engage.web.render import page

router = APIRouter()
TABLE = "engagement_analytics.final_results"
PER_PAGE = 50
# Shown and downloadable; no PII (names and e-mails live only in engagement_restricted).
COLUMNS = (
    "customer_id",
    "predicted_engagement_category",
    "predicted_engagement_score",
    "churn_probability",
    "intervention_flag",
    "ltv_p50",
    "anomaly_score",
    "next_best_action",
    "location",
    "account_type",
)
SORTABLE = Literal[
    "customer_id",
    "predicted_engagement_score",
    "churn_probability",
    "ltv_p50",
    "anomaly_score",
    "location",
    "account_type",
]
VALUE_BANDS = {
    "low": "ltv_p50 < 50",
    "medium": "ltv_p50 >= 50 AND ltv_p50 < 200",
    "high": "ltv_p50 >= 200",
}
# Loaded into the per-run copy: the shown columns and the ones filters need.
LOADED = (*COLUMNS, "churn_prediction")
RISKS = {
    "intervention": "intervention_flag",
    "churn": "churn_prediction",
    "safe": "NOT churn_prediction",
}


class CustomerQuery(Query):
    q: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_]+$")
    segment: Literal["low", "medium", "high"] | None = None
    risk: Literal["intervention", "churn", "safe"] | None = None
    value: Literal["low", "medium", "high"] | None = None
    state: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    account_type: str | None = Field(None, pattern=r"^[a-z_]{1,20}$")
    sort: SORTABLE = "churn_probability"
    dir: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=1_000_000)

    def where(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (fixed fragments, values bound as parameters)."""
        clauses, params = ["1 = 1"], {}
        if self.q:
            clauses.append("upper(customer_id) LIKE :q")
            params["q"] = f"%{self.q.upper()}%"
        if self.segment:
            clauses.append("predicted_engagement_category = :segment")
            params["segment"] = self.segment
        if self.risk:
            clauses.append(RISKS[self.risk])
        if self.value:
            clauses.append(VALUE_BANDS[self.value])
        for name in ("state", "account_type"):
            if getattr(self, name):
                clauses.append(f"{'location' if name == 'state' else name} = :{name}")
                params[name] = getattr(self, name)
        return " AND ".join(clauses), params

    def link(self, **change: Any) -> str:
        """This query with some parameters changed, as a URL query string."""
        values = self.model_dump() | change
        return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _copy(request: Request, version: str) -> Any:
    """The run's in-memory copy of the shown columns (engage.web.snapshot)."""

    def load() -> pa.Table:
        with catalog.engine(common.catalog(request)) as sql:
            return catalog.table(sql, f"SELECT {', '.join(LOADED)} FROM {TABLE}")

    def rows() -> int:
        with catalog.engine(common.catalog(request)) as sql:
            return int(catalog.rows(sql, f"SELECT count(*) AS n FROM {TABLE}")[0]["n"])

    return snapshot.copy((common.store(request).uri(""), version), load, rows)


def select(request: Request, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """`statement` (written FROM customers) over the run's copy, or the catalog if none."""
    copied = _copy(request, results.version(common.store(request)))
    if copied is not None:
        return snapshot.query(copied, statement, params)
    with catalog.engine(common.catalog(request)) as sql:
        return catalog.rows(
            sql, statement.replace(f"FROM {snapshot.NAME}", f"FROM {TABLE}"), params
        )


_OPTIONS: dict[tuple[str, str], dict[str, list[str]]] = {}


def _options(request: Request) -> dict[str, list[str]]:
    """States and account types present in the run, for the filter menus (once per run)."""
    key = (common.store(request).uri(""), results.version(common.store(request)))
    if key not in _OPTIONS:
        _OPTIONS.clear()  # only the newest run's
        _OPTIONS[key] = _distinct(request)
    return _OPTIONS[key]


def _distinct(request: Request) -> dict[str, list[str]]:
    found = select(
        request, f"SELECT DISTINCT location AS s, account_type AS a FROM {snapshot.NAME}", {}
    )
    return {
        "states": sorted({r["s"] for r in found if r["s"]}),
        "account_types": sorted({r["a"] for r in found if r["a"]}),
    }


def customer_page(request: Request, query: CustomerQuery) -> dict[str, Any]:
    """One page of the filtered table, its total and the filter options."""
    where, params = query.where()
    order = f"ORDER BY {query.sort} {query.dir.upper()}, customer_id"
    statement = (
        f"SELECT {', '.join(COLUMNS)} FROM {snapshot.NAME} WHERE {where} {order} "
        f"LIMIT {PER_PAGE} OFFSET {(query.page - 1) * PER_PAGE}"
    )
    rows = select(request, statement, params)
    total = select(request, f"SELECT count(*) AS n FROM {snapshot.NAME} WHERE {where}", params)
    total_rows = int(total[0]["n"])
    return {
        "rows": rows,
        "total": total_rows,
        "pages": max(1, math.ceil(total_rows / PER_PAGE)),
        "options": _options(request),
        "query": query,
        "columns": COLUMNS,
    }


@router.get("/app/customers", response_class=HTMLResponse)
async def customers(request: Request, session: Viewer) -> HTMLResponse:
    query = parse(request, CustomerQuery)
    found = await run_in_threadpool(customer_page, request, query)
    return page(request, "customers.html", **found)


@dataset("customers")
def customers_table(request: Request) -> pa.Table:
    """The filtered table, every page (the same WHERE and ORDER BY as the page)."""
    query = parse(request, CustomerQuery)
    where, params = query.where()
    statement = (
        f"SELECT {', '.join(COLUMNS)} FROM {snapshot.NAME} WHERE {where} "
        f"ORDER BY {query.sort} {query.dir.upper()}, customer_id"
    )
    return pa.Table.from_pylist(select(request, statement, params))
