"""Human review decisions on the QA queue (seed §2.4.7 "human-in-the-loop").

The queue (``engagement_qa.human_review``) is rebuilt by every run; decisions must
outlive it, so they go to their own append-only table ``engagement_qa.review_decisions``
(one Parquet file per decision under ``engagement-qa/decisions/``). A later decision
on the same queue entry supersedes an earlier one; nothing is ever rewritten, except
by the erasure of the customer it is about.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from engage import contract, lake
from engage.audit import AuditLog, AuditRecord, customer_entries
from engage.contract.outputs import REVIEW_DECISIONS
from engage.lake import TableName
from engage.ports import Catalog, ObjectStore, SqlError
from engage.privacy.errors import PrivacyError, check_customer_id
from engage.privacy.forget import who
from engage.privacy.pii import EMAIL
from engage.privacy.restricted import register_appended_tables
from engage.qa.status import Status

TABLE = TableName.REVIEW_DECISIONS
QUEUE = TableName.HUMAN_REVIEW
MAX_NOTE = 2000
SCORE = contract.CUSTOMERS.column("engagement_score")
SCHEMA = REVIEW_DECISIONS.arrow_schema()
_QUEUE_ROW = f"""
SELECT customer_id, run_id, predicted_engagement_score, model_version
FROM {QUEUE} WHERE customer_id = :customer_id
"""
_KNOWN = "SELECT count(*) AS n FROM engagement_raw.customers WHERE customer_id = :customer_id"


class ReviewError(ValueError):
    """A decision that cannot be recorded; nothing was written."""


@dataclass(frozen=True)
class Decision:
    """A validated decision, not yet tied to a queue entry."""

    status: Status
    note: str
    value: float | None


def validate(status: str, note: str, value: float | None) -> Decision:
    """Check status, note and override value before anything is read or written.

    The value must lie in the engagement_score range of the data contract, since it
    becomes a training label (`engage.qa.feedback`).
    """
    try:
        chosen = Status(status)
    except ValueError:
        raise ReviewError(f"status must be one of {', '.join(Status)}, got {status!r}") from None
    note = (note or "").strip()
    if not note:
        raise ReviewError("a note is required: say why")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"the note is {len(note)} characters; at most {MAX_NOTE}")
    if EMAIL.search(note):
        raise ReviewError("the note contains an e-mail address; notes must not hold PII")
    if chosen is Status.OVERRIDDEN:
        if value is None:
            raise ReviewError("--value is required with --status overridden")
        if not math.isfinite(value) or not SCORE.minimum <= value <= SCORE.maximum:
            raise ReviewError(
                f"--value {value} is outside the engagement_score range {SCORE.allowed()}"
            )
    elif value is not None:
        raise ReviewError("--value is only for --status overridden")
    return Decision(chosen, note, value)


def record_decision(
    store: ObjectStore,
    catalog: Catalog,
    customer_id: str,
    status: str,
    note: str,
    value: float | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Validate, check the customer is in the queue, append the decision; returns its row."""
    try:
        check_customer_id(customer_id)
    except PrivacyError as err:
        raise ReviewError(str(err)) from None
    decision = validate(status, note, value)
    queued = _queue_entry(catalog, customer_id)
    row = {
        "decision_id": uuid.uuid4().hex,
        "customer_id": customer_id,
        "run_id": queued["run_id"],
        "status": decision.status.value,
        "note": decision.note,
        "override_value": decision.value,
        "predicted_engagement_score": queued["predicted_engagement_score"],
        "model_version": queued["model_version"],
        "reviewer": who(by),
        "decided_at": datetime.now(UTC),
    }
    stamp = row["decided_at"].strftime("%Y%m%dT%H%M%S%fZ")
    store.write_parquet(
        f"{lake.REVIEW_DECISIONS}{stamp}_{row['decision_id']}.parquet",
        pa.Table.from_pylist([row], schema=SCHEMA),
    )
    _register(store, catalog)
    _audit_override(store, row)
    return row


PREDICTED = "predicted_engagement_score"


def _audit_override(store: ObjectStore, row: dict[str, Any]) -> None:
    """Record the human decision in the audit trail beside the prediction it judges.

    The entry reuses the input hash of the customer's latest engagement entry, so the
    override can be matched to the prediction it overrides (seed §2.4.7).
    """
    entries = [e for e in customer_entries(store, row["customer_id"])
               if e["model_name"] == "engagement" and e["source"] != "review"]  # fmt: skip
    decision = {k: row[k] for k in ("status", "override_value", "reviewer", "decision_id")}
    AuditLog(store).append_many(
        [
            AuditRecord(
                source="review",
                customer_id=row["customer_id"],
                model_name="engagement",
                model_version=row["model_version"],
                input_hash=entries[-1]["input_hash"] if entries else "unknown",
                outputs=json.dumps(
                    {"predicted_engagement_score": row["predicted_engagement_score"]}
                ),
                override=json.dumps(decision, default=str),
            )
        ]
    )


def _register(store: ObjectStore, catalog: Catalog) -> None:
    """Expose the decisions in the catalog; a busy catalog only delays that to the next run.

    Why not an error: the decision is already recorded, and an error would invite a
    duplicate; `engage qa list` and training read decisions from the lake anyway.
    """
    try:
        engine = catalog.writer()
    except SqlError:
        return
    try:
        register_appended_tables(store, engine)
    finally:
        engine.close()  # type: ignore[attr-defined]


def _queue_entry(catalog: Catalog, customer_id: str) -> dict[str, Any]:
    engine = catalog.reader()
    try:
        rows = engine.query(_QUEUE_ROW, {"customer_id": customer_id}).to_pylist()
        known = rows or engine.query(_KNOWN, {"customer_id": customer_id}).to_pylist()[0]["n"]
    finally:
        engine.close()  # type: ignore[attr-defined]
    if not known:
        raise ReviewError(f"unknown customer {customer_id}")
    if not rows:
        raise ReviewError(f"customer {customer_id} is not in the QA queue ({QUEUE})")
    return rows[0]
