"""The QA queue as reviewers see it: queued predictions with the decision in force."""

from __future__ import annotations

from typing import Any

from engage.ports import Catalog, ObjectStore
from engage.qa.decisions import QUEUE
from engage.qa.feedback import latest_decisions
from engage.qa.status import STATUSES

_QUEUE = f"""
SELECT customer_id, qa_reason, predicted_engagement_score, actual_engagement,
       prediction_error, model_version, review_status, reviewer_notes, run_id
FROM {QUEUE}
ORDER BY qa_reason, customer_id
"""


def review_queue(
    store: ObjectStore, catalog: Catalog, status: str | None = None
) -> list[dict[str, Any]]:
    """Queue rows joined with their latest decision; only `status` ones when given."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    engine = catalog.reader()
    try:
        rows = engine.query(_QUEUE).to_pylist()
    finally:
        engine.close()  # type: ignore[attr-defined]
    decided = latest_decisions(store)
    out = []
    for row in rows:
        decision = decided.get((row["customer_id"], row["run_id"]))
        if decision is not None:
            row["review_status"] = decision["status"]
            row["reviewer_notes"] = decision["note"]
        row["override_value"] = decision["override_value"] if decision else None
        row["reviewer"] = decision["reviewer"] if decision else None
        row["decided_at"] = decision["decided_at"] if decision else None
        if status is None or row["review_status"] == status:
            out.append(row)
    return out
