"""Each pipeline stage on its own, on 400 customers with a real lake and DuckDB catalog."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from engage import contract, lake
from engage.models.engagement import TARGET
from engage.models.metrics import regression_metrics
from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.settings import Settings
from engage.stages import (
    container,
    data_prep,
    data_validation,
    inference,
    pre_cleanup,
)
from engage.stages.errors import DataValidationError, StageError
from engage.stages.services import Services
from engage.stages.tasks import STAGES, event_from_task_input, local_tasks

PICKLE_MAGIC = b"\x80"  # every pickle protocol >= 2 starts with PROTO (0x80)


def _event(run_id: str, source: Path | None = None) -> dict:
    return {"run_id": run_id, "seed": 42, **({"source": str(source)} if source else {})}


def _ids(table: pa.Table) -> list[str]:
    return sorted(table.column("customer_id").to_pylist())


def _published(root: Path) -> dict[str, str]:
    """sha256 of every file of the lake outside _staging/ (the catalog file excluded)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.relative_to(root).as_posix().startswith(lake.STAGING)
        and p.name != "catalog.duckdb"
    }


def _scalar(services: Services, sql: str):
    return services.sql.query(sql).column(0)[0].as_py()


# -- pre-cleanup -----------------------------------------------------------------------


def test_pre_cleanup_removes_staging_leftovers_only_and_is_idempotent(prepared_services) -> None:
    store, root = prepared_services.store, Path(prepared_services.store.root)
    before = _published(root)
    store.put_bytes(lake.STAGING + "engagement_raw.training_data/dead/part-0.parquet", b"half")
    store.put_bytes(lake.STAGING + "models/engagement/0123abcd/model.ubj", b"half a model")
    hidden = root / "_staging" / "models" / ".engage-tmp-dead"  # a store temp file
    hidden.write_bytes(b"x")

    first = pre_cleanup.run(_event("run_a"), prepared_services)
    assert first["cleanup_status"] == "success" and first["run_id"] == "run_a"
    assert first["s3_objects_deleted"] == 2  # the visible objects
    assert not (root / "_staging").exists()  # hidden temp files went with the folder
    assert _published(root) == before  # the published lake is untouched
    assert _scalar(prepared_services, "SELECT count(*) FROM engagement_raw.test_data") == 80

    second = pre_cleanup.run(_event("run_a"), prepared_services)
    assert second["s3_objects_deleted"] == 0
    assert _published(root) == before


def test_pre_cleanup_needs_a_run_id(tmp_path) -> None:
    services = Services.from_settings(Settings(lake=str(tmp_path / "lake")))
    with services, pytest.raises(StageError, match="run_id"):
        pre_cleanup.run({"source": "x"}, services)


# -- data preparation --------------------------------------------------------------------


def test_data_prep_publishes_raw_customers_as_the_contract_says(prepared, prepared_services):
    source = pq.read_table(prepared.source / "customers.parquet")
    raw = prepared_services.store.read_parquet(lake.RAW_CUSTOMERS_FILE)
    assert raw.column_names == list(contract.CUSTOMERS.names)
    assert raw.schema == contract.CUSTOMERS.arrow_schema()
    assert raw.equals(source.select(contract.CUSTOMERS.names).cast(raw.schema))
    assert prepared.summaries[0]["raw_records"] == source.num_rows == 400


def test_data_prep_splits_80_20_by_the_last_digit_of_the_id(prepared, prepared_services):
    ids = _ids(pq.read_table(prepared.source / "customers.parquet"))
    expected_test = [i for i in ids if i[-1] in "89"]
    expected_train = [i for i in ids if i[-1] not in "89"]
    assert len(expected_test) == 80  # CUST_0000001..400: exactly one in five

    store = prepared_services.store
    test, training = (
        store.read_parquet(lake.PROCESSED_TEST),
        store.read_parquet(lake.PROCESSED_TRAINING),
    )
    assert _ids(test) == expected_test
    assert _ids(training) == expected_train
    summary = prepared.summaries[0]
    assert (summary["training_records"], summary["test_records"]) == (320, 80)
    # the catalog sees the same split
    sql_test = prepared_services.sql.query("SELECT customer_id FROM engagement_raw.test_data")
    assert _ids(sql_test) == expected_test


