-- 营业收入同比增速 (%): on a comparable basis, over enterprises reporting both this
-- quarter and the same quarter a year earlier: 100 × (sum now / sum then − 1).
-- Null when no enterprise is comparable (or the earlier sum is zero).
-- The pairs' sums per quarter and scope are in `growth` (views.sql).
SELECT period, scope, scope_id,
       100.0 * (CAST(now_revenue AS DOUBLE)
                / NULLIF(CAST(then_revenue AS DOUBLE), 0) - 1) AS value
FROM growth
