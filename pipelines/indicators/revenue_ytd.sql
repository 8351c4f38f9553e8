-- 营业收入(本年累计) (万元): year-to-date revenue of the reporting enterprises.
SELECT period, scope, scope_id, SUM(revenue_ytd) AS value
FROM scoped
GROUP BY period, scope, scope_id
