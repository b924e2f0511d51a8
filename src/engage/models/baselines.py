"""Strong simple baselines every model is reported beside, on the same split.

Tabular models: scikit-learn's gradient boosting with its DEFAULT hyperparameters (what
an analyst gets without tuning; categoricals as native categorical columns) and a
trivial constant (the training mean, prevalence or median). Anomaly detector: the best
single-column threshold rule (a ceiling for one-column rules: it picks the column and
direction with the truth, so it flatters the baseline, never the model) and a robust
z-score (max |value - median| / MAD over the model's features, no truth). Recommender
baselines live with its evaluation (`engage.models.recommend_eval`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from engage.models.honest import refuse_test

GBM_DEFAULTS = "gbm_defaults"
TRIVIAL = "trivial"
SINGLE_COLUMN = "single_column_rule"
ROBUST_Z = "robust_z"


def gbm_default_regressor(
    x_train: np.ndarray,
    y_train: np.ndarray,
    seed: int,
    loss: str = "squared_error",
    threads: int | None = None,
    categorical: np.ndarray | None = None,
) -> HistGradientBoostingRegressor:
    """HistGradientBoostingRegressor with default hyperparameters (only loss and seed set);
    `threads` caps OpenMP so five parallel training branches do not oversubscribe, and
    `categorical` (a column mask) says which columns hold category codes, which is a
    fact about the data, not a tuned choice (FeatureSpec.coded_matrix)."""
    refuse_test(x_train, y_train, choice="gbm_default_regressor")
    model = HistGradientBoostingRegressor(
        loss=loss, random_state=seed, categorical_features=_categorical(categorical)
    )
    with threadpool_limits(threads):
        return model.fit(x_train, y_train)


def gbm_default_classifier(
    x_train: np.ndarray,
    y_train: np.ndarray,
    seed: int,
    threads: int | None = None,
    categorical: np.ndarray | None = None,
) -> HistGradientBoostingClassifier:
    """HistGradientBoostingClassifier with default hyperparameters (only the seed set)."""
    refuse_test(x_train, y_train, choice="gbm_default_classifier")
    model = HistGradientBoostingClassifier(
        random_state=seed, categorical_features=_categorical(categorical)
    )
    with threadpool_limits(threads):
        return model.fit(x_train, y_train)


def _categorical(mask: np.ndarray | None) -> np.ndarray | str:
    """scikit-learn's own default ("from_dtype": none for an array) when no mask is given."""
    return "from_dtype" if mask is None or not mask.any() else mask


def column_scores(frame: pd.DataFrame, columns: list[str]) -> dict[tuple[str, int], np.ndarray]:
    """Each numeric column, both directions (+1: high is anomalous), NaN ranked last."""
    out = {}
    for name in columns:
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        for sign in (1, -1):
            out[(name, sign)] = np.nan_to_num(sign * values, nan=-np.inf)
    return out


def best_single_column_rule(
    frame: pd.DataFrame, is_anomaly: np.ndarray, columns: list[str], k: int = 100
) -> dict[str, object]:
    """The column and direction whose top k holds the most anomalies (ties: input order).

    Uses the truth to choose, so it is the best any one-column threshold rule can do: a
    model below it is not earning its complexity.
    """
    y = np.asarray(is_anomaly, dtype=bool)
    best: tuple[float, str, int] | None = None
    for (name, sign), score in column_scores(frame, columns).items():
        top = np.argsort(-score, kind="stable")[:k]
        precision = float(y[top].mean()) if len(top) else 0.0
        if best is None or precision > best[0]:
            best = (precision, name, sign)
    if best is None:
        raise ValueError("no numeric column to build a single-column rule from")
    precision, name, sign = best
    scores = column_scores(frame, [name])[(name, sign)]
    return {
        "column": name,
        "direction": "high" if sign > 0 else "low",
        f"precision_at_{k}": precision,
        "scores": scores,
    }


def robust_z_scores(x: np.ndarray) -> np.ndarray:
    """max over features of |x - median| / (1.4826 MAD), MAD 0 -> 1.2533 mean |dev| or 1."""
    med = np.nanmedian(x, axis=0)
    dev = np.abs(np.where(np.isnan(x), med, x) - med)
    mad = 1.4826 * np.median(dev, axis=0)
    mean_dev = 1.2533 * dev.mean(axis=0)
    scale = np.where(mad > 0, mad, np.where(mean_dev > 0, mean_dev, 1.0))
    return (dev / scale).max(axis=1)


def recall_by_kind(kind: np.ndarray, scores: np.ndarray, share: float) -> dict[str, float]:
    """Recall of each anomaly kind among the top `share` of scores ("" / None = organic)."""
    kinds = pd.Series(kind).fillna("").astype(str).to_numpy()
    k = max(1, int(np.ceil(share * len(scores))))
    top = np.zeros(len(scores), dtype=bool)
    top[np.argsort(-np.asarray(scores, np.float64), kind="stable")[:k]] = True
    return {name: float(top[kinds == name].mean()) for name in sorted(set(kinds) - {""})}


def precision_at(is_anomaly: np.ndarray, scores: np.ndarray, k: int) -> float:
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")[:k]
    return float(np.asarray(is_anomaly, bool)[order].mean()) if len(order) else float("nan")


def headline(values: Mapping[str, float], higher_is_better: bool) -> tuple[str, float]:
    """(name, value) of the strongest baseline."""
    pick = max if higher_is_better else min
    name = pick(values, key=values.__getitem__)
    return name, float(values[name])
