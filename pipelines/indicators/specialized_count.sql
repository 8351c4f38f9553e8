-- 专精特新中小企业数: enterprises recognised as 专精特新 at any level.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, specialized AS value
FROM facts
