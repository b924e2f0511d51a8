"""Seasonal regression with a recent linear trend, one least-squares solve for everyone.

The second statistical family of the 7-day forecast: y_t = level + slope * r_t +
weekday_t, where r_t counts days back from the cut-off and is held flat beyond the
trend window (the series is level before it). Every customer shares the design
matrix, so one `lstsq` with a column per customer fits all of them at once. The
trend window is a hyperparameter picked on the validation week, never assumed.
"""

from __future__ import annotations

import numpy as np

SEASON = 7
WINDOWS = (14, 28, 42, 63)


def design(days: int, first_weekday: int, window: int, ahead: int = 0) -> np.ndarray:
    """Rows for days 0..days-1 (ahead=0) or the `ahead` days after them: intercept,
    windowed trend, six weekday dummies (Monday is the base)."""
    t = np.arange(days, days + ahead) if ahead else np.arange(days)
    recent = np.maximum(t - (days - 1), -window).astype(np.float64)
    weekday = (first_weekday + t) % SEASON
    dummies = (weekday[:, None] == np.arange(1, SEASON)[None, :]).astype(np.float64)
    return np.column_stack([np.ones(len(t)), recent, dummies])


def forecast(y: np.ndarray, first_weekday: int, window: int, horizon: int = SEASON) -> np.ndarray:
    """Point forecasts (n, horizon) clipped to 0-1 from a history y (n, days)."""
    y = np.asarray(y, dtype=np.float64)
    days = y.shape[1]
    coef, *_ = np.linalg.lstsq(design(days, first_weekday, window), y.T, rcond=None)
    return np.clip((design(days, first_weekday, window, horizon) @ coef).T, 0.0, 1.0)
