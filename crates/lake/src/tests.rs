//! Dataset tests: versions, replacement of reference lists, locks, crash leftovers.

use super::*;
use clusterkpi_ingest::{Outcome, ReportRow, RosterRow};
use clusterkpi_model::Code;

fn report(code: &str, p: &str, revenue: f64) -> Record {
    Record::Report(ReportRow {
        credit_code: code.into(),
        period: p.parse().unwrap(),
        revenue_ytd: revenue,
        output_value_ytd: 1.0,
        employees: None,
        is_sme: true,
        above_scale: false,
        specialized_level: "none",
        key_processes: 1,
        key_processes_cnc: 1,
        business_info_system: true,
        digital_rnd_tools: false,
        ecommerce: false,
        design_center_level: "none",
        innovation_platforms: 0,
        green_factory_level: "none",
        tech_upgrade_equipment_ytd: 0.0,
        innovation_demo_level: "none",
        listing_status: "none",
        core_tech_breakthroughs: 0,
        line: 2,
    })
}

fn result(kind: InputKind, rows: u64, periods: &[&str]) -> FileResult {
    FileResult {
        path: "f.csv".into(),
        kind: Some(kind),
        format: Some("CSV UTF-8".into()),
        outcome: Outcome::Accepted,
        rows_read: rows,
        rows_accepted: rows,
        rows_quarantined: 0,
        warnings: 0,
        issues: Vec::new(),
        periods: periods.iter().map(|p| p.parse().unwrap()).collect(),
        skipped_checks: Vec::new(),
    }
}

#[test]
fn commits_make_versions_and_history_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    assert_eq!(lake.snapshot(None).unwrap().version(), 0);
    let mut w = lake.lock().unwrap();
    let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
    s.accept(report("A", "2024Q1", 10.0)).unwrap();
    s.accept(report("B", "2024Q1", 20.0)).unwrap();
    let v1 = w
        .commit(&result(InputKind::Reports, 2, &["2024Q1"]), "aaaa", Some(s))
        .unwrap();
    assert_eq!(v1.version(), 1);
    let mut s = w.stage(InputKind::Reports, "b.csv").unwrap();
    s.accept(report("A", "2024Q1", 11.0)).unwrap();
    let v2 = w
        .commit(&result(InputKind::Reports, 1, &["2024Q1"]), "bbbb", Some(s))
        .unwrap();
    assert_eq!(v2.files(Table::ReportHistory).len(), 2);
    let superseded = v2.read(Table::Superseded).unwrap();
    assert_eq!(
        superseded.iter().map(|b| b.num_rows()).sum::<usize>(),
        1,
        "A 2024Q1 of version 1 is replaced"
    );
    assert!(v2.ingested_sha("aaaa").is_some());
    // The earlier version is still readable as it was.
    let old = lake.snapshot(Some(1)).unwrap();
    assert_eq!(old.files(Table::ReportHistory).len(), 1);
    // The latest accepted figure wins in the history lookup.
    let prior = v2
        .prior_ytd(&HashSet::from(["A".to_string()]), &BTreeSet::from([2024]))
        .unwrap();
    assert_eq!(
        prior[&("A".to_string(), "2024Q1".parse().unwrap())].revenue,
        11.0
    );
}

#[test]
fn reference_lists_are_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    for (i, codes) in [vec!["A", "B"], vec!["C"]].into_iter().enumerate() {
        let mut s = w.stage(InputKind::Roster, "roster.csv").unwrap();
        for c in &codes {
            s.accept(Record::Roster(RosterRow {
                credit_code: (*c).into(),
                name: "n".into(),
                cluster_id: "x".into(),
                county: "c".into(),
            }))
            .unwrap();
        }
        w.commit(
            &result(InputKind::Roster, codes.len() as u64, &[]),
            &format!("r{i}"),
            Some(s),
        )
        .unwrap();
    }
    let snap = lake.snapshot(None).unwrap();
    assert_eq!(
        snap.roster_codes().unwrap().unwrap(),
        HashSet::from(["C".to_string()])
    );
    assert_eq!(
        lake.snapshot(Some(1))
            .unwrap()
            .roster_codes()
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_second_writer_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let _w = lake.lock().unwrap();
    assert!(matches!(lake.lock(), Err(LakeError::Locked(_))));
}

#[test]
fn rejected_files_record_issues_but_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let mut r = result(InputKind::Reports, 1, &[]);
    r.outcome = Outcome::Rejected;
    r.issues.push(Issue {
        file: "f.csv".into(),
        sheet: None,
        line: 2,
        column: "营业收入".into(),
        code: Code::E_NUMBER,
        value: "--".into(),
        message_zh: "不是数字".into(),
        message_en: "not a number".into(),
        period: Some("2024Q1".parse().unwrap()),
    });
    let mut s = w.stage(InputKind::Reports, "f.csv").unwrap();
    s.accept(report("A", "2024Q1", 1.0)).unwrap();
    let snap = w.commit(&r, "cccc", Some(s)).unwrap();
    assert!(snap.files(Table::ReportHistory).is_empty());
    assert!(
        snap.ingested_sha("cccc").is_none(),
        "a rejected file may be sent again"
    );
    let issues = read_issues(&snap).unwrap();
    assert_eq!(issues, r.issues);
}

#[test]
fn leftovers_of_an_unpublished_version_are_ignored_and_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    {
        let w = lake.lock().unwrap();
        let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
        s.accept(report("A", "2024Q1", 1.0)).unwrap();
        let (tmp, _) = s.finish().unwrap();
        // As if killed after moving the data file but before publishing the version.
        w.place(&tmp, "report_history/v1-dead.parquet").unwrap();
        std::fs::write(
            dir.path()
                .join("_log")
                .join("00000000000000000001.json.tmp"),
            "{",
        )
        .unwrap();
    }
    assert_eq!(lake.snapshot(None).unwrap().version(), 0);
    let _w = lake.lock().unwrap();
    assert!(!dir.path().join("report_history/v1-dead.parquet").exists());
    assert!(
        !dir.path()
            .join("_log/00000000000000000001.json.tmp")
            .exists()
    );
}
