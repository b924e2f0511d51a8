-- At-risk customers for retention (seed §4.7 view 2). The seed's rule (low predicted
-- engagement or a legacy churn_risk_score above 0.5) plus the churn model's own flag,
-- with the model's probability, the value at risk and the action the ensemble chose.
CREATE OR REPLACE VIEW engagement_analytics.at_risk_customers AS
SELECT
    customer_id,
    age,
    location,
    days_since_last_login,
    predicted_engagement_score,
    churn_risk_score,
    churn_probability,
    intervention_flag,
    ltv_p50,
    value_at_risk_usd,
    next_best_action,
    notification_click_rate
FROM engagement_analytics.final_results
WHERE predicted_engagement_score < 0.3
    OR churn_risk_score > 0.5
    OR churn_prediction
ORDER BY value_at_risk_usd DESC NULLS LAST, churn_risk_score DESC
