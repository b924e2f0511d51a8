-- Unified predictions (seed §3.5.1 "Model Ensemble & Meta-Learning"): one row per customer
-- with every model's output for run :run_id, the versions that produced them, and the
-- decisions that combine them:
--   value_at_risk_usd  churn probability x LTV p50: expected value lost to churn;
--   next_best_action   anomalies go to human review first; then the seed's rules:
--                      churn probability > 0.7 -> retention offer (intervention_flag),
--                      high LTV (top 20% p50 of this run) + low engagement -> re-engagement,
--                      predicted churn at the recall threshold -> retention nudge,
--                      otherwise personalised content.
--                      Since issue 18 that rule is next_best_action_rule, the baseline, and
--                      next_best_action is the contextual bandit's policy-checked action
--                      (engagement_analytics.next_best_action; anomalies still go to human
--                      review first), falling back to the rule where the bandit served none.
-- Every customer of the inference input gets a row; a model with nothing to serve (skipped,
-- or its only version blocked by a gate) has an empty table, so its columns are NULL here.
CREATE TABLE engagement_predictions.predictions AS
WITH ltv_cut AS (
    SELECT approx_percentile(ltv_p50, 0.8) AS high_ltv
    FROM engagement_predictions.ltv_scores
)
SELECT
    i.customer_id,
    e.predicted_engagement_score,
    e.engagement_category,
    e.engagement_top_features,
    c.churn_probability,
    c.churn_prediction,
    c.intervention_flag,
    c.churn_top_features,
    l.ltv_p10,
    l.ltv_p50,
    l.ltv_p90,
    r.recommended_items,
    r.recommended_categories,
    a.anomaly_score,
    a.anomaly_flag,
    c.churn_probability * l.ltv_p50 AS value_at_risk_usd,
    CAST(
        CASE
            WHEN a.anomaly_flag THEN 'human_review'
            WHEN b.next_best_action IS NOT NULL THEN b.next_best_action
            WHEN c.intervention_flag THEN 'retention_offer'
            WHEN l.ltv_p50 >= k.high_ltv AND e.engagement_category = 'low'
                THEN 're_engagement_campaign'
            WHEN c.churn_prediction THEN 'retention_nudge'
            ELSE 'personalised_content'
        END AS VARCHAR
    ) AS next_best_action,
    e.model_version,
    e.model_version AS engagement_model_version,
    c.model_version AS churn_model_version,
    l.model_version AS ltv_model_version,
    r.model_version AS recommendation_model_version,
    a.model_version AS anomaly_model_version,
    CAST(CURRENT_TIMESTAMP AS TIMESTAMP) AS prediction_timestamp,
    CAST(:run_id AS VARCHAR) AS run_id,
    CAST(
        CASE
            WHEN a.anomaly_flag THEN 'human_review'
            WHEN c.intervention_flag THEN 'retention_offer'
            WHEN l.ltv_p50 >= k.high_ltv AND e.engagement_category = 'low'
                THEN 're_engagement_campaign'
            WHEN c.churn_prediction THEN 'retention_nudge'
            ELSE 'personalised_content'
        END AS VARCHAR
    ) AS next_best_action_rule
FROM engagement_raw.inference_input i
CROSS JOIN ltv_cut k
LEFT JOIN engagement_predictions.engagement_scores e ON e.customer_id = i.customer_id
LEFT JOIN engagement_predictions.churn_scores c ON c.customer_id = i.customer_id
LEFT JOIN engagement_predictions.ltv_scores l ON l.customer_id = i.customer_id
LEFT JOIN engagement_predictions.recommendation_scores r ON r.customer_id = i.customer_id
LEFT JOIN engagement_predictions.anomaly_scores a ON a.customer_id = i.customer_id
LEFT JOIN engagement_analytics.next_best_action b
    ON b.customer_id = i.customer_id AND b.run_id = :run_id
