-- 营业收入同比增速 (%): on a comparable basis, over enterprises reporting both this
-- quarter and the same quarter a year earlier: 100 × (sum now / sum then − 1).
-- Null when no enterprise is comparable (or the earlier sum is zero).
-- Each enterprise's row is paired with its own row of the same quarter a year earlier
-- by an equi-join on (credit_code, period_index - 4). A window over each enterprise's
-- rows did the same with a sort on the credit code: 0.8 s against 0.25 s for the join
-- at 10x the sample city (710,600 rows), at the same peak memory.
WITH pairs AS (
  SELECT n.credit_code, n.period, n.revenue_ytd AS now_revenue, t.revenue_ytd AS then_revenue
  FROM reports n
  JOIN reports t ON t.credit_code = n.credit_code AND t.period_index = n.period_index - 4
),
scoped_pairs AS (
  SELECT p.*, 'cluster' AS scope, ro.cluster_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code
  UNION ALL
  SELECT p.*, 'city' AS scope, pl.city_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code CROSS JOIN plan pl
)
SELECT period, scope, scope_id,
       100.0 * (CAST(SUM(CAST(now_revenue AS DECIMAL(38, 8))) AS DOUBLE)
                / NULLIF(CAST(SUM(CAST(then_revenue AS DECIMAL(38, 8))) AS DOUBLE), 0) - 1) AS value
FROM scoped_pairs
GROUP BY period, scope, scope_id
