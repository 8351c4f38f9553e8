-- 上市企业数: listed enterprises.
SELECT period, scope, scope_id, SUM(CASE WHEN listing_status = 'listed' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
