-- 技术创新示范企业奖励测算 (万元): the plan's reward per national and provincial
-- technology-innovation demonstration enterprise reporting at p (30 and 15 万元 in the
-- reference plan's [policy]).
SELECT s.period, s.scope, s.scope_id,
       SUM(CASE s.innovation_demo_level
             WHEN 'national' THEN pl.demo_reward_national
             WHEN 'provincial' THEN pl.demo_reward_provincial
             ELSE 0 END) AS value
FROM scoped s
CROSS JOIN plan pl
GROUP BY s.period, s.scope, s.scope_id
