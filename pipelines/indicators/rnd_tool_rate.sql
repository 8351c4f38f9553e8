-- 数字化研发设计工具应用率 (%): the share of reporting enterprises with digital_rnd_tools.
SELECT period, scope, scope_id,
       100.0 * SUM(CASE WHEN digital_rnd_tools THEN 1 ELSE 0 END) / COUNT(*) AS value
FROM scoped
GROUP BY period, scope, scope_id
