-- 省级以上科技创新平台数: provincial-or-above innovation platforms, summed.
SELECT period, scope, scope_id, SUM(innovation_platforms) AS value
FROM scoped
GROUP BY period, scope, scope_id
