-- 省级以上绿色工厂数: green factories at provincial level or above.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
SELECT period, scope, scope_id, SUM(CASE WHEN green_factory_level <> 'none' THEN 1 ELSE 0 END) AS value
FROM stock_scoped
GROUP BY period, scope, scope_id