def test_data_prep_inference_input_is_everyone_without_targets(prepared, prepared_services):
    inference_input = prepared_services.store.read_parquet(lake.PROCESSED_INFERENCE)
    assert inference_input.num_rows == prepared.summaries[0]["inference_records"] == 400
    assert _ids(inference_input) == _ids(pq.read_table(prepared.source / "customers.parquet"))
    assert not set(contract.TARGETS) & set(inference_input.column_names)
    assert set(inference_input.column_names) == {"customer_id", *contract.MODEL_INPUTS}


def test_data_prep_rerun_replaces_rather_than_appends(prepared, prepared_services) -> None:
    again = data_prep.run(_event("r2", prepared.source), prepared_services)
    assert again["raw_records"] == 400
    assert (again["training_records"], again["test_records"]) == (320, 80)
    assert _scalar(prepared_services, "SELECT count(*) FROM engagement_raw.customers") == 400
    assert prepared_services.store.read_parquet(lake.PROCESSED_TRAINING).num_rows == 320


def test_data_prep_reads_csv_like_parquet(prepared, tmp_path) -> None:
    source = pq.read_table(prepared.source / "customers.parquet")
    folder = tmp_path / "csv"
    folder.mkdir()
    pacsv.write_csv(source, folder / "customers.csv")
    settings = Settings(lake=str(tmp_path / "lake"), data_dir=folder)
    with Services.from_settings(settings) as services:
        summary = data_prep.run(_event("r1", folder), services)
        raw = services.store.read_parquet(lake.RAW_CUSTOMERS_FILE)
    assert summary["source"].endswith("customers.csv") and summary["test_records"] == 80
    expected = source.select(contract.CUSTOMERS.names).cast(raw.schema)
    assert raw.equals(expected)


