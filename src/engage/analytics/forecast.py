"""7-day engagement forecast per customer and for the platform (issue 18 item 1).

Candidates: Holt-Winters (engage.analytics.forecast_ets), the seasonal regression
with a recent trend at each trend window (forecast_tslm), and the global
gradient-boosting model (forecast_gbm). The last HORIZON days of the history are
held out; every candidate is fitted on the days before them and scored by panel
MASE (summed absolute error over summed in-sample seasonal-naive error); the best
is refitted on the whole history and forecasts the HORIZON days after the cut-off.

Intervals are split-conformal on the held-out week: per horizon, the quantile of
|error| / scale over customers (scale: the customer's in-sample seasonal-naive
MAE, floored), so they are as wide as the chosen model's real errors were. The
platform total's interval adds the held-out week's squared total error to the sum
of the customers' variances, because customers' errors are not independent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from engage.analytics import forecast_ets, forecast_gbm, forecast_tslm

HORIZON = 7
SEASON = 7
LEVELS = (0.80, 0.95)
SCALE_FLOOR = 0.005  # a series with no seasonal-naive error still gets a sliver of width
Model = Callable[[np.ndarray, int], np.ndarray]


def candidates(seed: int = 0, threads: int = 1, learned: bool = True) -> dict[str, Model]:
    """Every model the validation week chooses among, by name."""
    models: dict[str, Model] = {"holt_winters": lambda y, fw: forecast_ets.forecast(y, HORIZON)[0]}
    for window in forecast_tslm.WINDOWS:
        models[f"seasonal_trend_{window}d"] = lambda y, fw, w=window: forecast_tslm.forecast(
            y, fw, w, HORIZON
        )
    if learned:
        models["gradient_boosting"] = lambda y, fw: forecast_gbm.forecast(y, fw, seed, threads)
    return models


def naive_scale(y: np.ndarray) -> np.ndarray:
    """In-sample seasonal-naive MAE per series: MASE's denominator."""
    return np.abs(y[:, SEASON:] - y[:, :-SEASON]).mean(axis=1)


def panel_mase(pred: np.ndarray, truth: np.ndarray, scale: np.ndarray) -> float:
    """Summed absolute error over summed scale (each series' error in its own units)."""
    return float(np.abs(pred - truth).mean(axis=1).sum() / max(scale.sum(), 1e-12))


def conformal_quantiles(err: np.ndarray, scale: np.ndarray) -> dict[float, np.ndarray]:
    """Per level, per horizon: the finite-sample conformal quantile of |err| / scale."""
    ratio = np.abs(err) / np.maximum(scale, SCALE_FLOOR)[:, None]
    n = len(ratio)
    return {
        level: np.quantile(ratio, min(1.0, np.ceil((n + 1) * level) / n), axis=0)
        for level in LEVELS
    }


@dataclass
class ForecastResult:
    """What the stage publishes and the report shows."""

    model: str
    validation_mase: dict[str, float]
    point: np.ndarray  # (n, HORIZON)
    lower: dict[float, np.ndarray]
    upper: dict[float, np.ndarray]
    total: np.ndarray  # (HORIZON,)
    total_lower: dict[float, np.ndarray] = field(default_factory=dict)
    total_upper: dict[float, np.ndarray] = field(default_factory=dict)


def fit_forecast(y: np.ndarray, first_weekday: int, models: dict[str, Model]) -> ForecastResult:
    """Choose on the held-out week, refit on everything, forecast HORIZON days ahead.

    `y` is (customers, days) of daily engagement; `first_weekday` is day 0's weekday."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 8 * SEASON or not len(y):
        raise ValueError(f"need a (customers, days>={8 * SEASON}) history, got {y.shape}")
    fit, held = y[:, :-HORIZON], y[:, -HORIZON:]
    scale_fit = naive_scale(fit)
    preds = {name: model(fit, first_weekday) for name, model in models.items()}
    scores = {name: round(panel_mase(p, held, scale_fit), 4) for name, p in preds.items()}
    best = min(scores, key=scores.__getitem__)
    err = held - preds[best]
    quant = conformal_quantiles(err, scale_fit)
    point = models[best](y, first_weekday)
    scale = np.maximum(naive_scale(y), SCALE_FLOOR)
    lower = {lv: np.clip(point - q[None, :] * scale[:, None], 0, 1) for lv, q in quant.items()}
    upper = {lv: np.clip(point + q[None, :] * scale[:, None], 0, 1) for lv, q in quant.items()}
    result = ForecastResult(best, scores, point, lower, upper, point.sum(axis=0))
    _total_interval(result, err, quant, scale)
    return result


def _total_interval(res: ForecastResult, err: np.ndarray, quant: dict, scale: np.ndarray) -> None:
    """Normal interval for the platform total: the customers' variances (from the 80%
    conformal half-widths) plus the held-out week's mean squared total error."""
    sigma = quant[LEVELS[0]][None, :] * scale[:, None] / norm.ppf(0.5 + LEVELS[0] / 2)
    total_err = err.sum(axis=0)
    sd = np.sqrt((sigma**2).sum(axis=0) + np.mean(total_err**2))
    for level in LEVELS:
        z = norm.ppf(0.5 + level / 2)
        res.total_lower[level] = np.maximum(res.total - z * sd, 0.0)
        res.total_upper[level] = res.total + z * sd
