"""Issue 18 use case 6: 7-day engagement forecast per customer and for the platform.

Runs as the EngagementForecast branch beside training. Reads the daily `activity`
history from the run's source folder, keeps the customers the run admitted (the raw
customers table: erased customers are already gone), fits the candidates of
`engage.analytics.forecast` (chosen on the held-out last week), and publishes
`forecast` (7 rows a customer) and `forecast_total`. When the source folder holds
the generator's truth for the week after the cut-off, the published forecast is
graded against it in the report, after the fit. A source without an activity file
is skipped, not failed: the history is optional input.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage import contract, lake
from engage.analytics import forecast as fc
from engage.analytics import grade_forecast
from engage.contract import outputs
from engage.contract.validate import Finding
from engage.data.arrow import contract_table
from engage.lake import TableName
from engage.stages.data_prep import conform, find_file, read_customers
from engage.stages.errors import DataValidationError
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir

REPORT = "forecast"
TRUTH = "truth_activity"


def read_activity(folder: Path) -> tuple[pa.Table, str] | None:
    """The validated activity file of the source folder and its path, or None."""
    path = find_file(folder, contract.ACTIVITY.name)
    if path is None:
        return None
    return conform(read_customers(path, contract.ACTIVITY), str(path), contract.ACTIVITY), str(path)


def to_wide(
    table: pa.Table, ids: pa.Array, where: str, column: str = "daily_engagement"
) -> tuple[pa.Array, np.ndarray, dt.date]:
    """(customer ids, series (n, days), first day) of the customers in `ids` that have
    history; every one must have the same consecutive days (else DataValidationError)."""
    table = table.filter(pc.is_in(table.column("customer_id"), value_set=ids))
    table = table.sort_by([("customer_id", "ascending"), ("activity_date", "ascending")])
    if table.num_rows == 0:
        raise _invalid(where, "customer_id", "no activity rows for any admitted customer")
    days = pc.count_distinct(table.column("activity_date")).as_py()
    customers = pc.unique(table.column("customer_id"))
    dates = table.column("activity_date").cast(pa.int32()).to_numpy()
    if table.num_rows != len(customers) * days:
        raise _invalid(where, "activity_date", f"every customer needs the same {days} days")
    grid = dates.reshape(-1, days)
    bad = np.flatnonzero((grid != grid[0]).any(axis=1) | (np.diff(grid[0]) != 1).any())
    if len(bad):
        raise _invalid(where, "activity_date", f"customer {customers[int(bad[0])]} (and "
                       f"{len(bad) - 1} more) lack the consecutive days the others have",
                       len(bad) * days)  # fmt: skip
    first = dt.date(1970, 1, 1) + dt.timedelta(days=int(grid[0, 0]))
    return customers, table.column(column).to_numpy().reshape(-1, days), first


def _invalid(where: str, column: str, message: str, rows: int = 0) -> DataValidationError:
    text = f"{where}: column {column!r}: {message}"
    return DataValidationError(where, [Finding("history", column, rows, message)], text)


def tables(ids: pa.Array, res: fc.ForecastResult, first: dt.date, run_id: str) -> dict:
    """`forecast` (long: customer x day) and `forecast_total`, typed by their contract."""
    n, h = res.point.shape
    day0 = (first - dt.date(1970, 1, 1)).days
    horizon = np.arange(1, h + 1, dtype=np.int32)
    bands = lambda low, up, flat: {  # noqa: E731
        f"{side}_{round(lv * 100)}": flat(src[lv]) for lv in fc.LEVELS
        for side, src in (("lower", low), ("upper", up))
    }  # fmt: skip
    per = {
        "customer_id": ids.take(pa.array(np.repeat(np.arange(n), h))),
        "forecast_date": _dates(np.tile(horizon, n) + day0),
        "horizon_day": np.tile(horizon, n), "forecast": res.point.ravel(),
        **bands(res.lower, res.upper, np.ravel),
        "model": [res.model] * (n * h), "run_id": [run_id] * (n * h),
    }  # fmt: skip
    total = {
        "forecast_date": _dates(horizon + day0), "horizon_day": horizon, "total": res.total,
        **bands(res.total_lower, res.total_upper, np.asarray),
        "customers": np.full(h, n), "model": [res.model] * h, "run_id": [run_id] * h,
    }  # fmt: skip
    return {
        TableName.FORECAST: contract_table(outputs.FORECAST, per),
        TableName.FORECAST_TOTAL: contract_table(outputs.FORECAST_TOTAL, total),
    }


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32()).cast(pa.date32())


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Forecast every admitted customer's next 7 days and the platform total; publish both."""
    run_id = run_id_of(event)
    folder = source_dir(event, services.settings)
    found = read_activity(folder)
    if found is None:
        return {"forecast_status": "skipped", "run_id": run_id, "reason": "no activity file"}
    started = time.perf_counter()
    admitted = services.store.read_parquet(lake.RAW_CUSTOMERS).column("customer_id")
    ids, y, first = to_wide(found[0], admitted.combine_chunks(), found[1])
    seed = int(event.get("seed", services.settings.seed))
    threads = services.settings.model_threads or 1
    weekday = first.weekday()
    res = fc.fit_forecast(y, weekday, fc.candidates(seed, threads))
    after = first + dt.timedelta(days=y.shape[1])
    for name, table in tables(ids, res, after, run_id).items():
        publish_table(services, name, lake.table_location(name).prefix, table)
    summary = {
        "forecast_status": "success",
        "run_id": run_id,
        "customers": len(ids),
        "history_days": int(y.shape[1]),
        "first_forecast_date": after.isoformat(),
        "model": res.model,
        "validation_mase": res.validation_mase,
        "grading": _grade(folder, ids, y, res),
        "forecast_seconds": round(time.perf_counter() - started, 2),
    }
    services.save_report(run_id, REPORT, summary)
    return summary


def _grade(folder: Path, ids: pa.Array, y: np.ndarray, res: fc.ForecastResult) -> dict | None:
    """The published forecast against the generator's week after the cut-off (a report,
    computed after the fit); None when the source has no such truth. Read straight from
    the source folder: LakeData would import every model plan for one Parquet file."""
    path = find_file(folder, TRUTH)
    if path is None:
        return None
    kept, actual, _ = to_wide(read_customers(path, contract.TRUTH_ACTIVITY), ids, str(path))
    if len(kept) != len(ids) or actual.shape[1] != res.point.shape[1]:
        return {"error": f"{path} does not cover every forecast customer and day"}
    return grade_forecast.grade(res, y, actual)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
