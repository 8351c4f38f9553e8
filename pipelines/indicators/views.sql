-- Views every indicator reads. The engine registers the dataset's tables first:
--   report_history  every accepted report row, with the dataset version that added it
--   superseded      (credit_code, period_index, version) of rows replaced by a later file
--   roster, clusters   the current reference lists
--   values_history  every directly reported value, with its version
--   plan            one row: city_id, baseline/deadline quarters, policy amounts
--   periods         every quarter from the earliest reported one to the as-of quarter,
--                   with complete_year = Y(p), the latest complete year at p
--   targets         the plan's targets: indicator, scope, rule, amount, unit

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

-- Each current report row once per scope it counts in: its cluster (from the roster,
-- which is authoritative for membership) and the city.
CREATE VIEW scoped AS
SELECT r.*, 'cluster' AS scope, ro.cluster_id AS scope_id
FROM reports r JOIN roster ro ON ro.credit_code = r.credit_code
UNION ALL
SELECT r.*, 'city' AS scope, pl.city_id AS scope_id
FROM reports r JOIN roster ro ON ro.credit_code = r.credit_code CROSS JOIN plan pl;

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
       SUM(revenue_ytd) AS revenue, SUM(output_value_ytd) AS output_value
FROM scoped
WHERE scope = 'cluster' AND quarter = 4
GROUP BY scope_id, year;
