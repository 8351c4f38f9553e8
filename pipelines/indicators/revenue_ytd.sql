-- 营业收入(本年累计) (万元): year-to-date revenue of the reporting enterprises.
-- The exact DECIMAL sum per quarter and scope is in `facts` (views.sql).
SELECT period, scope, scope_id, CAST(revenue_ytd AS DOUBLE) AS value
FROM facts
WHERE reporting > 0
