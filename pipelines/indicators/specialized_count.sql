-- 专精特新中小企业数: enterprises recognised as 专精特新 at any level.
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
SELECT period, scope, scope_id, SUM(CASE WHEN specialized_level <> 'none' THEN 1 ELSE 0 END) AS value
FROM stock_scoped
GROUP BY period, scope, scope_id
