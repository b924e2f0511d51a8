"""`engage tune`'s study: CV on training rows, two families, pruning, margin-gated promotion."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from engage.contract import CUSTOMERS, MODEL_INPUTS
from engage.models import tune, tuned
from engage.models.params import params_for
from fakes import MemoryStore


def _training(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"customer_id": [f"C{i}" for i in range(n)]}
    for name in MODEL_INPUTS:
        col = CUSTOMERS.column(name)
        data[name] = rng.choice(list(col.categories), n) if col.is_categorical else rng.random(n)
    logins = np.asarray(data["avg_daily_logins"])
    data["engagement_score"] = 0.3 + 0.5 * logins + rng.normal(0, 0.05, n)
    data["churn_30_day"] = rng.random(n) < 1 / (1 + np.exp(4 * (logins - 0.5)))
    return pd.DataFrame(data)


def _cfg(model: str = "engagement", **kw: object) -> tune.TuneConfig:
    values = {"trials": 6, "budget_s": 60.0, "folds": 2, "rows": 400, "threads": 1} | kw
    return tune.TuneConfig(model, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["engagement", "churn"])
def test_study_searches_both_families_and_scores_todays_params(model: str) -> None:
    summary = tune.run_study(_training(), _cfg(model, trials=10))
    assert summary["completed"] + summary["pruned"] == len(summary["trials"]) <= 10
    assert {t["family"] for t in summary["trials"]} == {tune.XGB, tune.HGB}
    assert summary["baseline_params"] == tune.baseline_params(model)
    assert -1 <= summary["baseline_score"] <= 1
    assert summary["promote"] == (summary["relative_improvement"] > summary["margin"])
    xgb_best = summary["best"][tune.XGB]
    assert set(xgb_best["params"]) <= set(params_for(model))  # promotable keys only


def test_budget_bounds_the_study() -> None:
    summary = tune.run_study(_training(), _cfg(trials=1000, budget_s=3.0))
    assert len(summary["trials"]) < 1000 and summary["seconds"] < 60


def test_promotion_is_read_back_by_training_and_named_in_the_card() -> None:
    store = MemoryStore()
    summary = tune.run_study(_training(), _cfg(margin=-1.0))  # any score clears -100%
    assert summary["promote"]
    key = tune.save_study(store, summary)
    assert json.loads(store.get_bytes(key))["trials"]
    record = tune.promote(store, summary, key)
    params, facts = tuned.params_with_tuning(store, "engagement")
    for name, value in record["params"].items():
        assert params[name] == value
    assert params["validation_fraction"] == params_for("engagement")["validation_fraction"]
    assert facts["tuning_study"] == key and facts["tuning_trials"] == summary["completed"]


def test_without_a_promotion_training_uses_params_toml() -> None:
    params, facts = tuned.params_with_tuning(MemoryStore(), "churn")
    assert params == params_for("churn") and facts == {}


def test_bad_requests_are_named() -> None:
    with pytest.raises(ValueError, match="ltv"):
        tune.run_study(_training(), _cfg("ltv"))
    with pytest.raises(KeyError, match="engagement_score"):
        tune.run_study(_training().drop(columns="engagement_score"), _cfg())
    with pytest.raises(FileNotFoundError, match="engage run"):
        tune.lake_training(MemoryStore())


def test_the_model_card_names_the_study_training_used() -> None:
    from engage.models.cards import render_card

    store = MemoryStore()
    summary = tune.run_study(_training(), _cfg(trials=3, margin=-1.0))
    key = tune.save_study(store, summary)
    tune.promote(store, summary, key)
    _, facts = tuned.params_with_tuning(store, "engagement")
    card = render_card({"model_name": "engagement", "model_version": "v1", **facts})
    assert key in card and "tuning_cv_score" in card
