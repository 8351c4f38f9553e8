-- 规上工业企业数: enterprises above designated size.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, above_scale AS value
FROM facts
