"""A table whose rows are not customers is counted by its rows, not the customers in it.

`support_alerts` holds one row per text (several per customer), `forecast` one per
customer and day: "how many support alerts" is its row count, and the answer says rows.
Customer-keyed views (segments) still select customers of final_results.
"""

from __future__ import annotations

from engage.agent.semantic import compile as comp
from engage.agent.semantic.layer import RESULTS, build
from engage.agent.semantic.plan import Filter, Measure, Plan

ALERTS = "engagement_analytics.support_alerts"
SEGMENTS = "engagement_analytics.segments"


def _rows(table: str, columns: dict[str, str]) -> list[dict[str, str]]:
    schema, _, name = table.partition(".")
    return [
        {"table_schema": schema, "table_name": name, "column_name": c, "data_type": t}
        for c, t in columns.items()
    ]


def _layer():  # type: ignore[no-untyped-def]
    catalog = (
        _rows(RESULTS, {"customer_id": "VARCHAR", "location": "VARCHAR", "age": "INTEGER"})
        + _rows(
            ALERTS, {"message_id": "VARCHAR", "customer_id": "VARCHAR", "sentiment_score": "DOUBLE"}
        )
        + _rows(SEGMENTS, {"customer_id": "VARCHAR", "segment_name": "VARCHAR"})
    )
    return build(catalog)


def test_alerts_are_counted_as_rows_and_filtered_through_their_customers() -> None:
    layer = _layer()
    assert ALERTS in layer.row_tables and SEGMENTS not in layer.row_tables
    plan = Plan(measures=[Measure("count")], view=ALERTS,
                filters=[Filter("location", "=", "TX")])  # fmt: skip
    sql = comp.to_sql(layer, plan)
    assert f"FROM {ALERTS} WHERE customer_id IN (SELECT customer_id FROM {RESULTS}" in sql
    assert comp.unit(layer, plan) == f"rows of {ALERTS}"


def test_a_customer_keyed_view_still_counts_customers() -> None:
    layer = _layer()
    plan = Plan(measures=[Measure("count")], view=SEGMENTS)
    sql = comp.to_sql(layer, plan)
    assert f"FROM {RESULTS} WHERE customer_id IN (SELECT customer_id FROM {SEGMENTS})" in sql
    assert comp.unit(layer, plan) == "customers"
