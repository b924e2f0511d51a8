"""Distribution drift between runs, measured with the Population Stability Index.

PSI is an effect size: it compares the share of customers in each bin, not a
p-value that shrinks with the sample, so 100K rows do not turn a negligible shift
into an alarm. Bins come from the reference run: deciles for numeric columns (fewer
when values repeat), categories for categorical ones; a column's missing values are
a bin of their own. The usual reading, and the defaults: below 0.1 stable, 0.1-0.25
a shift worth a look (warn), above 0.25 a real change (fail).

A profile (bin edges and shares) is saved with every run that passed validation;
the next run is compared with the latest one of a run that succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from engage.contract import CUSTOMERS

BINS = 10
EPSILON = 1e-4  # share floor so an empty bin gives a large, finite PSI


def _numeric_profile(values: pd.Series) -> dict[str, Any]:
    data = values.dropna().astype(float)
    edges = np.unique(np.quantile(data, np.linspace(0, 1, BINS + 1)[1:-1])) if len(data) else []
    return {"kind": "numeric", "edges": [float(e) for e in edges], **_shares_numeric(values, edges)}


def _shares_numeric(values: pd.Series, edges: Sequence[float]) -> dict[str, Any]:
    data = values.astype(float)
    missing = data.isna().to_numpy()
    index = np.searchsorted(np.asarray(edges, float), data.to_numpy(), side="right")
    counts = np.bincount(index[~missing], minlength=len(edges) + 1).astype(float)
    total = max(len(data), 1)
    return {"shares": (counts / total).tolist(), "missing": float(missing.sum() / total)}


def _categorical_profile(values: pd.Series) -> dict[str, Any]:
    shares = values.astype("string").fillna("<null>").value_counts(normalize=True)
    return {"kind": "categorical", "shares": {str(k): float(v) for k, v in shares.items()}}


def profile(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """Bins and shares of every column: what the next run is compared with."""
    return {
        "rows": len(frame),
        "columns": {
            c: _categorical_profile(frame[c])
            if CUSTOMERS.column(c).is_categorical
            else _numeric_profile(frame[c])
            for c in columns
        },
    }


def psi(reference: Sequence[float], current: Sequence[float]) -> float:
    """sum((cur - ref) * ln(cur / ref)) over bins, shares floored at EPSILON."""
    ref = np.maximum(np.asarray(reference, float), EPSILON)
    cur = np.maximum(np.asarray(current, float), EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _column_psi(reference: dict[str, Any], values: pd.Series) -> float:
    if reference["kind"] == "categorical":
        now = _categorical_profile(values)["shares"]
        keys = sorted(set(reference["shares"]) | set(now))
        return psi([reference["shares"].get(k, 0.0) for k in keys], [now.get(k, 0.0) for k in keys])
    now = _shares_numeric(values, reference["edges"])
    return psi([*reference["shares"], reference["missing"]], [*now["shares"], now["missing"]])


def drift_report(
    reference: dict[str, Any] | None, frame: pd.DataFrame, warn: float, fail: float
) -> dict[str, Any]:
    """PSI and a level (ok / warn / fail) per column against the reference profile."""
    if reference is None:
        return {"status": "no_reference", "columns": {}, "warn": warn, "fail": fail}
    columns = {}
    for name, ref in reference["columns"].items():
        if name not in frame.columns:
            continue
        value = _column_psi(ref, frame[name])
        level = "fail" if value > fail else "warn" if value > warn else "ok"
        columns[name] = {"psi": round(value, 6), "level": level}
    levels = {c["level"] for c in columns.values()}
    status = "fail" if "fail" in levels else "warn" if "warn" in levels else "ok"
    return {
        "status": status,
        "warn": warn,
        "fail": fail,
        "reference_rows": reference["rows"],
        "rows": len(frame),
        "columns": dict(sorted(columns.items(), key=lambda kv: -kv[1]["psi"])),
    }
