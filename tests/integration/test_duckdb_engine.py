"""DuckDbEngine on a real DuckDB catalog and lake in tmp_path, with tiny inline data."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from engage import bootstrap, contract, lake
from engage.adapters.sql import DuckDbEngine
from engage.adapters.store import LocalObjectStore
from engage.ports import SqlEngine, SqlError
from engage.qa.decisions import SCHEMA
from engage.settings import Settings
from engage.stages import qa_table
from engage.stages.qa_table import QUEUE_SCHEMA
from engage.stages.services import Services

SQL_DIR = bootstrap.SQL_DIR
R2, RMSE = 0.7312, 0.0917  # deliberately odd: they must come from model_metrics


def customers(n: int) -> pa.Table:
    """n customers with every contract column; deterministic, in range, ids CUST_1..n."""
    cols: dict[str, list[object]] = {}
    for col in contract.CUSTOMERS.columns:
        if col.name == "customer_id":
            cols[col.name] = [f"CUST_{i:05d}" for i in range(1, n + 1)]
        elif col.categories:
            cols[col.name] = [col.categories[i % len(col.categories)] for i in range(n)]
        elif col.dtype is contract.DType.BOOL:
            cols[col.name] = [i % 3 == 0 for i in range(n)]
        else:
            lo, hi = col.minimum or 0, col.maximum if col.maximum is not None else 1
            vals = [lo + (hi - lo) * ((i * 37) % 101) / 100 for i in range(n)]
            cols[col.name] = [int(v) for v in vals] if col.dtype is contract.DType.INT else vals
    cols["location"] = [("NY", "CA", "TX")[i % 3] for i in range(n)]
    return pa.table(cols, schema=contract.CUSTOMERS.arrow_schema())


def predictions(table: pa.Table, run_id: str) -> pa.Table:
    actual = table["engagement_score"].to_pylist()
    predicted = [min(1.0, max(0.0, a + ((i * 7) % 9 - 4) / 10)) for i, a in enumerate(actual)]
    n = table.num_rows
    return pa.table({
        "customer_id": table["customer_id"],
        "predicted_engagement_score": pa.array(predicted, pa.float64()),
        "engagement_category": [
            "high" if p >= 0.7 else "medium" if p >= 0.4 else "low" for p in predicted
        ],
        "prediction_timestamp": pa.array([dt.datetime(2026, 11, 1, 12)] * n, pa.timestamp("us")),
        "model_version": ["engagement-v1"] * n,
        **other_models(n),
        "run_id": [run_id] * n,
    })  # fmt: skip


def other_models(n: int) -> dict[str, list]:
    """The ensemble's columns from the other four models (values only need the right types)."""
    churn = [(i % 10) / 10 for i in range(n)]
    p50 = [100.0 + i for i in range(n)]
    return {
        "churn_probability": churn,
        "churn_prediction": [c >= 0.3 for c in churn],
        "intervention_flag": [c > 0.7 for c in churn],
        "ltv_p10": [v / 2 for v in p50],
        "ltv_p50": p50,
        "ltv_p90": [v * 2 for v in p50],
        "anomaly_score": [(i % 100) / 100 for i in range(n)],
        "anomaly_flag": [i % 100 > 90 for i in range(n)],
        "recommended_categories": [["tech", "food", "art"]] * n,
        "value_at_risk_usd": [c * v for c, v in zip(churn, p50, strict=True)],
        "next_best_action": ["personalised_content"] * n,
        "next_best_action_rule": ["personalised_content"] * n,
    }


