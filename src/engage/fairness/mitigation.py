"""Post-processing mitigation with fairlearn's ThresholdOptimizer, reported before/after.

The model's score stays as it is; ThresholdOptimizer learns group-specific
(randomised) thresholds on the training split under a demographic-parity
constraint, and is measured on the test split for the attribute whose disparate
impact is worst. The report shows what the mitigation would buy (disparate impact,
equalized odds) and cost (accuracy, selection rate). Group-specific thresholds are
themselves a use of the protected attribute at decision time, which is why this is
an explicit opt-in (ENGAGE_FAIRNESS_MITIGATION) and not the default.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator

from engage.fairness.groups import protected_groups
from engage.fairness.metrics import attribute_fairness

Split = tuple[pd.DataFrame, np.ndarray, np.ndarray]  # customers, outcome, model score


class _PrefitScore(BaseEstimator):
    """An already-'fitted' estimator whose prediction is the model score in column 0."""

    def __init__(self) -> None:
        self.fitted_ = True

    def fit(self, x: np.ndarray, y: np.ndarray) -> _PrefitScore:
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x)[:, 0]


def _worst_attribute(report: dict) -> str | None:
    judged = {a: r["di_ratio"] for a, r in report["attributes"].items() if "di_ratio" in r}
    return min(judged, key=judged.__getitem__) if judged else None


def _summary(result: dict, outcome: np.ndarray, decision: np.ndarray) -> dict[str, Any]:
    keys = ("di_ratio", "dp_difference", "eo_difference")
    return {
        **{k: result.get(k) for k in keys},
        "accuracy": float(np.mean(np.asarray(outcome, bool) == decision)),
        "selection_rate": float(np.mean(decision)),
    }


def threshold_optimizer_report(
    train: Split, test: Split, threshold: float, report: dict, seed: int, min_rows: int
) -> dict[str, Any]:
    """Before/after fairness and accuracy of demographic-parity post-processing."""
    attribute = _worst_attribute(report)
    if attribute is None:
        return {"applied": False, "reason": "no attribute has two judged groups"}
    optimizer = ThresholdOptimizer(
        estimator=_PrefitScore(),
        constraints="demographic_parity",
        predict_method="predict",
        prefit=True,
    )
    frame, outcome, score = train
    optimizer.fit(
        score.reshape(-1, 1),
        np.asarray(outcome, bool),
        sensitive_features=protected_groups(frame)[attribute].to_numpy(),
    )
    frame, outcome, score = test
    groups = protected_groups(frame)[attribute]
    after = np.asarray(
        optimizer.predict(score.reshape(-1, 1), sensitive_features=groups.to_numpy(),
                          random_state=seed), bool,
    )  # fmt: skip
    before = score > threshold
    return {
        "applied": True,
        "method": "fairlearn ThresholdOptimizer (demographic_parity), fitted on training",
        "attribute": attribute,
        "before": _summary(report["attributes"][attribute], outcome, before),
        "after": _summary(
            attribute_fairness(groups, outcome, after, score, min_rows), outcome, after
        ),
    }
