-- Test set (seed §4.3 step 2d): the 20% of customers whose id number ends in 8 or 9.
CREATE TABLE engagement_raw.test_data AS
SELECT *
FROM engagement_raw.customers
WHERE CAST(SUBSTR(customer_id, 6) AS INT) % 10 >= 8
