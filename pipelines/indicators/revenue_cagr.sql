-- 营业收入年均增速 (%): chain-linked. For each year y after the baseline year up to
-- Y(p), g_y is the comparable growth of annual (Q4 year-to-date) revenue over the
-- enterprises reporting Q4 of both y and y−1; the rate is
-- 100 × ((Π (1 + g_y))^(1 / (Y(p) − baseyear)) − 1).
-- Null when Y(p) ≤ baseyear or any year has no comparable enterprise.
WITH annual_growth AS (
  SELECT a.scope, a.scope_id, a.year,
         SUM(a.revenue_ytd) / NULLIF(SUM(b.revenue_ytd), 0) AS factor
  FROM scoped a
  JOIN scoped b
    ON b.credit_code = a.credit_code
   AND b.scope = a.scope AND b.scope_id = a.scope_id
   AND b.period_index = a.period_index - 4
  WHERE a.quarter = 4
  GROUP BY a.scope, a.scope_id, a.year
),
scopes AS (SELECT DISTINCT scope, scope_id FROM annual_growth)
SELECT p.period, s.scope, s.scope_id,
       CASE
         WHEN COUNT(g.factor) = p.complete_year - pl.baseline_year AND MIN(g.factor) = 0
           THEN -100.0
         WHEN COUNT(g.factor) = p.complete_year - pl.baseline_year
           THEN 100.0 * (EXP(SUM(LN(g.factor)) / (p.complete_year - pl.baseline_year)) - 1)
       END AS value
FROM periods p
CROSS JOIN plan pl
CROSS JOIN scopes s
LEFT JOIN annual_growth g
  ON g.scope = s.scope AND g.scope_id = s.scope_id
 AND g.year > pl.baseline_year AND g.year <= p.complete_year
WHERE p.complete_year > pl.baseline_year
GROUP BY p.period, s.scope, s.scope_id, p.complete_year, pl.baseline_year
