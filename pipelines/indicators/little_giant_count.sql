-- 专精特新"小巨人"企业数: national-level 专精特新 "little giants".
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
SELECT period, scope, scope_id, SUM(CASE WHEN specialized_level = 'national' THEN 1 ELSE 0 END) AS value
FROM stock_scoped
GROUP BY period, scope, scope_id
