-- 规上工业企业数: enterprises above designated size.
SELECT period, scope, scope_id, SUM(CASE WHEN above_scale THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
