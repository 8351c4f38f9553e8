-- 技改设备购置补贴测算 (万元): the plan's "不超过15%，最高500万元" computed on the
-- previous year: over enterprises with an annual (Q4) report for year(p) − 1,
-- Σ min(share × equipment purchases, cap), share and cap from the plan's [policy].
-- Each enterprise's capped subsidy is summed (DECIMAL) per quarter and scope in
-- `facts`; a quarter reads the Q4 of the year before.
SELECT p.period, f.scope, f.scope_id, CAST(f.tech_upgrade_subsidy AS DOUBLE) AS value
FROM periods p
JOIN facts f ON f.year = p.year - 1 AND f.quarter = 4 AND f.reporting > 0
