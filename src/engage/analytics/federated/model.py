"""The churn model trained both ways: L2-regularised logistic regression in numpy.

The weights are one flat vector (features, then the intercept), so a device's update is
one array to clip, mask and average. `fit_central` minimises the pooled objective; the
devices run `local_sgd` on their own shard's objective, whose shard-size-weighted mean is
the pooled one - which is why FedAvg can approach the central model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass(frozen=True)
class LocalParams:
    """What each device does with the global model in one round."""

    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 0.1
    l2: float = 1e-3


def _with_bias(x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1))])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


def predict_proba(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(churn) for standardised rows `x`."""
    return _sigmoid(_with_bias(x) @ weights)


def _penalty(weights: np.ndarray) -> np.ndarray:
    out = weights.copy()
    out[-1] = 0.0  # the intercept is not shrunk
    return out


def loss_and_grad(
    weights: np.ndarray, xb: np.ndarray, y: np.ndarray, l2: float
) -> tuple[float, np.ndarray]:
    """Mean log-loss plus l2/2 |w|^2 and its gradient (`xb` carries the bias column)."""
    z = xb @ weights
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * float(_penalty(weights) @ weights)
    grad = xb.T @ (_sigmoid(z) - y) / len(y) + l2 * _penalty(weights)
    return float(loss), grad


def fit_central(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """The pooled optimum (L-BFGS to convergence): the reference FedAvg is graded against."""
    xb = _with_bias(x)
    start = np.zeros(xb.shape[1])
    result = minimize(
        loss_and_grad, start, args=(xb, y, l2), jac=True, method="L-BFGS-B",
        options={"maxiter": 1000, "gtol": 1e-8},
    )  # fmt: skip
    return result.x


def local_sgd(
    weights: np.ndarray, x: np.ndarray, y: np.ndarray, params: LocalParams,
    rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    """The device's new weights after `epochs` of shuffled mini-batch SGD from `weights`."""
    w = weights.copy()
    xb = _with_bias(x)
    for _ in range(params.epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), params.batch_size):
            idx = order[start : start + params.batch_size]
            _, grad = loss_and_grad(w, xb[idx], y[idx], params.l2)
            w -= params.learning_rate * grad
    return w


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties get their mean rank)."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both classes in the test split")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = np.asarray(score)[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    mean_rank = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))
