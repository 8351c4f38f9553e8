-- 电子商务覆盖率 (%): the share of reporting enterprises with ecommerce.
SELECT period, scope, scope_id,
       100.0 * SUM(CASE WHEN ecommerce THEN 1 ELSE 0 END) / COUNT(*) AS value
FROM scoped
GROUP BY period, scope, scope_id
