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
from engage.models.registry import ModelRegistry
from engage.serving import load_version
from engage.settings import Settings
from engage.stages import (
    data_prep,
    data_validation,
    ensemble,
    inference,
    pre_cleanup,
    shard_merge,
    train,
)
from engage.stages.errors import DataValidationError, StageError
from engage.stages.plans import PLANS
from engage.stages.services import Services

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


def _summary(trained, run_id: str, model: str) -> dict:
    return next(s for s in trained.summaries if (s["run_id"], s["model"]) == (run_id, model))


@pytest.mark.parametrize("model", list(PLANS))
def test_training_registers_v1_then_v2_of_every_model_and_serves_none(
    trained, trained_services, model
) -> None:
    first, second = _summary(trained, "r1", model), _summary(trained, "r2", model)
    assert (first["model_version"], second["model_version"]) == ("v1", "v2")
    assert first["training_status"] == "success"
    registry = ModelRegistry(trained_services.store, model)
    assert registry.versions() == ["v1", "v2"]
    assert registry.version_for_run("r1") == "v1" and registry.version_for_run("r2") == "v2"
    assert registry.latest() is None  # only the ensemble step, after validation, promotes
    meta = registry.metadata("v2")
    assert meta["run_id"] == "r2" and meta["model_version"] == "v2"
    for key in ("algorithm", "params", "features", "metrics", "code_version", "training_date"):
        assert meta[key], key
    assert len(meta["data_fingerprint"]) == 64
    card = registry.load("v2", train.CARD_FILE).decode()
    assert "v2" in card and model in card


def test_training_metrics_are_measured_on_the_test_split(trained, trained_services) -> None:
    engagement = ModelRegistry(trained_services.store, "engagement").metadata("v1")
    assert (engagement["metrics"]["test"]["rows"], engagement["metrics"]["train"]["rows"]) == (
        80,
        320,
    )
    rows = trained_services.store.read_parquet(train.metrics_key("r1", "churn")).to_pylist()
    auc = next(r["value"] for r in rows if (r["split"], r["metric"]) == ("test", "auc_roc"))
    assert auc == pytest.approx(_summary(trained, "r1", "churn")["metrics"]["test_auc"], abs=1e-4)
    assert {r["model_version"] for r in rows} == {"v1"}
    fingerprints = {
        ModelRegistry(trained_services.store, m).metadata("v1")["data_fingerprint"]
        for m in ("engagement", "churn", "ltv")
    }
    assert len(fingerprints) == 1  # same inputs, same fingerprint


@pytest.mark.parametrize("model", list(PLANS))
def test_every_model_round_trips_from_its_artefacts_without_pickle(trained_services, model) -> None:
    registry = ModelRegistry(trained_services.store, model)
    names = registry.metadata("v1")["artefacts"]
    for name in names:
        data = registry.load("v1", name)
        assert not data.startswith(PICKLE_MAGIC), name
        assert not name.endswith((".pkl", ".pickle", ".joblib")), name
        if name.endswith(".json"):
            json.loads(data)
    assert load_version(trained_services.store, model, "v1") is not None


def test_engagement_model_reproduces_its_recorded_test_r2(trained_services) -> None:
    registry = ModelRegistry(trained_services.store, "engagement")
    model = load_version(trained_services.store, "engagement", "v1")
    test = trained_services.store.read_parquet(lake.PROCESSED_TEST).to_pandas()
    again = regression_metrics(test[TARGET].to_numpy(), model.predict(test))
    assert again["r2"] == pytest.approx(registry.metadata("v1")["metrics"]["test"]["r2"], abs=1e-9)


# -- inference and the ensemble ----------------------------------------------------------


def _predictions(services: Services) -> pa.Table:
    return services.sql.query("SELECT * FROM engagement_predictions.predictions")


def _latest(services: Services) -> dict[str, str | None]:
    return {name: ModelRegistry(services.store, name).latest() for name in PLANS}


