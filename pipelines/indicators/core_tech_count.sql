-- 攻克关键核心技术数: key core technologies mastered since the plan's start, summed.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, core_tech_breakthroughs AS value
FROM facts