def build_lake(engine: DuckDbEngine, n: int, run_id: str = "run-1") -> pa.Table:
    """Customers, predictions of run_id (+ another run), metrics; the raw table and splits."""
    store = engine.store
    table = customers(n)
    store.write_parquet(lake.RAW_CUSTOMERS_FILE, table)
    store.write_parquet(lake.PREDICTIONS_TABLE + "run-1.parquet", predictions(table, run_id))
    store.write_parquet(lake.PREDICTIONS_TABLE + "run-0.parquet", predictions(table, "run-0"))
    metrics = pa.table({
        "model_name": ["engagement", "engagement", "churn", "engagement"],
        "model_version": ["engagement-v1", "engagement-v1", "churn-v1", "engagement-v1"],
        "run_id": [run_id, run_id, run_id, "run-0"],
        "split": ["test", "test", "test", "test"],
        "metric": ["r2", "rmse", "r2", "r2"],
        "value": [R2, RMSE, 0.5, 0.1],
    })  # fmt: skip
    store.write_parquet(lake.MODEL_METRICS + "metrics.parquet", metrics)
    segmented = table.column("customer_id").to_pylist()[: n // 2]  # the rest: no segment
    segments = pa.table({
        "customer_id": segmented,
        "segment_name": ["Power users"] * len(segmented),
        "run_id": [run_id] * len(segmented),
    })  # fmt: skip
    store.write_parquet(lake.SEGMENTS + "part-0.parquet", segments)
    engine.run_file("engagement_raw/customers")
    engine.register_parquet("engagement_predictions.predictions", lake.PREDICTIONS_TABLE)
    engine.register_parquet("engagement_predictions.model_metrics", lake.MODEL_METRICS)
    engine.register_parquet("engagement_analytics.segments", lake.SEGMENTS)
    return table


@pytest.fixture
def engine(tmp_path: Path):
    eng = DuckDbEngine(LocalObjectStore(tmp_path / "lake"), tmp_path / "cat.duckdb", SQL_DIR)
    yield eng
    eng.close()


def ids(engine: DuckDbEngine, table: str) -> list[str]:
    return engine.query(f"SELECT customer_id FROM {table}")["customer_id"].to_pylist()


def test_implements_the_port(engine: DuckDbEngine) -> None:
    assert isinstance(engine, SqlEngine)


def test_external_table_reads_every_contract_column(engine: DuckDbEngine) -> None:
    table = build_lake(engine, 50)
    back = engine.query("SELECT * FROM engagement_raw.customers ORDER BY customer_id")
    assert back.column_names == contract.CUSTOMERS.names
    assert back.to_pylist() == table.to_pylist()


def test_ctas_materialises_parquet_at_the_lake_location(engine: DuckDbEngine) -> None:
    build_lake(engine, 50)
    summary = engine.run_file("engagement_raw/training_data")
    keys = engine.store.list(lake.PROCESSED_TRAINING)
    assert keys and all(k.endswith(".parquet") for k in keys)
    assert summary["rows"] == engine.store.read_parquet(lake.PROCESSED_TRAINING).num_rows
    assert summary["location"] == engine.store.uri(lake.PROCESSED_TRAINING)
    assert engine.query("SELECT count(*) AS n FROM engagement_raw.training_data")["n"][0].as_py() \
        == summary["rows"]  # fmt: skip
    assert engine.store.list(lake.STAGING) == []


def test_split_is_exact_80_20_by_the_id_rule(engine: DuckDbEngine) -> None:
    build_lake(engine, 50)
    assert engine.run_file("engagement_raw/training_data")["rows"] == 40
    assert engine.run_file("engagement_raw/test_data")["rows"] == 10
    train = ids(engine, "engagement_raw.training_data")
    test = ids(engine, "engagement_raw.test_data")
    assert all(int(i[5:]) % 10 < 8 for i in train) and all(int(i[5:]) % 10 >= 8 for i in test)
    assert sorted(train + test) == sorted(ids(engine, "engagement_raw.customers"))


def test_inference_input_has_features_and_no_targets(engine: DuckDbEngine) -> None:
    build_lake(engine, 50)
    summary = engine.run_file("engagement_raw/inference_input")
    assert summary["rows"] == 50
    assert summary["columns"] == ["customer_id", *contract.MODEL_INPUTS]


def test_final_results_partitions_metrics_and_run_id(engine: DuckDbEngine) -> None:
    build_lake(engine, 60)
    summary = engine.run_file("engagement_analytics/final_results", {"run_id": "run-1"})
    assert summary["rows"] == 60 and summary["partitions"] == 6  # 3 states x 2 tiers
    folders = {k.rsplit("/", 1)[0] for k in engine.store.list(lake.RESULTS_FINAL)}
    assert "engagement-results/final/location=NY/account_type=premium" in folders
    res = engine.query("SELECT * FROM engagement_analytics.final_results")
    assert res.column_names[-2:] == ["location", "account_type"]
    assert set(res["model_r2_score"].to_pylist()) == {R2}
    assert set(res["model_rmse"].to_pylist()) == {RMSE}
    assert set(res["pipeline_run_id"].to_pylist()) == {"run-1"}
    assert sorted(res["customer_id"].to_pylist()) == sorted(ids(engine, "engagement_raw.customers"))
    names = res["segment_name"].to_pylist()  # the run's segment, NULL where it made none
    assert names.count("Power users") == 30 and names.count(None) == 30


def test_empty_partitioned_result_is_an_empty_typed_table(engine: DuckDbEngine) -> None:
    build_lake(engine, 30)
    summary = engine.run_file("engagement_analytics/final_results", {"run_id": "no-such-run"})
    assert summary["rows"] == 0 and summary["partitions"] == 0
    res = engine.query("SELECT * FROM engagement_analytics.final_results")
    assert res.num_rows == 0 and res.column_names == summary["columns"]


def _qa(engine: DuckDbEngine, run_id: str) -> list[dict[str, object]]:
    empty = QUEUE_SCHEMA.empty_table()
    engine.store.write_parquet(lake.QA_BACKLOG + "part-0.parquet", empty)
    engine.register_parquet("engagement_qa.review_backlog", lake.QA_BACKLOG)
    engine.run_file("engagement_qa/human_review", {"run_id": run_id})
    return engine.query("SELECT * FROM engagement_qa.human_review ORDER BY customer_id").to_pylist()


def test_qa_sample_reasons_size_and_reproducibility(engine: DuckDbEngine) -> None:
    build_lake(engine, 1000)
    rows = _qa(engine, "run-1")
    assert len(rows) <= 400 and len({r["customer_id"] for r in rows}) == len(rows)
    by_reason: dict[object, list[dict[str, object]]] = {}
    for r in rows:
        by_reason.setdefault(r["qa_reason"], []).append(r)
    assert {k: len(v) for k, v in by_reason.items() if k != "large_error"} == {
        "high_pred": 100, "low_pred": 100, "baseline": 100}  # fmt: skip
    assert 0 < len(by_reason["large_error"]) <= 100
    cut = engine.query(
        "SELECT approx_percentile(abs(c.engagement_score - p.predicted_engagement_score), 0.9)"
        " AS cut FROM engagement_raw.customers c JOIN engagement_predictions.predictions p"
        " ON c.customer_id = p.customer_id"
    )["cut"][0].as_py()
    assert min(r["prediction_error"] for r in by_reason["large_error"]) >= cut  # the worst 5%
    top = min(r["predicted_engagement_score"] for r in by_reason["high_pred"])
    assert all(r["predicted_engagement_score"] <= top for r in by_reason["baseline"])
    assert {(r["review_status"], r["reviewer_notes"], r["run_id"]) for r in rows} == {
        ("pending", None, "run-1")}  # fmt: skip
    assert _qa(engine, "run-1") == rows  # reruns pick the same rows
    other = {r["customer_id"] for r in _qa(engine, "run-0") if r["qa_reason"] == "baseline"}
    assert other != {r["customer_id"] for r in by_reason["baseline"]}  # seeded by the run id


def test_views_answer(engine: DuckDbEngine) -> None:
    build_lake(engine, 60)
    engine.run_file("engagement_analytics/final_results", {"run_id": "run-1"})
    for view in ("high_value_customers", "at_risk_customers", "model_performance"):
        assert engine.run_file(f"engagement_analytics/{view}")["kind"] == "view"
    perf = engine.query("SELECT * FROM engagement_analytics.model_performance").to_pylist()
    assert len(perf) == 1 and perf[0]["total_predictions"] == 60
    assert perf[0]["accurate_count"] + perf[0]["acceptable_count"] + perf[0]["poor_count"] == 60
    hv = engine.query("SELECT * FROM engagement_analytics.high_value_customers")
    assert set(hv["account_type"].to_pylist()) <= {"premium"}
    assert min(hv["predicted_engagement_score"].to_pylist(), default=1) >= 0.7
    risk = engine.query("SELECT * FROM engagement_analytics.at_risk_customers").num_rows
    assert risk > 0
    assert set(lake.VIEWS) <= set(engine.tables())


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE engagement_raw.customers",
        "INSERT INTO engagement_raw.customers SELECT * FROM engagement_raw.customers",
        "COPY (SELECT 1) TO '/tmp/x.parquet'",
        "ATTACH 'other.duckdb' AS other",
        "SELECT 1; DROP TABLE engagement_raw.customers",
        "SELECT 1; SELECT 2",
        "CREATE TABLE t AS SELECT 1 AS x",
        "SET threads = 1",
        "PRAGMA version",
        "SELECT 1 AS x INTO new_table",
        "",
    ],
)
def test_query_refuses_anything_but_one_select(engine: DuckDbEngine, sql: str) -> None:
    with pytest.raises(SqlError):
        engine.query(sql)


