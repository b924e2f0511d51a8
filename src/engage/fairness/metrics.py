"""Fairness of a model's decisions per monitored group, with fairlearn (seed §2.4.4).

A decision is what a model's output is used for: "high engagement" (score >= 0.7)
for targeting, the churn `intervention_flag` for retention offers. For each of
gender, age band and region this reports, per group, the selection rate, true and
false positive rates and calibration (mean predicted vs observed), and overall:

* disparate impact ratio (the 80% rule): lowest selection rate / highest;
* demographic parity difference: highest selection rate - lowest;
* equalized odds difference: the larger of the TPR and FPR gaps;
* the same DI ratio of the *observed* outcomes (`labels_di_ratio`), so a reader
  can tell disparity the model adds from disparity already in the data.

Groups with fewer than `min_rows` rows are listed but left out of the summary
ratios: a 30-row group's selection rate is too noisy to judge a release by.

Sampling noise. A 10% decision over 700 customers per group has a selection-rate
standard error of about 1.1 points, enough to move a DI ratio by 0.15 from one
sample to the next. So the summary also carries one-sided 95% bounds: `di_upper`
(Katz log-ratio interval of lowest / highest selection rate) and `eo_lower` (the
largest TPR or FPR gap minus its normal-approximation margin). The release gate
blocks on evidence (the bound beyond the bar), not on a noisy point estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from engage.fairness.groups import protected_groups

MIN_ROWS = 100
Z_95 = 1.6449  # one-sided 95%


def _safe_ratio(low: float, high: float) -> float:
    return float(low / high) if high > 0 else 1.0


def attribute_fairness(
    groups: pd.Series,
    y_true: np.ndarray,
    decision: np.ndarray,
    score: np.ndarray,
    min_rows: int = MIN_ROWS,
) -> dict:
    """Per-group table and summary for one attribute."""
    y, d = np.asarray(y_true, bool), np.asarray(decision, bool)
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
            "observed_rate": lambda yt, yp: float(np.mean(yt)),
        },
        y_true=y,
        y_pred=d,
        sensitive_features=groups.to_numpy(),
    ).by_group
    stats = pd.DataFrame({"score": np.asarray(score, float), "g": groups.to_numpy()})
    frame["mean_score"] = stats.groupby("g")["score"].mean()
    frame["rows"] = stats.groupby("g").size()
    frame["positives"] = frame["rows"] * frame["observed_rate"]
    judged = frame[frame["rows"] >= min_rows]
    summary = {"groups_judged": len(judged), "min_rows": min_rows}
    if len(judged) >= 2:
        sel, obs = judged["selection_rate"], judged["observed_rate"]
        tpr, fpr = judged["true_positive_rate"], judged["false_positive_rate"]
        summary |= {
            "di_ratio": _safe_ratio(sel.min(), sel.max()),
            "dp_difference": float(sel.max() - sel.min()),
            "eo_difference": float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min())),
            "labels_di_ratio": _safe_ratio(obs.min(), obs.max()),
            "lowest_group": str(sel.idxmin()),
            "highest_group": str(sel.idxmax()),
            "di_upper": _di_upper(judged.loc[sel.idxmin()], judged.loc[sel.idxmax()]),
            "eo_lower": _eo_lower(judged),
        }
    table = {str(group): {k: float(v) for k, v in row.items()} for group, row in frame.iterrows()}
    return {**summary, "groups": table}


def _di_upper(low: pd.Series, high: pd.Series) -> float:
    """One-sided 95% upper bound of the lowest/highest selection-rate ratio (Katz)."""
    p1, p2 = low["selection_rate"], high["selection_rate"]
    if p1 <= 0 or p2 <= 0:
        return _safe_ratio(p1, p2)
    se = np.sqrt((1 - p1) / (low["rows"] * p1) + (1 - p2) / (high["rows"] * p2))
    return float(min(1.0, np.exp(np.log(p1 / p2) + Z_95 * se)))


def _gap_lower(rates: pd.Series, sizes: pd.Series) -> float:
    """The largest gap between two groups' rates minus its one-sided 95% margin."""
    lo, hi = rates.idxmin(), rates.idxmax()
    n_lo, n_hi = max(sizes[lo], 1.0), max(sizes[hi], 1.0)
    var = rates[lo] * (1 - rates[lo]) / n_lo + rates[hi] * (1 - rates[hi]) / n_hi
    return float(max(0.0, rates[hi] - rates[lo] - Z_95 * np.sqrt(var)))


def _eo_lower(judged: pd.DataFrame) -> float:
    """Lower bound of the equalized odds difference (TPR gap over positives, FPR over
    negatives), so a gap made by a handful of positives does not count as evidence."""
    positives, negatives = judged["positives"], judged["rows"] - judged["positives"]
    return max(
        _gap_lower(judged["true_positive_rate"], positives),
        _gap_lower(judged["false_positive_rate"], negatives),
    )


def decision_fairness(
    frame: pd.DataFrame,
    y_true: np.ndarray,
    decision: np.ndarray,
    score: np.ndarray,
    decision_name: str,
    min_rows: int = MIN_ROWS,
) -> dict:
    """Fairness of one decision for every monitored attribute of `frame`'s customers."""
    by_attribute = {
        attribute: attribute_fairness(groups, y_true, decision, score, min_rows)
        for attribute, groups in protected_groups(frame).items()
    }
    return {"decision": decision_name, "rows": len(frame), "attributes": by_attribute}


def fairness_rows(model: str, version: str, run_id: str, fairness: dict) -> list[dict]:
    """Long rows for `engagement_analytics.fairness_metrics`: one per attribute and group."""
    rows = []
    for attribute, result in fairness["attributes"].items():
        for group, stats in result["groups"].items():
            rows.append(
                {
                    "model_name": model,
                    "model_version": version,
                    "run_id": run_id,
                    "decision": fairness["decision"],
                    "attribute": attribute,
                    "group_value": group,
                    "rows": int(stats["rows"]),
                    "selection_rate": stats["selection_rate"],
                    "true_positive_rate": stats["true_positive_rate"],
                    "false_positive_rate": stats["false_positive_rate"],
                    "mean_score": stats["mean_score"],
                    "observed_rate": stats["observed_rate"],
                    "di_ratio": result.get("di_ratio"),
                    "dp_difference": result.get("dp_difference"),
                    "eo_difference": result.get("eo_difference"),
                    "labels_di_ratio": result.get("labels_di_ratio"),
                    "passes_80_percent_rule": (
                        None if "di_ratio" not in result else result["di_ratio"] >= 0.8
                    ),
                }
            )
    return rows
