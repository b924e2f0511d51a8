-- High-value customers for targeting (seed §4.7 view 1), with the LTV model's interval.
CREATE OR REPLACE VIEW engagement_analytics.high_value_customers AS
SELECT
    customer_id,
    age,
    location,
    account_type,
    predicted_engagement_score,
    actual_engagement_score,
    social_influence_score,
    transaction_revenue_month,
    ltv_p10,
    ltv_p50,
    ltv_p90
FROM engagement_analytics.final_results
WHERE predicted_engagement_score >= 0.7
    AND account_type = 'premium'
ORDER BY predicted_engagement_score DESC
