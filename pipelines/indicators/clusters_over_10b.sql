-- 新增超100亿元集群数 (city): clusters whose annual revenue of Y(p) is at least 1000000 万元 (10 billion
-- yuan) and whose annual revenue of the baseline year was below it. A cluster with no
-- data for the baseline year (recognised later) counts as below it then.
-- Null when no cluster has data for Y(p).
SELECT p.period, 'city' AS scope, pl.city_id AS scope_id,
       CASE WHEN COUNT(now.cluster_id) > 0 THEN
         SUM(CASE WHEN now.revenue >= 1000000 AND COALESCE(base.revenue, 0) < 1000000
                  THEN 1 ELSE 0 END)
       END AS value
FROM periods p
CROSS JOIN plan pl
LEFT JOIN cluster_annual now ON now.year = p.complete_year
LEFT JOIN cluster_annual base
  ON base.cluster_id = now.cluster_id AND base.year = pl.baseline_year
GROUP BY p.period, pl.city_id
