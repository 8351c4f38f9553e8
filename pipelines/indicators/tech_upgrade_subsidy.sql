-- 技改设备购置补贴测算 (万元): the plan's "不超过15%，最高500万元" computed on the
-- previous year: over enterprises with an annual (Q4) report for year(p) − 1,
-- Σ min(share × equipment purchases, cap), share and cap from the plan's [policy].
SELECT p.period, s.scope, s.scope_id,
       CAST(SUM(CAST(
         CASE WHEN pl.tech_upgrade_subsidy_share * s.tech_upgrade_equipment_ytd
                   < pl.tech_upgrade_subsidy_cap
              THEN pl.tech_upgrade_subsidy_share * s.tech_upgrade_equipment_ytd
              ELSE pl.tech_upgrade_subsidy_cap END AS DECIMAL(38, 8))) AS DOUBLE) AS value
FROM periods p
CROSS JOIN plan pl
JOIN scoped s ON s.year = p.year - 1 AND s.quarter = 4
GROUP BY p.period, s.scope, s.scope_id
