"""The vectorised TreeSHAP gives XGBoost's own exact SHAP values, or steps aside."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from engage.models import explain, treeshap


def _data(rows: int, columns: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, columns)).astype(np.float32)
    x[rng.random((rows, columns)) < 0.1] = np.nan  # missing values take the default branch
    x[:, 1] = x[:, 1] > 0.5  # a 0/1 column, like the one-hot ones
    y = 2 * np.nan_to_num(x[:, 0]) + np.sin(6 * np.nan_to_num(x[:, 2])) + rng.normal(0, 0.1, rows)
    return x, y, [f"f{i}" for i in range(columns)]


@pytest.mark.parametrize(
    ("depth", "objective", "columns", "iteration_range"),
    [
        (4, "reg:squarederror", 8, (0, 40)),
        (4, "binary:logistic", 20, (0, 0)),
        (6, "reg:squarederror", 4, (0, 25)),  # few columns: features repeat along paths
        (1, "reg:squarederror", 3, (0, 10)),
    ],
)
def test_values_equal_xgboost_pred_contribs(
    depth: int, objective: str, columns: int, iteration_range: tuple[int, int]
) -> None:
    x, y, names = _data(3000, columns, depth)
    if objective == "binary:logistic":
        y = (y > 1).astype(float)
    params = {"max_depth": depth, "eta": 0.3, "objective": objective}
    booster = xgb.train(params, xgb.DMatrix(x, y, feature_names=names), 60)
    reference = booster.predict(
        xgb.DMatrix(x, feature_names=names), pred_contribs=True, iteration_range=iteration_range
    )
    got = treeshap.contributions(booster, x, iteration_range)
    assert got is not None
    np.testing.assert_allclose(got, reference, atol=1e-5, rtol=0)


def test_a_booster_with_several_trees_a_round_is_left_to_xgboost() -> None:
    x, _, names = _data(500, 4, 1)
    labels = (np.nan_to_num(x[:, 0]) * 3).astype(int)
    params = {"max_depth": 3, "objective": "multi:softprob", "num_class": 3}
    booster = xgb.train(params, xgb.DMatrix(x, labels, feature_names=names), 5)
    assert treeshap.TreeShap.of(booster, (0, 0)) is None


def test_disagreement_with_xgboost_on_the_sample_returns_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, y, names = _data(600, 4, 2)
    booster = xgb.train({"max_depth": 3}, xgb.DMatrix(x, y, feature_names=names), 10)
    explainer = treeshap.TreeShap.of(booster, (0, 0))
    assert explainer is not None
    monkeypatch.setattr(treeshap, "_evaluate", lambda *a: np.zeros((len(x), 5)))
    assert explainer.contributions(x) is None


def test_explanations_say_which_method_and_stay_additive() -> None:
    x, y, names = _data(2000, 6, 3)
    booster = xgb.train({"max_depth": 4}, xgb.DMatrix(x, y, feature_names=names), 30)
    contrib = explain.shap_values(booster, x, names, batch_rows=700, vectorised=True)
    margin = booster.inplace_predict(x, predict_type="margin")
    assert contrib.method == "vectorised"
    np.testing.assert_allclose(contrib.raw_prediction(), margin, atol=1e-4)
    assert explain.shap_values(booster, x, names).method == "xgboost"  # the default


def test_a_row_alone_gets_the_same_bits_as_in_a_batch() -> None:
    """What lets the live API (one row) and the batch share the evaluator exactly."""
    x, y, names = _data(700, 10, 4)
    booster = xgb.train({"max_depth": 4}, xgb.DMatrix(x, y, feature_names=names), 40)
    explainer = treeshap.TreeShap.of(booster, (0, 0))
    assert explainer is not None
    batch = treeshap._evaluate(explainer.forest, x, x.shape[1], 0.5)
    for i in (0, 1, 127, 128, 129, 699):  # batch edges included
        alone = treeshap._evaluate(explainer.forest, x[i : i + 1], x.shape[1], 0.5)
        assert np.array_equal(alone[0], batch[i]), i
