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

-- The roster with a dense integer key per enterprise (`ent`) and per cluster (`cl`),
-- held in memory (the engine's CACHED_VIEWS). The self-joins below (carry-forward,
-- growth rates) pair an enterprise's rows on `ent` instead of on its 18-character
-- credit code: 8 bytes a row in a join's hash table instead of about 26 (7.1M rows at
-- 100x the sample city). The sums group by `cl` and name the cluster at the end
-- (`cluster_keyed`), instead of hashing and copying its text for every row. A
-- cluster's key is its rank among the distinct clusters, joined to its enterprises: a
-- second window (`DENSE_RANK() OVER (ORDER BY cluster_id)`) sorted the whole roster
-- again (0.105 s against 0.128 at 100x the sample city, 270,000 enterprises).
CREATE VIEW roster_keyed AS
SELECT r.credit_code, r.cluster_id,
       CAST(ROW_NUMBER() OVER (ORDER BY r.credit_code) AS INT) AS ent, c.cl
FROM roster r
JOIN (SELECT cluster_id, CAST(ROW_NUMBER() OVER (ORDER BY cluster_id) AS INT) AS cl
      FROM (SELECT DISTINCT cluster_id FROM roster)) c
  ON c.cluster_id = r.cluster_id;

-- Each cluster's key.
CREATE VIEW cluster_keyed AS
SELECT DISTINCT cl, cluster_id FROM roster_keyed;

-- Current report rows of the roster's enterprises with their cluster (the roster is
-- authoritative for membership): the join every indicator needs, made once and kept
-- by the engine (MATERIALIZED_VIEWS: in memory, or in a scratch Parquet file for a
-- large dataset). Only what the views below read is kept, in the form they read it:
-- the enterprise and its cluster as `ent` and `cl` (their text is in `roster_keyed`),
-- each level or status as the flags the counts test, and a row's CNC rate. The flags
-- and the rate are computed before the join (the inner SELECT), so the join copies
-- a bit or 8 bytes a row where it copied text: the kept rows are about half the
-- bytes, and the sums after it group by integers and add flags instead of comparing
-- text (docs/PERFORMANCE.md). The row's provenance (version, source file and line)
-- is for `sql` and the report's annex.
CREATE VIEW reports_in_roster AS
SELECT ro.ent, ro.cl, r.period_index,
       r.revenue_ytd, r.output_value_ytd, r.is_sme, r.above_scale,
       r.specialized, r.little_giant, r.cnc_rate,
       r.business_info_system, r.digital_rnd_tools, r.ecommerce, r.design_center,
       r.innovation_platforms, r.green_factory, r.tech_upgrade_equipment_ytd,
       r.demo_national, r.demo_provincial, r.listed, r.listing_reserve,
       r.core_tech_breakthroughs
FROM (
  SELECT credit_code, period_index, revenue_ytd, output_value_ytd, is_sme, above_scale,
         specialized_level <> 'none' AS specialized,
         specialized_level = 'national' AS little_giant,
         -- the CNC rate of key processes, an enterprise's share in percent
         CASE WHEN key_processes > 0
              THEN 100.0 * key_processes_cnc / key_processes END AS cnc_rate,
         business_info_system, digital_rnd_tools, ecommerce,
         design_center_level <> 'none' AS design_center,
         innovation_platforms,
         green_factory_level <> 'none' AS green_factory,
         tech_upgrade_equipment_ytd,
         innovation_demo_level = 'national' AS demo_national,
         innovation_demo_level = 'provincial' AS demo_provincial,
         listing_status = 'listed' AS listed,
         listing_status = 'reserve' AS listing_reserve,
         core_tech_breakthroughs
  FROM reports
) r JOIN roster_keyed ro ON ro.credit_code = r.credit_code;

