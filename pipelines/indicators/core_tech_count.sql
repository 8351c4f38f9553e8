-- 攻克关键核心技术数: key core technologies mastered since the plan's start, summed.
SELECT period, scope, scope_id, SUM(core_tech_breakthroughs) AS value
FROM scoped
GROUP BY period, scope, scope_id
