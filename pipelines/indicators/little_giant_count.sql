-- 专精特新"小巨人"企业数: national-level 专精特新 "little giants".
SELECT period, scope, scope_id, SUM(CASE WHEN specialized_level = 'national' THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
