-- 工业总产值(本年累计) (万元): year-to-date output value of the reporting enterprises.
-- The exact DECIMAL sum per quarter and scope is in `facts` (views.sql).
SELECT period, scope, scope_id, CAST(output_value_ytd AS DOUBLE) AS value
FROM facts
WHERE reporting > 0
