-- 省级以上科技创新平台数: provincial-or-above innovation platforms, summed.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, innovation_platforms AS value
FROM facts
