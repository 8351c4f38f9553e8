-- Views every indicator reads. The engine registers the dataset's tables first:
--   report_history  every accepted report row, with the dataset version that added it
--   superseded      (credit_code, period_index, version) of rows replaced by a later file
--   roster, clusters   the current reference lists
--   values_history  every directly reported value, with its version
--   plan            one row: city_id, baseline/deadline quarters, policy amounts
--   periods         every quarter from the earliest reported one to the as-of quarter,
--                   with complete_year = Y(p), the latest complete year at p
--   targets         the plan's targets: indicator, scope, rule, amount, unit, role,
--                   criterion_of (the indicator a criterion is a condition of)

-- Sums of floating-point values (money, enterprise rates, logarithms) are taken over
-- DECIMAL, whose addition is exact: a figure then does not depend on the order the rows
-- are added in, so it reproduces to the last digit however many partitions run the
-- query (a DOUBLE sum's last digits follow the order). Money keeps 8 decimals of 万元,
-- far below a fen; a sum of 7 million rows fits DECIMAL(38, 8) many times over.

-- Current report rows: a later accepted row for the same enterprise and quarter
-- replaces the earlier one, which stays in report_history.
CREATE VIEW reports AS
SELECT h.*
FROM report_history h
WHERE NOT EXISTS (
  SELECT 1 FROM superseded s
  WHERE s.credit_code = h.credit_code
    AND s.period_index = h.period_index
    AND s.version = h.version
);

-- Current report rows of the roster's enterprises with their cluster (the roster is
-- authoritative for membership): the join every indicator needs, made once. On a
-- dataset held in memory the engine keeps its result (CACHED_VIEWS in the engine).
CREATE VIEW reports_in_roster AS
SELECT r.*, ro.cluster_id
FROM reports r JOIN roster ro ON ro.credit_code = r.credit_code;

-- Each current report row once per scope it counts in: its cluster and the city.
CREATE VIEW scoped AS
SELECT r.*, 'cluster' AS scope, r.cluster_id AS scope_id
FROM reports_in_roster r
UNION ALL
SELECT r.*, 'city' AS scope, pl.city_id AS scope_id
FROM reports_in_roster r CROSS JOIN plan pl;

-- C(c,p) beyond R(c,p) (indicators.md): an enterprise of the roster without a current
-- report for p that has one for p-1, p-2 or p-3 is carried forward, counting with the
-- latest of those. Only the columns the stock counts read are carried. The three lags
-- are an equi-join (a range join would compare every quarter with every row).
CREATE VIEW carried AS
SELECT credit_code, period, period_index, from_period,
       is_sme, above_scale, specialized_level, design_center_level,
       innovation_platforms, core_tech_breakthroughs, green_factory_level,
       listing_status, innovation_demo_level
FROM (
  SELECT w.period, w.period_index, r.period AS from_period, r.credit_code,
         r.is_sme, r.above_scale, r.specialized_level, r.design_center_level,
         r.innovation_platforms, r.core_tech_breakthroughs, r.green_factory_level,
         r.listing_status, r.innovation_demo_level,
         ROW_NUMBER() OVER (PARTITION BY w.period_index, r.credit_code
                            ORDER BY r.period_index DESC) AS rn
  FROM (SELECT p.period, p.period_index, p.period_index - lag.k AS from_index
        FROM periods p CROSS JOIN (VALUES (1), (2), (3)) AS lag(k)) w
  JOIN reports r ON r.period_index = w.from_index
  WHERE NOT EXISTS (
    SELECT 1 FROM reports n
    WHERE n.credit_code = r.credit_code AND n.period_index = w.period_index
  )
) WHERE rn = 1;

-- The stock population C(p): current reports and carried-forward enterprises, with
-- `carried` telling them apart.
CREATE VIEW stock AS
SELECT credit_code, period, period_index,
       is_sme, above_scale, specialized_level, design_center_level,
       innovation_platforms, core_tech_breakthroughs, green_factory_level,
       listing_status, innovation_demo_level, FALSE AS carried
FROM reports
UNION ALL
SELECT credit_code, period, period_index,
       is_sme, above_scale, specialized_level, design_center_level,
       innovation_platforms, core_tech_breakthroughs, green_factory_level,
       listing_status, innovation_demo_level, TRUE AS carried
FROM carried;

-- C(c,p) of the roster's enterprises with their cluster, as `reports_in_roster`.
CREATE VIEW stock_in_roster AS
SELECT s.*, ro.cluster_id
FROM stock s JOIN roster ro ON ro.credit_code = s.credit_code;

-- C(c,p) once per scope it counts in, as `scoped` is for R(c,p).
CREATE VIEW stock_scoped AS
SELECT s.*, 'cluster' AS scope, s.cluster_id AS scope_id
FROM stock_in_roster s
UNION ALL
SELECT s.*, 'city' AS scope, pl.city_id AS scope_id
FROM stock_in_roster s CROSS JOIN plan pl;

-- Enterprises carried forward per quarter and scope (kpis.csv `carried_forward`).
CREATE VIEW carry_coverage AS
SELECT period, scope, scope_id, SUM(CASE WHEN carried THEN 1 ELSE 0 END) AS carried
FROM stock_scoped
GROUP BY period, scope, scope_id;

-- Expected reporters per scope: the roster of each cluster, and the whole roster.
CREATE VIEW expected AS
SELECT 'cluster' AS scope, cluster_id AS scope_id, COUNT(*) AS expected
FROM roster GROUP BY cluster_id
UNION ALL
SELECT 'city' AS scope, pl.city_id AS scope_id, COUNT(*) AS expected
FROM roster CROSS JOIN plan pl GROUP BY pl.city_id;

-- Reporting coverage for every quarter and scope: |R(c,p)| against the roster.
CREATE VIEW coverage AS
SELECT p.period, e.scope, e.scope_id,
       COALESCE(r.reporting, 0) AS reporting, e.expected
FROM periods p
CROSS JOIN expected e
LEFT JOIN (
  SELECT period, scope, scope_id, COUNT(*) AS reporting
  FROM scoped GROUP BY period, scope, scope_id
) r ON r.period = p.period AND r.scope = e.scope AND r.scope_id = e.scope_id;

-- Current directly reported values: the latest version of each (quarter, scope, indicator).
CREATE VIEW reported_values AS
SELECT period, period_index, scope, scope_id, indicator, value
FROM (
  SELECT v.*, ROW_NUMBER() OVER (
    PARTITION BY v.period_index, v.scope, v.scope_id, v.indicator
    ORDER BY v.version DESC, v.source_line DESC) AS rn
  FROM values_history v
) WHERE rn = 1;

-- Annual (Q4 year-to-date) revenue and output value of each cluster and year.
CREATE VIEW cluster_annual AS
SELECT scope_id AS cluster_id, year,
       CAST(SUM(CAST(revenue_ytd AS DECIMAL(38, 8))) AS DOUBLE) AS revenue,
       CAST(SUM(CAST(output_value_ytd AS DECIMAL(38, 8))) AS DOUBLE) AS output_value
FROM scoped
WHERE scope = 'cluster' AND quarter = 4
GROUP BY scope_id, year;
