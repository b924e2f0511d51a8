"""Stage 5b, final results (seed §4.7): the partitioned results table and its three views.

The table carries the engagement model's R² and RMSE as *measured by this run*
(joined from engagement_predictions.model_metrics) and the real run id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage import lake
from engage.lake import TableName
from engage.stages.services import Services, lambda_services, run_id_of

RESULTS_TABLE = TableName.FINAL_RESULTS
VIEW_FILES = tuple(v.replace(".", "/", 1) for v in lake.VIEWS)

_PARTITIONS = f"""
SELECT count(DISTINCT location) AS locations, count(DISTINCT account_type) AS account_types
FROM {RESULTS_TABLE}
"""
_PERFORMANCE = """
SELECT avg_error, median_error, accurate_count, acceptable_count, poor_count
FROM engagement_analytics.model_performance
"""


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Build final_results for this run, then (re)create the views over it."""
    run_id = run_id_of(event)
    result = services.sql.run_file("engagement_analytics/final_results", {"run_id": run_id})
    views = [services.sql.run_file(name)["table"] for name in VIEW_FILES]
    partitions = services.sql.query(_PARTITIONS).to_pylist()[0]
    performance = services.sql.query(_PERFORMANCE).to_pylist()
    perf = performance[0] if performance else {}
    return {
        "results_table_status": "success",
        "run_id": run_id,
        "total_records": result["rows"],
        "partitions_created": {k: int(v) for k, v in partitions.items()},
        "partition_directories": result.get("partitions"),
        "views_created": [v.split(".", 1)[1] for v in views],
        "model_performance_summary": {
            "avg_error": _round(perf.get("avg_error")),
            "median_error": _round(perf.get("median_error")),
            "accurate_predictions": perf.get("accurate_count"),
            "acceptable_predictions": perf.get("acceptable_count"),
            "poor_predictions": perf.get("poor_count"),
        },
        "results_s3_location": services.store.uri(lake.RESULTS_FINAL),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
