//! `clusterkpi status` on a generated city with one county's files dropped and
//! another's replaced by a file that cannot be read: who has sent what, the CSV, the
//! exit code of `--fail-overdue` before and after the due date, and the same table in
//! the report (status.csv in its folder) and the overdue line in `run`'s summary.

use crate::support::{Work, read_csv};

/// A 2025 city without 辛集市's fourth-quarter file and with 无极县's replaced by one
/// that is rejected (no kind can be told from it), ingested by `run`.
fn city_missing_one_county() -> Work {
    let w = Work::new();
    w.generate(".", 150, "2025Q1", "2025Q4", false);
    let q4 = w.path("inbox/2025Q4");
    for e in std::fs::read_dir(&q4).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("xinji-") || name.starts_with("wuji-") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    w.write("inbox/2025Q4/wuji-2025Q4.csv", "甲,乙\n1,2\n");
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2025Q4"]);
    assert_eq!(r.code, 65, "the unreadable file is rejected: {r:?}");
    // The run's summary names the counties to chase.
    let overdue = r
        .stdout
        .lines()
        .find(|l| l.starts_with("逾期："))
        .unwrap_or_else(|| panic!("no overdue line: {r:?}"));
    assert!(
        overdue.contains("辛集市") && overdue.contains("无极县") && overdue.ends_with("（2个）"),
        "{overdue}"
    );
    w
}

#[test]
fn status_names_the_county_missing_and_the_one_rejected() {
    let w = city_missing_one_county();
    // The tests run on 2026-11-29: long past the 2026-01-15 due date.
    let r = w.run(&["status", "pipeline.toml", "--period", "2025Q4"]);
    assert_eq!(r.code, 0, "without --fail-overdue: {r:?}");
    let line = |county: &str| {
        r.stdout
            .lines()
            .find(|l| l.contains(county))
            .unwrap_or_else(|| panic!("no line for {county}: {r:?}"))
            .to_string()
    };
    assert!(
        r.stdout.contains("2025年四季度报表截止日期为2026年1月15日"),
        "{r:?}"
    );
    assert!(line("辛集市").starts_with('!') && line("辛集市").contains("逾期未报送"));
    let wuji = line("无极县");
    assert!(
        wuji.contains("已拒收（待重新报送）") && wuji.contains("wuji-2025Q4.csv"),
        "{wuji}"
    );
    assert!(
        wuji.contains("（北京时间）") && wuji.contains("拒收"),
        "{wuji}"
    );
    assert!(line("藁城区").contains("全部接收"), "{r:?}");

    // The CSV, and exit 3 while counties are overdue.
    let r = w.run(&[
        "status",
        "pipeline.toml",
        "--period",
        "2025Q4",
        "--output",
        "status.csv",
        "--fail-overdue",
    ]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("辛集市") && r.stderr.contains("无极县"),
        "{r:?}"
    );
    // The report folder holds the same CSV (the same dataset version and day).
    assert_eq!(
        std::fs::read(w.path("status.csv")).unwrap(),
        std::fs::read(w.path("reports/2025Q4/status.csv")).unwrap()
    );
    let (head, rows) = read_csv(&w.path("status.csv"));
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let row = |county: &str| rows.iter().find(|r| r[col("county")] == county).unwrap();
    assert_eq!(row("辛集市")[col("state")], "overdue");
    assert_eq!(row("辛集市")[col("file")], "");
    let wuji = row("无极县");
    assert_eq!(
        (wuji[col("state")].as_str(), wuji[col("outcome")].as_str()),
        ("rejected", "rejected")
    );
    // No rows to tell its county: its name, after the county's earlier files.
    assert_eq!(wuji[col("county_from")], "name");
    assert!(wuji[col("received_at")].ends_with("+08:00"));
    let gaocheng: Vec<_> = rows
        .iter()
        .filter(|r| r[col("county")] == "藁城区")
        .collect();
    assert_eq!(gaocheng.len(), 2, "two clusters, two files");
    assert!(gaocheng.iter().all(|r| r[col("county_from")] == "rows"));
    // Every county of the cluster list is there, once per file or once without.
    let counties: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[col("county")].as_str()).collect();
    assert_eq!(counties.len(), 11, "{counties:?}");

    // The report's data-quality section shows the same table.
    let html = w.read("reports/2025Q4/report.html");
    assert!(html.contains("各县（市、区）报送文件情况"));
    assert!(html.contains("逾期未报送") && html.contains("已拒收（待重新报送）"));
}

#[test]
fn before_the_due_date_nothing_is_overdue_and_english_on_request() {
    let w = city_missing_one_county();
    let r = w.run_env(
        &[
            "status",
            "pipeline.toml",
            "--period",
            "2025Q4",
            "--fail-overdue",
        ],
        &[("CLUSTERKPI_TODAY", "2026-01-15")],
    );
    assert_eq!(r.code, 0, "the due day has not ended: {r:?}");
    assert!(r.stdout.contains("未报送（未到截止日期）"), "{r:?}");
    let r = w.run_env(
        &[
            "status",
            "pipeline.toml",
            "--period",
            "2025Q4",
            "--fail-overdue",
            "--language",
            "en",
        ],
        &[("CLUSTERKPI_TODAY", "2026-01-16")],
    );
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout
            .contains("Files for 2025 Q4 are due by the end of 2026-01-15")
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("辛集市") && l.contains("overdue"))
    );
    // A due date from the pipeline file moves it.
    let p = w.read("pipeline.toml");
    w.write("pipeline.toml", format!("{p}[reporting]\ndue_days = 31\n"));
    let r = w.run_env(
        &[
            "status",
            "pipeline.toml",
            "--period",
            "2025Q4",
            "--fail-overdue",
        ],
        &[("CLUSTERKPI_TODAY", "2026-01-16")],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("截止日期为2026年1月31日"), "{r:?}");
}
