"""The 7 days after the cut-off: the forecast's truth (issue 18 item 1).

The same process as the history (engage.data.activity) carried on past the as-of
date: the level keeps its recent trend, the weekly shape keeps each customer's
amplitude, and the daily noise is the history's. Who is active follows the history's
own rule: in the history an absence, once begun, lasts to the cut-off (nobody comes
back), so a customer away at the cut-off (days_since_last_login >= 1) stays away all
week and the others stay active. `returns=True` instead lets customers on a gap
shorter than LAPSE_DAYS come back each day with the daily login chance of
`activity.recency`: behaviour the history never shows, kept to measure how much a
forecaster loses to it (docs/forecast.md). Drawn from its own random stream, so
adding it changed no other table. Written to `truth_activity`, for grading only: no
stage trains on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from engage.data import activity

HORIZON_DAYS = 7
LAPSE_DAYS = 3


@dataclass(frozen=True)
class Future:
    engagement: np.ndarray  # (n, HORIZON_DAYS) float32, observed (noisy, clipped) truth
    expected: np.ndarray  # (n, HORIZON_DAYS) float32, noise-free expectation given activity


def continue_history(
    rng: np.random.Generator,
    expected: np.ndarray,
    hist: activity.History,
    avg_logins: np.ndarray,
    days_since: np.ndarray,
    first_weekday: int,
    returns: bool = False,
) -> Future:
    """Engagement for each of the HORIZON_DAYS days after the cut-off."""
    n = len(expected)
    ahead = np.arange(1, HORIZON_DAYS + 1, dtype=np.float32)
    weekly = activity.weekly_effect((first_weekday + np.arange(HORIZON_DAYS)) % 7)
    level = expected[:, None] + hist.trend[:, None] * ahead[None, :]
    mean = (level + hist.amp[:, None] * weekly[None, :]).astype(np.float32)
    noise = activity.DAILY_NOISE_SD * rng.standard_normal((n, HORIZON_DAYS), dtype=np.float32)
    active = _active(rng, avg_logins, days_since, returns)
    eng = np.where(active, np.round(np.clip(mean + noise, 0, 1), 4), 0).astype(np.float32)
    exp = np.where(active, np.round(np.clip(mean, 0, 1), 4), 0).astype(np.float32)
    return Future(eng, exp)


def _active(
    rng: np.random.Generator, avg_logins: np.ndarray, days_since: np.ndarray, returns: bool
) -> np.ndarray:
    """(n, HORIZON_DAYS) bool: active that day; returners stay once back."""
    if not returns:
        return np.repeat((days_since == 0)[:, None], HORIZON_DAYS, axis=1)
    daily_p = np.clip(1 - np.exp(-avg_logins), 0.05, 0.99)
    back = rng.random((len(days_since), HORIZON_DAYS)) < daily_p[:, None]
    returned = np.logical_or.accumulate(back, axis=1)
    return np.where((days_since == 0)[:, None], True, (days_since < LAPSE_DAYS)[:, None] & returned)


def future_table(ids: pa.Array, fut: Future, first_day: dt.date) -> dict[str, object]:
    """Long-format columns of `truth_activity`: one row per customer and future day."""
    n, days = fut.engagement.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), days)
    dates = np.tile(np.arange(days, dtype=np.int32), n) + (first_day - dt.date(1970, 1, 1)).days
    return {
        "customer_id": ids.take(pa.array(rows)),
        "activity_date": pa.array(dates, pa.int32()).cast(pa.date32()),
        "daily_engagement": pa.array(fut.engagement.ravel()),
        "expected_daily_engagement": pa.array(fut.expected.ravel()),
    }
