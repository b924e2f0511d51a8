-- Model performance summary (seed §4.7 view 3). The seed's PERCENTILE_APPROX is Hive/Spark
-- SQL; Athena (Trino) spells it approx_percentile. Counts are cast to BIGINT so that
-- every engine returns the same type.
CREATE OR REPLACE VIEW engagement_analytics.model_performance AS
SELECT
    model_version,
    COUNT(*) AS total_predictions,
    AVG(prediction_error) AS avg_error,
    STDDEV(prediction_error) AS stddev_error,
    approx_percentile(prediction_error, 0.5) AS median_error,
    approx_percentile(prediction_error, 0.95) AS p95_error,
    CAST(SUM(CASE WHEN prediction_quality = 'accurate' THEN 1 ELSE 0 END) AS BIGINT)
        AS accurate_count,
    CAST(SUM(CASE WHEN prediction_quality = 'acceptable' THEN 1 ELSE 0 END) AS BIGINT)
        AS acceptable_count,
    CAST(SUM(CASE WHEN prediction_quality = 'poor' THEN 1 ELSE 0 END) AS BIGINT)
        AS poor_count
FROM engagement_analytics.final_results
GROUP BY model_version
