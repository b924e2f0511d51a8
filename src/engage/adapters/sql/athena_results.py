"""Athena query plumbing: run one statement to completion, and read its rows as Arrow."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from engage.ports import SqlError

_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
_TYPES: dict[str, pa.DataType] = {
    "tinyint": pa.int8(),
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "float": pa.float32(),
    "real": pa.float32(),
    "boolean": pa.bool_(),
}


def execute(
    client: Any,
    sql: str,
    *,
    workgroup: str,
    output_location: str,
    poll_seconds: float = 0.5,
    timeout_seconds: float = 1800,
    sleep: Callable[[float], Any] = time.sleep,
) -> str:
    """Start one statement and wait for it; returns the execution id or raises SqlError."""
    started = client.start_query_execution(
        QueryString=sql,
        WorkGroup=workgroup,
        ResultConfiguration={"OutputLocation": output_location},
    )
    query_id = started["QueryExecutionId"]
    deadline = time.monotonic() + timeout_seconds
    while True:
        status = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in _DONE:
            break
        if time.monotonic() > deadline:
            client.stop_query_execution(QueryExecutionId=query_id)
            raise SqlError(f"Athena query {query_id} timed out after {timeout_seconds:.0f} s")
        sleep(poll_seconds)
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason", status["State"])
        raise SqlError(f"Athena query {query_id} {status['State'].lower()}: {reason}")
    return query_id


def results(client: Any, query_id: str) -> pa.Table:
    """Every row of a finished SELECT, typed from Athena's column metadata."""
    columns: list[dict[str, Any]] = []
    rows: list[list[str | None]] = []
    for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        result = page["ResultSet"]
        columns = columns or result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
        rows += [[d.get("VarCharValue") for d in r.get("Data", [])] for r in result["Rows"]]
    names = [c["Name"] for c in columns]
    if rows and rows[0] == names:  # SELECT results repeat the header as the first row
        rows = rows[1:]
    arrays = {}
    for index, column in enumerate(columns):
        values = pa.array([r[index] if index < len(r) else None for r in rows], pa.string())
        target = _TYPES.get(column.get("Type", "varchar").lower())
        arrays[column["Name"]] = values.cast(target) if target is not None else values
    return pa.table(arrays) if arrays else pa.table({})
