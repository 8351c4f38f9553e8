//! The dataset on S3-compatible object storage (`--lake s3://bucket/prefix`, the
//! `delta` feature), against moto started on 127.0.0.1: the quarterly run, and two
//! writers on two machines (two local copies) racing for the same version. The
//! dataset tests of `dataset.rs` (duplicates, corrections and an earlier version's
//! report, crashes, SIGKILL, rejected files) also run on object storage.

use std::time::{Duration, Instant};

use crate::support::*;

fn report(n: u32) -> String {
    reports_csv(&[report_row(n, "2021Q1", 10.0 * f64::from(n))])
}

/// The quarterly run of 2021Q1 over two enterprises' reports; its kpis.csv.
fn quarterly_run(w: &Work) -> String {
    small_city(w);
    w.write("inbox/1/a.csv", report(1));
    w.write("inbox/1/b.csv", report(2));
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2021Q1"]);
    assert_eq!(r.code, 0, "{r:?}");
    w.read("reports/2021Q1/kpis.csv")
}

#[test]
fn the_quarterly_run_on_object_storage_gives_the_folders_figures() {
    let Some(w) = Work::on_s3() else { return };
    // The same inputs on the server and into a folder.
    assert_eq!(quarterly_run(&w), quarterly_run(&Work::new()));

    // Another machine (an empty local copy) reads the same dataset from the server.
    let mut reader = w.command();
    let out = reader
        .env("CLUSTERKPI_LAKE_CACHE", w.path("cache-elsewhere"))
        .args([
            "sql",
            "SELECT COUNT(*) AS n FROM reports",
            "--lake",
            &w.lake,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("| 2 "),
        "{out:?}"
    );
    // Running again is a no-op: every file a duplicate, no new version.
    let version = w.sql_value("SELECT MAX(version) FROM submissions");
    let r = w.run(&[
        "run",
        w.path("pipeline.toml").to_str().unwrap(),
        "--period",
        "2021Q1",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.sql_value("SELECT MAX(version) FROM submissions"), version);
}

#[test]
fn of_two_writers_racing_for_a_version_one_publishes_and_the_other_exits_75() {
    let Some(w) = Work::on_s3() else { return };
    small_city(&w);
    w.ingest_references();
    w.write("a.csv", report(1));
    w.write("b.csv", report(2));

    // Writer A, on another machine (its own local copy), stops just before its
    // commit point, having read version 2 and uploaded its data file.
    let go = w.path("go");
    let a = w
        .command()
        .env("CLUSTERKPI_LAKE_CACHE", w.path("cache-a"))
        .env(
            "CLUSTERKPI_PAUSE_AT",
            format!("before-remote-publish:{}", go.display()),
        )
        .args(["ingest", "--lake", &w.lake, "a.csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !w.path("go.paused").exists() {
        assert!(
            Instant::now() < deadline,
            "writer A did not reach its commit point"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Writer B publishes version 3 meanwhile.
    let r = w.run(&["ingest", "--lake", &w.lake, "b.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    std::fs::write(&go, "").unwrap();
    let a = a.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&a.stderr);
    assert_eq!(a.status.code(), Some(75), "{stderr}");
    assert!(
        stderr.contains("another run published version 3 first"),
        "{stderr}"
    );
    // Version 3 is B's; A's uploaded file is in no version.
    assert_eq!(w.sql_value("SELECT MAX(version) FROM submissions"), "3");
    assert_eq!(
        w.sql_value("SELECT credit_code FROM report_history"),
        code(2)
    );
    // A, run again on its machine, publishes on top of B.
    let r = w.run_env(
        &["ingest", "--lake", &w.lake, "a.csv"],
        &[("CLUSTERKPI_LAKE_CACHE", w.path("cache-a").to_str().unwrap())],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "2");
    assert_eq!(w.sql_value("SELECT MAX(version) FROM submissions"), "4");
}

/// What the server holds is read with the care a county's file gets: names no
/// clusterkpi writer makes are not taken into the local copy, and a data file altered
/// on the server is named, with what is wrong, by the read that meets it.
#[test]
fn the_server_is_read_with_care() {
    let Some(w) = Work::on_s3() else { return };
    small_city(&w);
    w.write("a.csv", report(1));
    let r = w.ingest_with_references(&["a.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    for key in [
        "clusterkpi/lake/report_history/notes.txt",
        "clusterkpi/lake/_log/readme.json",
        "clusterkpi/lake/other/v9-ab.parquet",
        "clusterkpi/lake/kpis/latest.parquet",
    ] {
        w.put_object(key, b"not the dataset's");
    }
    // Another machine's first read: the dataset as published, nothing else copied.
    let fresh = w.path("cache-fresh");
    let sql = |query: &str, cache: &std::path::Path| {
        w.command()
            .env("CLUSTERKPI_LAKE_CACHE", cache)
            .args(["sql", query, "--lake", &w.lake])
            .output()
            .unwrap()
    };
    let out = sql("SELECT COUNT(*) AS n FROM reports", &fresh);
    assert!(out.status.success(), "{out:?}");
    let copied: Vec<String> = walk(&fresh)
        .iter()
        .map(|p| p.strip_prefix(&fresh).unwrap().display().to_string())
        .collect();
    for foreign in ["notes.txt", "readme.json", "other", "latest"] {
        assert!(
            copied.iter().all(|p| !p.contains(foreign)),
            "{foreign} copied: {copied:?}"
        );
    }
    // A data file replaced on the server: a new machine's read names it.
    let data = copied
        .iter()
        .find(|p| p.contains("report_history/v"))
        .expect("the report's data file")
        .split_once('/')
        .unwrap()
        .1
        .to_string();
    w.put_object(&format!("clusterkpi/lake/{data}"), b"altered bytes");
    let out = sql("SELECT COUNT(*) AS n FROM reports", &w.path("cache-third"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&data) && stderr.contains("size"),
        "{stderr}"
    );
}
