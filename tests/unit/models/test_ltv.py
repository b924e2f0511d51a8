"""LtvModel on the shared 20K fixture (seed 7): train/test by the customer-id rule."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engage.models.ltv import (
    META_KEY,
    MODEL_KEY,
    QUANTILES,
    TARGET,
    LtvModel,
    interval_report,
)
from engage.models.truth import ltv_mae_floor


@pytest.fixture(scope="module")
def frames(small_dataset: Path) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(train, test, true LTV median of the test rows)."""
    customers = pd.read_parquet(small_dataset / "customers.parquet")
    truth = pd.read_parquet(small_dataset / "ground_truth.parquet")
    truth = truth.set_index("customer_id").loc[customers["customer_id"]]
    is_test = customers["customer_id"].str.slice(5).astype(int).to_numpy() % 10 >= 8
    return (
        customers[~is_test].reset_index(drop=True),
        customers[is_test].reset_index(drop=True),
        truth["ltv_median"].to_numpy()[is_test],
    )


@pytest.fixture(scope="module")
def model(frames) -> LtvModel:
    train = frames[0]
    return LtvModel(n_jobs=1).fit(train, train[TARGET].to_numpy())


@pytest.fixture(scope="module")
def quantiles(model: LtvModel, frames) -> np.ndarray:
    return model.predict_quantiles(frames[1])


def test_quantiles_are_ordered_non_negative_and_finite(quantiles: np.ndarray, frames) -> None:
    assert quantiles.shape == (len(frames[1]), len(QUANTILES))
    assert np.all(np.isfinite(quantiles))
    assert np.all(quantiles >= 0.0)
    assert np.all(np.diff(quantiles, axis=1) >= 0.0)
    assert np.mean(quantiles[:, 2] > quantiles[:, 0]) > 0.99  # intervals are not degenerate


def test_test_coverage_is_near_eighty_percent(quantiles: np.ndarray, frames) -> None:
    # 4,000 test rows (coverage s.e. ~0.6 points) and a 1,600-row calibration split
    # (s.e. of the conformal level ~1 point): a 0.72-0.88 band is ~6 s.e. wide, so it
    # fails for a broken interval (un-transformed log quantiles, p10/p90 swapped or a
    # wrong-signed adjustment), not for noise. The 0.77-0.83 target is checked at 100K.
    report = interval_report(frames[1][TARGET].to_numpy(), quantiles)
    assert 0.72 <= report["coverage"] <= 0.88
    assert 0.04 <= report["below_p10"] <= 0.16
    assert 0.04 <= report["above_p90"] <= 0.16


def test_median_is_close_to_the_truth_floor(model: LtvModel, frames) -> None:
    y = frames[1][TARGET].to_numpy()
    quantiles = model.predict_quantiles(frames[1])
    # The true median's MAE is the floor (log-normal noise); 10% above it is plenty at 16K.
    assert interval_report(y, quantiles)["p50_mae"] <= 1.10 * ltv_mae_floor(y, frames[2])
    np.testing.assert_array_equal(model.predict(frames[1]), quantiles[:, 1])


def test_conformal_adjustment_is_fitted_and_recorded(model: LtvModel) -> None:
    assert model.calibration_["rows"] > 1000
    assert abs(model.cqr_adjustment_) < 0.5  # log scale: at most a factor e^0.5 on the bounds
    meta = json.loads(model.to_bytes()[META_KEY])
    assert meta["cqr_adjustment"] == model.cqr_adjustment_
    assert meta["params"]["log_target"] is True


def test_without_conformal_step_the_booster_quantiles_are_served(frames) -> None:
    train = frames[0].head(4000)
    plain = LtvModel(n_jobs=1, conformal=False, n_estimators=40).fit(train, train[TARGET])
    assert plain.cqr_adjustment_ == 0.0
    test = frames[1].head(500)
    raw = np.maximum(np.sort(plain.raw_quantiles(test), axis=1), 0.0)
    np.testing.assert_allclose(plain.predict_quantiles(test), raw)


def test_row_order_and_customer_id_do_not_change_predictions(model, frames, quantiles) -> None:
    test = frames[1]
    order = np.random.default_rng(5).permutation(len(test))
    shuffled = test.iloc[order].copy()
    shuffled["customer_id"] = [f"CUST_{9_000_000 + i}" for i in range(len(shuffled))]
    np.testing.assert_array_equal(model.predict_quantiles(shuffled), quantiles[order])


