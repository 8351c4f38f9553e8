-- 技术创新示范企业奖励测算 (万元): the plan's reward per national and provincial
-- technology-innovation demonstration enterprise (30 and 15 万元 in the reference plan's
-- [policy]), over C(c,p) like the stock counts: an enterprise without a report for p
-- counts with its latest of p-1 … p-3.
-- Each enterprise's reward is summed (DECIMAL) per quarter and scope in `facts`.
SELECT period, scope, scope_id, CAST(demo_reward AS DOUBLE) AS value
FROM facts
