"""Post-processing mitigation with fairlearn's ThresholdOptimizer: fitted, reported, applied.

The model's score stays as it is; ThresholdOptimizer learns group-specific
thresholds on the training split under a demographic-parity constraint, for the
attribute whose disparate impact is worst. Its rule per group is a mix of two
threshold operations (use the first with probability p0); the rules are exported
as JSON and applied *deterministically*: each customer draws a fixed uniform number
from a hash of their id, so a customer's decision never flips between runs or
between batch and API. The report measures the rules on the test split before and
after (disparate impact, equalized odds, accuracy, selection rate), and batch
inference applies them to the served decision. Group-specific thresholds are a use
of the protected attribute at decision time, which is why this is an explicit
opt-in (ENGAGE_FAIRNESS_MITIGATION) and not the default.
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


def export_rules(optimizer: ThresholdOptimizer) -> dict[str, list[dict[str, Any]]]:
    """Per group: the threshold operations and their probabilities, as plain JSON."""
    rules = {}
    for group, mix in optimizer.interpolated_thresholder_.interpolation_dict.items():
        rules[str(group)] = [
            {
                "p": float(mix[f"p{i}"]),
                "operator": mix[f"operation{i}"].operator,
                "threshold": float(mix[f"operation{i}"].threshold),
            }
            for i in (0, 1)
            if f"operation{i}" in mix
        ]
    return rules


def uniform_draws(customer_ids: pd.Series) -> np.ndarray:
    """A fixed number in [0, 1) per customer id (the same on every run and machine)."""
    hashed = pd.util.hash_pandas_object(customer_ids.astype(str), index=False).to_numpy()
    return hashed / float(2**64)


def apply_rules(
    rules: dict[str, list[dict[str, Any]]],
    groups: pd.Series,
    score: np.ndarray,
    customer_ids: pd.Series,
    fallback: float,
) -> np.ndarray:
    """The mitigated decision per row; groups without a rule keep `score > fallback`."""
    score = np.asarray(score, float)
    decision = score > fallback
    draw = uniform_draws(customer_ids)
    labels = groups.astype(str).to_numpy()
    for group, operations in rules.items():
        rows = labels == group
        taken = np.zeros(len(score), dtype=bool)
        cumulative = 0.0
        for i, op in enumerate(operations):
            last = i == len(operations) - 1  # takes any sliver that rounding left
            pick = rows & ~taken & (last | (draw < cumulative + op["p"]))
            decision[pick] = _holds(op, score)[pick]
            taken |= pick
            cumulative += op["p"]
    return decision


def _holds(operation: dict[str, Any], score: np.ndarray) -> np.ndarray:
    if operation["operator"] == ">":
        return score > operation["threshold"]
    return score < operation["threshold"]


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
    rules = export_rules(optimizer)
    frame, outcome, score = test
    groups = protected_groups(frame)[attribute]
    after = apply_rules(rules, groups, score, frame["customer_id"], threshold)
    before = score > threshold
    return {
        "applied": True,
        "method": "fairlearn ThresholdOptimizer (demographic_parity), fitted on training",
        "attribute": attribute,
        "rules": rules,
        "before": _summary(report["attributes"][attribute], outcome, before),
        "after": _summary(
            attribute_fairness(groups, outcome, after, score, min_rows), outcome, after
        ),
    }
