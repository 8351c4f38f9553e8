-- 营业收入年均增速 (%): chain-linked. For each year y after the baseline year up to
-- Y(p), g_y is the comparable growth of annual (Q4 year-to-date) revenue over the
-- enterprises reporting Q4 of both y and y−1; the rate is
-- 100 × ((Π (1 + g_y))^(1 / (Y(p) − baseyear)) − 1).
-- Null when Y(p) ≤ baseyear or any year has no comparable enterprise.
-- The sums over each year's pairs of Q4 rows are `growth`'s Q4 rows (views.sql).
WITH annual_growth AS (
  SELECT scope, scope_id, year,
         CAST(now_revenue AS DOUBLE) / NULLIF(CAST(then_revenue AS DOUBLE), 0) AS factor
  FROM growth
  WHERE quarter = 4
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
