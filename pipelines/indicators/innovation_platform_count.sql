-- 省级以上科技创新平台数: provincial-or-above innovation platforms, summed.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
SELECT period, scope, scope_id, SUM(innovation_platforms) AS value
FROM stock_scoped
GROUP BY period, scope, scope_id
