-- 营业收入同比增速 (%): on a comparable basis, over enterprises reporting both this
-- quarter and the same quarter a year earlier: 100 × (sum now / sum then − 1).
-- Null when no enterprise is comparable (or the earlier sum is zero).
SELECT a.period, a.scope, a.scope_id,
       100.0 * (SUM(a.revenue_ytd) / NULLIF(SUM(b.revenue_ytd), 0) - 1) AS value
FROM scoped a
JOIN scoped b
  ON b.credit_code = a.credit_code
 AND b.scope = a.scope AND b.scope_id = a.scope_id
 AND b.period_index = a.period_index - 4
GROUP BY a.period, a.scope, a.scope_id
