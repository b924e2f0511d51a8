"""The prediction cache is warmed after a run is published, never before.

Before, the ensemble step warmed it mid-run: a run that failed (or was killed)
after that step left the API's cache answering with predictions that were never
published, while the tables still held the previous run's.
"""

from __future__ import annotations

from engage import bootstrap
from engage.api import records
from engage.orchestrate import run_pipeline


def no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


def _cached_run_id(settings, customer_id: str) -> str | None:
    cache = bootstrap.cache(settings)
    try:
        entry = cache.get(records.batch_key(customer_id))
    finally:
        cache.close()
    return None if entry is None else entry["run_id"]


def test_a_run_failing_after_the_ensemble_leaves_the_cache_on_the_published_run(
    baseline_lake,
) -> None:
    settings = baseline_lake.settings()
    first = baseline_lake.run.run_id
    customer = (
        baseline_lake.query("SELECT customer_id FROM engagement_predictions.predictions LIMIT 1")
        .column(0)[0]
        .as_py()
    )
    assert _cached_run_id(settings, customer) == first  # the good run warmed it

    def broken(services):
        def task(task_input):
            raise RuntimeError("knowledge base unreachable")

        return task

    failed = run_pipeline(settings, tasks={"update-knowledge-base": broken}, sleep=no_wait)

    assert not failed.succeeded and failed.result.failed_state == "UpdateKnowledgeBase"
    assert "ModelEnsemble" in {r.name for r in failed.result.records if r.status == "SUCCEEDED"}
    assert _cached_run_id(settings, customer) == first  # not the failed run's predictions
    served = (
        baseline_lake.query(
            "SELECT run_id FROM engagement_predictions.predictions "
            f"WHERE customer_id = '{customer}'"
        )
        .column(0)[0]
        .as_py()
    )
    assert served == first


def test_a_good_run_warms_the_cache_after_publishing_and_reports_it(baseline) -> None:
    ensemble = baseline.run.record["output"]["ensemble"]
    assert ensemble["cache"]["cached"] == ensemble["predictions"] > 0, ensemble["cache"]
