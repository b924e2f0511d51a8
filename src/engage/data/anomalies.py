"""Injected anomalies of four kinds (about 0.5% of customers) whose signals overlap organic ones.

Kinds (share of the anomalies): bots 40%, fake sellers 25%, account takeovers 20% and
data-quality glitches 15%. Each anomalous value is drawn from the ORGANIC distribution of
its column (an empirical quantile in a tail band such as 0.90-0.999), so every single
value is one some organic customer has: no one column separates a kind from organic
behaviour (the best single-column threshold has precision@100 well below 1 -- the test
in tests/unit/data/test_anomalies.py), only the combination does. Each signal of a kind
is applied with probability `SIGNAL_PROBABILITY`, so members of a kind differ too.

* bots: many short logins, mass messaging, like-everything swiping, few matches,
  instant replies, machine-regular sessions, night activity, lowish trust;
* fake sellers: many listings and high revenue on a short transaction history, glowing
  ratings, many applications and referrals, lowish trust;
* account takeovers: a normal customer whose recent behaviour switched: another device,
  night-time activity, a burst of messages and new connections, sour sentiment;
* data-quality glitches: impossible-but-plausible combinations -- almost no logins or
  session time with many posts and messages, or gig revenue with no active listing and
  no transaction history.

The kind goes to `ground_truth.anomaly_kind` ("" for organic customers).
"""

from __future__ import annotations

import numpy as np

from engage.contract import ANOMALY_KINDS, DEVICE_TYPES, TIMES_OF_DAY

ANOMALY_RATE = 0.005
KINDS = ANOMALY_KINDS
KIND_SHARES = (0.40, 0.25, 0.20, 0.15)
SIGNAL_PROBABILITY = 0.9
NIGHT = TIMES_OF_DAY.index("night")

Columns = dict[str, np.ndarray]
# kind -> [(column, lower quantile, upper quantile, population)], population "all" or
# "seller" (customers with listings) or "history" (customers with a transaction history).
_SIGNALS: dict[str, list[tuple[str, float, float, str]]] = {
    "bot": [
        ("avg_daily_logins", 0.99, 0.9999, "all"),
        ("avg_session_duration_min", 0.0, 0.01, "all"),
        ("num_messages_sent_per_day", 0.99, 0.9999, "all"),
        ("swipe_like_ratio", 0.99, 0.9999, "all"),
        ("match_success_rate", 0.0, 0.01, "all"),
        ("response_time_avg_hours", 0.0, 0.01, "all"),
        ("session_consistency_score", 0.99, 0.9999, "all"),
        ("num_new_connections_month", 0.99, 0.9999, "all"),
        ("trust_score", 0.0, 0.05, "all"),
    ],
    "fake_seller": [
        ("gig_listings_active", 0.99, 0.9999, "seller"),
        ("transaction_revenue_month", 0.99, 0.9999, "seller"),
        ("avg_job_completion_rating", 0.95, 1.0, "seller"),
        ("time_since_first_transaction_days", 0.0, 0.01, "history"),
        ("gig_applications_sent_month", 0.99, 0.9999, "all"),
        ("referral_count", 0.99, 0.9999, "all"),
        ("trust_score", 0.0, 0.05, "all"),
        ("response_time_avg_hours", 0.0, 0.01, "all"),
    ],
    "account_takeover": [
        ("num_messages_sent_per_day", 0.99, 0.9999, "all"),
        ("num_new_connections_month", 0.99, 0.9999, "all"),
        ("avg_sentiment_score", 0.0, 0.01, "all"),
        ("notification_click_rate", 0.0, 0.01, "all"),
        ("avg_session_duration_min", 0.0, 0.01, "all"),
        ("response_time_avg_hours", 0.0, 0.01, "all"),
    ],
    "data_glitch": [],  # see _glitches
}


