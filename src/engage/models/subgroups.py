"""Model metrics per subgroup: gender, age band and region.

A single test-set number can hide a model that works well for the majority and
badly for a minority. Gender, age and location are the contract's CONDITIONAL
attributes (permitted, but monitored for fairness, seed §2.4.3), so the model card
reports each metric per group of those columns. The result is plain JSON-ready
dicts so it can be stored in a registry version's ``metadata.json`` as-is.

Small groups give noisy metrics that invite wrong conclusions, so a group with
fewer than ``min_rows`` rows reports only its size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score

from engage.models.features import AGE_BAND_EDGES

MetricFn = Callable[[np.ndarray, np.ndarray], dict[str, float]]
Grouping = Callable[[pd.DataFrame], pd.Series]

MIN_ROWS = 30
TOP_LOCATIONS = 10
OTHER = "other"
UNKNOWN = "unknown"


def age_band(frame: pd.DataFrame) -> pd.Series:
    """Age bands 18-24, 25-34, 35-44, 45-54, 55+ from the `age` column (ordered)."""
    edges = [*AGE_BAND_EDGES, math.inf]
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(AGE_BAND_EDGES)]
    labels.append(f"{AGE_BAND_EDGES[-1]}+")
    return pd.cut(frame["age"], bins=edges, right=False, labels=labels)


def top_locations(frame: pd.DataFrame, keep: int = TOP_LOCATIONS) -> pd.Series:
    """The `keep` largest locations, the rest lumped as "other".

    Fifty states would make a table nobody reads and most of its groups too small
    to measure; the largest ones plus one "other" group keep every row counted.
    Ties in size are broken by name so the choice is deterministic.
    """
    location = frame["location"].astype("string")
    counts = location.value_counts(dropna=True)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    kept = [str(name) for name, _ in ranked[:keep]]
    labels = location.where(location.isin(kept) | location.isna(), OTHER)
    categories = kept + ([OTHER] if len(ranked) > keep else [])
    return pd.Series(pd.Categorical(labels, categories=categories), index=frame.index)


def default_groups(keep_locations: int = TOP_LOCATIONS) -> dict[str, Grouping]:
    """The contract's monitored attributes: gender, age band, location (region)."""
    return {
        "gender": lambda frame: frame["gender"],
        "age_band": age_band,
        "location": lambda frame: top_locations(frame, keep_locations),
    }


def subgroup_metrics(
    frame: pd.DataFrame,
    y_true: np.ndarray | pd.Series,
    y_pred: np.ndarray | pd.Series,
    metric_fn: MetricFn,
    groups: Mapping[str, Grouping] | None = None,
    min_rows: int = MIN_ROWS,
) -> dict[str, dict[str, dict[str, float]]]:
    """`metric_fn` per subgroup: {grouping: {label: {"rows": n, metric: value, ...}}}.

    `y_true` and `y_pred` are aligned with `frame` by position. Each grouping maps the
    frame to one label per row; rows with no label (e.g. an age outside the bands)
    form an "unknown" group rather than silently disappearing from the counts.
    Groups appear in category order for categorical labels, else sorted by label.
    """
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    if not len(frame) == len(truth) == len(pred):
        raise ValueError(
            f"frame, y_true and y_pred differ in length: {len(frame)}, {len(truth)}, {len(pred)}"
        )
    result: dict[str, dict[str, dict[str, float]]] = {}
    for name, grouping in (groups if groups is not None else default_groups()).items():
        labels = pd.Series(grouping(frame), copy=False).reset_index(drop=True)
        per_group: dict[str, dict[str, float]] = {}
        for label in _ordered_labels(labels):
            mask = (labels.isna() if label is None else labels == label).to_numpy(dtype=bool)
            rows = int(mask.sum())
            entry: dict[str, float] = {"rows": rows}
            if rows >= min_rows:
                scores = metric_fn(truth[mask], pred[mask])
                entry.update({k: float(v) for k, v in scores.items() if k != "rows"})
            per_group[UNKNOWN if label is None else str(label)] = entry
        result[name] = per_group
    return result


def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """R² and MAE: the engagement model's headline metrics, per group."""
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    r2 = float(r2_score(y, p)) if len(y) > 1 else math.nan
    return {"r2": r2, "mae": float(mean_absolute_error(y, p))}


def classification_scores(threshold: float) -> MetricFn:
    """AUC and recall at `threshold` (the served decision rule), per group.

    Recall is what the churn model promises (catch 80% of churners), so it is the
    number a group must not fall behind on. Both are NaN where a group lacks
    positives (or negatives, for AUC) rather than a misleading 0 or 1.
    """

    def scores(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float]:
        y = np.asarray(y_true, dtype=bool)
        p = np.asarray(proba, dtype=float)
        both = 0 < int(y.sum()) < len(y)
        auc = float(roc_auc_score(y, p)) if both else math.nan
        recall = float((p[y] >= threshold).mean()) if y.any() else math.nan
        return {"auc": auc, "recall": recall}

    return scores


def _ordered_labels(labels: pd.Series) -> list[Any]:
    """Labels that occur, in category order (categoricals) or sorted; None for missing."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        present = set(labels.dropna().unique())
        ordered: list[Any] = [c for c in labels.cat.categories if c in present]
    else:
        ordered = sorted(labels.dropna().unique(), key=str)
    return ordered + ([None] if labels.isna().any() else [])
