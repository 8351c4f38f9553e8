-- 关键工序数控化率 (%): the unweighted mean, over enterprises with key processes, of
-- 100 × CNC key processes / key processes (as regional 两化融合 figures are
-- aggregated). Null when no enterprise in scope has key processes.
SELECT period, scope, scope_id,
       CAST(SUM(CAST(CASE WHEN key_processes > 0
                          THEN 100.0 * key_processes_cnc / key_processes END
                     AS DECIMAL(38, 12))) AS DOUBLE)
       / COUNT(CASE WHEN key_processes > 0 THEN 1 END) AS value
FROM scoped
GROUP BY period, scope, scope_id
