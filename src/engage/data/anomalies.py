"""Injected anomalies: bot and fake-seller accounts (about 0.5% of customers).

Their columns are overwritten with patterns no organic customer shows, so that an
anomaly detector can be graded against the ground-truth flag.
"""

from __future__ import annotations

import numpy as np

from engage.contract import TIMES_OF_DAY

ANOMALY_RATE = 0.005
NIGHT = TIMES_OF_DAY.index("night")


def inject_anomalies(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> np.ndarray:
    """Overwrite ~0.5% of rows in place; returns the boolean anomaly flag."""
    n = len(cols["avg_daily_logins"])
    count = round(ANOMALY_RATE * n)
    rows = rng.choice(n, count, replace=False)
    bots, fakes = rows[: count * 2 // 3], rows[count * 2 // 3 :]
    _bots(rng, cols, bots)
    _fake_sellers(rng, cols, fakes)
    flag = np.zeros(n, dtype=bool)
    flag[rows] = True
    return flag


def _bots(rng: np.random.Generator, cols: dict[str, np.ndarray], rows: np.ndarray) -> None:
    k = len(rows)
    u = lambda lo, hi: rng.uniform(lo, hi, k)  # noqa: E731
    cols["avg_daily_logins"][rows] = u(25, 50)
    cols["avg_session_duration_min"][rows] = u(0.5, 3)
    cols["num_messages_sent_per_day"][rows] = u(400, 2000)
    cols["swipe_like_ratio"][rows] = u(0.97, 1.0)
    cols["match_success_rate"][rows] = u(0.0, 0.02)
    cols["response_time_avg_hours"][rows] = u(0.01, 0.05)
    cols["session_consistency_score"][rows] = u(0.97, 1.0)
    cols["num_new_connections_month"][rows] = rng.integers(150, 600, k)
    cols["trust_score"][rows] = u(0.0, 0.08)
    cols["avg_sentiment_score"][rows] = u(-0.05, 0.05)
    cols["content_posts_per_week"][rows] = rng.integers(60, 200, k)
    cols["time_of_day_active"][rows] = NIGHT
    cols["peak_activity_hour"][rows] = rng.integers(2, 5, k)


def _fake_sellers(rng: np.random.Generator, cols: dict[str, np.ndarray], rows: np.ndarray) -> None:
    k = len(rows)
    cols["gig_listings_active"][rows] = rng.integers(40, 100, k)
    cols["transaction_revenue_month"][rows] = rng.uniform(20_000, 100_000, k)
    cols["avg_job_completion_rating"][rows] = 5.0
    cols["time_since_first_transaction_days"][rows] = rng.integers(0, 10, k)
    cols["trust_score"][rows] = rng.uniform(0.0, 0.08, k)
    cols["response_time_avg_hours"][rows] = rng.uniform(0.01, 0.05, k)
    cols["gig_applications_sent_month"][rows] = rng.integers(150, 500, k)
    cols["referral_count"][rows] = rng.integers(50, 300, k)
