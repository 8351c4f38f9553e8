-- 工业总产值(本年累计) (万元): year-to-date output value of the reporting enterprises.
SELECT period, scope, scope_id, SUM(output_value_ytd) AS value
FROM scoped
GROUP BY period, scope, scope_id
