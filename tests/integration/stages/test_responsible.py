"""Responsible-AI rules applied by the stages: prohibited features, fairness gate, table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engage import lake
from engage.fairness.groups import protected_groups
from engage.fairness.mitigation import apply_rules
from engage.fairness.protected import ProhibitedFeatureError
from engage.models.registry import ModelRegistry
from engage.serving import load_version
from engage.settings import Settings
from engage.stages import ensemble, inference, train
from engage.stages.services import Services


def _event(run_id: str, source: Path) -> dict:
    return {"run_id": run_id, "seed": 42, "source": str(source)}


def _services(prepared, **settings) -> Services:
    prepared.restore()
    return Services.from_settings(
        Settings(lake=str(prepared.lake), data_dir=prepared.source, **settings)
    )


def test_training_refuses_a_configured_prohibited_attribute(prepared) -> None:
    with (
        _services(prepared, model_features=["avg_daily_logins", "religion"]) as services,
        pytest.raises(ProhibitedFeatureError, match="religion"),
    ):
        train.run_model("churn", _event("r1", prepared.source), services)
    assert not ModelRegistry(_services(prepared).store, "churn").versions()


def test_configured_features_are_the_only_inputs(prepared) -> None:
    features = ["avg_daily_logins", "days_since_last_login", "gender"]
    with _services(prepared, model_features=features) as services:
        train.run_model("engagement", _event("r1", prepared.source), services)
        meta = ModelRegistry(services.store, "engagement").metadata("v1")
    assert meta["features"] == features
    assert meta["feature_selection"]["proxies"] == []


def test_a_strict_gate_blocks_promotion_and_says_why(prepared) -> None:
    strict = {"fairness_min_di": 0.99, "fairness_tolerance": 0.0, "fairness_min_rows": 5}
    strict |= {"fairness_di_basis": "absolute", "fairness_use_bounds": False}
    with _services(prepared, **strict) as services:
        event = _event("r1", prepared.source)
        summary = train.run_model("engagement", event, services)
        assert summary["fairness_gate"]["passed"] is False
        decided = inference.run(event, services)["models"]["engagement"]
        assert not decided["promoted"] and decided["model_version"] is None
        assert "fairness gate" in decided["promotion_reason"]
        ensemble.run(event, services)
        assert ModelRegistry(services.store, "engagement").latest() is None
        nulls = services.sql.query(
            "SELECT count(*) AS n FROM engagement_predictions.predictions "
            "WHERE predicted_engagement_score IS NULL"
        ).to_pylist()[0]["n"]
    assert nulls == 400  # everyone still listed; the blocked model serves nobody


def test_the_gate_can_be_reported_without_blocking(prepared) -> None:
    lax = {"fairness_min_di": 0.99, "fairness_tolerance": 0.0, "fairness_min_rows": 5}
    lax |= {"fairness_di_basis": "absolute", "fairness_gate": False, "fairness_use_bounds": False}
    with _services(prepared, **lax) as services:
        event = _event("r1", prepared.source)
        assert train.run_model("engagement", event, services)["fairness_gate"]["passed"] is False
        assert inference.run(event, services)["models"]["engagement"]["promoted"]


def test_fairness_metrics_are_queryable_per_model_attribute_and_group(prepared) -> None:
    with _services(prepared, fairness_min_rows=20) as services:
        event = _event("r1", prepared.source)
        for model in ("engagement", "churn"):
            train.run_model(model, event, services)
        inference.run(event, services)
        rows = services.sql.query(
            "SELECT model_name, decision, attribute, count(*) AS groups, max(di_ratio) AS di "
            "FROM engagement_analytics.fairness_metrics GROUP BY 1, 2, 3 ORDER BY 1, 3"
        ).to_pylist()
    assert {(r["model_name"], r["decision"]) for r in rows} == {
        ("churn", "retention_intervention"),
        ("engagement", "high_engagement"),
    }
    assert {r["attribute"] for r in rows} == {"gender", "age_band", "region"}
    assert all(r["groups"] >= 2 for r in rows)
    assert any(r["di"] is not None and 0 < r["di"] <= 1 for r in rows)


def test_age_bins_from_the_config_survive_the_registry_round_trip(prepared) -> None:
    with _services(prepared, age_bins=True) as services:
        train.run_model("churn", _event("r1", prepared.source), services)
        model = load_version(services.store, "churn", "v1")
    assert model.spec.age_bins is True


def test_configured_mitigation_is_reported_before_and_after_in_metadata_and_card(prepared):
    config = {"fairness_mitigation": "threshold_optimizer", "fairness_min_rows": 20}
    with _services(prepared, **config) as services:
        train.run_model("churn", _event("r1", prepared.source), services)
        registry = ModelRegistry(services.store, "churn")
        mitigation = registry.metadata("v1")["fairness"]["mitigation"]
        card = registry.load("v1", train.CARD_FILE).decode()
    assert mitigation["applied"] and mitigation["attribute"] in ("gender", "age_band", "region")
    for side in ("before", "after"):
        assert 0.0 <= mitigation[side]["di_ratio"] <= 1.0
        assert 0.0 <= mitigation[side]["accuracy"] <= 1.0
    assert "Mitigation" in card and "ThresholdOptimizer" in card


def test_configured_mitigation_rules_decide_the_served_intervention_flags(prepared) -> None:
    config = {"fairness_mitigation": "threshold_optimizer", "fairness_min_rows": 20}
    with _services(prepared, **config) as services:
        event = _event("r1", prepared.source)
        train.run_model("churn", event, services)
        summary = inference.run(event, services)
        report = json.loads(services.store.get_bytes(lake.report_key("r1", "inference.json")))
        scores = services.store.read_parquet(lake.model_scores("churn").prefix).to_pandas()
        inputs = services.store.read_parquet(lake.PROCESSED_INFERENCE).to_pandas()
        fairness = ModelRegistry(services.store, "churn").metadata("v1")["fairness"]
    assert summary["models"]["churn"]["model_version"] == "v1"
    mitigation = fairness["mitigation"]
    expected = apply_rules(
        mitigation["rules"],
        protected_groups(inputs)[mitigation["attribute"]],
        scores["churn_probability"].to_numpy(),
        inputs["customer_id"],
        fairness["threshold"],
    )
    assert (scores["intervention_flag"].to_numpy() == expected).all()
    plain = scores["churn_probability"].to_numpy() > fairness["threshold"]
    assert report["churn"]["mitigated_decisions"] == int((expected != plain).sum())
