-- 集群中小企业数: reporting enterprises that are SMEs.
SELECT period, scope, scope_id, SUM(CASE WHEN is_sme THEN 1 ELSE 0 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