-- Comparable revenue growth: each enterprise's row paired with its own row of the same
-- quarter a year earlier, summed per quarter and cluster. The pairs are an equi-join on
-- one integer, the enterprise and its quarter packed together (`quarter_key`: `ent`
-- times 32 plus the low five bits of the quarter's index), for which DataFusion builds
-- an array indexed by the key instead of a hash table, the keys being dense (one per
-- enterprise and quarter of eight years). Keys eight years apart are the same, so the
-- join keeps the pairs a year apart (`n.period_index - t.period_index = 4`: written so
-- that it filters the pairs instead of being a second key, which would rule the array
-- out). Packed the other way round (the quarter's index times the roster's size, plus
-- `ent`), the key needed every row joined with the roster's size, a copy of the rows:
-- at 100x the sample city the evaluation peaked at 876 MB against 830, for the view
-- 0.40-0.41 s against 0.38-0.41 (alternated); on the two keys (`ent`, `period_index`)
-- it took 0.51-0.53 s; a window over each enterprise's rows, a sort, 0.8 s against
-- 0.25 at 10x. The join holds one side of the pairs, the largest thing an evaluation
-- holds, so for a large dataset the engine computes this view one slice of the keys at
-- a time (`WHERE slice = k`: `quarter_key & 1`, the quarter's parity, reaches the other
-- side as `next_year_key & 1`, its partner in the join) and keeps the few hundred rows
-- of each; `growth` adds the slices up, exactly, being DECIMAL (docs/PERFORMANCE.md).
-- Defined before `carried`: in memory, the engine computes the two at once.
CREATE VIEW growth_slices AS
WITH keyed AS (
  -- The row a year later has this row's `next_year_key` as its own key.
  SELECT r.cl, r.period_index, r.revenue_ytd,
         CAST(r.ent AS BIGINT) * 32 + (r.period_index & 31) AS quarter_key,
         CAST(r.ent AS BIGINT) * 32 + ((r.period_index + 4) & 31) AS next_year_key
  FROM reports_in_roster r
), pairs AS (
  SELECT n.quarter_key, n.period_index, n.cl, n.revenue_ytd AS now_revenue,
         t.revenue_ytd AS then_revenue
  FROM keyed t
  JOIN keyed n
    ON n.quarter_key = t.next_year_key AND n.period_index - t.period_index = 4
)
SELECT quarter_key & 1 AS slice, period_index, cl,
       SUM(CAST(now_revenue AS DECIMAL(38, 8))) AS now_revenue,
       SUM(CAST(then_revenue AS DECIMAL(38, 8))) AS then_revenue
FROM pairs
GROUP BY quarter_key & 1, period_index, cl;

-- The enterprises that may be carried forward into a quarter of `periods`: those
-- whose current reports leave a quarter open between their first report and the
-- as-of quarter (a gap, or no report for the as-of quarter). An enterprise reporting
-- every quarter from its first on has nothing to carry, so `carried` sorts only the
-- rows of these. (An enterprise has one current row per quarter, so COUNT(*) counts
-- its quarters.)
CREATE VIEW carry_candidates AS
SELECT ent
FROM reports_in_roster
GROUP BY ent
HAVING COUNT(*) < MAX(period_index) - MIN(period_index) + 1
    OR MAX(period_index) < (SELECT MAX(period_index) FROM periods);

-- C(c,p) beyond R(c,p) (indicators.md): an enterprise of the roster without a current
-- report for p that has one for p-1, p-2 or p-3 is carried forward, counting with the
-- latest of those. Each report row of a candidate, with the quarter of the
-- enterprise's next report, is carried into the up to three quarters after it that
-- come before that next report. Only the columns the stock counts read are carried.
-- (Pairing each quarter's rows with those of the three before and keeping the latest
-- by a window took 7 s and 1.4 GB at 100x the sample city's mixed files; this is one
-- sort of the candidates' rows.) Held in memory by the engine (CACHED_VIEWS).
CREATE VIEW carried AS
WITH candidate_rows AS (
  SELECT r.ent, r.cl, r.period_index,
         r.is_sme, r.above_scale, r.specialized, r.little_giant, r.design_center,
         r.innovation_platforms, r.core_tech_breakthroughs, r.green_factory,
         r.listed, r.listing_reserve, r.demo_national, r.demo_provincial,
         LEAD(r.period_index) OVER (PARTITION BY r.ent ORDER BY r.period_index)
           AS next_index
  FROM reports_in_roster r
  WHERE r.ent IN (SELECT ent FROM carry_candidates)
)
SELECT ro.credit_code, c.ent, c.cl, p.period, p.period_index,
       -- the quarter carried from, as `period` writes it (its index is 4 × year +
       -- quarter - 1)
       CAST(c.period_index / 4 AS VARCHAR) || 'Q' || CAST(c.period_index % 4 + 1 AS VARCHAR)
         AS from_period,
       c.is_sme, c.above_scale, c.specialized, c.little_giant, c.design_center,
       c.innovation_platforms, c.core_tech_breakthroughs, c.green_factory,
       c.listed, c.listing_reserve, c.demo_national, c.demo_provincial
FROM candidate_rows c
CROSS JOIN (VALUES (1), (2), (3)) AS lag(k)
JOIN periods p ON p.period_index = c.period_index + lag.k
JOIN roster_keyed ro ON ro.ent = c.ent
WHERE c.next_index IS NULL OR c.period_index + lag.k < c.next_index;

-- The stock population C(c,p) of the roster's enterprises with their cluster: current
-- reports and carried-forward enterprises, with `carried` telling them apart. A carried
-- row has only the columns the stock counts read; the others are NULL, so sums and
-- counts over R(c,p) (rates, money) skip it.
CREATE VIEW stock_in_roster AS
SELECT ent, cl, period_index, FALSE AS carried,
       is_sme, above_scale, specialized, little_giant, design_center,
       innovation_platforms, core_tech_breakthroughs, green_factory,
       listed, listing_reserve, demo_national, demo_provincial,
       revenue_ytd, output_value_ytd, cnc_rate,
       business_info_system, digital_rnd_tools, ecommerce, tech_upgrade_equipment_ytd
FROM reports_in_roster
UNION ALL
SELECT ent, cl, period_index, TRUE AS carried,
       is_sme, above_scale, specialized, little_giant, design_center,
       innovation_platforms, core_tech_breakthroughs, green_factory,
       listed, listing_reserve, demo_national, demo_provincial,
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
       CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN),
       CAST(NULL AS BOOLEAN), CAST(NULL AS DOUBLE)
FROM carried;

-- The facts every counting, summing and averaging indicator is made of, per quarter
-- and cluster, in one pass over the rows. Held in memory by the engine
-- (CACHED_VIEWS): an indicator file combines these columns instead of scanning the
-- rows again; thirty scans of 7.2M rows (100x the sample city) took minutes, one
-- takes seconds. R(c,p) columns count current reports only (carried rows are NULL
-- there); C(c,p) columns count both. A count is `COUNT(*) FILTER (WHERE flag)`, which
-- hands the flag to the count, not `SUM(CASE WHEN flag THEN 1 ELSE 0 END)`, which
-- made an array of ones and zeros for every flag and row; the demonstration rewards
-- are counted here and priced in `facts`, instead of a reward cast to DECIMAL for
-- each row (0.31-0.44 s against 0.38-0.48 s at 100x the sample city).
CREATE VIEW cluster_facts AS
SELECT s.period_index, s.cl,
       -- R(c,p): current reports
       COUNT(*) FILTER (WHERE NOT s.carried) AS reporting,
       COUNT(*) FILTER (WHERE s.business_info_system) AS business_info_system,
       COUNT(*) FILTER (WHERE s.digital_rnd_tools) AS digital_rnd_tools,
       COUNT(*) FILTER (WHERE s.ecommerce) AS ecommerce,
       SUM(CAST(s.cnc_rate AS DECIMAL(38, 12))) AS cnc_rate_sum,
       COUNT(s.cnc_rate) AS with_key_processes,
       SUM(CAST(s.revenue_ytd AS DECIMAL(38, 8))) AS revenue_ytd,
       SUM(CAST(s.output_value_ytd AS DECIMAL(38, 8))) AS output_value_ytd,
       -- 技改 subsidy each reporting enterprise may claim on its year's equipment
       SUM(CAST(CASE WHEN s.carried THEN NULL
                     WHEN pl.tech_upgrade_subsidy_share * s.tech_upgrade_equipment_ytd
                          < pl.tech_upgrade_subsidy_cap
                     THEN pl.tech_upgrade_subsidy_share * s.tech_upgrade_equipment_ytd
                     ELSE pl.tech_upgrade_subsidy_cap END
                AS DECIMAL(38, 8))) AS tech_upgrade_subsidy,
       -- C(c,p): current reports and carried-forward enterprises
       COUNT(*) FILTER (WHERE s.carried) AS carried,
       COUNT(*) FILTER (WHERE s.is_sme) AS sme,
       COUNT(*) FILTER (WHERE s.above_scale) AS above_scale,
       COUNT(*) FILTER (WHERE s.specialized) AS specialized,
       COUNT(*) FILTER (WHERE s.little_giant) AS little_giant,
       COUNT(*) FILTER (WHERE s.design_center) AS design_center,
       SUM(s.innovation_platforms) AS innovation_platforms,
       SUM(s.core_tech_breakthroughs) AS core_tech_breakthroughs,
       COUNT(*) FILTER (WHERE s.green_factory) AS green_factory,
       COUNT(*) FILTER (WHERE s.listed) AS listed,
       COUNT(*) FILTER (WHERE s.listing_reserve) AS listing_reserve,
       -- national and provincial demonstration enterprises, priced in `facts`
       COUNT(*) FILTER (WHERE s.demo_national) AS demo_national,
       COUNT(*) FILTER (WHERE s.demo_provincial) AS demo_provincial
FROM stock_in_roster s CROSS JOIN plan pl
GROUP BY s.period_index, s.cl;

-- The facts per quarter and scope: each cluster's, and the city's as the sum of its
-- clusters' (every enterprise of the roster is in one cluster). The sums are exact
-- (integers, DECIMAL), so adding the clusters' sums gives the figures adding the rows
-- gives, to the last digit; the rows are aggregated once instead of twice, as
-- GROUPING SETS did (docs/PERFORMANCE.md). Held in memory (CACHED_VIEWS).
CREATE VIEW facts AS
WITH f AS (
  SELECT * FROM cluster_facts
  UNION ALL
  SELECT period_index, CAST(NULL AS INT) AS cl,
         SUM(reporting) AS reporting,
         SUM(business_info_system) AS business_info_system,
         SUM(digital_rnd_tools) AS digital_rnd_tools,
         SUM(ecommerce) AS ecommerce,
         SUM(cnc_rate_sum) AS cnc_rate_sum,
         SUM(with_key_processes) AS with_key_processes,
         SUM(revenue_ytd) AS revenue_ytd,
         SUM(output_value_ytd) AS output_value_ytd,
         SUM(tech_upgrade_subsidy) AS tech_upgrade_subsidy,
         SUM(carried) AS carried,
         SUM(sme) AS sme,
         SUM(above_scale) AS above_scale,
         SUM(specialized) AS specialized,
         SUM(little_giant) AS little_giant,
         SUM(design_center) AS design_center,
         SUM(innovation_platforms) AS innovation_platforms,
         SUM(core_tech_breakthroughs) AS core_tech_breakthroughs,
         SUM(green_factory) AS green_factory,
         SUM(listed) AS listed,
         SUM(listing_reserve) AS listing_reserve,
         SUM(demo_national) AS demo_national,
         SUM(demo_provincial) AS demo_provincial
  FROM cluster_facts
  GROUP BY period_index
)
SELECT p.period, p.year, p.quarter,
       CASE WHEN ck.cluster_id IS NULL THEN 'city' ELSE 'cluster' END AS scope,
       COALESCE(ck.cluster_id, pl.city_id) AS scope_id,
       f.period_index, ck.cluster_id, f.* EXCLUDE (period_index, cl, demo_national, demo_provincial),
       -- the plan's reward for each demonstration enterprise, exact in DECIMAL
       f.demo_national * CAST(pl.demo_reward_national AS DECIMAL(38, 8))
         + f.demo_provincial * CAST(pl.demo_reward_provincial AS DECIMAL(38, 8))
         AS demo_reward
FROM f LEFT JOIN cluster_keyed ck ON ck.cl = f.cl
JOIN periods p ON p.period_index = f.period_index CROSS JOIN plan pl;

-- Enterprises carried forward per quarter and scope (kpis.csv `carried_forward`).
CREATE VIEW carry_coverage AS
SELECT period, scope, scope_id, carried FROM facts;

-- Comparable revenue growth per quarter and scope (each cluster, and the city).
-- revenue_yoy divides the sums; revenue_cagr chains the Q4 ones. Held in memory
-- (CACHED_VIEWS).
CREATE VIEW growth AS
WITH g AS (
  SELECT period_index, cl,
         SUM(now_revenue) AS now_revenue,
         SUM(then_revenue) AS then_revenue
  FROM growth_slices
  GROUP BY GROUPING SETS ((period_index, cl), (period_index))
)
SELECT p.period, p.year, p.quarter,
       CASE WHEN ck.cluster_id IS NULL THEN 'city' ELSE 'cluster' END AS scope,
       COALESCE(ck.cluster_id, pl.city_id) AS scope_id,
       g.period_index, ck.cluster_id, g.now_revenue, g.then_revenue
FROM g LEFT JOIN cluster_keyed ck ON ck.cl = g.cl
JOIN periods p ON p.period_index = g.period_index CROSS JOIN plan pl;

-- Expected reporters per scope: the roster of each cluster, and the whole roster,
-- counted before the city's name is joined to the count (the roster crossed with the
-- one-row plan came out as a batch for every enterprise: 0.6 s at 100x the sample
-- city, 270,000 batches of one row).
CREATE VIEW expected AS
SELECT 'cluster' AS scope, cluster_id AS scope_id, COUNT(*) AS expected
FROM roster_keyed GROUP BY cluster_id
UNION ALL
SELECT 'city' AS scope, pl.city_id AS scope_id, r.expected
FROM (SELECT COUNT(*) AS expected FROM roster_keyed) r CROSS JOIN plan pl;

-- Reporting coverage for every quarter and scope: |R(c,p)| against the roster.
CREATE VIEW coverage AS
SELECT p.period, e.scope, e.scope_id,
       COALESCE(f.reporting, 0) AS reporting, e.expected
FROM periods p
CROSS JOIN expected e
LEFT JOIN facts f
  ON f.period = p.period AND f.scope = e.scope AND f.scope_id = e.scope_id;

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
       CAST(revenue_ytd AS DOUBLE) AS revenue,
       CAST(output_value_ytd AS DOUBLE) AS output_value
FROM facts
WHERE scope = 'cluster' AND quarter = 4 AND reporting > 0;