def test_query_binds_parameters_as_literals(engine: DuckDbEngine) -> None:
    build_lake(engine, 20)
    sql = "SELECT count(*) AS n FROM engagement_raw.customers WHERE customer_id = :cid"
    assert engine.query(sql, {"cid": "CUST_00003"})["n"][0].as_py() == 1
    assert engine.query(sql, {"cid": "x' OR '1'='1"})["n"][0].as_py() == 0
    with pytest.raises(SqlError, match="cid"):
        engine.query(sql)
    with pytest.raises(SqlError, match="run_id"):
        engine.run_file("engagement_qa/human_review")


def test_concurrent_run_file_from_two_threads(engine: DuckDbEngine) -> None:
    build_lake(engine, 50)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for _ in range(5):
                engine.run_file(f"engagement_raw/{name}")
        except BaseException as err:  # reported by the assert below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("training_data", "test_data")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids(engine, "engagement_raw.training_data")) == 40
    assert len(ids(engine, "engagement_raw.test_data")) == 10


def test_failed_ctas_keeps_the_old_table(engine: DuckDbEngine, tmp_path: Path) -> None:
    build_lake(engine, 50)
    engine.run_file("engagement_raw/training_data")
    broken = tmp_path / "sql"
    shutil.copytree(SQL_DIR, broken)
    (broken / "engagement_raw/training_data.sql").write_text(
        "CREATE TABLE engagement_raw.training_data AS\n"
        "SELECT customer_id, CAST(gender AS INT) AS g FROM engagement_raw.customers"
    )
    engine.sql_dir = broken
    with pytest.raises(SqlError, match="training_data"):
        engine.run_file("engagement_raw/training_data")
    assert len(ids(engine, "engagement_raw.training_data")) == 40
    assert engine.store.list(lake.STAGING) == []


