-- 工业设计中心数: enterprises with an industrial design centre at any level.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, design_center AS value
FROM facts
