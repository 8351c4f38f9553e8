//! The dataset as system of record: duplicates, corrections with history, reproducible
//! versions, the writer lock, and crashes at any moment of an ingest.

use std::time::Duration;

use crate::support::*;

/// Each named test on a dataset folder and on a dataset on object storage (an
/// S3-compatible server started on 127.0.0.1; see `Work::on_s3`).
macro_rules! on_a_folder_and_on_s3 {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn folder() {
                super::$name(crate::support::Work::new());
            }

            #[cfg(feature = "delta")]
            #[test]
            fn s3() {
                if let Some(w) = crate::support::Work::on_s3() {
                    super::$name(w);
                }
            }
        }
    )*};
}

on_a_folder_and_on_s3!(
    the_same_bytes_under_another_name_are_a_duplicate,
    a_correction_replaces_the_row_and_history_reproduces_the_earlier_report,
    a_crash_before_publishing_leaves_the_previous_version,
    sigkill_in_the_middle_of_an_ingest_leaves_a_consistent_dataset,
    a_rejected_file_exits_65_and_is_recorded,
);

fn report(n: u32, period: &str, revenue: f64) -> Row<'_> {
    report_row(n, period, revenue)
}

fn the_same_bytes_under_another_name_are_a_duplicate(w: Work) {
    small_city(&w);
    let a = w.write(
        "a.csv",
        reports_csv(&[report(1, "2021Q1", 10.0), report(2, "2021Q1", 20.0)]),
    );
    let r = w.ingest_with_references(&[a.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let version = w.sql_value("SELECT MAX(version) FROM submissions");
    std::fs::copy(&a, w.path("renamed.csv")).unwrap();
    let r = w.run(&["ingest", "--lake", &w.lake, "renamed.csv", "a.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout.matches("duplicate").count(),
        3,
        "two lines and the total\n{r:?}"
    );
    assert_eq!(
        w.sql_value("SELECT MAX(version) FROM submissions"),
        version,
        "no new version"
    );
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "2");
}

fn a_correction_replaces_the_row_and_history_reproduces_the_earlier_report(w: Work) {
    small_city(&w);
    w.write(
        "inbox/1/a.csv",
        reports_csv(&[report(1, "2021Q1", 100.0), report(2, "2021Q1", 50.0)]),
    );
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    let first = num(&kpi(&w.path("reports/2021Q1/kpis.csv"), "xx", "revenue_ytd")["value"]);
    assert_eq!(first, 150.0);
    let version = w.sql_value("SELECT MAX(version) FROM submissions");

    w.write(
        "inbox/2/correction.csv",
        reports_csv(&[report(1, "2021Q1", 130.0)]),
    );
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        num(&kpi(&w.path("reports/2021Q1/kpis.csv"), "xx", "revenue_ytd")["value"]),
        180.0
    );
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "2");
    assert_eq!(
        w.sql_value("SELECT COUNT(*) FROM report_history"),
        "3",
        "the replaced row is kept"
    );

    // The report of the earlier version, reproduced.
    let r = w.run(&[
        "evaluate",
        "--pipeline",
        p.to_str().unwrap(),
        "--dataset-version",
        &version,
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        num(&kpi(&w.path("reports/2021Q1/kpis.csv"), "xx", "revenue_ytd")["value"]),
        150.0
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&w.read("reports/2021Q1/manifest.json")).unwrap();
    assert_eq!(manifest["dataset_version"].to_string(), version);
}

#[test]
fn a_second_writer_exits_75() {
    let w = Work::new();
    small_city(&w);
    std::fs::create_dir_all(w.lake_dir().join("_log")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.path("lake/_lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let r = w.run(&["ingest", "--lake", &w.lake, "reference/clusters.csv"]);
    assert_eq!(r.code, 75, "{r:?}");
    assert!(r.stderr.contains("locked"), "{r:?}");
    drop(lock);
    let r = w.run(&["ingest", "--lake", &w.lake, "reference/clusters.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
}

fn a_crash_before_publishing_leaves_the_previous_version(w: Work) {
    small_city(&w);
    w.ingest_references();
    w.write("a.csv", reports_csv(&[report(1, "2021Q1", 10.0)]));
    for point in ["before-commit", "before-publish"] {
        let r = w.run_env(
            &["ingest", "--lake", &w.lake, "a.csv"],
            &[("CLUSTERKPI_FAIL_AT", point)],
        );
        assert_ne!(r.code, 0, "{point}: {r:?}");
        assert_eq!(
            w.sql_value("SELECT COUNT(*) FROM report_history"),
            "0",
            "{point}"
        );
        assert_eq!(
            w.sql_value("SELECT MAX(version) FROM submissions"),
            "2",
            "{point}"
        );
    }
    let r = w.run(&["ingest", "--lake", &w.lake, "a.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "1");
    let leftovers: Vec<_> = std::fs::read_dir(w.lake_dir().join("report_history"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "the unpublished attempts' files are cleaned up"
    );
}

fn sigkill_in_the_middle_of_an_ingest_leaves_a_consistent_dataset(w: Work) {
    w.generate("city", 600, "2020Q1", "2022Q4", false);
    let mut files = vec![
        "city/reference/clusters.csv".to_string(),
        "city/reference/roster.csv".to_string(),
    ];
    let mut inbox: Vec<String> = walk(&w.path("city/inbox"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(w.dir.path())
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    inbox.sort();
    files.extend(inbox);
    let args: Vec<&str> = ["ingest", "--lake", &w.lake]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();

    // Kill at different moments; after each, the dataset must be readable and equal to
    // some prefix of the files, each file wholly in or wholly out.
    for delay_ms in [150, 400, 900] {
        let mut child = w
            .command()
            .args(&args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !w.lake_dir().join("_log").exists() {
            continue;
        }
        let recorded: u64 = w
            .sql_value("SELECT COUNT(*) FROM submissions")
            .parse()
            .unwrap_or(0);
        let rows: u64 = w
            .sql_value("SELECT COUNT(*) FROM report_history")
            .parse()
            .unwrap();
        let accepted: u64 = w
            .sql_value(
                "SELECT COALESCE(SUM(rows_accepted), 0) FROM submissions WHERE kind = 'reports'",
            )
            .parse()
            .unwrap();
        assert_eq!(
            rows, accepted,
            "after a kill at {delay_ms} ms: rows on record match the versions ({recorded} files)"
        );
    }
    let r = w.run(&args);
    assert_eq!(r.code, 0, "{r:?}");
    let total: u64 = w.sql_value("SELECT COUNT(*) FROM reports").parse().unwrap();
    // The same files into a new dataset folder, in one run.
    let clean = Work::new();
    std::fs::rename(w.path("city"), clean.path("city")).unwrap();
    let mut args = args;
    args[2] = &clean.lake;
    let r = clean.run(&args);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        clean
            .sql_value("SELECT COUNT(*) FROM reports")
            .parse::<u64>()
            .unwrap(),
        total,
        "killed runs then a re-run = one clean run"
    );
    assert_eq!(
        clean
            .sql_value("SELECT COUNT(*) FROM report_history")
            .parse::<u64>()
            .unwrap(),
        total,
        "nothing counted twice"
    );
}

fn a_rejected_file_exits_65_and_is_recorded(w: Work) {
    small_city(&w);
    let bad = REPORT_HEADER_ZH.replace(",工业总产值（万元）", "");
    w.write("inbox/bad.csv", format!("{bad}\n"));
    w.write(
        "inbox/good.csv",
        reports_csv(&[report(1, "2021Q1", 10.0), report(2, "2021Q1", 10.0)]),
    );
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(r.code, 65, "{r:?}");
    assert!(r.stdout.contains("REJECTED"), "{r:?}");
    assert!(
        w.path("reports/2021Q1/report.html").exists(),
        "the report is still written"
    );
    let (_, rows) = read_csv(&w.path("reports/2021Q1/validation.csv"));
    assert!(
        rows.iter()
            .any(|r| r.iter().any(|c| c == "E_MISSING_COLUMN")),
        "{rows:?}"
    );
}

/// A roster sent with reports checks them: it is committed first and the reports,
/// read beside it, wait for it to be checked against it, on one worker as on two. A
/// file rejected before is read again only if the roster sent with it changes the
/// lists, which only the roster's commit tells: a roster itself rejected leaves the
/// file unread.
#[test]
fn reports_are_checked_against_the_roster_sent_with_them() {
    for threads in ["1", "2"] {
        let w = Work::new();
        small_city(&w);
        let three = w.write("three.csv", reports_csv(&[report(3, "2021Q1", 30.0)]));
        let four = w.write("four.csv", reports_csv(&[report(4, "2021Q1", 40.0)]));
        let ingest = |files: &[&std::path::Path]| {
            let mut args = vec![
                "ingest",
                "--lake",
                &w.lake,
                "reference/clusters.csv",
                "reference/roster.csv",
            ];
            args.extend(files.iter().map(|f| f.to_str().unwrap()));
            w.run_env(&args, &[("CLUSTERKPI_THREADS", threads)])
        };
        let rejected = |name: &str| {
            w.sql_value(&format!(
                "SELECT COUNT(*) FROM submissions WHERE outcome = 'rejected' AND path LIKE '%{name}'"
            ))
        };

        // Enterprise 3 is not on the roster.
        let r = ingest(&[&three]);
        assert_eq!(r.code, 65, "{r:?}");
        assert_eq!(rejected("three.csv"), "1");

        // A roster that is rejected changes nothing: the file is not read again.
        w.write(
            "reference/roster.csv",
            format!("统一社会信用代码,企业名称\n{},企业3\n", code(3)),
        );
        let r = ingest(&[&three]);
        assert_eq!(r.code, 65, "{r:?}");
        assert!(
            r.stdout.contains("unchanged since it was rejected"),
            "{r:?}"
        );
        assert_eq!(rejected("roster.csv"), "1");
        assert_eq!(rejected("three.csv"), "1", "{r:?}");

        // A roster with enterprise 3 reads it again, and it is accepted.
        reference(&w, &[("xx", "2019Q4")], &[(1, "xx"), (2, "xx"), (3, "xx")]);
        let r = ingest(&[&three]);
        assert_eq!(r.code, 0, "{r:?}");

        // A roster with enterprise 4 and its first report, sent together: the report
        // is checked against that roster, committed after it.
        reference(
            &w,
            &[("xx", "2019Q4")],
            &[(1, "xx"), (2, "xx"), (3, "xx"), (4, "xx")],
        );
        let r = ingest(&[&four]);
        assert_eq!(r.code, 0, "{r:?}");
        assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "2");
        assert_eq!(
            w.sql_value(
                "SELECT string_agg(kind, '/' ORDER BY version) FROM submissions \
                 WHERE version > (SELECT MAX(version) FROM submissions WHERE path LIKE '%three.csv')"
            ),
            "roster/reports"
        );
    }
}
