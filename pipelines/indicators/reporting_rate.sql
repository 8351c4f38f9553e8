-- 报送率 (%): 100 × enterprises with an accepted report for p / enterprises in the
-- scope's roster (city: the whole roster).
SELECT period, scope, scope_id, 100.0 * reporting / NULLIF(expected, 0) AS value
FROM coverage
