-- 攻克关键核心技术数: key core technologies mastered since the plan's start, summed.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
SELECT period, scope, scope_id, SUM(core_tech_breakthroughs) AS value
FROM stock_scoped
GROUP BY period, scope, scope_id
