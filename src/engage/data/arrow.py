"""Numpy columns -> Arrow tables typed exactly as the contract says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage.contract import ACTIVITY, Column, DType, Table

FLOAT_DECIMALS = 4
Codes = Mapping[str, tuple[np.ndarray, tuple[str, ...]]]


def customer_ids(first_number: int, n: int, width: int) -> pa.Array:
    """CUST_0000001-style ids; the numeric suffix drives the seed's 80/20 split rule."""
    return _prefixed_ids("CUST_", first_number, n, width)


def item_ids(n: int) -> pa.Array:
    return _prefixed_ids("ITEM_", 1, n, 5)


def _prefixed_ids(prefix: str, first: int, n: int, width: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(first, first + n, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(numbers, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def to_table(table: Table, data: Mapping[str, object], codes: Codes | None = None) -> pa.Table:
    """Build a table in contract column order; categorical codes become their labels."""
    codes = codes or {}
    arrays = []
    for col in table.columns:
        if col.name in codes:
            idx, labels = codes[col.name]
            arrays.append(_decode(np.asarray(idx), labels))
        elif col.name in data:
            arrays.append(_typed(col, data[col.name]))
        else:
            raise KeyError(f"generator produced no values for {table.name}.{col.name}")
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema())


def _decode(idx: np.ndarray, labels: tuple[str, ...]) -> pa.Array:
    dictionary = pa.array(labels, pa.string())
    return pa.DictionaryArray.from_arrays(idx.astype(np.int32), dictionary).cast(pa.string())


def _typed(col: Column, values: object) -> pa.Array:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(col.arrow_type)
    arr = np.asarray(values)
    if col.dtype is DType.FLOAT:
        arr = np.round(arr.astype(np.float64), FLOAT_DECIMALS)
    elif col.dtype is DType.INT and arr.dtype.kind == "f":
        arr = np.round(arr)
    return pa.array(arr, from_pandas=True).cast(col.arrow_type)


def activity_table(ids: pa.Array, hist: object, start: dt.date) -> pa.Table:
    """Long format: one row per customer and day."""
    n, days = hist.logins.shape  # type: ignore[attr-defined]
    rows = np.repeat(np.arange(n, dtype=np.int64), days)
    dates = np.tile(np.arange(days, dtype=np.int32), n) + (start - dt.date(1970, 1, 1)).days
    data = {
        "customer_id": ids.take(pa.array(rows)),
        "activity_date": pa.array(dates, pa.int32()).cast(pa.date32()),
        "logins": hist.logins.ravel(),  # type: ignore[attr-defined]
        "session_minutes": pa.array(hist.minutes.ravel()),  # type: ignore[attr-defined]
        "daily_engagement": pa.array(hist.engagement.ravel()),  # type: ignore[attr-defined]
    }
    return to_table(ACTIVITY, data)  # floats were rounded in float32 by build_history


def contract_table(spec: Table, data: Mapping[str, object]) -> pa.Table:
    """Columns (lists, numpy or Arrow arrays) cast to the contract's types, in its order."""
    arrays = [
        value.cast(c.arrow_type)
        if isinstance(value := data[c.name], pa.Array | pa.ChunkedArray)
        else pa.array(value).cast(c.arrow_type)
        for c in spec.columns
    ]
    return pa.Table.from_arrays(arrays, schema=spec.arrow_schema())
