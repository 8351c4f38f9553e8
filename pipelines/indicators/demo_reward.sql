-- 技术创新示范企业奖励测算 (万元): the plan's reward per national and provincial
-- technology-innovation demonstration enterprise (30 and 15 万元 in the reference plan's
-- [policy]), over C(c,p) like the stock counts: an enterprise without a report for p
-- counts with its latest of p-1 … p-3.
SELECT s.period, s.scope, s.scope_id,
       CAST(SUM(CAST(
         CASE s.innovation_demo_level
           WHEN 'national' THEN pl.demo_reward_national
           WHEN 'provincial' THEN pl.demo_reward_provincial
           ELSE 0 END AS DECIMAL(38, 8))) AS DOUBLE) AS value
FROM stock_scoped s
CROSS JOIN plan pl
GROUP BY s.period, s.scope, s.scope_id