def test_premium_raises_the_median_ltv(model: LtvModel, frames) -> None:
    """A conversion moves the tier and what it causes: premium feature use (a mediator
    the personas make nearly collinear with the tier, so the model credits either)."""
    test = frames[1]
    free = test[test["account_type"] == "free"]
    usage = test.loc[test["account_type"] == "premium", "premium_feature_usage_rate"].median()
    premium = free.assign(account_type="premium", premium_feature_usage_rate=usage)
    before, after = model.predict(free), model.predict(premium)
    assert after.mean() > 1.2 * before.mean()  # truth: x e^0.55 ~ 1.7 on the median


def test_round_trip_gives_identical_predictions(model, frames, quantiles) -> None:
    artefacts = model.to_bytes()
    assert set(artefacts) == {MODEL_KEY, META_KEY}
    restored = LtvModel.from_bytes(artefacts)
    np.testing.assert_array_equal(restored.predict_quantiles(frames[1]), quantiles)
    np.testing.assert_array_equal(restored.raw_quantiles(frames[1]), model.raw_quantiles(frames[1]))
    assert restored.cqr_adjustment_ == model.cqr_adjustment_


def test_artefacts_are_ubj_and_json_and_loading_never_unpickles(model, frames, monkeypatch):
    artefacts = model.to_bytes()
    assert json.loads(artefacts[META_KEY])["quantiles"] == list(QUANTILES)
    assert artefacts[MODEL_KEY][:1] == b"{"  # UBJSON object, not a pickle stream (b"\x80")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    assert LtvModel.from_bytes(artefacts).predict_quantiles(frames[1].head(5)).shape == (5, 3)


def test_from_bytes_refuses_other_quantiles(model: LtvModel) -> None:
    artefacts = model.to_bytes()
    meta = json.loads(artefacts[META_KEY]) | {"quantiles": [0.05, 0.5, 0.95]}
    with pytest.raises(ValueError, match="quantiles"):
        LtvModel.from_bytes({**artefacts, META_KEY: json.dumps(meta).encode()})


def test_params_and_importance(model: LtvModel) -> None:
    params = model.to_params()
    assert params["objective"] == "reg:quantileerror"
    assert params["quantile_alpha"] == list(QUANTILES)
    assert params["max_depth"] <= 6
    importance = model.feature_importance()
    assert sum(importance.values()) == pytest.approx(1.0)
    by_source: dict[str, float] = {}
    for name, gain in importance.items():
        by_source[name.split("=")[0]] = by_source.get(name.split("=")[0], 0.0) + gain
    top = sorted(by_source, key=by_source.get, reverse=True)[:8]
    assert "transaction_revenue_month" in top  # a true LTV driver
    # Premium, the other, is learnt through account_type or premium_feature_usage_rate
    # (near-binary by tier: free users barely use premium features); trees split the gain.
    assert {"account_type", "premium_feature_usage_rate"} & set(top)
    assert by_source["location"] < by_source["account_type"]  # the state carries no LTV signal


def test_interval_report_on_known_values() -> None:
    y = np.array([5.0, 15.0, 25.0, 40.0])
    q = np.array([[0, 10, 20], [10, 12, 20], [30, 20, 10], [0, 30, 35]], dtype=float)
    report = interval_report(y, q)
    assert report["crossing_share"] == 0.25  # row 3 is reversed before sorting
    assert report["coverage"] == 0.75  # 5 in [0,20], 15 in [10,20], 25 in [10,30], 40 not
    assert report["above_p90"] == 0.25
    assert report["p50_mae"] == pytest.approx(np.mean([5, 3, 5, 10]))
    assert report["mean_width"] == pytest.approx(np.mean([20, 10, 20, 35]))
    assert report["pinball"]["p50"] == pytest.approx(0.5 * np.mean([5, 3, 5, 10]))
    assert interval_report(y, np.sort(q, axis=1), raw_quantiles=q)["crossing_share"] == 0.25
    json.dumps(report)


def test_fit_refuses_negative_targets(frames) -> None:
    train = frames[0].head(200)
    with pytest.raises(ValueError, match="non-negative"):
        LtvModel(n_jobs=1).fit(train, -train[TARGET].to_numpy())
