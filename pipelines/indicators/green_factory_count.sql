-- 省级以上绿色工厂数: green factories at provincial level or above.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, green_factory AS value
FROM facts
