-- 专精特新中小企业数: enterprises recognised as 专精特新 at any level.
SELECT period, scope, scope_id, SUM(CASE WHEN specialized_level <> 'none' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