def test_sql_file_with_storage_properties_is_refused(engine: DuckDbEngine, tmp_path: Path) -> None:
    (tmp_path / "sql/engagement_raw").mkdir(parents=True)
    (tmp_path / "sql/engagement_raw/test_data.sql").write_text(
        "CREATE TABLE engagement_raw.test_data WITH (format = 'PARQUET') AS SELECT 1 AS x"
    )
    engine.sql_dir = tmp_path / "sql"
    with pytest.raises(SqlError, match="engine decides"):
        engine.run_file("engagement_raw/test_data")


def test_drop_tables_and_read_only_mode(engine: DuckDbEngine, tmp_path: Path) -> None:
    build_lake(engine, 20)
    engine.run_file("engagement_raw/test_data")
    assert engine.drop_table("engagement_raw.test_data") is True
    assert engine.drop_table("engagement_raw.test_data") is False
    assert "engagement_raw.test_data" not in engine.tables()
    engine.close()
    with DuckDbEngine(engine.store, tmp_path / "cat.duckdb", SQL_DIR, read_only=True) as ro:
        assert ro.query("SELECT count(*) AS n FROM engagement_raw.customers")["n"][0].as_py() == 20
        with pytest.raises(SqlError, match="read-only"):
            ro.run_file("engagement_raw/test_data")
    with pytest.raises(SqlError, match="no catalog"):
        DuckDbEngine(engine.store, tmp_path / "missing.duckdb", SQL_DIR, read_only=True)


def test_undecided_queue_items_survive_the_next_run(engine: DuckDbEngine) -> None:
    """A rerun keeps what waits for a reviewer; a decided item leaves the queue."""
    build_lake(engine, 1000)
    services = Services(Settings(lake=str(engine.store.root)), engine.store, _sql=engine)
    first = qa_table.run({"run_id": "run-0"}, services)
    assert first["qa_breakdown"]["large_error"] > 0  # the category the README names
    queue = "SELECT * FROM engagement_qa.human_review ORDER BY customer_id"
    earlier = engine.query(queue).to_pylist()
    decided = next(r for r in earlier if r["qa_reason"] == "baseline")
    decision = {
        "decision_id": "d1", "customer_id": decided["customer_id"], "run_id": "run-0",
        "status": "approved", "note": "fine", "override_value": None,
        "predicted_engagement_score": decided["predicted_engagement_score"],
        "model_version": decided["model_version"], "reviewer": "t",
        "decided_at": datetime.now(UTC),
    }  # fmt: skip
    engine.store.write_parquet(
        lake.REVIEW_DECISIONS + "d1.parquet", pa.Table.from_pylist([decision], schema=SCHEMA)
    )
    second = qa_table.run({"run_id": "run-1"}, services)
    later = {r["customer_id"]: r for r in engine.query(queue).to_pylist()}
    assert second["carried_over"] == len(earlier) - 1
    undecided = [r for r in earlier if r["customer_id"] != decided["customer_id"]]
    assert all(r["customer_id"] in later for r in undecided)  # carried or picked again
    carried = [r for r in later.values() if r["run_id"] == "run-0"]
    assert carried and {r["review_status"] for r in carried} == {"pending"}
    assert later.get(decided["customer_id"], {}).get("run_id") != "run-0"
