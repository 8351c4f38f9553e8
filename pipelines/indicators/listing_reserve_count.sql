-- 上市后备企业数: enterprises in the listing reserve.
SELECT period, scope, scope_id, SUM(CASE WHEN listing_status = 'reserve' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
