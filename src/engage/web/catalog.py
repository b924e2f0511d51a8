"""Read-only access to the catalog port built at start-up, one engine per use (closed at once).

Why not one long-lived connection: DuckDB allows one writer *or* readers per file
across processes, so a server holding the catalog open would block `engage run`.
Opening read-only costs ~20-30 ms, well inside the page budget (bench/ui.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from engage.ports import Catalog, SqlEngine, SqlError
from engage.web.render import WebError


@contextmanager
def engine(port: Catalog) -> Iterator[SqlEngine]:
    """A read-only engine; a missing catalog is a 503 page that says to run the pipeline."""
    try:
        sql = port.reader()
    except SqlError as err:
        raise WebError(503, f"No results yet ({err}); run `engage run` first.") from None
    try:
        yield sql
    finally:
        close = getattr(sql, "close", None)
        if close is not None:
            close()


def rows(sql: SqlEngine, statement: str, params: dict[str, Any] | None = None) -> list[dict]:
    """Rows as dicts; a missing table (no run yet, an older run) is a 503 with the reason."""
    return table(sql, statement, params).to_pylist()


def table(sql: SqlEngine, statement: str, params: dict[str, Any] | None = None) -> pa.Table:
    try:
        return sql.query(statement, params)
    except SqlError as err:
        raise WebError(503, f"The results are not available: {err}") from None
