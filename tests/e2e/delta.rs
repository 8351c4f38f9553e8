//! The dataset's tables in the Delta Lake format (the `delta` feature): what other
//! engines read is what clusterkpi reads, at the latest version and at an earlier one,
//! and a run stopped before publishing them is caught up by the next.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::*;

/// A table's Delta log read by hand, as the protocol defines it (no deltalake): the
/// commits in order, each applying its `add` and `remove` actions. Returns the files
/// current after commit `at` (the latest if None) and the `clusterkpi` application
/// transaction version of the last commit that carried one.
fn delta_log(table: &Path, at: Option<u64>) -> (BTreeSet<String>, Option<u64>) {
    let log = table.join("_delta_log");
    let mut commits: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(&log)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let v = name.strip_suffix(".json")?.parse().ok()?;
            Some((v, e.path()))
        })
        .collect();
    commits.sort();
    let (mut files, mut txn) = (BTreeSet::new(), None);
    for (v, path) in commits {
        if at.is_some_and(|at| v > at) {
            break;
        }
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let action: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(p) = action["add"]["path"].as_str() {
                files.insert(p.to_string());
            }
            if let Some(p) = action["remove"]["path"].as_str() {
                files.remove(p);
            }
            if action["txn"]["appId"] == "clusterkpi" {
                txn = action["txn"]["version"].as_u64();
            }
        }
    }
    (files, txn)
}

fn dataset_version(w: &Work) -> u64 {
    w.sql_value("SELECT MAX(version) FROM submissions")
        .parse()
        .unwrap()
}

/// DuckDB and Polars (PyPI, the Python in `CLUSTERKPI_READERS_PYTHON`) read every
/// table clusterkpi wrote, now and at the version an earlier run left, and count and
/// sum what `clusterkpi sql` counts and sums. Skipped without that Python unless
/// `CLUSTERKPI_REQUIRE_S3` asks for every outside tool (`.ci/run` sets both).
#[test]
fn duckdb_and_polars_read_the_dataset_as_clusterkpi_does() {
    read_the_dataset(Work::new());
}

/// The same on object storage: the Delta tables on the server, read from there.
#[test]
fn duckdb_and_polars_read_the_dataset_on_object_storage() {
    if let Some(w) = Work::on_s3() {
        read_the_dataset(w);
    }
}

fn read_the_dataset(w: Work) {
    let Some(python) = readers_python() else {
        return;
    };
    w.generate("city", 240, "2020Q1", "2021Q4", true);
    let mut inbox: Vec<String> = walk(&w.path("city/inbox"))
        .into_iter()
        .map(|p| p.strip_prefix(w.dir.path()).unwrap().display().to_string())
        .collect();
    inbox.sort();
    let ingest = |files: &[String]| {
        let mut args = vec![
            "ingest",
            "--lake",
            &w.lake,
            "city/reference/clusters.csv",
            "city/reference/roster.csv",
        ];
        args.extend(files.iter().map(String::as_str));
        let r = w.run(&args);
        assert!([0, 3, 65].contains(&r.code), "{r:?}");
    };
    // Two runs: the first publishes Delta version 1 of each table, the second 2.
    ingest(&inbox[..inbox.len() / 2]);
    let first = dataset_version(&w);
    ingest(&inbox);
    if w.lake == "lake" {
        let history = w.path("lake/report_history");
        assert_eq!(delta_log(&history, Some(1)).1, Some(first));
        assert_eq!(delta_log(&history, None).1, Some(dataset_version(&w)));
    }

    // (Delta folder, its name in `clusterkpi sql`, a key column, an integer column.)
    let tables = [
        (
            "report_history",
            "report_history",
            "credit_code",
            "key_processes",
        ),
        ("values", "values_history", "scope_id", "period_index"),
        ("issues", "issues", "file", "line"),
        ("roster", "roster", "credit_code", "-"),
        ("clusters", "clusters", "cluster_id", "established_index"),
        ("superseded", "superseded", "credit_code", "period_index"),
    ];
    let mut specs = Vec::new();
    let mut expected = Vec::new();
    let mut ask = |folder: &str, sql_name: &str, key: &str, number: &str, at: Option<u64>| {
        let total = if number == "-" {
            "0".to_string()
        } else {
            format!("COALESCE(SUM({number}), 0)")
        };
        let query = format!("SELECT COUNT(*), COUNT(DISTINCT {key}), {total} FROM {sql_name}");
        let (version, dataset) = match at {
            Some(v) => ("1".to_string(), Some(v.to_string())),
            None => ("latest".to_string(), None),
        };
        let out = w.path("q.csv");
        let mut args = vec![
            "sql",
            &query,
            "--lake",
            &w.lake,
            "--output",
            out.to_str().unwrap(),
        ];
        if let Some(d) = &dataset {
            args.extend(["--dataset-version", d]);
        }
        let r = w.run(&args);
        assert_eq!(r.code, 0, "{r:?}");
        let cells = std::fs::read_to_string(&out).unwrap();
        let cells = cells.lines().nth(1).unwrap().replace(',', " ");
        specs.push(format!("{folder}:{version}:{key}:{number}"));
        expected.push((folder.to_string(), version, cells));
    };
    for (folder, sql_name, key, number) in tables {
        ask(folder, sql_name, key, number, None);
    }
    // Time travel: Delta version 1 is the dataset as the first run left it.
    ask(
        "report_history",
        "report_history",
        "credit_code",
        "key_processes",
        Some(first),
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/readers/read_dataset.py");
    let lake = if w.lake == "lake" {
        w.path("lake").display().to_string()
    } else {
        w.lake.clone()
    };
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(lake)
        .args(&specs)
        .envs(w.env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let mut want = String::new();
    for engine in ["duckdb", "polars"] {
        for (folder, version, cells) in &expected {
            want.push_str(&format!("{engine} {folder} {version} {cells}\n"));
        }
    }
    assert_eq!(printed, want);
    // Not a vacuous comparison: the tables hold rows, and the first run fewer.
    let latest = &expected[0].2;
    let earlier = &expected.last().unwrap().2;
    assert_ne!(latest, earlier);
    assert!(!latest.starts_with("0 "), "{latest}");
}

#[test]
fn a_run_stopped_before_publishing_is_published_by_the_next() {
    let w = Work::new();
    small_city(&w);
    w.ingest_references();
    w.write("a.csv", reports_csv(&[report_row(1, "2021Q1", 10.0)]));
    let r = w.run_env(
        &["ingest", "--lake", "lake", "a.csv"],
        &[("CLUSTERKPI_FAIL_AT", "before-delta")],
    );
    assert_ne!(r.code, 0, "{r:?}");
    // The dataset has the file's version; its Delta form does not yet.
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM report_history"), "1");
    let history = w.path("lake/report_history");
    assert_eq!(delta_log(&history, None), (BTreeSet::new(), None));
    // The next writer, whatever it does (here: the same file again, a duplicate),
    // publishes it first.
    let r = w.run(&["ingest", "--lake", "lake", "a.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    let (files, txn) = delta_log(&history, None);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(txn, Some(3));
    let on_disk: BTreeSet<String> = std::fs::read_dir(&history)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".parquet"))
        .collect();
    assert_eq!(files, on_disk);
}
