"""Daily activity history: weekly seasonality, a recent trend and lapses.

The last `days_since_last_login` days of a customer have no logins, and the
`last_7_day_engagement_trend` column is the least-squares slope of the series'
final week, so the customer table and the history agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engage.data.random import sigmoid

HISTORY_DAYS = 90
TREND_DAYS = 30
WEEKLY_AMPLITUDE = 0.04
DAILY_NOISE_SD = 0.02
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class History:
    logins: np.ndarray  # (n, days) int32
    minutes: np.ndarray  # (n, days) float32
    engagement: np.ndarray  # (n, days) float32
    trend: np.ndarray  # true recent slope per day
    last7_slope: np.ndarray  # observed slope of the final 7 days
    amp: np.ndarray | None = None  # weekly amplitude per customer (the future continues it)


def recency(rng: np.random.Generator, expected: np.ndarray, logins: np.ndarray) -> np.ndarray:
    """Days since the last login: most customers came back today or yesterday, some lapsed."""
    n = len(expected)
    lapsed = rng.random(n) < sigmoid(-2.6 - 6.0 * (expected - 0.45))
    daily_p = np.clip(1 - np.exp(-logins), 0.05, 0.99)
    active_gap = rng.geometric(daily_p) - 1
    lapsed_gap = rng.integers(3, 120, n)
    return np.where(lapsed, lapsed_gap, active_gap).clip(0, 365).astype(np.int32)


def draw_trend(rng: np.random.Generator, days_since: np.ndarray) -> np.ndarray:
    """Recent engagement slope per day; customers drifting away trend down."""
    return rng.normal(0, 0.004, len(days_since)) - 0.003 * (days_since >= 3)


def build_history(
    rng: np.random.Generator,
    expected: np.ndarray,
    trend: np.ndarray,
    avg_logins: np.ndarray,
    avg_minutes: np.ndarray,
    days_since: np.ndarray,
    start_weekday: int,
    days: int = HISTORY_DAYS,
) -> History:
    """Per-day engagement, logins and minutes for `days` days ending at the as-of date."""
    n = len(expected)
    d = np.arange(days, dtype=np.float32)
    recent = np.minimum(d - (days - 1), 0).clip(-TREND_DAYS, 0)  # -30..0
    weekday = (start_weekday + np.arange(days)) % 7
    weekly = weekly_effect(weekday)
    amp = rng.uniform(0.5, 1.5, n).astype(np.float32)
    level = (expected[:, None] + trend[:, None] * recent[None, :]).astype(np.float32)
    eng = level + amp[:, None] * weekly[None, :]
    eng += DAILY_NOISE_SD * rng.standard_normal((n, days), dtype=np.float32)
    active = d[None, :] < (days - days_since)[:, None]
    eng = np.where(active, np.round(np.clip(eng, 0, 1), 4), 0).astype(np.float32)
    rate = avg_logins[:, None] * (0.5 + eng / np.maximum(expected[:, None], 0.05) * 0.5)
    # Stochastic rounding of a log-normally jittered rate: Poisson-like counts at a
    # tenth of numpy's Poisson cost for 9M customer-days.
    jitter = np.exp(0.35 * rng.standard_normal((n, days), dtype=np.float32) - 0.06)
    counts = np.floor(rate * jitter + rng.random((n, days), dtype=np.float32))
    logins = np.where(active, counts, 0).astype(np.int32)
    _ensure_last_login(logins, days_since, days)
    noise = np.exp(0.3 * rng.standard_normal((n, days), dtype=np.float32))
    minutes = np.round(
        np.minimum(logins * avg_minutes[:, None].astype(np.float32) * noise, MINUTES_PER_DAY), 1
    )
    return History(logins, minutes, eng, trend, last_week_slope(eng), amp)


def weekly_effect(weekday: np.ndarray) -> np.ndarray:
    """The shared weekly shape by weekday (0 = Monday), before a customer's amplitude."""
    return WEEKLY_AMPLITUDE * np.sin(2 * np.pi * (weekday + 1) / 7).astype(np.float32)


def _ensure_last_login(logins: np.ndarray, days_since: np.ndarray, days: int) -> None:
    """The day `days_since` days before the as-of date is a login day, by definition."""
    day = days - 1 - days_since
    rows = np.flatnonzero(day >= 0)
    cols = day[rows]
    logins[rows, cols] = np.maximum(logins[rows, cols], 1)


def last_week_slope(series: np.ndarray) -> np.ndarray:
    """Ordinary least-squares slope of the final 7 columns, per row."""
    y = series[:, -7:].astype(np.float64)
    x = np.arange(7, dtype=np.float64) - 3.0
    return (y * x).sum(axis=1) / (x * x).sum()


def legacy_churn_risk(
    rng: np.random.Generator, days_since: np.ndarray, slope: np.ndarray, logins: np.ndarray
) -> np.ndarray:
    """The seed's pre-existing rules-based churn score: a noisy recency/trend heuristic."""
    x = 0.12 * np.minimum(days_since, 30) - 40 * slope - 0.3 * np.log(logins) - 1.0
    return sigmoid(x + rng.normal(0, 0.5, len(x)))
