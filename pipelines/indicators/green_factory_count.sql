-- 省级以上绿色工厂数: green factories at provincial level or above.
SELECT period, scope, scope_id, SUM(CASE WHEN green_factory_level <> 'none' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
