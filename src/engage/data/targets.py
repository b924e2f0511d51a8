"""Targets from latent structure plus noise, and the truth the generator keeps.

Engagement is a logistic function of behaviour with one interaction
(logins x session length) and a premium effect that depends on age (larger for
25-34 than 55+). Churn and LTV build on the noise-free engagement. Observed
targets add noise; the noise-free values go to the ground-truth table.
"""

from __future__ import annotations

import numpy as np

from engage.data.random import sigmoid, zscore

ENGAGEMENT_NOISE_SD = 0.06
# Premium effect on the engagement logit by age band (lower bound of band -> effect).
PREMIUM_EFFECT_BY_AGE = ((18, 0.45), (25, 0.70), (35, 0.40), (45, 0.25), (55, 0.10))


def _z(x: np.ndarray) -> np.ndarray:
    return np.clip(zscore(np.asarray(x, dtype=float)), -4, 4)


def engagement_logit(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of expected engagement without the premium effect."""
    logins = _z(np.log(cols["avg_daily_logins"]))
    session = _z(np.log(cols["avg_session_duration_min"]))
    return (
        -0.35
        + 0.55 * logins
        + 0.35 * session
        + 0.15 * logins * session
        + 0.25 * _z(cols["friend_group_participation_score"])
        + 0.20 * _z(cols["social_influence_score"])
        + 0.20 * _z(cols["match_success_rate"])
        + 0.15 * _z(cols["notification_click_rate"])
        + 0.12 * _z(np.log1p(cols["content_posts_per_week"]))
        + 0.12 * _z(np.log1p(cols["total_connections"]))
        + 0.10 * _z(cols["avg_sentiment_score"])
    )


def premium_logit_effect(age: np.ndarray, potential_use: np.ndarray) -> np.ndarray:
    """Heterogeneous premium effect on the logit: by age band, scaled by feature use."""
    lows = np.array([lo for lo, _ in PREMIUM_EFFECT_BY_AGE])
    effects = np.array([e for _, e in PREMIUM_EFFECT_BY_AGE])
    band = np.searchsorted(lows, age, side="right") - 1
    return effects[band] * (0.6 + 0.8 * potential_use)


def engagement(
    rng: np.random.Generator,
    cols: dict[str, np.ndarray],
    age: np.ndarray,
    premium: np.ndarray,
    potential_use: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed score, noise-free expectation and true individual premium effect."""
    base = engagement_logit(cols)
    tau = premium_logit_effect(age, potential_use)
    expected = sigmoid(base + premium * tau)
    effect = sigmoid(base + tau) - sigmoid(base)
    observed = np.clip(expected + rng.normal(0, ENGAGEMENT_NOISE_SD, len(base)), 0, 1)
    return observed, expected, effect


def churn(
    rng: np.random.Generator,
    expected: np.ndarray,
    cols: dict[str, np.ndarray],
    trend: np.ndarray,
    premium: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """30-day churn draw and its true probability."""
    logit = (
        -1.9
        - 1.3 * _z(expected)
        + 0.9 * _z(np.log1p(cols["days_since_last_login"]))
        - 0.5 * _z(trend)
        - 0.3 * _z(cols["avg_sentiment_score"])
        + 0.25 * _z(np.log(cols["response_time_avg_hours"]))
        - 0.3 * premium
    )
    prob = sigmoid(logit)
    return rng.random(len(prob)) < prob, prob


def lifetime_value(
    rng: np.random.Generator,
    expected: np.ndarray,
    cols: dict[str, np.ndarray],
    premium: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-normal LTV in USD (heteroscedastic) and its true median."""
    tenure = np.nan_to_num(cols["time_since_first_transaction_days"], nan=0.0)
    mu = (
        np.log(90.0)
        + 0.55 * premium
        + 0.35 * _z(np.log1p(cols["transaction_revenue_month"]))
        + 0.25 * _z(np.sqrt(cols["network_centrality"]))
        + 0.20 * _z(np.log1p(cols["referral_count"]))
        + 0.35 * _z(expected)
        + 0.15 * _z(np.log1p(tenure))
    )
    sigma = 0.45 + 0.15 * premium
    value = np.exp(mu + sigma * rng.normal(0, 1, len(mu)))
    return np.clip(value, 0, 10_000), np.clip(np.exp(mu), 0, 10_000)