def inject_anomalies(rng: np.random.Generator, cols: Columns) -> np.ndarray:
    """Overwrite ~0.5% of rows in place; returns each row's kind ("" for organic)."""
    n = len(cols["avg_daily_logins"])
    count = round(ANOMALY_RATE * n)
    rows = rng.choice(n, count, replace=False)
    organic = np.ones(n, dtype=bool)
    organic[rows] = False
    pools = _pools(cols, organic)  # drawn from before any row is overwritten
    bounds = np.round(np.cumsum((0.0, *KIND_SHARES)) * count).astype(int)
    kind = np.full(n, "", dtype=object)
    for name, lo, hi in zip(KINDS, bounds[:-1], bounds[1:], strict=True):
        part = rows[lo:hi]
        kind[part] = name
        for column, q_lo, q_hi, population in _SIGNALS[name]:
            _tail(rng, cols, part, column, (q_lo, q_hi), pools[population])
        if name == "bot":
            _night(rng, cols, part, 0.7)
        elif name == "fake_seller":
            _make_seller(cols, part)
        elif name == "account_takeover":
            _takeover_switch(rng, cols, part)
        else:
            _glitches(rng, cols, part, pools)
    return kind


def _pools(cols: Columns, organic: np.ndarray) -> dict[str, np.ndarray]:
    """Organic rows each signal's values are drawn from."""
    return {
        "all": organic,
        "seller": organic & (cols["gig_listings_active"] > 0),
        "history": organic & ~np.isnan(cols["time_since_first_transaction_days"]),
    }


def _tail(
    rng: np.random.Generator,
    cols: Columns,
    rows: np.ndarray,
    column: str,
    band: tuple[float, float],
    pool: np.ndarray,
    probability: float = SIGNAL_PROBABILITY,
) -> None:
    """Give `rows` (each with `probability`) organic values of `column` from a quantile band."""
    take = rows[rng.random(len(rows)) < probability]
    source = cols[column][pool]
    source = source[~np.isnan(source)] if source.dtype.kind == "f" else source
    if not len(take) or not len(source):
        return
    q = rng.uniform(band[0], band[1], len(take))
    values = np.quantile(source, q, method="inverted_cdf")
    cols[column][take] = values.astype(cols[column].dtype)


def _night(rng: np.random.Generator, cols: Columns, rows: np.ndarray, probability: float) -> None:
    take = rows[rng.random(len(rows)) < probability]
    cols["time_of_day_active"][take] = NIGHT
    cols["peak_activity_hour"][take] = (rng.integers(22, 29, len(take)) % 24).astype(
        cols["peak_activity_hour"].dtype
    )


def _make_seller(cols: Columns, rows: np.ndarray) -> None:
    """Fake sellers list at least one gig and so have a rating and a transaction history."""
    listings = cols["gig_listings_active"]
    listings[rows] = np.maximum(listings[rows], 1)
    for column, fallback in (("avg_job_completion_rating", 5.0), (
        "time_since_first_transaction_days", 3.0)):  # fmt: skip
        values = cols[column]
        values[rows] = np.where(np.isnan(values[rows]), fallback, values[rows])
    revenue = cols["transaction_revenue_month"]
    revenue[rows] = np.maximum(revenue[rows], 100.0)


def _takeover_switch(rng: np.random.Generator, cols: Columns, rows: np.ndarray) -> None:
    """Another device and night-time activity: the taken-over account's new pattern."""
    device = cols["device_type"]
    switch = rows[rng.random(len(rows)) < SIGNAL_PROBABILITY]
    shift = rng.integers(1, len(DEVICE_TYPES), len(switch))
    device[switch] = ((device[switch] + shift) % len(DEVICE_TYPES)).astype(device.dtype)
    _night(rng, cols, rows, SIGNAL_PROBABILITY)


def _glitches(
    rng: np.random.Generator, cols: Columns, rows: np.ndarray, pools: dict[str, np.ndarray]
) -> None:
    """Half: hardly any logins/session time yet many posts; half: revenue without listings."""
    half = rng.random(len(rows)) < 0.5
    idle, ghost = rows[half], rows[~half]
    everyone = pools["all"]
    _tail(rng, cols, idle, "avg_daily_logins", (0.0, 0.003), everyone, 1.0)
    _tail(rng, cols, idle, "avg_session_duration_min", (0.0, 0.005), everyone, 1.0)
    _tail(rng, cols, idle, "content_posts_per_week", (0.99, 0.9999), everyone, 1.0)
    _tail(rng, cols, idle, "num_messages_sent_per_day", (0.95, 0.999), everyone)
    _tail(rng, cols, ghost, "transaction_revenue_month", (0.30, 0.99), pools["seller"], 1.0)
    cols["gig_listings_active"][ghost] = 0
    cols["time_since_first_transaction_days"][ghost] = np.nan
    _tail(rng, cols, ghost, "avg_job_completion_rating", (0.2, 1.0), pools["seller"], 1.0)
