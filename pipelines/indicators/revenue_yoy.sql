-- 营业收入同比增速 (%): on a comparable basis, over enterprises reporting both this
-- quarter and the same quarter a year earlier: 100 × (sum now / sum then − 1).
-- Null when no enterprise is comparable (or the earlier sum is zero).
-- Each enterprise is paired with its own row of the same quarter a year earlier by a
-- window over its rows (a sort, which spills to disk on a large dataset, where a join
-- would hold a whole side in memory), then counted in its cluster and the city.
WITH lagged AS (
  SELECT credit_code, period, period_index, revenue_ytd,
         LAG(revenue_ytd) OVER (PARTITION BY credit_code, quarter ORDER BY year) AS then_revenue,
         LAG(period_index) OVER (PARTITION BY credit_code, quarter ORDER BY year) AS then_index
  FROM reports
),
pairs AS (
  SELECT credit_code, period, revenue_ytd AS now_revenue, then_revenue
  FROM lagged
  WHERE then_index = period_index - 4
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
