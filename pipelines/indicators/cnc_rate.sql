-- 关键工序数控化率 (%): the unweighted mean, over enterprises with key processes, of
-- 100 × CNC key processes / key processes (as regional 两化融合 figures are
-- aggregated). Null when no enterprise in scope has key processes.
SELECT period, scope, scope_id,
       AVG(CASE WHEN key_processes > 0
                THEN 100.0 * key_processes_cnc / key_processes END) AS value
FROM scoped
GROUP BY period, scope, scope_id
