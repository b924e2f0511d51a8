"""The QA backlog's schema is the contract's HUMAN_REVIEW table, not a second copy."""

from __future__ import annotations

from engage.contract.outputs import HUMAN_REVIEW
from engage.stages.qa_table import QUEUE_SCHEMA


def test_the_backlog_schema_follows_the_contract() -> None:
    contract = HUMAN_REVIEW.arrow_schema()
    assert QUEUE_SCHEMA.names == contract.names
    assert QUEUE_SCHEMA.types == contract.types
