"""Grade churn and LTV predictions against the generator's ground truth (never for training).

Churn labels are Bernoulli draws from a known probability and LTV is a log-normal
draw around a known median, so no model can reach AUC 1 or MAE 0. The ceilings
here are what the truth itself scores on the same rows: a model is judged by how
close it gets to them (compare `engage.models.grading.engagement_ceiling`).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, roc_auc_score


def churn_auc_ceiling(y_true: np.ndarray, true_probability: np.ndarray) -> float:
    """AUC-ROC of the true churn probabilities against the observed labels, same rows."""
    return float(roc_auc_score(np.asarray(y_true, dtype=bool), np.asarray(true_probability)))


def ltv_mae_floor(y_true: np.ndarray, true_median: np.ndarray) -> float:
    """MAE of the true LTV median: the least MAE a p50 prediction can expect on these rows."""
    return float(mean_absolute_error(np.asarray(y_true, float), np.asarray(true_median, float)))


def churn_expected_recall(true_probability: np.ndarray, flagged: np.ndarray) -> float:
    """Recall of `flagged` averaged over label draws: sum(p * flagged) / sum(p).

    Free of the sampling noise in the observed labels, so it tells whether a recall
    shortfall on one test set is the model's threshold or the luck of that draw.
    """
    p = np.asarray(true_probability, dtype=np.float64)
    return float(np.sum(p * np.asarray(flagged, dtype=bool)) / np.sum(p))
