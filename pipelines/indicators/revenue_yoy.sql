-- 营业收入同比增速 (%): on a comparable basis, over enterprises reporting both this
-- quarter and the same quarter a year earlier: 100 × (sum now / sum then − 1).
-- Null when no enterprise is comparable (or the earlier sum is zero).
-- Enterprises are paired once on `reports`, then counted in their cluster and the city,
-- so the pairing join holds one copy of the rows, not one per scope.
WITH pairs AS (
  SELECT a.credit_code, a.period, a.revenue_ytd AS now_revenue, b.revenue_ytd AS then_revenue
  FROM reports a
  JOIN reports b
    ON b.credit_code = a.credit_code AND b.period_index = a.period_index - 4
),
scoped_pairs AS (
  SELECT p.*, 'cluster' AS scope, ro.cluster_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code
  UNION ALL
  SELECT p.*, 'city' AS scope, pl.city_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code CROSS JOIN plan pl
)
SELECT period, scope, scope_id,
       100.0 * (SUM(now_revenue) / NULLIF(SUM(then_revenue), 0) - 1) AS value
FROM scoped_pairs
GROUP BY period, scope, scope_id
