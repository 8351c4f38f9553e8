-- 数字化特色产业集群数 (city; phase 2, reads `series`): clusters whose annual output
-- value of Y(p) is at least 1,000,000 万元 (10 billion yuan) and that meet, at p, every
-- criterion the plan sets for it (targets with role = 'criterion' and
-- criterion_of = 'digital_cluster_count': the four digital gains of clusters). A gain is
-- measured from the baseline: the value at the baseline quarter or, where null, the
-- first non-null value after it.
-- Null when no cluster has data for Y(p).
WITH baseline AS (
  SELECT scope_id, indicator, value AS b, period_index AS b_index
  FROM (
    SELECT s.scope_id, s.indicator, s.value, s.period_index,
           ROW_NUMBER() OVER (PARTITION BY s.scope_id, s.indicator
                              ORDER BY s.period_index) AS rn
    FROM series s CROSS JOIN plan pl
    WHERE s.scope = 'cluster' AND s.value IS NOT NULL
      AND s.period_index >= pl.baseline_index
  ) WHERE rn = 1
),
digital_targets AS (
  SELECT indicator, amount, unit FROM targets
  WHERE scope = 'cluster' AND rule = 'gain'
    AND role = 'criterion' AND criterion_of = 'digital_cluster_count'
),
required AS (SELECT COUNT(*) AS n FROM digital_targets),
met AS (
  SELECT s.period, s.scope_id, COUNT(*) AS n_met
  FROM series s
  JOIN digital_targets d ON d.indicator = s.indicator
  JOIN baseline b
    ON b.scope_id = s.scope_id AND b.indicator = s.indicator
   AND b.b_index <= s.period_index
  WHERE s.scope = 'cluster'
    AND s.value >= CASE WHEN d.unit = 'relative' THEN b.b * (1 + d.amount / 100.0)
                        ELSE b.b + d.amount END - 1e-9
  GROUP BY s.period, s.scope_id
)
SELECT p.period, 'city' AS scope, pl.city_id AS scope_id,
       CASE WHEN COUNT(a.cluster_id) > 0 THEN
         SUM(CASE WHEN a.output_value >= 1000000 AND COALESCE(m.n_met, 0) = r.n
                  THEN 1 ELSE 0 END)
       END AS value
FROM periods p
CROSS JOIN plan pl
CROSS JOIN required r
LEFT JOIN cluster_annual a ON a.year = p.complete_year
LEFT JOIN met m ON m.period = p.period AND m.scope_id = a.cluster_id
GROUP BY p.period, pl.city_id, r.n
