"""Observable behaviour columns as noisy functions of the latent traits.

Each function returns contract columns (name -> numpy array). Signs follow the
seed (§3.4): matches raise logins, premium raises premium-feature use, creators
post more and go viral more often, social users connect and get viewed more.

Personas act through the latents (population.PERSONAS) and, for habits no trait
explains, through small persona offsets (`Population.persona_effect`): at-risk
customers answer late, skip notifications and sound sour; new users have a short
transaction history and are still making connections; casual browsers scroll.
"""

from __future__ import annotations

import numpy as np

from engage.contract import INFLUENCE_TIERS, PREMIUM_FEATURE_COUNT, TIMES_OF_DAY
from engage.data.population import Population
from engage.data.random import sigmoid, zscore

Columns = dict[str, np.ndarray]
HOUR_RANGES = {"morning": (6, 12), "afternoon": (12, 17), "evening": (17, 22), "night": (22, 30)}


def activity_columns(rng: np.random.Generator, pop: Population) -> Columns:
    """Logins, sessions, messaging, events, scrolling, notifications, device, timing."""
    n, lat = pop.size, pop.latent
    a, s = lat["activity"], lat["sociality"]
    habit = pop.persona_effect
    match = sigmoid(-1.0 + 0.8 * s + rng.normal(0, 0.6, n))
    logins = np.exp(0.7 + 0.45 * a + 0.8 * match + rng.normal(0, 0.3, n))
    older = (pop.age - 18) / 47.0
    device_p = np.stack([0.78 - 0.25 * older, 0.14 + 0.22 * older, np.full(n, 0.08)], axis=1)
    device = _row_choice(rng, device_p)
    tod = rng.choice(len(TIMES_OF_DAY), n, p=[0.2, 0.25, 0.4, 0.15])
    return {
        "avg_daily_logins": np.clip(logins, 0.05, 50),
        "avg_session_duration_min": np.clip(
            np.exp(2.7 + 0.35 * a + 0.2 * lat["creativity"] + rng.normal(0, 0.35, n)), 0.5, 240
        ),
        "num_messages_sent_per_day": np.clip(
            np.exp(1.5 + 0.5 * s + 0.3 * a + rng.normal(0, 0.5, n)), 0, 2000
        ),
        "num_events_joined_month": rng.poisson(np.exp(0.3 + 0.5 * s)).clip(0, 60),
        "num_new_connections_month": rng.poisson(
            np.exp(1.2 + 0.5 * s + 0.2 * a + habit({"new_user": 1.2}))
        ).clip(0, 1000),
        "avg_scroll_depth_pct": 100
        * sigmoid(0.3 + 0.5 * a + habit({"casual_browser": 0.9}) + rng.normal(0, 0.5, n)),
        "notification_click_rate": sigmoid(
            -2.0 + 0.45 * a + habit({"at_risk": -0.6, "new_user": 0.6}) + rng.normal(0, 0.5, n)
        ),
        "device_type": device,
        "time_of_day_active": tod,
        "peak_activity_hour": _peak_hour(rng, tod),
        "match_success_rate": match,
        "swipe_like_ratio": sigmoid(-0.3 + habit({"new_user": 0.6}) + rng.normal(0, 0.6, n)),
        "session_consistency_score": sigmoid(
            0.2 + 0.6 * a + habit({"at_risk": -0.9, "new_user": -0.5}) + rng.normal(0, 0.5, n)
        ),
        "response_time_avg_hours": np.clip(
            np.exp(
                1.0
                - 0.4 * a
                - 0.3 * lat["commerce"]
                + habit({"at_risk": 0.6})
                + rng.normal(0, 0.6, n)
            ),
            0.01,
            168,
        ),
    }


