"""Batch inference's entries in the audit trail (seed §2.4.7): one per customer and model.

Each entry names the model version that scored the customer, a SHA-256 of the
JSON of the customer's model inputs (`engage.audit.input_hashes`), the outputs and,
for the explained models, the top SHAP features. Inputs themselves are never logged.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pyarrow as pa

from engage.audit import AuditLog

_EXPLANATIONS = ("engagement_top_features", "churn_top_features")
_NOT_OUTPUTS = ("customer_id", "model_version", *_EXPLANATIONS)
_JSON = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _json_rows(table: pa.Table) -> list[str]:
    return [orjson.dumps(row, option=_JSON).decode() for row in table.to_pylist()]


def prepare_entries(
    audit: AuditLog, model: str, table: pa.Table, hashes: Sequence[str] | pa.Array
) -> pa.Table | None:
    """One model's entries, built but not written: `hashes` are `input_hashes` of the
    customers in `table`'s order. Inference builds them in each model's worker thread
    while the other models still score, and writes them once every model succeeded."""
    explained = [c for c in _EXPLANATIONS if c in table.column_names]
    outputs = table.drop_columns([c for c in _NOT_OUTPUTS if c in table.column_names])
    return audit.prepare(
        {
            "source": "batch",
            "customer_id": table.column("customer_id"),
            "model_name": [model] * table.num_rows,
            "model_version": table.column("model_version"),
            "input_hash": hashes,
            "outputs": _json_rows(outputs),
            "top_features": _json_rows(table.select(explained)) if explained else None,
        }
    )
