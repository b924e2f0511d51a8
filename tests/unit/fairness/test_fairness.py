"""Prohibited attributes, proxy detection, fairness metrics, the gate and mitigation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.contract import MODEL_INPUTS
from engage.fairness.gate import FairnessGate
from engage.fairness.groups import region
from engage.fairness.metrics import decision_fairness, fairness_rows
from engage.fairness.mitigation import apply_rules, threshold_optimizer_report
from engage.fairness.protected import ProhibitedFeatureError, check_features
from engage.fairness.proxy import proxy_report
from engage.models.features import FeatureSpec


def _customers(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"CUST_{i:07d}" for i in range(n)],
            "age": rng.integers(18, 66, n),
            "gender": rng.choice(["F", "M", "Other"], n, p=[0.48, 0.48, 0.04]),
            "location": rng.choice(["CA", "NY", "TX", "IL"], n),
            "avg_daily_logins": rng.gamma(2.0, 1.5, n),
            "device_type": rng.choice(["ios", "android", "web"], n),
        }
    )


def test_default_features_are_the_contract_inputs() -> None:
    assert check_features(None) == MODEL_INPUTS


@pytest.mark.parametrize("banned", ["religion", "race", "sexual_orientation"])
def test_a_prohibited_attribute_is_refused_by_name(banned: str) -> None:
    with pytest.raises(ProhibitedFeatureError, match=banned):
        check_features(["avg_daily_logins", banned])


def test_targets_and_identifiers_are_not_features() -> None:
    with pytest.raises(ProhibitedFeatureError, match="engagement_score"):
        check_features(["avg_daily_logins", "engagement_score"])


def test_a_numeric_copy_of_age_is_a_proxy_and_excluded() -> None:
    frame = _customers()
    frame["avg_daily_logins"] = frame["age"] * 0.1 + np.random.default_rng(1).normal(
        0, 0.3, len(frame)
    )
    report = proxy_report(frame, ["avg_daily_logins", "device_type", "age"])
    assert report["excluded"] == ["avg_daily_logins"]
    [proxy] = report["proxies"]
    assert (proxy["attribute"], proxy["measure"]) == ("age", "pearson_abs") and proxy[
        "strength"
    ] > 0.9


def test_a_categorical_stand_in_for_gender_is_found_by_cramers_v() -> None:
    frame = _customers()
    frame["device_type"] = frame["gender"].map({"F": "ios", "M": "android", "Other": "web"})
    report = proxy_report(frame, ["avg_daily_logins", "device_type"], action="flag")
    assert [p["feature"] for p in report["proxies"]] == ["device_type"]
    assert report["proxies"][0]["measure"] == "cramers_v"
    assert report["proxies"][0]["mutual_information"] > 0.9
    assert report["excluded"] == []  # flagged, not excluded


def test_independent_features_are_not_proxies() -> None:
    report = proxy_report(_customers(), ["avg_daily_logins", "device_type"])
    assert report["proxies"] == [] and report["strongest"][0]["strength"] < 0.2


def _biased(frame: pd.DataFrame, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes independent of gender; scores that push women down by `penalty`."""
    rng = np.random.default_rng(3)
    outcome = rng.random(len(frame)) < 0.3
    score = np.where(outcome, 0.7, 0.3) + rng.normal(0, 0.15, len(frame))
    score = score - penalty * (frame["gender"] == "F").to_numpy()
    return outcome, score


def test_disparate_impact_matches_the_selection_rates() -> None:
    frame = _customers()
    outcome, score = _biased(frame, 0.3)
    report = decision_fairness(frame, outcome, score > 0.5, score, "offer", min_rows=100)
    gender = report["attributes"]["gender"]
    rates = {g: v["selection_rate"] for g, v in gender["groups"].items()}
    assert gender["groups_judged"] == 3
    assert gender["di_ratio"] == pytest.approx(min(rates.values()) / max(rates.values()))
    assert gender["lowest_group"] == "F" and gender["di_ratio"] < 0.8
    assert gender["labels_di_ratio"] > 0.85  # the outcomes themselves are fair
    rows = fairness_rows("churn", "v1", "r1", report)
    assert {r["attribute"] for r in rows} == {"gender", "age_band", "region"}
    assert not next(r for r in rows if r["attribute"] == "gender")["passes_80_percent_rule"]


def test_the_gate_blocks_a_biased_decision_and_passes_a_fair_one() -> None:
    frame = _customers()
    gate = FairnessGate(min_di=0.8, max_eod=0.1, tolerance=0.02)
    outcome, score = _biased(frame, 0.3)
    passed, failures = gate.check(decision_fairness(frame, outcome, score > 0.5, score, "offer"))
    assert not passed and any("gender" in f and "disparate impact" in f for f in failures)
    outcome, score = _biased(frame, 0.0)
    assert gate.check(decision_fairness(frame, outcome, score > 0.5, score, "offer")) == (True, [])