def social_columns(
    rng: np.random.Generator, pop: Population, degree: np.ndarray, match: np.ndarray
) -> Columns:
    """Influence, content creation, reactions and referrals; influence grows with degree."""
    n, lat = pop.size, pop.latent
    s, k = lat["sociality"], lat["creativity"]
    influence = sigmoid(
        -1.0 + 0.5 * s + 0.5 * k + 0.6 * zscore(np.log1p(degree)) + rng.normal(0, 0.4, n)
    )
    reactions = np.exp(2.0 + 1.6 * influence + rng.normal(0, 0.6, n))
    return {
        "social_influence_score": influence,
        "influencer_follow_score": sigmoid(-0.5 + 0.4 * k + rng.normal(0, 0.6, n)),
        "friend_group_participation_score": sigmoid(
            -0.3 + 0.8 * s + pop.persona_effect({"new_user": -0.5}) + rng.normal(0, 0.5, n)
        ),
        "content_posts_per_week": rng.poisson(np.exp(0.5 + 0.7 * k)).clip(0, 500),
        "avg_reactions_per_post": np.clip(reactions, 0, 100_000),
        "avg_comments_per_post": np.clip(reactions * rng.uniform(0.05, 0.15, n), 0, 20_000),
        "content_virality_score": sigmoid(-2.5 + 0.6 * k + 1.0 * influence + rng.normal(0, 0.5, n)),
        "profile_views_received_week": rng.poisson(
            np.exp(2.5 + 0.6 * s + 1.0 * influence + 0.6 * match)
        ).clip(0, 1_000_000),
        "referral_count": rng.poisson(np.exp(-1.0 + 0.6 * s + 1.0 * influence)).clip(0, 1000),
        "avg_sentiment_score": np.clip(
            0.15 + 0.08 * s + pop.persona_effect({"at_risk": -0.25}) + rng.normal(0, 0.25, n),
            -0.8,
            0.9,
        ),
        "social_influence_tier": np.digitize(influence, [0.4, 0.7, 0.9]).astype(np.int8),
    }


def commerce_columns(rng: np.random.Generator, pop: Population) -> Columns:
    """Gig marketplace activity, premium-feature use, ads and trust."""
    n, lat = pop.size, pop.latent
    c = lat["commerce"]
    seller = c + rng.normal(0, 0.7, n) > 0.8
    listings = np.where(seller, 1 + rng.poisson(np.exp(0.7 + 0.5 * c)), 0)
    revenue = np.where(seller, np.exp(5.0 + 0.8 * c + rng.normal(0, 0.7, n)), 0.0)
    applications = rng.poisson(np.exp(-0.2 + 0.6 * c)).clip(0, 500)
    transacted = seller | (applications > 0)
    days_scale = np.where(pop.is_persona("new_user"), 15.0, 180.0)  # new: weeks, not years
    tenure = np.where(transacted, rng.gamma(2.0, days_scale).clip(0, 3650), np.nan)
    rating = np.where(seller, np.clip(4.3 + 0.25 * c + rng.normal(0, 0.5, n), 1, 5), np.nan)
    potential_use = premium_usage_potential(rng, pop)
    usage = np.where(pop.premium, potential_use, sigmoid(-3.0 + rng.normal(0, 0.5, n)))
    rating_z = np.nan_to_num((rating - 4.3) / 0.5)
    return {
        "gig_listings_active": listings.clip(0, 100),
        "gig_applications_sent_month": applications,
        "transaction_revenue_month": np.clip(revenue, 0, 100_000),
        "avg_job_completion_rating": rating,
        "time_since_first_transaction_days": tenure,
        "premium_feature_usage_rate": usage,
        "premium_features_used_count": rng.binomial(PREMIUM_FEATURE_COUNT, usage),
        "avg_ads_engagement_rate": sigmoid(
            -3.0
            + 0.3 * lat["activity"]
            - 0.8 * pop.premium
            + pop.persona_effect({"casual_browser": 0.9})
            + rng.normal(0, 0.4, n)
        ),
        "trust_score": sigmoid(0.8 + 0.4 * rating_z + 0.3 * c + rng.normal(0, 0.5, n)),
        "_potential_premium_usage": potential_use,
    }


def premium_usage_potential(rng: np.random.Generator, pop: Population) -> np.ndarray:
    """How much a customer uses premium features when premium (counterfactual for free users)."""
    return sigmoid(0.2 + 0.5 * pop.latent["activity"] + rng.normal(0, 0.5, pop.size))


def tier_names(codes: np.ndarray) -> np.ndarray:
    return np.asarray(INFLUENCE_TIERS, dtype=object)[codes]


def _row_choice(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(probs))[:, None] > cum).sum(axis=1).clip(0, probs.shape[1] - 1)


def _peak_hour(rng: np.random.Generator, tod: np.ndarray) -> np.ndarray:
    """Peak hour consistent with the part of day the customer is most active in."""
    bounds = np.array([HOUR_RANGES[t] for t in TIMES_OF_DAY])
    lo, hi = bounds[tod, 0], bounds[tod, 1]
    return (rng.integers(0, 1 << 30, len(tod)) % (hi - lo) + lo) % 24