def test_inference_then_ensemble_score_everyone_with_five_models_then_promote(
    trained_services,
) -> None:
    summary = inference.run(_event("r1"), trained_services)
    assert summary["predictions_generated"] == 400
    assert {m["model_version"] for m in summary["models"].values()} == {"v1"}
    assert set(_latest(trained_services).values()) == {None}  # not before the ensemble
    report = json.loads(
        trained_services.store.get_bytes(lake.report_key("r1", shard_merge.INFERENCE_REPORT))
    )
    for model in ("engagement", "churn"):
        assert report[model]["shap_additivity_max_error"] < 1e-4
        assert report[model]["shap_rows"] == 400
    importance = trained_services.sql.query(
        "SELECT model_name, feature, mean_abs_shap FROM engagement_predictions.feature_importance "
        "WHERE rank = 1"
    ).to_pylist()
    assert {r["model_name"] for r in importance} == {"engagement", "churn"}
    top = {r["model_name"]: r["mean_abs_shap"] for r in importance}
    assert top["engagement"] == max(report["engagement"]["global_importance"].values())

    done = ensemble.run(_event("r1"), trained_services)
    assert done["predictions"] == 400 and set(done["promoted"]) == set(PLANS)
    assert set(_latest(trained_services).values()) == {"v1"}

    rows = _predictions(trained_services).to_pylist()
    raw = trained_services.store.read_parquet(lake.RAW_CUSTOMERS_FILE)
    assert sorted(r["customer_id"] for r in rows) == _ids(raw)  # everyone, once
    for row in rows:
        assert 0.0 <= row["predicted_engagement_score"] <= 1.0
        assert 0.0 <= row["churn_probability"] <= 1.0
        assert row["ltv_p10"] <= row["ltv_p50"] <= row["ltv_p90"]
        assert 0.0 <= row["anomaly_score"] <= 1.0
        assert len(row["engagement_top_features"]) == 5
        assert len(row["churn_top_features"]) == 5
        assert len(row["recommended_items"]) == 10
        assert len(set(row["recommended_categories"])) >= 3
        assert row["next_best_action"] and row["next_best_action_rule"]
        versions = {row[f"{m}_model_version"] for m in PLANS}
        assert versions == {"v1"} and row["run_id"] == "r1"
    assert len({r["predicted_engagement_score"] for r in rows}) > 50  # a model, not a constant
    served = trained_services.store.read_parquet(lake.NEXT_BEST_ACTION).to_pylist()
    bandit = {r["customer_id"]: r["next_best_action"] for r in served}
    for row in rows:  # the bandit's action, unless an anomaly went to human review first
        want = "human_review" if row["anomaly_flag"] else bandit[row["customer_id"]]
        assert row["next_best_action"] == want


def test_recommendations_exclude_everything_the_customer_consumed(trained_services) -> None:
    inference.run(_event("r1"), trained_services)
    ensemble.run(_event("r1"), trained_services)
    seen = trained_services.sql.query(
        "SELECT i.customer_id, i.item_id FROM engagement_raw.interactions i "
        "JOIN engagement_predictions.predictions p ON p.customer_id = i.customer_id "
        "WHERE contains(p.recommended_items, i.item_id)"
    )
    assert seen.num_rows == 0


def test_next_run_replaces_predictions_and_promotes_its_versions(trained_services) -> None:
    for run_id in ("r1", "r2"):
        inference.run(_event(run_id), trained_services)
        ensemble.run(_event(run_id), trained_services)
    predictions = _predictions(trained_services)
    assert predictions.num_rows == 400
    assert set(predictions.column("run_id").to_pylist()) == {"r2"}
    assert set(_latest(trained_services).values()) == {"v2"}


def test_a_run_without_candidates_keeps_serving_the_promoted_versions(trained_services) -> None:
    inference.run(_event("r1"), trained_services)
    ensemble.run(_event("r1"), trained_services)
    summary = inference.run(_event("r3"), trained_services)  # r3 trained nothing
    assert {m["model_version"] for m in summary["models"].values()} == {"v1"}
    assert not any(m["promoted"] for m in summary["models"].values())
    assert ensemble.run(_event("r3"), trained_services)["promoted"] == {}
    assert set(_latest(trained_services).values()) == {"v1"}


def test_ensemble_keeps_serving_the_old_version_when_the_new_one_is_much_worse(
    trained_services,
) -> None:
    store = trained_services.store
    registry = ModelRegistry(store, "engagement")
    inference.run(_event("r1"), trained_services)
    ensemble.run(_event("r1"), trained_services)
    key = f"{registry.root}v2/metadata.json"
    meta = json.loads(store.get_bytes(key))
    served_r2 = registry.metadata("v1")["metrics"]["validation"]["r2"]
    meta["metrics"]["validation"]["r2"] = served_r2 - 0.2
    meta["metrics"]["test"]["r2"] = served_r2 + 0.2  # promotion must not look at test
    store.put_bytes(key, json.dumps(meta).encode())  # v2 now validated 0.2 R² worse

    inference.run(_event("r2"), trained_services)
    ensemble.run(_event("r2"), trained_services)

    latest = _latest(trained_services)
    assert latest.pop("engagement") == "v1" and set(latest.values()) == {"v2"}
    served = _predictions(trained_services).column("engagement_model_version").to_pylist()
    assert set(served) == {"v1"}


def test_recommendation_is_skipped_without_interaction_data(prepared, tmp_path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "customers.parquet").write_bytes((prepared.source / "customers.parquet").read_bytes())
    settings = Settings(lake=str(tmp_path / "lake"), data_dir=source)
    with Services.from_settings(settings) as services:
        assert data_prep.run(_event("r1", source), services)["recommender_inputs"] == {}
        summary = train.run_model("recommendation", _event("r1", source), services)
        assert summary["training_status"] == "skipped" and "interactions" in summary["reason"]
        train.run_model("engagement", _event("r1", source), services)
        inference.run(_event("r1", source), services)
        ensemble.run(_event("r1", source), services)
        rows = _predictions(services).to_pylist()
    assert len(rows) == 400
    assert all(r["recommended_items"] is None for r in rows)
    assert all(r["predicted_engagement_score"] is not None for r in rows)


def test_recommender_data_needs_both_files(prepared, tmp_path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("customers.parquet", "interactions.parquet"):
        (source / name).write_bytes((prepared.source / name).read_bytes())
    with (
        Services.from_settings(Settings(lake=str(tmp_path / "lake"), data_dir=source)) as services,
        pytest.raises(StageError, match="content_items"),
    ):
        data_prep.run(_event("r1", source), services)
