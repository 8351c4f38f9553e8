-- 新增县域特色产业集群数 (city): clusters recognised after the baseline quarter and
-- not after p.
SELECT p.period, 'city' AS scope, pl.city_id AS scope_id,
       COUNT(c.cluster_id) AS value
FROM periods p
CROSS JOIN plan pl
LEFT JOIN clusters c
  ON c.established_index > pl.baseline_index
 AND c.established_index <= p.period_index
GROUP BY p.period, pl.city_id
