-- 集群中小企业数: enterprises that are SMEs.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, sme AS value
FROM facts
