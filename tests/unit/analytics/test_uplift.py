"""The DR-learner recovers a planted, confounded premium effect; the grader grades it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.analytics import grade_uplift, uplift
from engage.contract import CUSTOMERS, MODEL_INPUTS


def _frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers where busy people convert more and gain more: naive gap >> true effect."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"customer_id": [f"C{i:05d}" for i in range(n)]}
    for name in MODEL_INPUTS:
        col = CUSTOMERS.column(name)
        if col.is_categorical:
            data[name] = rng.choice(list(col.categories), n)
        else:
            data[name] = rng.random(n)
    busy = rng.normal(0, 1, n)
    data["avg_daily_logins"] = np.exp(busy)
    data["age"] = rng.integers(18, 66, n)
    premium = busy + rng.normal(0, 1, n) > 0.5
    data["account_type"] = np.where(premium, "premium", "free")
    young = np.asarray(data["age"]) < 35
    effect = np.where(young, 0.12, 0.04) + 0.02 * busy
    data["premium_feature_usage_rate"] = np.where(premium, 0.8, 0.05)  # a mediator
    y = 0.4 + 0.1 * busy + premium * effect + rng.normal(0, 0.03, n)
    data["engagement_score"] = y
    return pd.DataFrame(data), effect


def _small() -> uplift.UpliftParams:
    return uplift.UpliftParams(fit_rows=4000, bootstraps=4, nuisance_trees=60, final_trees=60)


def test_covariates_exclude_treatment_and_mediators() -> None:
    names = uplift.covariates()
    assert "account_type" not in names and "premium_feature_usage_rate" not in names
    assert "days_since_last_login" not in names
    assert "age" in names and "avg_daily_logins" in names
    assert set(uplift.EXCLUDED) <= set(MODEL_INPUTS)  # every exclusion names a real input


def test_recovers_the_planted_effect_not_the_naive_gap() -> None:
    frame, effect = _frame(5000)
    model = uplift.fit_uplift(frame, _small(), threads=1)
    est = model.effects(frame)
    naive = model.report["naive_difference"]
    assert naive > 2 * effect.mean()  # the confounding is real
    assert abs(est["effect"].mean() - effect.mean()) < 0.25 * effect.mean()
    truth = pd.DataFrame({"premium_effect": effect}, index=frame["customer_id"])
    graded = grade_uplift.grade(est, truth)
    assert graded["correlation"] > 0.6
    assert set(graded["by_age_band"]) == set(est["age_band"])
    assert 0 <= graded["interval_coverage"] <= 1
    assert (est["lower"] <= est["effect"]).all() and (est["effect"] <= est["upper"]).all()


def test_targets_are_free_customers_in_overlap_ranked_by_effect() -> None:
    frame, _ = _frame(3000, seed=1)
    est = uplift.fit_uplift(frame, _small()).effects(frame)
    ranked = uplift.targeting(est)
    free_in = est[(est["account_type"] == "free") & est["in_overlap"]]
    assert len(ranked) == len(free_in)
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert ranked["effect"].is_monotonic_decreasing
    out = set(est.loc[~est["in_overlap"], "customer_id"])
    assert not out & set(ranked["customer_id"])


def test_group_and_cohort_figures() -> None:
    est = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "effect": [0.1, 0.2, 0.3],
            "lower": [0.0, 0.1, 0.2],
            "upper": [0.2, 0.3, 0.4],
            "in_overlap": [True, True, False],
            "age_band": ["18-24", "18-24", "55+"],
        }
    )
    bands = {g["age_band"]: g for g in uplift.group_effects(est, "age_band")}
    assert bands["18-24"]["effect"] == pytest.approx(0.15)
    assert bands["55+"]["in_overlap_share"] == 0.0
    cohort = uplift.cohort_effect(est)
    assert cohort["total_effect"] == pytest.approx(0.6)
    assert cohort["total_lower"] == pytest.approx(0.3)


def test_bad_input_names_the_problem() -> None:
    frame, _ = _frame(200)
    with pytest.raises(KeyError, match="engagement_score"):
        uplift.fit_uplift(frame.drop(columns="engagement_score"), _small())
    with pytest.raises(KeyError, match="avg_daily_logins"):
        uplift.design(frame.drop(columns="avg_daily_logins"))
    with pytest.raises(ValueError, match="at least 20 premium"):
        uplift.fit_uplift(frame.assign(account_type="free"), _small())


def test_age_bands() -> None:
    assert list(uplift.age_band(np.array([18, 24, 25, 44, 45, 54, 55, 65]))) == [
        "18-24", "18-24", "25-34", "35-44", "45-54", "45-54", "55+", "55+",
    ]  # fmt: skip
