-- Training set (seed §4.3 step 2c): the 80% of customers whose id number ends in 0-7.
-- The split is a pure function of customer_id, so every rerun and every engine agree.
CREATE TABLE engagement_raw.training_data AS
SELECT *
FROM engagement_raw.customers
WHERE CAST(SUBSTR(customer_id, 6) AS INT) % 10 < 8
