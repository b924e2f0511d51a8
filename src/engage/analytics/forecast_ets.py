"""Holt-Winters (additive, damped trend, weekly season) vectorised over customers.

The statistical family of the 7-day forecast (issue 18 item 1): every customer's
series runs through the same recursion at once (one numpy step per day), for each
smoothing setting of a small grid, and each customer keeps the setting with the
lowest one-step error over its own history: an AutoETS in spirit, written in numpy
because `statsforecast` is not installable here and fits one series at a time.
"""

from __future__ import annotations

import itertools

import numpy as np

SEASON = 7
BURN_IN = 14  # one-step errors of the first two weeks do not rank the settings
ALPHAS = (0.03, 0.08, 0.2, 0.45)
BETAS = (0.0, 0.03)  # trend smoothing, as a share of alpha (error-correction form)
GAMMAS = (0.05, 0.15, 0.35)
PHI = 0.9  # trend damping: a 7-day forecast should not run a slope on for ever
GRID = tuple(itertools.product(ALPHAS, BETAS, GAMMAS))


def _initial(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level, trend and season from the first two weeks."""
    week1, week2 = y[:, :SEASON], y[:, SEASON : 2 * SEASON]
    level = week1.mean(axis=1)
    trend = (week2.mean(axis=1) - level) / SEASON
    season = week1 - level[:, None]
    return level, trend, season


def _run(y: np.ndarray, alpha: float, beta: float, gamma: float, horizon: int):  # type: ignore[no-untyped-def]
    """One setting over every series: (sum of squared one-step errors, forecast)."""
    level, trend, season = _initial(y)
    sse = np.zeros(len(y))
    for t in range(y.shape[1]):
        k = t % SEASON
        err = y[:, t] - (level + PHI * trend + season[:, k])
        if t >= BURN_IN:
            sse += err * err
        level = level + PHI * trend + alpha * err
        trend = PHI * trend + alpha * beta * err
        season[:, k] += gamma * err
    damp = np.cumsum(PHI ** np.arange(1, horizon + 1))
    idx = (y.shape[1] + np.arange(horizon)) % SEASON
    return sse, level[:, None] + damp[None, :] * trend[:, None] + season[:, idx]


def forecast(y: np.ndarray, horizon: int = SEASON) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer point forecasts (n, horizon) clipped to 0-1, and each one's chosen
    grid index (which alpha, beta, gamma won on its own one-step errors)."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 3 * SEASON:
        raise ValueError(f"need (customers, days>={3 * SEASON}) history, got {y.shape}")
    best_sse = np.full(len(y), np.inf)
    best = np.zeros((len(y), horizon))
    choice = np.zeros(len(y), dtype=np.int16)
    for g, (alpha, beta, gamma) in enumerate(GRID):
        sse, fc = _run(y, alpha, beta, gamma, horizon)
        better = sse < best_sse
        best_sse = np.where(better, sse, best_sse)
        best[better] = fc[better]
        choice[better] = g
    return np.clip(best, 0.0, 1.0), choice
