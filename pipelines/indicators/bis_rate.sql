-- 业务信息系统普及率 (%): the share of reporting enterprises with business_info_system.
SELECT period, scope, scope_id,
       100.0 * SUM(CASE WHEN business_info_system THEN 1 ELSE 0 END) / COUNT(*) AS value
FROM scoped
GROUP BY period, scope, scope_id
