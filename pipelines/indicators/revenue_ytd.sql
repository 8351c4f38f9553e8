-- 营业收入(本年累计) (万元): year-to-date revenue of the reporting enterprises.
SELECT period, scope, scope_id, CAST(SUM(CAST(revenue_ytd AS DECIMAL(38, 8))) AS DOUBLE) AS value
FROM scoped
GROUP BY period, scope, scope_id
