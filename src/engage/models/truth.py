"""Grade predictions against the generator's ground truth (never for training).

Engagement is latent signal plus noise, churn labels are Bernoulli draws from a
known probability and LTV is a log-normal draw around a known median, so no model
can reach R² 1, AUC 1 or MAE 0. The ceilings here are what the truth itself scores
on the same rows: a model is judged by how close it gets to them.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, roc_auc_score

from engage.models.metrics import regression_metrics


def engagement_r2_ceiling(y_true: np.ndarray, expected: np.ndarray) -> float:
    """R² of the noise-free expected engagement (clipped to 0..1) against the observed."""
    return regression_metrics(y_true, np.clip(np.asarray(expected, float), 0.0, 1.0))["r2"]


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