def test_the_labels_basis_does_not_blame_the_model_for_disparity_in_the_outcomes() -> None:
    frame = _customers()
    rng = np.random.default_rng(5)
    young = (frame["age"] < 35).to_numpy()
    outcome = rng.random(len(frame)) < np.where(young, 0.4, 0.25)  # truly different rates
    score = np.where(outcome, 0.8, 0.2)  # a perfect model reproduces them
    report = decision_fairness(frame, outcome, score > 0.5, score, "offer")
    assert report["attributes"]["age_band"]["di_ratio"] < 0.8
    assert FairnessGate(basis="labels").check(report)[0]
    assert not FairnessGate(basis="absolute").check(report)[0]


def test_small_groups_are_reported_but_not_judged() -> None:
    frame = _customers(300)
    outcome, score = _biased(frame, 0.5)
    report = decision_fairness(frame, outcome, score > 0.5, score, "offer", min_rows=500)
    assert report["attributes"]["gender"]["groups_judged"] == 0
    assert "di_ratio" not in report["attributes"]["gender"]
    assert FairnessGate().check(report) == (True, [])


def test_threshold_optimizer_narrows_the_gap_and_reports_its_cost() -> None:
    train, test = _customers(6000, 1), _customers(4000, 2)
    outcome_tr, score_tr = _biased(train, 0.25)
    outcome_te, score_te = _biased(test, 0.25)
    before = decision_fairness(test, outcome_te, score_te > 0.5, score_te, "offer")
    report = threshold_optimizer_report(
        (train, outcome_tr, score_tr), (test, outcome_te, score_te), 0.5, before, 0, 100
    )
    assert report["applied"] and report["attribute"] == "gender"
    assert report["after"]["di_ratio"] > report["before"]["di_ratio"] + 0.1
    assert set(report["after"]) >= {"accuracy", "selection_rate", "eo_difference"}
    assert set(report["rules"]) == {"F", "M", "Other"}
    assert all(0 <= op["p"] <= 1 for ops in report["rules"].values() for op in ops)


def test_mitigation_rules_are_deterministic_per_customer() -> None:
    frame = _customers(2000, 4)
    groups, ids = frame["gender"], frame["customer_id"]
    score = np.random.default_rng(1).random(len(frame))
    rules = {"F": [{"p": 0.5, "operator": ">", "threshold": 0.2},
                   {"p": 0.5, "operator": ">", "threshold": 0.8}]}  # fmt: skip
    first = apply_rules(rules, groups, score, ids, 0.5)
    assert (first == apply_rules(rules, groups, score, ids, 0.5)).all()
    women = (groups == "F").to_numpy()
    assert (first[~women] == (score[~women] > 0.5)).all()  # groups without a rule unchanged
    low, high = first[women & (score > 0.2) & (score <= 0.8)], score[women] > 0.8
    assert 0.3 < low.mean() < 0.7  # about half of them drew the lower threshold
    assert first[women][high].all()


def test_states_map_to_census_regions() -> None:
    frame = pd.DataFrame({"location": ["CA", "NY", "TX", "IL", "XX"]})
    assert region(frame).tolist() == ["West", "Northeast", "South", "Midwest", "unknown"]


def test_age_bins_replace_exact_ages_with_the_band_floor() -> None:
    frame = _customers(8)
    frame["age"] = [18, 24, 25, 34, 35, 50, 55, 65]
    columns = ("age", "avg_daily_logins")
    exact = FeatureSpec(columns, interactions=False).matrix(frame)[:, 0]
    binned = FeatureSpec(columns, interactions=False, age_bins=True).matrix(frame)[:, 0]
    assert exact.tolist() == [18, 24, 25, 34, 35, 50, 55, 65]
    assert binned.tolist() == [18, 18, 25, 25, 35, 45, 55, 55]
    spec = FeatureSpec(columns, age_bins=True)
    assert FeatureSpec.from_meta(spec.to_meta()) == spec


def test_the_gate_blocks_on_evidence_not_on_a_small_groups_noise() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"CUST_{i:07d}" for i in range(1400)],
            "gender": ["F"] * 700 + ["M"] * 700,
            "age": 30,
            "location": "CA",
        }
    )
    outcome = np.tile(np.arange(700) < 100, 2)  # identical true rates: 1 in 7
    decision = np.r_[np.arange(700) < 49, np.arange(700) < 70]  # 7% vs 10% selected
    report = decision_fairness(frame, outcome, decision, decision.astype(float), "offer")
    gender = report["attributes"]["gender"]
    assert gender["di_ratio"] == pytest.approx(0.7)
    assert gender["di_upper"] > 0.9  # 49 vs 70 selections cannot show a real gap
    assert FairnessGate(basis="absolute").check(report)[0]
    passed, failures = FairnessGate(basis="absolute", use_bounds=False).check(report)
    assert not passed and "estimate 0.700" in failures[0]
