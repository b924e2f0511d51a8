"""The whole pipeline on 2,000 customers, real DuckDB: tables, numbers, history, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from engage import bootstrap
from engage.contract.outputs import FAIRNESS_METRICS, HUMAN_REVIEW, PREDICTIONS
from engage.lake import TableName
from engage.orchestrate import definition, task_result
from engage.pipeline.asl import iter_states
from engage.pipeline.history import RunHistory

ROWS = 2_000
OTHER_TABLES = ("engagement_predictions.model_metrics", "engagement_qa.human_review")
VIEWS = tuple(
    f"engagement_analytics.{view}"
    for view in ("high_value_customers", "at_risk_customers", "model_performance")
)
SEED_R2, SEED_RMSE = 0.823, 0.087  # what the seed typed into final_results and its docs

GENDER_FAIRNESS = """
SELECT
  gender,
  COUNT(*) as total,
  AVG(predicted_engagement_score) as avg_score,
  STDDEV(predicted_engagement_score) as std_score,
  MIN(predicted_engagement_score) as min_score,
  MAX(predicted_engagement_score) as max_score
FROM engagement_analytics.final_results
GROUP BY gender
"""
# The seed's threshold is kept: with 2,000 customers (seed 3) four age groups have
# 189-819 rows and only '55+' (17 rows) falls under it, so the HAVING still bites.
AGE_FAIRNESS = """
SELECT
  CASE
    WHEN age < 25 THEN '18-24'
    WHEN age < 35 THEN '25-34'
    WHEN age < 45 THEN '35-44'
    WHEN age < 55 THEN '45-54'
    ELSE '55+'
  END as age_group,
  AVG(predicted_engagement_score) as avg_score,
  COUNT(*) as count
