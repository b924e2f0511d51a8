# ruff: noqa: E501  (reference SQL and questions read best unwrapped)
"""Writes questions.json (kept as code so the SQL stays readable). Run: python build_questions.py"""

import json
from pathlib import Path

FR = "engagement_analytics.final_results"
T = "actual_engagement_score"
FI = "engagement_predictions.feature_importance"
MM = "engagement_predictions.model_metrics"
LATEST_FI = f"run_id = (SELECT max(run_id) FROM {FI} WHERE model_name = 'engagement')"
LATEST_MM = (
    f"run_id = (SELECT run_id FROM {MM} WHERE model_name = 'engagement' "
    "ORDER BY created_at DESC LIMIT 1)"
)


def seg(expr: str, metric: str = T, where: str = "TRUE") -> str:
    return (
        f"SELECT k, v FROM (SELECT {expr} AS k, avg(CAST({metric} AS DOUBLE)) AS v FROM {FR} "
        f"WHERE {where} GROUP BY 1) UNION ALL SELECT k || '.customers', n FROM (SELECT {expr} "
        f"AS k, count(*) AS n FROM {FR} WHERE {where} GROUP BY 1)"
    )


def corr(feature: str, target: str = T, where: str = "TRUE") -> str:
    return (
        f"SELECT 'correlation' AS k, corr({feature}, CAST({target} AS DOUBLE)) AS v FROM {FR} "
        f"WHERE {where} AND {feature} IS NOT NULL"
    )


def sql(q: str) -> dict:
    return {"sql": q}


def tool(name: str, **args: object) -> dict:
    return {"tool": name, "args": args}


def contrast(group: str, versus: str, tenure_max: int | None = None) -> dict:
    return {"contrast": {"group": group, "versus": versus, "tenure_max": tenure_max}}


AGE = (
    "CASE WHEN age <= 24 THEN '18-24' WHEN age <= 34 THEN '25-34' WHEN age <= 44 THEN '35-44' "
    "WHEN age <= 54 THEN '45-54' ELSE '55-65' END"
)
LEVEL = f"CASE WHEN {T} < 0.4 THEN 'low' WHEN {T} < 0.7 THEN 'medium' ELSE 'high' END"
BAND = f"CAST(CASE WHEN {T} >= 0.9 THEN 9 ELSE floor({T} * 10) END / 10 AS VARCHAR)"
INACTIVE = (
    "CASE WHEN days_since_last_login <= 2 THEN '0-2' WHEN days_since_last_login <= 6 THEN '3-6' "
    "WHEN days_since_last_login <= 13 THEN '7-13' WHEN days_since_last_login <= 29 THEN '14-29' "
    "ELSE '30+' END"
)
CONVERT = [["account_type", "set", "premium"]]
USAGE = [
    ["premium_feature_usage_rate", "match_cohort", "premium"],
    ["premium_features_used_count", "match_cohort", "premium"],
]
STATS = " UNION ALL ".join(
    f"SELECT '{c}.mean' AS k, avg({c}) AS v FROM {FR} UNION ALL SELECT '{c}.max', max({c}) FROM {FR}"
    for c in ("avg_daily_logins", "notification_click_rate", "content_posts_per_week")
)