def test_data_prep_without_a_customers_file_says_where_it_looked(tmp_path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    with Services.from_settings(Settings(lake=str(tmp_path / "lake"))) as services:
        with pytest.raises(StageError, match=r"no customers\.parquet or customers\.csv"):
            data_prep.run(_event("r1", empty), services)
        assert services.store.list("") == []


# -- data validation ---------------------------------------------------------------------


def test_data_validation_passes_on_good_data_and_keeps_its_report(prepared_services) -> None:
    summary = data_validation.run(_event("r1"), prepared_services)
    assert summary["validation_status"] == "passed"
    assert summary["counts"] == {
        "raw_rows": 400,
        "training_rows": 320,
        "test_rows": 80,
        "inference_rows": 400,
        "overlap_rows": 0,
    }
    report = json.loads(
        prepared_services.store.get_bytes(lake.report_key("r1", "data_validation.json"))
    )
    assert report["status"] == "passed"
    assert all(findings == [] for findings in report["checks"].values())


def _duplicate_ids(t: pa.Table) -> pa.Table:
    return pa.concat_tables([t, t.slice(0, 3)])


def _age_out_of_range(t: pa.Table) -> pa.Table:
    ages = t.column("age").to_pylist()
    ages[0] = 200
    return t.set_column(
        t.schema.get_field_index("age"), "age", pa.array(ages, t.schema.field("age").type)
    )


def _lose_five(t: pa.Table) -> pa.Table:
    return t.slice(5)


@pytest.mark.parametrize(
    ("prefix", "corrupt", "table", "check", "column", "count"),
    [
        (lake.PROCESSED_TRAINING, _duplicate_ids, "training_data", "duplicates", "customer_id", 3),
        (lake.PROCESSED_TEST, _age_out_of_range, "test_data", "range", "age", 1),
        (lake.PROCESSED_INFERENCE, _lose_five, "split", "coverage", "customer_id", 5),
    ],
    ids=["duplicate-id", "age-out-of-range", "customers-missing-from-inference"],
)
def test_data_validation_names_the_column_at_fault(
    prepared_services, prefix, corrupt, table, check, column, count
) -> None:
    store = prepared_services.store
    bad = corrupt(store.read_parquet(prefix))
    store.delete_prefix(prefix)
    store.write_parquet(prefix + "part-0.parquet", bad)

    with pytest.raises(DataValidationError) as caught:
        data_validation.run(_event("r1"), prepared_services)

    err = caught.value
    assert (check, column, count) in {(f.check, f.column, f.count) for f in err.findings}
    assert f"column {column!r}" in str(err)
    report = json.loads(store.get_bytes(lake.report_key("r1", "data_validation.json")))
    assert report["status"] == "failed"
    key = table if table == "split" else f"engagement_raw.{table}"
    assert {"check": check, "column": column, "count": count} in [
        {k: f[k] for k in ("check", "column", "count")} for f in report["checks"][key]
    ]


# -- training ----------------------------------------------------------------------------


def test_training_registers_v1_then_v2_and_never_serves_them(trained, trained_services) -> None:
    first, second = trained.summaries
    assert (first["model_version"], second["model_version"]) == ("v1", "v2")
    assert first["training_status"] == "success" and first["run_id"] == "r1"
    assert (first["training_records"], first["test_records"]) == (320, 80)
    registry = ModelRegistry(trained_services.store, "engagement")
    assert registry.versions() == ["v1", "v2"]
    assert registry.version_for_run("r1") == "v1" and registry.version_for_run("r2") == "v2"
    assert registry.latest() is None  # only inference, after validation, may promote
    meta = registry.metadata("v2")
    assert meta["run_id"] == "r2" and meta["model_version"] == "v2"
    assert (meta["training_rows"], meta["test_rows"]) == (320, 80)
    assert meta["metrics"]["test"]["r2"] == pytest.approx(second["test_r2"], abs=1e-4)


def test_training_writes_test_and_train_metric_rows_per_run(trained, trained_services) -> None:
    rows = trained_services.sql.query(
        "SELECT model_name, run_id, model_version, split, metric, value "
        "FROM engagement_predictions.model_metrics"
    ).to_pylist()
    assert {r["model_name"] for r in rows} == {"engagement"}
    assert {(r["run_id"], r["model_version"]) for r in rows} == {("r1", "v1"), ("r2", "v2")}
    for run_id in ("r1", "r2"):
        assert {r["split"] for r in rows if r["run_id"] == run_id} == {"test", "train"}
    for summary in trained.summaries:
        for metric in ("r2", "rmse", "mae"):
            values = [
                r["value"]
                for r in rows
                if (r["run_id"], r["split"], r["metric"]) == (summary["run_id"], "test", metric)
            ]
            assert values == [pytest.approx(summary[f"test_{metric}"], abs=1e-4)], metric
    test_r2 = next(r["value"] for r in rows if (r["split"], r["metric"]) == ("test", "r2"))
    assert 0.5 < test_r2 <= 1.0  # a fitted model, even on 320 training rows


def test_trained_model_round_trips_from_ubj_without_pickle(trained_services) -> None:
    registry = ModelRegistry(trained_services.store, "engagement")
    names = registry.metadata("v1")["artefacts"]
    artefacts = {name: registry.load("v1", name) for name in names}
    assert "model.ubj" in artefacts
    assert artefacts["model.ubj"][:1] == b"{"  # a UBJSON object: XGBoost's own format
    for name, data in artefacts.items():
        assert not data.startswith(PICKLE_MAGIC), name
        assert not name.endswith((".pkl", ".pickle", ".joblib")), name
        if name.endswith(".json"):
            json.loads(data)
    model = inference.load_model(registry, "v1")
    test = trained_services.store.read_parquet(lake.PROCESSED_TEST).to_pandas()
    again = regression_metrics(test[TARGET].to_numpy(), model.predict(test))
    assert again["r2"] == pytest.approx(registry.metadata("v1")["metrics"]["test"]["r2"], abs=1e-9)


# -- inference ---------------------------------------------------------------------------


def _predictions(services: Services) -> pa.Table:
    return services.sql.query(
        "SELECT customer_id, predicted_engagement_score AS score, model_version, run_id "
        "FROM engagement_predictions.predictions"
    )


def test_inference_scores_every_customer_in_0_1_and_promotes(trained_services) -> None:
    registry = ModelRegistry(trained_services.store, "engagement")
    summary = inference.run(_event("r1"), trained_services)
    assert summary["inference_status"] == "success" and summary["model_version"] == "v1"
    assert summary["predictions_generated"] == 400

    predictions = _predictions(trained_services)
    raw = trained_services.store.read_parquet(lake.RAW_CUSTOMERS_FILE)
    assert _ids(predictions) == _ids(raw)  # everyone, once
    scores = predictions.column("score").to_pylist()
    assert None not in scores and all(0.0 <= v <= 1.0 for v in scores)
    assert len(set(scores)) > 50  # a real model, not a constant
    assert set(predictions.column("model_version").to_pylist()) == {"v1"}
    assert set(predictions.column("run_id").to_pylist()) == {"r1"}
    assert summary["prediction_range"]["max"] == pytest.approx(max(scores), abs=1e-4)
    assert registry.latest() == "v1"

    inference.run(_event("r2"), trained_services)  # the next run replaces, never appends
    predictions = _predictions(trained_services)
    assert predictions.num_rows == 400
    assert set(predictions.column("run_id").to_pylist()) == {"r2"}
    assert registry.latest() == "v2"


def test_inference_without_a_model_for_the_run_fails_and_keeps_serving(trained_services) -> None:
    registry = ModelRegistry(trained_services.store, "engagement")
    inference.run(_event("r1"), trained_services)
    with pytest.raises(ModelNotFoundError, match="r3"):
        inference.run(_event("r3"), trained_services)
    assert registry.latest() == "v1"
    assert set(_predictions(trained_services).column("run_id").to_pylist()) == {"r1"}


def test_inference_keeps_serving_the_old_version_when_the_new_one_is_much_worse(
    trained_services,
) -> None:
    store = trained_services.store
    registry = ModelRegistry(store, "engagement")
    inference.run(_event("r1"), trained_services)  # serves v1
    key = f"{registry.root}v2/metadata.json"
    meta = json.loads(store.get_bytes(key))
    meta["metrics"]["test"]["r2"] = registry.metadata("v1")["metrics"]["test"]["r2"] - 0.2
    store.put_bytes(key, json.dumps(meta).encode())  # v2 now measured 0.2 R² worse

    inference.run(_event("r2"), trained_services)

    assert registry.latest() == "v1"
    assert set(_predictions(trained_services).column("model_version").to_pylist()) == {"v1"}


# -- task plumbing and the Fargate entry point --------------------------------------------


def _ecs_parameters(event: dict) -> dict:
    """RunTask parameters as the definition builds them (container env carries the input)."""
    return {
        "LaunchType": "FARGATE",
        "Cluster": "engage-local",
        "TaskDefinition": "inference-task",
        "Overrides": {
            "ContainerOverrides": [
                {"Name": "sidecar", "Environment": [{"Name": "OTHER", "Value": "1"}]},
                {
                    "Name": "inference-container",
                    "Environment": [
                        {"Name": "ENGAGE_STAGE", "Value": "inference"},
                        {"Name": "ENGAGE_EXECUTION", "Value": event["run_id"]},
                        {"Name": "ENGAGE_EVENT", "Value": json.dumps(event)},
                    ],
                },
            ]
        },
    }


def test_event_from_task_input_unwraps_ecs_and_passes_lambda_events() -> None:
    event = {"run_id": "run_x", "source": "/data", "seed": 7}
    assert event_from_task_input(_ecs_parameters(event)) == event
    lambda_event = {**event, "cleanup": {"cleanup_status": "success"}}
    passed = event_from_task_input(lambda_event)
    assert passed == lambda_event and passed is not lambda_event


@pytest.mark.parametrize(
    ("task_input", "message"),
    [
        ([1, 2], "JSON object, got list"),
        ({"Overrides": {"ContainerOverrides": [{"Environment": []}]}}, "ENGAGE_EVENT"),
    ],
    ids=["not-an-object", "ecs-without-event"],
)
def test_event_from_task_input_refuses_what_it_cannot_read(task_input, message) -> None:
    with pytest.raises(StageError, match=message):
        event_from_task_input(task_input)


def test_local_tasks_give_stages_the_unwrapped_event(tmp_path) -> None:
    with Services.from_settings(Settings(lake=str(tmp_path / "lake"))) as services:
        tasks = local_tasks(services)
        assert set(tasks) == set(STAGES)
        out = tasks["pre-cleanup"](_ecs_parameters({"run_id": "run_ecs"}))
    assert out["run_id"] == "run_ecs" and out["cleanup_status"] == "success"


@pytest.mark.parametrize("stage", ["", "nope", "pre_cleanup", "PRE-CLEANUP"])
def test_container_exits_2_for_an_unknown_stage(monkeypatch, capsys, stage) -> None:
    monkeypatch.setenv("ENGAGE_STAGE", stage)
    assert container.main() == 2
    err = capsys.readouterr().err
    assert "ENGAGE_STAGE must be one of" in err and "pre-cleanup" in err


def test_container_exits_1_with_the_error_when_the_stage_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_STAGE", "pre-cleanup")
    monkeypatch.setenv("ENGAGE_EVENT", json.dumps({"source": "no run id"}))
    assert container.main() == 1
    out = json.loads(capsys.readouterr().out)
    assert out["stage"] == "pre-cleanup" and out["error"] == "StageError"
    assert "run_id" in out["cause"]
