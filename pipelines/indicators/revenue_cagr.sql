-- 营业收入年均增速 (%): chain-linked. For each year y after the baseline year up to
-- Y(p), g_y is the comparable growth of annual (Q4 year-to-date) revenue over the
-- enterprises reporting Q4 of both y and y−1; the rate is
-- 100 × ((Π (1 + g_y))^(1 / (Y(p) − baseyear)) − 1).
-- Null when Y(p) ≤ baseyear or any year has no comparable enterprise.
-- Each enterprise's Q4 row is paired with its Q4 row of the year before by an
-- equi-join (cheaper than a window's sort on the credit code; see revenue_yoy.sql).
WITH pairs AS (
  SELECT n.credit_code, n.year, n.revenue_ytd AS now_revenue, t.revenue_ytd AS then_revenue
  FROM reports n
  JOIN reports t
    ON t.credit_code = n.credit_code AND t.year = n.year - 1 AND t.quarter = 4
  WHERE n.quarter = 4
),
scoped_pairs AS (
  SELECT p.*, 'cluster' AS scope, ro.cluster_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code
  UNION ALL
  SELECT p.*, 'city' AS scope, pl.city_id AS scope_id
  FROM pairs p JOIN roster ro ON ro.credit_code = p.credit_code CROSS JOIN plan pl
),
annual_growth AS (
  SELECT scope, scope_id, year, CAST(SUM(CAST(now_revenue AS DECIMAL(38, 8))) AS DOUBLE)
         / NULLIF(CAST(SUM(CAST(then_revenue AS DECIMAL(38, 8))) AS DOUBLE), 0) AS factor
  FROM scoped_pairs
  GROUP BY scope, scope_id, year
),
scopes AS (SELECT DISTINCT scope, scope_id FROM annual_growth)
SELECT p.period, s.scope, s.scope_id,
       CASE
         WHEN COUNT(g.factor) = p.complete_year - pl.baseline_year AND MIN(g.factor) = 0
           THEN -100.0
         WHEN COUNT(g.factor) = p.complete_year - pl.baseline_year
           THEN 100.0 * (EXP(CAST(SUM(CAST(LN(g.factor) AS DECIMAL(38, 15))) AS DOUBLE)
                               / (p.complete_year - pl.baseline_year)) - 1)
       END AS value
FROM periods p
CROSS JOIN plan pl
CROSS JOIN scopes s
LEFT JOIN annual_growth g
  ON g.scope = s.scope AND g.scope_id = s.scope_id
 AND g.year > pl.baseline_year AND g.year <= p.complete_year
WHERE p.complete_year > pl.baseline_year
GROUP BY p.period, s.scope, s.scope_id, p.complete_year, pl.baseline_year
