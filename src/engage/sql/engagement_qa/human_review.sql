-- Human QA queue (seed §4.6): at most 400 predictions of run :run_id for data scientists.
--   high_pred   the 100 highest predicted engagement scores (outliers?)
--   low_pred    the 100 lowest (data errors?)
--   large_error the 100 largest |actual - predicted| among this run's top 5% of errors
--               (relative, so a good model still shows its worst misses)
--   baseline    100 rows from the middle quartiles of predicted score, not chosen above
-- The baseline sample ranks rows by md5(customer_id || run_id) instead of RAND(), so a
-- rerun of the same run picks the same rows. A row chosen for several reasons keeps the
-- first reason in the order above. Reviewers fill reviewer_notes and review_status.
-- Items of earlier runs still waiting for a decision (engagement_qa.review_backlog,
-- made by the QA stage from the previous queue and the decisions) stay in the queue
-- with their own run id, unless this run picked the same customer again.
CREATE TABLE engagement_qa.human_review AS
WITH scored AS (
    SELECT
        c.customer_id,
        c.age,
        c.gender,
        c.location,
        c.account_type,
        c.avg_daily_logins,
        c.engagement_score AS actual_engagement,
        p.predicted_engagement_score,
        ABS(c.engagement_score - p.predicted_engagement_score) AS prediction_error,
        p.model_version,
        to_hex(md5(to_utf8(c.customer_id || :run_id))) AS sample_key
    FROM engagement_raw.customers c
    JOIN engagement_predictions.predictions p
        ON c.customer_id = p.customer_id
    WHERE p.run_id = :run_id
),
error_cut AS (
    SELECT approx_percentile(prediction_error, 0.95) AS p95 FROM scored
),
ranked AS (
    SELECT
        scored.*,
        error_cut.p95 AS error_p95,
        ROW_NUMBER() OVER (ORDER BY predicted_engagement_score DESC, customer_id) AS high_rank,
        ROW_NUMBER() OVER (ORDER BY predicted_engagement_score ASC, customer_id) AS low_rank,
        ROW_NUMBER() OVER (ORDER BY prediction_error DESC, customer_id) AS error_rank,
        NTILE(4) OVER (ORDER BY predicted_engagement_score, customer_id) AS quartile
    FROM scored CROSS JOIN error_cut
),
flagged AS (
    SELECT
        ranked.*,
        CASE
            WHEN high_rank <= 100 THEN 'high_pred'
            WHEN low_rank <= 100 THEN 'low_pred'
            WHEN prediction_error >= error_p95 AND error_rank <= 100 THEN 'large_error'
        END AS flag
    FROM ranked
),
baseline AS (
    SELECT
        flagged.*,
        ROW_NUMBER() OVER (ORDER BY sample_key, customer_id) AS sample_rank
    FROM flagged
    WHERE flag IS NULL AND quartile IN (2, 3)
),
chosen AS (
    SELECT
        customer_id, age, gender, location, account_type, avg_daily_logins,
        actual_engagement, predicted_engagement_score, prediction_error, model_version,
        flag AS qa_reason
    FROM flagged
    WHERE flag IS NOT NULL
    UNION ALL
    SELECT
        customer_id, age, gender, location, account_type, avg_daily_logins,
        actual_engagement, predicted_engagement_score, prediction_error, model_version,
        'baseline' AS qa_reason
    FROM baseline
    WHERE sample_rank <= 100
)
SELECT
    customer_id,
    age,
    gender,
    location,
    account_type,
    avg_daily_logins,
    actual_engagement,
    predicted_engagement_score,
    prediction_error,
    model_version,
    CAST(qa_reason AS VARCHAR) AS qa_reason,
    CAST(NULL AS VARCHAR) AS reviewer_notes,
    CAST('pending' AS VARCHAR) AS review_status,
    CAST(:run_id AS VARCHAR) AS run_id
FROM chosen
UNION ALL
SELECT
    customer_id,
    age,
    gender,
    location,
    account_type,
    avg_daily_logins,
    actual_engagement,
    predicted_engagement_score,
    prediction_error,
    model_version,
    qa_reason,
    reviewer_notes,
    review_status,
    run_id
FROM engagement_qa.review_backlog
WHERE customer_id NOT IN (SELECT customer_id FROM chosen)
