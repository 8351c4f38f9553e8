-- 工业设计中心数: enterprises with an industrial design centre at any level.
SELECT period, scope, scope_id, SUM(CASE WHEN design_center_level <> 'none' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
