-- Final results (seed §4.7): every customer of run :run_id with every model's prediction
-- (engagement_predictions.predictions, built by the ensemble step), the engagement
-- prediction's error and quality, and the engagement model's metrics *as measured by
-- that run* (engagement_predictions.model_metrics), never typed-in numbers, and the
-- customer's segment of that run (engagement_analytics.segments; NULL when it made none).
-- Columns: every contract column of engagement_raw.customers (targets renamed actual_*),
-- then prediction, derived and run metadata; the partition columns location and
-- account_type come last, as Athena requires for a partitioned CTAS.
CREATE TABLE engagement_analytics.final_results AS
WITH metrics AS (
    SELECT
        model_version,
        MAX(CASE WHEN metric = 'r2' THEN value END) AS model_r2_score,
        MAX(CASE WHEN metric = 'rmse' THEN value END) AS model_rmse
    FROM engagement_predictions.model_metrics
    WHERE model_name = 'engagement' AND run_id = :run_id AND split = 'test'
    GROUP BY model_version
)
SELECT
    c.customer_id,
    c.age,
    c.gender,
    c.avg_daily_logins,
    c.avg_session_duration_min,
    c.num_messages_sent_per_day,
    c.num_events_joined_month,
    c.num_new_connections_month,
    c.influencer_follow_score,
    c.days_since_last_login,
    c.churn_risk_score,
    c.avg_reactions_per_post,
    c.avg_comments_per_post,
    c.content_posts_per_week,
    c.avg_scroll_depth_pct,
    c.notification_click_rate,
    c.device_type,
    c.time_of_day_active,
    c.friend_group_participation_score,
    c.premium_feature_usage_rate,
    c.avg_ads_engagement_rate,
    c.social_influence_score,
    c.match_success_rate,
    c.profile_views_received_week,
    c.gig_applications_sent_month,
    c.gig_listings_active,
    c.transaction_revenue_month,
    c.content_virality_score,
    c.swipe_like_ratio,
    c.avg_job_completion_rating,
    c.total_connections,
    c.engagement_score AS actual_engagement_score,
    c.churn_30_day AS actual_churn_30_day,
    c.lifetime_value_usd AS actual_lifetime_value_usd,
    c.avg_sentiment_score,
    c.content_category_primary,
    c.network_centrality,
    c.time_since_first_transaction_days,
    c.response_time_avg_hours,
    c.peak_activity_hour,
    c.content_diversity_score,
    c.referral_count,
    c.session_consistency_score,
    c.premium_features_used_count,
    c.last_7_day_engagement_trend,
    c.social_influence_tier,
    c.trust_score,
    p.predicted_engagement_score,
    p.prediction_timestamp,
    p.model_version,
    p.churn_probability,
    p.churn_prediction,
    p.intervention_flag,
    p.ltv_p10,
    p.ltv_p50,
    p.ltv_p90,
    p.anomaly_score,
    p.anomaly_flag,
    p.recommended_categories,
    p.value_at_risk_usd,
    p.next_best_action,
    p.next_best_action_rule,
    ABS(c.engagement_score - p.predicted_engagement_score) AS prediction_error,
    CAST(
        CASE
            WHEN ABS(c.engagement_score - p.predicted_engagement_score) <= 0.1 THEN 'accurate'
            WHEN ABS(c.engagement_score - p.predicted_engagement_score) <= 0.2 THEN 'acceptable'
            ELSE 'poor'
        END AS VARCHAR
    ) AS prediction_quality,
    p.engagement_category AS predicted_engagement_category,
    m.model_r2_score,
    m.model_rmse,
    CAST(CURRENT_TIMESTAMP AS TIMESTAMP) AS results_created_at,
    CAST(:run_id AS VARCHAR) AS pipeline_run_id,
    s.segment_name,
    c.location,
    c.account_type
FROM engagement_raw.customers c
JOIN engagement_predictions.predictions p
    ON c.customer_id = p.customer_id
LEFT JOIN metrics m
    ON m.model_version = p.model_version
LEFT JOIN engagement_analytics.segments s
    ON s.customer_id = c.customer_id AND s.run_id = :run_id
WHERE p.run_id = :run_id
