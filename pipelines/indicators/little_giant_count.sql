-- 专精特新"小巨人"企业数: national-level 专精特新 "little giants".
-- Over C(c,p): enterprises without a report for p count with their latest of p-1 … p-3.
-- Summed per quarter and scope in `facts` (views.sql).
SELECT period, scope, scope_id, little_giant AS value
FROM facts