Q = [
    (1, "What are the top 5 features that predict high engagement?", "top_features",
     ["Which five features matter most for predicting engagement?",
      "List the top 5 drivers of high engagement.",
      "What are the most important features in the engagement model?"],
     sql(f"SELECT feature AS k, mean_abs_shap AS v FROM {FI} WHERE model_name = 'engagement' "
         f"AND {LATEST_FI} ORDER BY mean_abs_shap DESC LIMIT 5")),
    (2, "How does premium account status affect engagement scores?", "relation",
     ["Do premium accounts have higher engagement than free accounts?",
      "What is the effect of having a premium subscription on engagement?",
      "Compare engagement of premium and free users."],
     sql(seg("account_type"))),
    (3, "What engagement patterns separate the top 10% users from bottom 10%?", "top_vs_bottom",
     ["How do the top 10% of users differ from the bottom 10%?",
      "What distinguishes users in the top 10% of engagement from the bottom 10%?"],
     contrast("top_10pct", "bottom_10pct")),
    (4, "Which time of day has the most engaged users?", "relation",
     ["At what time of day are users most engaged?",
      "Is engagement higher in the morning or the evening?"],
     sql(seg("time_of_day_active"))),
    (5, "Do mobile users engage more than desktop users?", "relation",
     ["Is engagement higher on mobile or desktop?",
      "How does engagement vary by device?"],
     sql(seg("device_type"))),
    (6, "What's the correlation between match success rate and overall engagement?", "relation",
     ["How is match success related to engagement?",
      "Does a higher match rate go with higher engagement?"],
     sql(corr("match_success_rate"))),
    (7, "How does content posting frequency impact engagement?", "relation",
     ["Do users who post more content have higher engagement?",
      "What is the relationship between posts per week and engagement?"],
     sql(corr("content_posts_per_week"))),
    (8, "What role does social influence score play in daily active usage?", "relation",
     ["How does social influence relate to daily active usage?",
      "Do users with more social influence have more daily logins?"],
     sql(corr("social_influence_score", "avg_daily_logins"))),
    (9, "What features differentiate low-engaged users from high-engaged users?", "low_vs_high",
     ["How do low-engagement users differ from high-engagement users?",
      "What separates highly engaged users from low engaged ones?"],
     contrast("high_engagement", "low_engagement")),
    (10, "If I could change one behavior in low-engagement customers, what should it be?",
     "one_behavior",
     ["What single behaviour change would most help low-engagement customers?",
      "Which one thing should low engaged users change to engage more?"],
     tool("levers", cohort="low_engagement", target="engagement")),
    (11, "What premium features drive the biggest engagement lift?", "premium_features",
     ["Which premium features boost engagement the most?",
      "Do premium features increase engagement?"],
     tool("levers", cohort="all",
          features=["premium_feature_usage_rate", "premium_features_used_count"])),
    (12, "How can we increase engagement for users with high churn risk?", "churn_risk_levers",
     ["What would boost engagement among users at high risk of churn?",
      "How do we improve engagement for at-risk users?"],
     tool("levers", cohort="high_churn_risk", target="engagement")),
    (13, "What interventions work best for users who haven't logged in for 7+ days?",
     "inactive_interventions",
     ["How can we re-engage users who have been inactive for 7 days or more?",
      "What helps users who haven't logged in for a week?"],
     tool("levers", cohort="inactive_7d", target="engagement")),
    (14, "Should we target inactive users with notifications? What's the CTR correlation?",
     "relation",
     ["For inactive users, how does notification click rate correlate with engagement?",
      "Is notification CTR related to engagement among inactive users?"],
     sql(corr("notification_click_rate", where="days_since_last_login >= 7"))),
    (15, "How does adding new connections per month affect engagement trajectories?", "relation",
     ["Do users who add more new connections engage more?",
      "What is the link between new connections per month and engagement?"],
     sql(corr("num_new_connections_month"))),
    (16, "Describe the typical 'high engagement' user profile.", "high_profile",
     ["What does a typical highly engaged user look like?",
      "Give me the profile of a high engagement user."],
     contrast("high_engagement", "all")),
    (17, "What are the key segments in our user base by engagement level?", "segments",
     ["How many users are in each engagement level?",
      "Segment our users by engagement level."],
     sql(seg(LEVEL))),
    (18, "How does engagement differ across age groups?", "relation",
     ["Which age group is the most engaged?",
      "Compare engagement by age band."],
     sql(seg(AGE))),
    (19, "What locations have the most engaged users?", "relation",
     ["Which states have the highest engagement?",
      "Where are the most engaged users located by state?"],
     sql(seg("location"))),
    (20, "Is there a 'power user' archetype? What defines them?", "power_user",
     ["What defines our power users?",
      "Describe the power user archetype."],
     contrast("top_5pct", "rest_95pct")),
    (21, "Do gig sellers (active listings > 0) have higher engagement than buyers?", "relation",
     ["Are gig sellers more engaged than buyers?",
      "Compare engagement of sellers and buyers."],
     sql(seg("CASE WHEN gig_listings_active > 0 THEN 'seller' ELSE 'buyer' END"))),
    (22, "What's the relationship between transaction revenue and engagement?", "relation",
     ["Does transaction revenue correlate with engagement?",
      "Do users with more revenue engage more?"],
     sql(corr("transaction_revenue_month"))),
    (23, "Does content virality predict sustained engagement?", "relation",
     ["Is content virality related to engagement?",
      "Do users with viral content stay more engaged?"],
     sql(corr("content_virality_score"))),
    (24, "How important is friend group participation to overall engagement?", "relation",
     ["How does friend group participation relate to engagement?",
      "Does participating in friend groups go with higher engagement?"],
     sql(corr("friend_group_participation_score"))),
    (25, "Do users with high job completion ratings engage more?", "relation",
     ["Is job completion rating correlated with engagement?",
      "Are users with better job ratings more engaged?"],
     sql(corr("avg_job_completion_rating"))),
    (26, "What engagement score threshold indicates churn risk?", "churn_threshold",
     ["Below what engagement score does churn risk rise?",
      "Which engagement level is the cut-off for churn risk?"],
     sql(seg(BAND, "actual_churn_30_day"))),
    (27, "How many days of low engagement predict churn?", "inactivity_days",
     ["How many days of inactivity signal churn?",
      "After how many days of low engagement do users churn? How many days of it predict churn?"],
     sql(seg(INACTIVE, "actual_churn_30_day"))),
    (28, "What can we do to retain users with engagement scores below 0.3?", "retain_low",
     ["How do we retain users whose engagement score is under 0.3?",
      "What would keep users with engagement below 0.3 from leaving?"],
     tool("levers", cohort="below_0_3", target="churn")),
    (29, "Are there early warning signs in the first 30 days of usage?", "early_warning",
     ["What early signs predict churn for new users?",
      "Which signals in the first month warn of churn?"],
     contrast("churned", "retained", 30)),
    (30, "What's the predicted engagement uplift if we convert 10% of free users to premium?",
     "convert_premium",
     ["If 10% of free users upgrade to premium, how much does engagement rise?",
      "Predict the engagement gain from converting 10 percent of free users to premium."],
     {"tools": [tool("what_if", changes=CONVERT, cohort="free", fraction=0.1),
                tool("what_if", changes=CONVERT + USAGE, cohort="free", fraction=0.1)]}),
    (31, "If we improve notification click rate by 20%, how does engagement change?",
     "what_if_percent",
     ["What happens to engagement if notification click rate increases by 20%?",
      "Predict engagement if we raise the notification CTR by 20 percent."],
     tool("what_if", changes=[["notification_click_rate", "scale", 1.2]])),
    (32, "What's the cost-benefit of incentivizing more content posts per week?",
     "cost_benefit_posts",
     ["Is it worth incentivising users to post more content each week?",
      "What is the ROI of rewarding extra posts per week?"],
     tool("what_if", changes=[["content_posts_per_week", "add", 1]])),
    (33, "How accurate is the engagement prediction model?", "model_metrics",
     ["What is the accuracy of the engagement model?",
      "How well does the engagement model perform?"],
     sql(f"SELECT split || '.' || metric AS k, value AS v FROM {MM} "
         f"WHERE model_name = 'engagement' AND {LATEST_MM}")),
    (34, "What's the RMSE and R² of the latest model?", "model_metrics",
     ["Give me the RMSE and R2 of the model.",
      "What are the model's r-squared and RMSE?"],
     sql(f"SELECT split || '.' || metric AS k, value AS v FROM {MM} "
         f"WHERE model_name = 'engagement' AND {LATEST_MM}")),
    (35, "Which features does the model find least important?", "least_important",
     ["What are the least important features?",
      "Which inputs matter least to the engagement model?"],
     sql(f"SELECT feature AS k, mean_abs_shap AS v FROM {FI} WHERE model_name = 'engagement' "
         f"AND {LATEST_FI} ORDER BY mean_abs_shap, feature LIMIT 5")),
    (36, "Are there any overfitting concerns?", "overfitting",
     ["Is the model overfitting?",
      "How big is the gap between train and test performance?"],
     sql(f"SELECT split || '.' || metric AS k, value AS v FROM {MM} "
         f"WHERE model_name = 'engagement' AND {LATEST_MM}")),
    (37, "Show me summary statistics for all features.", "summary_stats",
     ["Give me descriptive statistics of every feature.",
      "Summary stats for the features, please."],
     sql(STATS)),
    (38, "Are there any missing values or data quality issues?", "data_quality",
     ["Do we have missing data?",
      "Report any data quality problems."],
     sql(f"SELECT 'missing.avg_job_completion_rating' AS k, count(*) - "
         f"count(avg_job_completion_rating) AS v FROM {FR} UNION ALL SELECT 'anomaly_flags', "
         f"count(*) FILTER (WHERE anomaly_flag) FROM {FR} UNION ALL SELECT 'rows', count(*) "
         f"FROM {FR}")),
    (39, "What's the distribution of engagement scores?", "distribution",
     ["Show the distribution of engagement score.",
      "How are engagement scores distributed?"],
     sql(seg(BAND))),
    (40, "How many users are in each engagement quartile?", "quartiles",
     ["Count users per engagement quartile.",
      "Break users down into engagement quartiles."],
     sql(f"SELECT 'Q' || CAST(q AS VARCHAR) || '.customers' AS k, count(*) AS v FROM (SELECT "
         f"ntile(4) OVER (ORDER BY {T}) AS q FROM {FR}) GROUP BY q")),
]  # fmt: skip

if __name__ == "__main__":
    items = [
        {"id": i, "question": q, "intent": intent, "paraphrases": p, "reference": ref}
        for i, q, intent, p, ref in Q
    ]
    out = Path(__file__).with_name("questions.json")
    out.write_text(json.dumps(items, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(items)} questions -> {out}")
