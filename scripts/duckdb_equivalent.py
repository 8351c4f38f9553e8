"""What a capable analyst would write instead of clusterkpi: DuckDB reads the county
report CSVs with an explicit schema, stores them as Parquet, and computes the quarterly
indicators per cluster and for the city. The benchmark (scripts/bench.sh) times it
beside `clusterkpi run` on the same plain files (`clusterkpi generate --plain`).

It does less than clusterkpi: no per-cell validation with codes and messages, no
quarantine, no history or corrections, no baseline/target judgement, charts or report.
That is the point of the comparison.

    python3 scripts/duckdb_equivalent.py CITY_DIR WORK_DIR
"""

import sys
import time
from pathlib import Path

import duckdb

COLUMNS = {
    "credit_code": "VARCHAR",
    "period": "VARCHAR",
    "revenue_ytd": "DOUBLE",
    "output_value_ytd": "DOUBLE",
    "employees": "BIGINT",
    "is_sme": "BOOLEAN",
    "above_scale": "BOOLEAN",
    "specialized_level": "VARCHAR",
    "key_processes": "BIGINT",
    "key_processes_cnc": "BIGINT",
    "business_info_system": "BOOLEAN",
    "digital_rnd_tools": "BOOLEAN",
    "ecommerce": "BOOLEAN",
    "design_center_level": "VARCHAR",
    "innovation_platforms": "BIGINT",
    "green_factory_level": "VARCHAR",
    "tech_upgrade_equipment_ytd": "DOUBLE",
    "innovation_demo_level": "VARCHAR",
    "listing_status": "VARCHAR",
    "core_tech_breakthroughs": "BIGINT",
}


def main(city: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    files = sorted(
        str(p) for p in (city / "inbox").rglob("*.csv") if p.parent.name != "values"
    )
    con = duckdb.connect()
    started = time.perf_counter()
    columns = ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items())
    con.execute(
        f"""CREATE TABLE reports AS
        SELECT * FROM read_csv({files!r}, header = true, columns = {{{columns}}})"""
    )
    con.execute(
        f"""CREATE TABLE roster AS SELECT * FROM read_csv('{city}/reference/roster.csv',
        header = true, all_varchar = true)"""
    )
    con.execute("ALTER TABLE roster RENAME COLUMN 统一社会信用代码 TO credit_code")
    con.execute("ALTER TABLE roster RENAME COLUMN 所属集群 TO cluster_id")
    parquet = work / "reports.parquet"
    con.execute(f"COPY reports TO '{parquet}' (FORMAT parquet)")
    stored = time.perf_counter()

    # The per-quarter indicators, per cluster and for the city (GROUPING SETS), from
    # the stored Parquet, with the year-on-year growth on a comparable basis.
    con.execute(
        f"""CREATE TABLE kpis AS
        WITH r AS (
          SELECT p.*, ro.cluster_id FROM read_parquet('{parquet}') p
          JOIN roster ro USING (credit_code)
        ), agg AS (
          SELECT period, COALESCE(cluster_id, 'city') AS scope_id,
            AVG(CASE WHEN key_processes > 0
                     THEN 100.0 * key_processes_cnc / key_processes END) AS cnc_rate,
            100.0 * AVG(business_info_system::INT) AS bis_rate,
            100.0 * AVG(digital_rnd_tools::INT) AS rnd_tool_rate,
            100.0 * AVG(ecommerce::INT) AS ecommerce_rate,
            SUM(revenue_ytd) AS revenue_ytd,
            SUM(output_value_ytd) AS output_value_ytd,
            COUNT(*) FILTER (WHERE is_sme) AS sme_count,
            COUNT(*) FILTER (WHERE specialized_level <> 'none') AS specialized_count,
            COUNT(*) FILTER (WHERE specialized_level = 'national') AS little_giant_count,
            COUNT(*) FILTER (WHERE above_scale) AS above_scale_count,
            COUNT(*) FILTER (WHERE design_center_level <> 'none') AS design_center_count,
            SUM(innovation_platforms) AS innovation_platform_count,
            SUM(core_tech_breakthroughs) AS core_tech_count,
            COUNT(*) FILTER (WHERE green_factory_level <> 'none') AS green_factory_count,
            COUNT(*) AS reporting
          FROM r GROUP BY GROUPING SETS ((period, cluster_id), (period))
        ), yoy AS (
          SELECT now.period, COALESCE(now.cluster_id, 'city') AS scope_id,
            100.0 * (SUM(now.revenue_ytd) / SUM(prev.revenue_ytd) - 1) AS revenue_yoy
          FROM r now JOIN r prev
            ON prev.credit_code = now.credit_code
           AND prev.period = (CAST(SUBSTR(now.period, 1, 4) AS INT) - 1)::VARCHAR
                             || SUBSTR(now.period, 5)
          GROUP BY GROUPING SETS ((now.period, now.cluster_id), (now.period))
        )
        SELECT agg.*, yoy.revenue_yoy FROM agg
        LEFT JOIN yoy USING (period, scope_id)
        ORDER BY period, scope_id"""
    )
    con.execute(f"COPY kpis TO '{work / 'kpis.csv'}' (HEADER)")
    done = time.perf_counter()
    rows = con.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    print(
        f"duckdb {duckdb.__version__}: {len(files)} files, {rows} rows; "
        f"CSV → Parquet {stored - started:.2f} s, indicators {done - stored:.2f} s"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
