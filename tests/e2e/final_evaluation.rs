//! The plan's final evaluation (终期评估): evaluated as of a quarter after the deadline,
//! targets are judged at the deadline, and the stock counts carry forward enterprises
//! whose report for a quarter is missing (indicators.md: judged quarter, `C(c,p)`).
//!
//! Clusters aa (enterprises 1, 2) and bb (3, 4), all SMEs, with the reference plan but
//! "more than 3 SMEs" instead of 2,500:
//! - 2020Q4 and 2025Q3: all four report;
//! - 2025Q4 (the deadline): only enterprise 1 reports; 2 skips the quarter and bb's
//!   county file never arrives, so 2, 3 and 4 are carried forward from 2025Q3: 4 SMEs,
//!   more than 3, achieved (without carry-forward: 1, missed);
//! - 2026Q3: 1, 2 and 3 report; 4 last reported four quarters earlier and is no longer
//!   carried: 3 SMEs, not more than 3 — but the verdict stays the one at the deadline.

use crate::support::*;

fn city(w: &Work) {
    reference(
        w,
        &[("aa", "2019Q4"), ("bb", "2019Q4")],
        &[(1, "aa"), (2, "aa"), (3, "bb"), (4, "bb")],
    );
    let rows = |codes: &[u32], period: &'static str| -> Vec<Row<'static>> {
        codes
            .iter()
            .map(|&code| Row {
                code,
                period,
                revenue: 100.0 * f64::from(code),
                key: 1000,
                cnc: 400,
                sme: true,
                bis: false,
            })
            .collect()
    };
    for (period, codes) in [
        ("2020Q4", &[1, 2, 3, 4][..]),
        ("2025Q3", &[1, 2, 3, 4][..]),
        ("2025Q4", &[1][..]),
        ("2026Q3", &[1, 2, 3][..]),
    ] {
        w.write(
            &format!("inbox/{period}/reports-{period}.csv"),
            reports_csv(&rows(codes, period)),
        );
    }
    let plan = std::fs::read_to_string(plan_file()).unwrap().replace(
        "rule = \"more_than\"\namount = 2500",
        "rule = \"more_than\"\namount = 3",
    );
    assert!(plan.contains("amount = 3\nnote = \"县域特色产业集群中小型企业总数超过2500家\""));
    w.write("plan.toml", plan);
    w.write(
        "pipeline.toml",
        "[pipeline]\nplan = \"plan.toml\"\nclusters = \"reference/clusters.csv\"\nroster = \"reference/roster.csv\"\ninbox = \"inbox\"\nlake = \"lake\"\nout = \"reports\"\n",
    );
}

#[test]
fn after_the_deadline_targets_are_judged_at_it_with_carried_forward_enterprises() {
    let w = Work::new();
    city(&w);
    let r = w.run(&[
        "run",
        w.path("pipeline.toml").to_str().unwrap(),
        "--period",
        "2026Q3",
    ]);
    assert_eq!(r.code, 3, "enterprise 4 has not reported for 2026Q3\n{r:?}");
    let kpis = w.path("reports/2026Q3/kpis.csv");

    let sme = kpi(&kpis, "shijiazhuang", "sme_count");
    assert_eq!(sme["period"], "2026Q3");
    assert_eq!(sme["value"], "3", "1, 2 and 3 at 2026Q3; 4 is gone");
    assert_eq!(sme["judged_period"], "2025Q4");
    assert_eq!(
        sme["judged_value"], "4",
        "1 reported, 2, 3 and 4 carried forward"
    );
    assert_eq!(sme["projected"], "4", "at the deadline the actual value");
    assert_eq!(
        sme["status"], "achieved",
        "4 > 3 at the deadline, whatever comes after"
    );
    assert_eq!(sme["role"], "target");
    assert_eq!(sme["carried_forward"], "0", "nobody is carried at 2026Q3");
    assert_eq!(
        (sme["reporting"].as_str(), sme["expected"].as_str()),
        ("3", "4")
    );

    // A criterion of the digital-cluster target, judged per cluster.
    let cnc = kpi(&kpis, "aa", "cnc_rate");
    assert_eq!(
        (cnc["role"].as_str(), cnc["judged_period"].as_str()),
        ("criterion", "2025Q4")
    );
    // Rates use only the enterprises that reported: no carry-forward, empty column.
    let bis = kpi(&kpis, "bb", "bis_rate");
    assert_eq!(
        (
            bis["carried_forward"].as_str(),
            bis["judged_period"].as_str()
        ),
        ("", "2025Q4")
    );
    // Without a target nothing is judged.
    let listed = kpi(&kpis, "shijiazhuang", "listed_count");
    assert_eq!(
        (listed["judged_period"].as_str(), listed["role"].as_str()),
        ("", "")
    );
    assert_eq!(listed["status"], "no_target");

    // series.csv: the deadline quarter with its carried enterprises, per scope.
    let (h, series) = read_csv(&w.path("reports/2026Q3/series.csv"));
    assert_eq!(h.last().map(String::as_str), Some("carried_forward"));
    let at = |period: &str, scope_id: &str, indicator: &str| {
        let row = series
            .iter()
            .find(|r| r[0] == period && r[2] == scope_id && r[3] == indicator)
            .unwrap_or_else(|| panic!("no series row {period} {scope_id} {indicator}"));
        (row[4].clone(), row[6].clone(), row[8].clone())
    };
    assert_eq!(
        at("2025Q4", "shijiazhuang", "sme_count"),
        ("4".into(), "1".into(), "3".into())
    );
    assert_eq!(
        at("2025Q4", "aa", "sme_count"),
        ("2".into(), "1".into(), "1".into())
    );
    assert_eq!(
        at("2025Q4", "bb", "sme_count"),
        ("2".into(), "0".into(), "2".into())
    );
    assert_eq!(
        at("2026Q3", "bb", "sme_count"),
        ("1".into(), "1".into(), "0".into())
    );
    // A rate of bb at 2025Q4 has no reporting enterprise: empty, not carried.
    assert_eq!(
        at("2025Q4", "bb", "bis_rate"),
        (String::new(), "0".into(), String::new())
    );

    // The same evaluation at the deadline gives the same verdict.
    let r = w.run(&[
        "evaluate",
        "--pipeline",
        w.path("pipeline.toml").to_str().unwrap(),
        "--period",
        "2025Q4",
    ]);
    assert_eq!(r.code, 3, "{r:?}");
    let at_deadline = kpi(
        &w.path("reports/2025Q4/kpis.csv"),
        "shijiazhuang",
        "sme_count",
    );
    assert_eq!(
        (
            at_deadline["value"].as_str(),
            at_deadline["judged_value"].as_str(),
            at_deadline["status"].as_str()
        ),
        ("4", "4", "achieved")
    );
    assert_eq!(at_deadline["carried_forward"], "3");

    // Before the deadline the as-of quarter is judged, with a projection.
    let r = w.run(&[
        "evaluate",
        "--pipeline",
        w.path("pipeline.toml").to_str().unwrap(),
        "--period",
        "2025Q3",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let before = kpi(
        &w.path("reports/2025Q3/kpis.csv"),
        "shijiazhuang",
        "sme_count",
    );
    assert_eq!(
        (before["judged_period"].as_str(), before["status"].as_str()),
        ("2025Q3", "achieved")
    );
}
