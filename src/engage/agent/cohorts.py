"""Named cohorts and segmentations, as SQL over final_results and as pandas masks.

Names (not free SQL) keep the planner's vocabulary small and the SQL safe: every
expression below is fixed text; user values only ever arrive as literals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engage.lake import TableName

if TYPE_CHECKING:  # pandas loads only for a what-if, never for a plain answer
    import pandas as pd

RESULTS = TableName.FINAL_RESULTS
TARGET = "actual_engagement_score"
# Every query starts from this CTE so cohorts may use the engagement percentile.
BASE = (
    f"WITH base AS (SELECT *, percent_rank() OVER (ORDER BY {TARGET}) AS engagement_pct "
    f"FROM {RESULTS})"
)

COHORTS: dict[str, str] = {
    "all": "TRUE",
    "high_engagement": f"{TARGET} >= 0.7",
    "medium_engagement": f"{TARGET} >= 0.4 AND {TARGET} < 0.7",
    "low_engagement": f"{TARGET} < 0.4",
    "below_0_3": f"{TARGET} < 0.3",
    "top_10pct": "engagement_pct >= 0.9",
    "bottom_10pct": "engagement_pct <= 0.1",
    "top_5pct": "engagement_pct >= 0.95",
    "rest_95pct": "engagement_pct < 0.95",
    "churned": "actual_churn_30_day",
    "retained": "NOT actual_churn_30_day",
    "inactive_7d": "days_since_last_login >= 7",
    "high_churn_risk": "churn_probability >= 0.5",
    "free": "account_type = 'free'",
    "premium": "account_type = 'premium'",
    "new_30d": "time_since_first_transaction_days <= 30",
}

SEGMENTS: dict[str, str] = {
    "age_band": (
        "CASE WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34' WHEN age < 45 "
        "THEN '35-44' WHEN age < 55 THEN '45-54' ELSE '55-65' END"
    ),
    "engagement_level": (
        f"CASE WHEN {TARGET} >= 0.7 THEN 'high' WHEN {TARGET} >= 0.4 THEN 'medium' ELSE 'low' END"
    ),
    "engagement_quartile": f"'Q' || CAST(ntile(4) OVER (ORDER BY {TARGET}) AS VARCHAR)",
    "engagement_band": f"CAST(least(floor({TARGET} * 10), 9) / 10 AS VARCHAR)",
    "gig_seller": "CASE WHEN gig_listings_active > 0 THEN 'seller' ELSE 'buyer' END",
    "inactivity_days": (
        "CASE WHEN days_since_last_login < 3 THEN '0-2' WHEN days_since_last_login < 7 "
        "THEN '3-6' WHEN days_since_last_login < 14 THEN '7-13' WHEN days_since_last_login "
        "< 30 THEN '14-29' ELSE '30+' END"
    ),
}

Mask = Callable[["pd.DataFrame"], "pd.Series"]
# Cohorts for model what-ifs, over the inference frame plus baseline predictions.
FRAME_COHORTS: dict[str, Mask] = {
    "all": lambda f: f.assign(_all=True)["_all"],
    "free": lambda f: f["account_type"] == "free",
    "premium": lambda f: f["account_type"] == "premium",
    "low_engagement": lambda f: f["_engagement"] < 0.4,
    "below_0_3": lambda f: f["_engagement"] < 0.3,
    "high_engagement": lambda f: f["_engagement"] >= 0.7,
    "inactive_7d": lambda f: f["days_since_last_login"] >= 7,
    "high_churn_risk": lambda f: f["_churn"] >= 0.5,
}
