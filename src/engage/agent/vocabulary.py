"""Words -> columns and segments, read from the data contract's synonyms.

The offline planner finds what a question is about by looking these phrases up
(longest first), so adding a synonym to the contract teaches the agent a word.
"""

from __future__ import annotations

import re

from engage.contract import CUSTOMERS, Role

# Phrases that name a segmentation rather than a column (checked first).
SEGMENT_TERMS: dict[str, str] = {
    "gig seller": "gig_seller",
    "sellers": "gig_seller",
    "active listings": "gig_seller",
    "age group": "age_band",
    "age band": "age_band",
    "age bracket": "age_band",
    "ages": "age_band",
    "age": "age_band",
    "older": "age_band",
    "younger": "age_band",
    "location": "location",
    "state": "location",
    "region": "location",
    "time of day": "time_of_day_active",
    "hour of the day": "time_of_day_active",
    "morning": "time_of_day_active",
    "evening": "time_of_day_active",
    "mobile": "device_type",
    "desktop": "device_type",
    "device": "device_type",
    "premium": "account_type",
    "account type": "account_type",
    "account status": "account_type",
    "plan": "account_type",
    "device type": "device_type",
    "platform": "device_type",
    "gender": "gender",
    "free": "account_type",
    "subscription": "account_type",
    "tier": "account_type",
    "content category": "content_category_primary",
    "influencer tier": "social_influence_tier",
}
# Extra phrasings of numeric columns beyond the contract's synonyms.
EXTRA_TERMS: dict[str, str] = {
    "daily active usage": "avg_daily_logins",
    "daily active": "avg_daily_logins",
    "logins": "avg_daily_logins",
    "posting": "content_posts_per_week",
    "posts": "content_posts_per_week",
    "post": "content_posts_per_week",
    "connections per month": "num_new_connections_month",
    "new connections": "num_new_connections_month",
    "new friends": "num_new_connections_month",
    "revenue": "transaction_revenue_month",
    "earnings": "transaction_revenue_month",
    "virality": "content_virality_score",
    "viral": "content_virality_score",
    "friend group": "friend_group_participation_score",
    "group participation": "friend_group_participation_score",
    "job completion": "avg_job_completion_rating",
    "job rating": "avg_job_completion_rating",
    "match success": "match_success_rate",
    "match rate": "match_success_rate",
    "matches": "match_success_rate",
    "social influence": "social_influence_score",
    "influence": "social_influence_score",
    "notification": "notification_click_rate",
    "click rate": "notification_click_rate",
    "ctr": "notification_click_rate",
}
TARGET_COLUMNS = {"engagement_score", "churn_30_day", "lifetime_value_usd", "churn_risk_score"}


def _numeric_terms() -> dict[str, str]:
    terms = dict(EXTRA_TERMS)
    for col in CUSTOMERS.columns:
        if col.role not in (Role.FEATURE, Role.DERIVED) or col.is_categorical:
            continue
        if col.name in TARGET_COLUMNS or col.name == "age":
            continue
        terms.setdefault(col.name.replace("_", " "), col.name)
        for word in col.synonyms:
            terms.setdefault(word.lower(), col.name)
    return terms


NUMERIC_TERMS = _numeric_terms()


def _find(text: str, terms: dict[str, str]) -> str | None:
    for phrase in sorted(terms, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}s?\b", text):
            return terms[phrase]
    return None


def find_segment(text: str) -> str | None:
    """The segmentation a question names (age_band, account_type ...), if any."""
    return _find(text, SEGMENT_TERMS)


def find_feature(text: str) -> str | None:
    """The numeric feature a question names, if any."""
    return _find(text, NUMERIC_TERMS)
