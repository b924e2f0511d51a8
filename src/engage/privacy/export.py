"""Right to know (CCPA, GDPR art. 15): everything held about one customer, as JSON.

Built from the same discovery as erasure (`subjects`), so whatever `forget` would
delete, `export` shows: raw row, PII, interactions, processed rows, each model's
prediction with its version, the unified prediction, QA entries and decisions, the
results row, the support view, and what the export hooks (audit trail, ...) add.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pyarrow.compute as pc

from engage import lake
from engage.lake import TableName
from engage.ports import Catalog, ObjectStore
from engage.privacy.erasure_log import ErasureLog
from engage.privacy.errors import UnknownCustomerError, check_customer_id
from engage.privacy.hooks import Hooks
from engage.privacy.subjects import ID_COLUMN, SubjectTable, discover
from engage.privacy.tokens import TokenKeys

# table -> (section, one row or many); score tables and the rest are placed below.
SECTIONS: Mapping[str, tuple[str, bool]] = {
    TableName.CUSTOMERS: ("raw", True),
    TableName.CUSTOMER_PII: ("pii", True),
    TableName.INTERACTIONS: ("interactions", False),
    TableName.PREDICTIONS: ("unified_prediction", True),
    TableName.FINAL_RESULTS: ("results", True),
    TableName.SUPPORT_VIEW: ("support_view", True),
}
QA_TABLES = (
    TableName.HUMAN_REVIEW,
    TableName.ANOMALY_REVIEW,
    TableName.REVIEW_DECISIONS,
)
PROCESSED = (
    TableName.TRAINING_DATA,
    TableName.TEST_DATA,
    TableName.INFERENCE_INPUT,
)


def export_customer(
    store: ObjectStore, catalog: Catalog, hooks: Hooks, keys: TokenKeys, customer_id: str
) -> dict[str, Any]:
    """Everything held about the customer, JSON-ready.

    Raises:
        PrivacyError: a malformed id; UnknownCustomerError when no table holds it.
    """
    check_customer_id(customer_id)
    tokenizer = keys.existing()
    found: dict[str, list[dict[str, Any]]] = {}
    for table in discover(store, catalog):
        if table.key_column == ID_COLUMN:
            rows = _rows(store, table, customer_id)
        elif tokenizer is not None:
            rows = _rows(store, table, tokenizer.token(customer_id))
        else:
            continue
        if rows:
            found[table.name] = rows
    if not found:
        erased = (
            tokenizer is not None and tokenizer.token(customer_id) in ErasureLog(store).tokens()
        )
        detail = "it was erased; the erasure log keeps only a token" if erased else "unknown"
        raise UnknownCustomerError(f"no table of the lake holds customer {customer_id} ({detail})")
    return {
        "customer_id": customer_id,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **_arrange(found),
        **{name: jsonable(v) for name, v in hooks.run_export(customer_id).items()},
        "row_counts": {name: len(rows) for name, rows in sorted(found.items())},
    }


def _rows(store: ObjectStore, table: SubjectTable, value: str) -> list[dict[str, Any]]:
    """The table's rows keyed by value, Hive partition columns included."""
    data = store.read_parquet(table.prefix)
    mask = pc.fill_null(pc.equal(data.column(table.key_column), value), False)
    return [jsonable(r) for r in data.filter(mask).to_pylist()]


def _arrange(found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {section: None if one else [] for section, one in SECTIONS.values()}
    out |= {"predictions": {}, "qa": {}, "processed": {}, "other_tables": {}}
    for name, rows in found.items():
        short = name.split(".", 1)[1]
        if name in SECTIONS:
            section, one = SECTIONS[name]
            out[section] = rows[0] if one else rows
        elif name.startswith(lake.PREDICTIONS_SCHEMA + ".") and short.endswith("_scores"):
            out["predictions"][short.removesuffix("_scores")] = rows[0]
        elif name in QA_TABLES:
            out["qa"][short] = rows
        elif name in PROCESSED:
            out["processed"][short] = rows
        else:
            out["other_tables"][name] = rows
    return out


def jsonable(value: Any) -> Any:
    """Plain JSON values: NaN -> null, dates -> ISO text, containers recursively."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
