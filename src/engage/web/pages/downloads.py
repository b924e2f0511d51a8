"""GET /app/download/<table>.csv|parquet: the table a page shows, for any signed-in user.

Pages register their table here with `@dataset("name")`; a dataset function returns an
Arrow table built from the same query as the page (filters included), never PII:
no dataset reads `engagement_restricted`, and customer tables list their columns.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from engage.web.auth import Viewer
from engage.web.render import WebError

router = APIRouter()
Dataset = Callable[[Request], pa.Table]
DATASETS: dict[str, Dataset] = {}
TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def dataset(name: str) -> Callable[[Dataset], Dataset]:
    def register(build: Dataset) -> Dataset:
        DATASETS[name] = build
        return build

    return register


def encode(table: pa.Table, fmt: str) -> bytes:
    sink = io.BytesIO()
    if fmt == "csv":
        plain = pa.table(
            {n: _plain(c) for n, c in zip(table.column_names, table.columns, strict=True)}
        )
        pacsv.write_csv(plain, sink)
    else:
        pq.write_table(table, sink)
    return sink.getvalue()


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """CSV has no lists or structs: write those as their text form."""
    if pa.types.is_nested(column.type):
        return pa.chunked_array(
            [pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())]
        )
    return column


@router.get("/app/download/{name}.{fmt}")
async def download(
    request: Request,
    session: Viewer,
    name: str,
    fmt: str,
) -> Response:
    build = DATASETS.get(name)
    if build is None or fmt not in TYPES:
        raise WebError(404, "No such download: pick a table's CSV or Parquet link on its page.")
    table = await run_in_threadpool(build, request)
    body = await run_in_threadpool(encode, table, fmt)
    headers = {
        "content-disposition": f'attachment; filename="{name}.{fmt}"',
        "cache-control": "no-store",
    }
    return Response(body, media_type=TYPES[fmt], headers=headers)
