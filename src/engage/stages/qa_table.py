"""Stage 5a, the human QA queue (seed §4.6): ~400 predictions for data scientists to check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage import lake
from engage.lake import TableName
from engage.stages.services import Services, lambda_services, run_id_of

QA_TABLE = TableName.HUMAN_REVIEW

_BREAKDOWN = f"""
SELECT qa_reason, count(*) AS n FROM {QA_TABLE} WHERE run_id = :run_id GROUP BY qa_reason
"""


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Build engagement_qa.human_review for this run; report the reasons' counts."""
    run_id = run_id_of(event)
    result = services.sql.run_file("engagement_qa/human_review", {"run_id": run_id})
    rows = services.sql.query(_BREAKDOWN, {"run_id": run_id}).to_pydict()
    breakdown = dict(zip(rows["qa_reason"], (int(n) for n in rows["n"]), strict=True))
    return {
        "qa_table_status": "success",
        "run_id": run_id,
        "records_for_review": result["rows"],
        "qa_breakdown": {
            r: breakdown.get(r, 0) for r in ("high_pred", "low_pred", "large_error", "baseline")
        },
        "qa_table_location": services.store.uri(lake.QA_REVIEW_QUEUE),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
