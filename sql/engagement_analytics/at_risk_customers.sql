-- At-risk customers for retention (seed §4.7 view 2).
CREATE OR REPLACE VIEW engagement_analytics.at_risk_customers AS
SELECT
    customer_id,
    age,
    location,
    days_since_last_login,
    predicted_engagement_score,
    churn_risk_score,
    notification_click_rate
FROM engagement_analytics.final_results
WHERE predicted_engagement_score < 0.3
    OR churn_risk_score > 0.5
ORDER BY churn_risk_score DESC
