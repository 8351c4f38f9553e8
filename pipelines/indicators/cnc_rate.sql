-- 关键工序数控化率 (%): the unweighted mean, over enterprises with key processes, of
-- 100 × CNC key processes / key processes (as regional 两化融合 figures are
-- aggregated). Null when no enterprise in scope has key processes.
-- The sum of the enterprise rates (DECIMAL) and their count are in `facts`.
SELECT period, scope, scope_id,
       CAST(cnc_rate_sum AS DOUBLE) / with_key_processes AS value
FROM facts
WHERE reporting > 0
