"""Stage 5a, the human QA queue (seed §4.6): ~400 predictions for data scientists to check.

The queue outlives a run: items of earlier runs that nobody has decided yet are
carried into the new queue (as `engagement_qa.review_backlog`, which the SQL
unites with this run's picks), so a rerun never drops work waiting for a reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from engage import lake
from engage.contract.outputs import HUMAN_REVIEW
from engage.lake import TableName
from engage.qa.feedback import latest_decisions
from engage.stages.services import Services, lambda_services, run_id_of

QA_TABLE = TableName.HUMAN_REVIEW
BACKLOG_TABLE = TableName.REVIEW_BACKLOG
# The backlog has the queue's columns: derived from the contract's HUMAN_REVIEW table, so
# the two cannot drift. Nullable throughout like the SQL's output (the contract's
# not-null rules are checked on the published queue, not on carried rows).
QUEUE_SCHEMA = pa.schema([f.with_nullable(True) for f in HUMAN_REVIEW.arrow_schema()])


def publish_backlog(services: Services, run_id: str) -> int:
    """Register the previous queue's undecided items of other runs; returns how many."""
    rows: list[dict[str, Any]] = []
    if QA_TABLE in services.sql.tables():
        previous = services.sql.query(
            f"SELECT * FROM {QA_TABLE} WHERE run_id <> :run_id", {"run_id": run_id}
        )
        decided = latest_decisions(services.store)
        rows = [r for r in previous.to_pylist() if (r["customer_id"], r["run_id"]) not in decided]
    table = pa.Table.from_pylist(rows, schema=QUEUE_SCHEMA)
    with lake.staged(services.store, BACKLOG_TABLE, lake.QA_BACKLOG) as staging:
        services.store.write_parquet(staging + "part-0.parquet", table)
    services.sql.register_parquet(BACKLOG_TABLE, lake.QA_BACKLOG)
    return table.num_rows


_BREAKDOWN = f"""
SELECT qa_reason, count(*) AS n FROM {QA_TABLE} WHERE run_id = :run_id GROUP BY qa_reason
"""


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Build engagement_qa.human_review for this run; report the reasons' counts."""
    run_id = run_id_of(event)
    carried = publish_backlog(services, run_id)
    result = services.sql.run_file("engagement_qa/human_review", {"run_id": run_id})
    rows = services.sql.query(_BREAKDOWN, {"run_id": run_id}).to_pydict()
    breakdown = dict(zip(rows["qa_reason"], (int(n) for n in rows["n"]), strict=True))
    return {
        "qa_table_status": "success",
        "run_id": run_id,
        "records_for_review": result["rows"],
        "carried_over": carried,
        "qa_breakdown": {
            r: breakdown.get(r, 0) for r in ("high_pred", "low_pred", "large_error", "baseline")
        },
        "qa_table_location": services.store.uri(lake.QA_REVIEW_QUEUE),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