FROM engagement_analytics.final_results
GROUP BY 1
HAVING COUNT(*) > 100
"""


def _count(catalog, table: str, where: str = "") -> int:
    return catalog.query(f"SELECT count(*) AS n FROM {table} {where}").column(0)[0].as_py()


def _source_ids(baseline) -> list[str]:
    return sorted(pq.read_table(baseline.source / "customers.parquet")["customer_id"].to_pylist())


def test_the_run_succeeds(baseline) -> None:
    assert baseline.run.result.status == "SUCCEEDED"
    assert baseline.run.record["status"] == "SUCCEEDED"
    assert baseline.run.record["failed_state"] is None and baseline.run.record["error"] is None


def test_every_catalog_table_exists_with_the_right_rows(baseline, catalog) -> None:
    ids = _source_ids(baseline)
    assert len(ids) == ROWS
    in_test = sum(1 for i in ids if i[-1] in "89")  # the seed's rule: ids ending 8 or 9
    expected = {
        "engagement_raw.customers": ROWS,
        "engagement_raw.training_data": ROWS - in_test,
        "engagement_raw.test_data": in_test,
        "engagement_raw.inference_input": ROWS,
        "engagement_predictions.predictions": ROWS,
        "engagement_analytics.final_results": ROWS,
    }
    assert {*expected, *OTHER_TABLES, *VIEWS} <= set(catalog.tables())
    assert {t: _count(catalog, t) for t in expected} == expected
    assert in_test == 400
    results = catalog.query("SELECT customer_id FROM engagement_analytics.final_results")
    assert sorted(results["customer_id"].to_pylist()) == ids  # every customer exactly once
    run_id = baseline.run.run_id
    splits = catalog.query(
        "SELECT DISTINCT split FROM engagement_predictions.model_metrics "
        "WHERE run_id = :run_id AND model_name = 'engagement'",
        {"run_id": run_id},
    )
    # train/validation/test, and the grades beside them: baselines and the truth ceiling
    assert set(splits["split"].to_pylist()) == {
        "train",
        "validation",
        "test",
        "baseline_trivial",
        "baseline_gbm_defaults",
        "ceiling",
    }


def test_qa_table_is_a_pending_review_queue_of_at_most_400(baseline, catalog) -> None:
    qa = catalog.query("SELECT * FROM engagement_qa.human_review")
    assert {"reviewer_notes", "review_status", "qa_reason", "run_id"} <= set(qa.column_names)
    assert 300 <= qa.num_rows <= 400  # 100 high + 100 low + 100 baseline + up to 100 large errors
    assert len(pc.unique(qa["customer_id"])) == qa.num_rows
    assert set(qa["review_status"].to_pylist()) == {"pending"}
    assert qa["reviewer_notes"].null_count == qa.num_rows
    assert set(qa["run_id"].to_pylist()) == {baseline.run.run_id}
    reasons = Counter(qa["qa_reason"].to_pylist())
    assert (reasons["high_pred"], reasons["low_pred"], reasons["baseline"]) == (100, 100, 100)


def test_results_carry_the_r2_this_run_measured(baseline, catalog) -> None:
    run_id = baseline.run.run_id
    rows = catalog.query(
        "SELECT DISTINCT model_r2_score, model_rmse, model_version, pipeline_run_id "
        "FROM engagement_analytics.final_results"
    ).to_pylist()
    assert len(rows) == 1
    row = rows[0]
    assert row["pipeline_run_id"] == run_id and row["model_version"] == "v1"

    metrics = {
        r["metric"]: r["value"]
        for r in catalog.query(
            "SELECT metric, value FROM engagement_predictions.model_metrics "
            "WHERE run_id = :run_id AND split = 'test' AND model_name = 'engagement'",
            {"run_id": run_id},
        ).to_pylist()
    }
    assert row["model_r2_score"] == metrics["r2"] and row["model_rmse"] == metrics["rmse"]

    # what the training stage reported, as the run history kept it
    record = RunHistory(bootstrap.object_store(baseline.settings())).get(run_id)
    state = next(s for s in record["states"] if s["name"] == "EngagementModel")
    training = task_result("EngagementModel", state["output"])
    assert training["run_id"] == run_id and training["model_version"] == "v1"
    assert row["model_r2_score"] == pytest.approx(training["metrics"]["test_r2"], abs=1e-4)
    assert baseline.run.stage_results()["EngagementModel"] == training

    assert round(row["model_r2_score"], 3) != SEED_R2
    assert round(row["model_rmse"], 3) != SEED_RMSE
    assert 0.5 < row["model_r2_score"] < 1.0


def test_seed_gender_fairness_query_answers(catalog) -> None:
    groups = catalog.query(GENDER_FAIRNESS).to_pylist()
    assert len(groups) >= 2
    assert sum(g["total"] for g in groups) == ROWS
    for g in groups:
        assert 0.0 <= g["min_score"] <= g["avg_score"] <= g["max_score"] <= 1.0, g
        assert g["std_score"] > 0, g


def test_seed_age_fairness_query_answers(baseline, catalog) -> None:
    customers = pq.read_table(baseline.source / "customers.parquet", columns=["age"])
    bands = Counter(
        "18-24"
        if a < 25
        else "25-34"
        if a < 35
        else "35-44"
        if a < 45
        else "45-54"
        if a < 55
        else "55+"
        for a in customers["age"].to_pylist()
    )
    rows = catalog.query(AGE_FAIRNESS).to_pylist()
    assert {r["age_group"]: r["count"] for r in rows} == {b: n for b, n in bands.items() if n > 100}
    assert len(rows) >= 3 and len(rows) < len(bands)  # groups answer; the HAVING drops one
    assert all(0.0 <= r["avg_score"] <= 1.0 for r in rows)


def test_the_three_views_answer_from_final_results(catalog) -> None:
    high = _count(catalog, "engagement_analytics.high_value_customers")
    assert high == _count(
        catalog,
        "engagement_analytics.final_results",
        "WHERE predicted_engagement_score >= 0.7 AND account_type = 'premium'",
    )
    at_risk = _count(catalog, "engagement_analytics.at_risk_customers")
    assert at_risk == _count(
        catalog,
        "engagement_analytics.final_results",
        "WHERE predicted_engagement_score < 0.3 OR churn_risk_score > 0.5 OR churn_prediction",
    )
    assert high > 0 and at_risk > 0
    perf = catalog.query("SELECT * FROM engagement_analytics.model_performance").to_pylist()
    assert len(perf) == 1 and perf[0]["model_version"] == "v1"
    assert perf[0]["total_predictions"] == ROWS
    assert perf[0]["accurate_count"] + perf[0]["acceptable_count"] + perf[0]["poor_count"] == ROWS
    avg_error = catalog.query(
        "SELECT avg(prediction_error) FROM engagement_analytics.final_results"
    )
    assert perf[0]["avg_error"] == pytest.approx(avg_error.column(0)[0].as_py())


def test_run_history_has_one_entry_per_state_with_timing(baseline) -> None:
    run = baseline.run
    history = RunHistory(bootstrap.object_store(baseline.settings()))
    record = history.get(run.run_id)
    assert record["status"] == "SUCCEEDED" and record["ended_at"] >= record["started_at"]
    names = [s["name"] for s in record["states"]]
    assert len(names) == len(set(names))
    visited = {name for _, name, _ in iter_states(definition())} - {"PipelineFailed"}
    assert set(names) == visited
    for state in record["states"]:
        assert state["status"] == "SUCCEEDED" and state["attempts"] == 1, state["name"]
        start, end = datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"])
        assert state["duration_s"] >= 0 and start <= end, state["name"]
        assert abs((end - start).total_seconds() - state["duration_s"]) < 0.5, state["name"]
    [summary] = [r for r in history.list_runs() if r.run_id == run.run_id]
    assert summary.status == "SUCCEEDED" and summary.failed_state is None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("EngagementModel", "DataValidation"),
        ("ChurnModel", "RecommendationModel"),
        ("CreateQATable", "CreateFinalResults"),
    ],
)
def test_parallel_branches_overlap_in_time(baseline, first, second) -> None:
    states = {s["name"]: s for s in baseline.run.record["states"]}
    a, b = states[first], states[second]
    assert a["start"] < b["end"] and b["start"] < a["end"], (a, b)


def test_rerun_with_the_same_data_predicts_the_same_scores(baseline, catalog, rerun) -> None:
    first = catalog.query(
        "SELECT customer_id, predicted_engagement_score, model_version, run_id "
        "FROM engagement_predictions.predictions ORDER BY customer_id"
    )
    second = rerun.predictions
    assert rerun.run.run_id != baseline.run.run_id
    assert set(second["run_id"].to_pylist()) == {rerun.run.run_id}
    assert set(second["model_version"].to_pylist()) == {"v2"}  # a newly trained model
    assert second["customer_id"].equals(first["customer_id"])
    assert second["predicted_engagement_score"].equals(first["predicted_engagement_score"])
    assert (
        pc.max(first["predicted_engagement_score"]).as_py()
        > pc.min(first["predicted_engagement_score"]).as_py()
    )


@pytest.mark.parametrize(
    "table", [PREDICTIONS, FAIRNESS_METRICS, HUMAN_REVIEW], ids=lambda t: t.name
)
def test_output_tables_have_the_contracts_columns_in_order(table, catalog) -> None:
    """contract/outputs.py documents what the pipeline really writes (the data dictionary)."""
    name = next(n for n in TableName if n.endswith("." + table.name))
    assert catalog.query(f"SELECT * FROM {name} LIMIT 0").column_names == table.names
