//! Files a county could send, by accident or on purpose, and the faults an operator
//! meets: each ends with a coded outcome, within the limits, with nothing lost and no
//! later run affected.

use std::io::Write as _;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn good(n: u32) -> Row<'static> {
    report_row(n, "2021Q1", 10.0)
}

/// Runs the binary in `w` with `args`, failing the test if it is still running after
/// `limit` (a hang).
fn run_at_most(w: &Work, args: &[&str], limit: Duration) -> std::process::Output {
    let child = bin()
        .current_dir(w.dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_at_most(child, limit)
}

/// Waits for a child, killing it (and failing the test) after `limit`.
fn wait_at_most(mut child: Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: a hang\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_csv_whose_last_line_has_no_line_break_is_read() {
    let w = Work::new();
    let f = w.write(
        "a.csv",
        "cluster_id,name,county,industry,established\nab-cd,N,C,I,2020Q1",
    );
    let r = w.run(&["validate", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("accepted"), "{r:?}");
    for (name, bytes) in [
        (
            "cr.csv",
            b"cluster_id,name,county,industry,established\rab-cd,N,C,I,2020Q1\r".to_vec(),
        ),
        ("nul.csv", vec![0u8; 4096]),
    ] {
        let f = w.write(name, bytes);
        let r = w.run(&["validate", f.to_str().unwrap()]);
        assert!(matches!(r.code, 0 | 65), "{name}: {r:?}");
    }
}

#[test]
fn fifos_devices_and_links_out_of_the_inbox_neither_hang_nor_stop_the_run() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    let inbox = w.path("inbox");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(inbox.join("x.csv"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", inbox.join("z.csv")).unwrap();
    std::os::unix::fs::symlink("/", inbox.join("root")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", inbox.join("outside.csv")).unwrap();
    let p = w.pipeline();
    let out = run_at_most(&w, &["run", p.to_str().unwrap()], Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for name in ["x.csv", "z.csv", "outside.csv"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("skipped") && l.contains(name)),
            "{name} is named as skipped\n{stdout}"
        );
    }
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM reports"), "2");
    // Given by name, a FIFO is refused with a code, not waited on.
    let out = run_at_most(&w, &["validate", "inbox/x.csv"], Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stdout).contains("E_FORMAT"));
}

#[test]
fn a_closed_stdout_does_not_stop_the_job() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    let p = w.pipeline();
    let mut child = bin()
        .current_dir(w.dir.path())
        .args(["run", p.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`
    let out = wait_at_most(child, Duration::from_secs(120));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path("reports/2021Q1/report.html").exists());
}

#[test]
fn a_rejected_file_left_in_the_inbox_is_recorded_once() {
    let w = Work::new();
    small_city(&w);
    let bad = REPORT_HEADER_ZH.replace(",工业总产值（万元）", "");
    w.write("inbox/bad.csv", format!("{bad}\n"));
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    let p = w.pipeline();
    let first = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(first.code, 65, "{first:?}");
    let issues = w.sql_value("SELECT COUNT(*) FROM issues");
    for _ in 0..2 {
        let again = w.run(&["run", p.to_str().unwrap()]);
        assert_eq!(
            again.code, 65,
            "still rejected while it is there\n{again:?}"
        );
        assert!(
            again
                .stdout
                .contains("unchanged since it was rejected in dataset version"),
            "said once more, not recorded again\n{again:?}"
        );
    }
    assert_eq!(w.sql_value("SELECT COUNT(*) FROM issues"), issues);
    assert_eq!(
        w.sql_value("SELECT COUNT(*) FROM submissions WHERE outcome = 'rejected'"),
        "1"
    );
    // A new quarter reads it again (a period that was in the future may not be).
    let next = w.run_env(
        &["run", p.to_str().unwrap()],
        &[("CLUSTERKPI_TODAY", "2027-01-15")],
    );
    assert_eq!(next.code, 65, "{next:?}");
    assert_eq!(
        w.sql_value("SELECT COUNT(*) FROM submissions WHERE outcome = 'rejected'"),
        "2"
    );
}

#[test]
fn a_reference_list_dropped_into_the_inbox_does_not_replace_the_citys() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    w.write(
        "inbox/a.csv",
        "cluster_id,name,county,industry,established\nab-cd,N,C,I,2020Q1",
    );
    w.write(
        "inbox/r.csv",
        format!(
            "统一社会信用代码,企业名称,所属集群,所属县(市、区)\n{},企业1,xx,某县\n",
            code(1)
        ),
    );
    let p = w.pipeline();
    for _ in 0..2 {
        let r = w.run(&["run", p.to_str().unwrap()]);
        assert_eq!(r.code, 65, "{r:?}");
        assert!(r.stdout.contains("reporting: 2/2"), "{r:?}");
        assert_eq!(
            w.sql_value("SELECT string_agg(cluster_id, ',') FROM clusters"),
            "xx"
        );
    }
}

#[test]
fn one_huge_cell_or_many_problems_never_stop_a_later_report() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    // A 42 KB file whose one cell is longer than Excel allows in a cell.
    w.write(
        "inbox/huge-cell.csv",
        format!(
            "{REPORT_HEADER_ZH}\n{},2021Q2,{}\n",
            code(1),
            "名".repeat(33_000)
        ),
    );
    // More problems than the pipeline allows for one file.
    let mut many = format!("{REPORT_HEADER_ZH}\n");
    for _ in 0..400 {
        many.push_str("x,y\n");
    }
    w.write("inbox/many.csv", many);
    let p = w.pipeline();
    let text = std::fs::read_to_string(&p).unwrap() + "[limits]\nmax_problems = 100\n";
    std::fs::write(&p, text).unwrap();
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(r.code, 65, "{r:?}");
    assert!(
        r.stdout.contains("above the limit of 100 a file"),
        "rejected with a count\n{r:?}"
    );
    assert!(w.path("reports/2021Q1/kpis.xlsx").exists(), "{r:?}");
    let (_, rows) = read_csv(&w.path("reports/2021Q1/validation.csv"));
    assert!(
        rows.len() <= 110,
        "the problems kept are capped: {}",
        rows.len()
    );
    assert!(
        rows.iter().flatten().all(|c| c.chars().count() < 1000),
        "values are cut"
    );
    let again = w.run(&[
        "evaluate",
        "--pipeline",
        p.to_str().unwrap(),
        "--period",
        "2021Q1",
    ]);
    assert!(matches!(again.code, 0 | 3), "{again:?}");
}

#[test]
fn numbers_near_the_largest_double_are_out_of_range() {
    let w = Work::new();
    small_city(&w);
    let mut text = reports_csv(&[good(1)]);
    text.push_str(
        &good(2)
            .csv()
            .replacen(",10,", ",1.7976931348623157e308,", 1),
    );
    text.push('\n');
    let f = w.write("big.csv", text);
    let r = w.run(&[
        "validate",
        "--clusters",
        "reference/clusters.csv",
        "--roster",
        "reference/roster.csv",
        f.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 65, "{r:?}");
    assert!(r.stdout.contains("E_RANGE"), "{r:?}");
}

#[test]
fn workbooks_that_lie_about_their_sizes_are_rejected_not_fatal() {
    let w = Work::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in REPORT_HEADER_ZH.split(',').enumerate() {
        ws.write(0, c as u16, h).unwrap();
        ws.write(1, c as u16, "x").unwrap();
    }
    let real = wb.save_to_buffer().unwrap();
    // Rewrite the XML inside: a shared-strings count of four billion, a dimension of
    // the whole sheet, a cell at the sheet's far corner.
    let lies: [(&str, &str, &str); 3] = [
        ("xl/sharedStrings.xml", "count=\"", "count=\"4000000000"),
        (
            "xl/worksheets/sheet1.xml",
            "<dimension ref=\"",
            "<dimension ref=\"A1:XFD1048576\" x=\"",
        ),
        ("xl/worksheets/sheet1.xml", "r=\"A2\"", "r=\"XFD1048576\""),
    ];
    for (i, (entry, from, to)) in lies.iter().enumerate() {
        let bytes = rezip(&real, entry, from, to);
        let f = w.write(&format!("lie{i}.xlsx"), bytes);
        let out = run_at_most(
            &w,
            &["validate", f.to_str().unwrap()],
            Duration::from_secs(120),
        );
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 65)),
            "lie {i}: exit {code:?}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn rezip(real: &[u8], entry: &str, from: &str, to: &str) -> Vec<u8> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = String::new();
        f.read_to_string(&mut data).unwrap();
        if name == entry {
            assert!(data.contains(from), "{entry} has {from}");
            data = data.replacen(from, to, 1);
        }
        out.start_file(name, opts).unwrap();
        out.write_all(data.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn quarters_after_the_next_one_are_refused_at_once() {
    let w = Work::new();
    for p in ["9999Q4", "2205Q3"] {
        let r = w.run(&["evaluate", "--period", p, "--lake", "lake"]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stderr.contains("after the next quarter"), "{r:?}");
    }
}

#[test]
fn a_folder_that_is_not_a_dataset_is_refused_and_left_alone() {
    let w = Work::new();
    small_city(&w);
    let mine = w.write("mine/issues/v2-notes.txt", "my notes");
    w.write("mine/_staging/draft.txt", "a draft");
    let r = w.run(&["ingest", "--lake", "mine", "reference/clusters.csv"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("not a clusterkpi dataset"), "{r:?}");
    assert_eq!(std::fs::read_to_string(mine).unwrap(), "my notes");
    assert!(w.path("mine/_staging/draft.txt").exists());
}

#[test]
fn sql_only_reads() {
    let w = Work::new();
    small_city(&w);
    let r = w.run(&["ingest", "--lake", "lake", "reference/clusters.csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    let target = w.path("written.csv");
    for q in [
        format!("COPY (SELECT 1) TO '{}'", target.display()),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "INSERT INTO clusters SELECT * FROM clusters".to_string(),
    ] {
        let r = w.run(&["sql", &q, "--lake", "lake"]);
        assert_ne!(r.code, 0, "{q}: {r:?}");
        assert!(r.stderr.contains("read-only"), "{q}: {r:?}");
    }
    assert!(!target.exists());
}

#[test]
fn a_missing_or_damaged_data_file_fails_the_read_naming_it() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    let p = w.pipeline();
    assert_eq!(w.run(&["run", p.to_str().unwrap()]).code, 0);
    let data = std::fs::read_dir(w.path("lake/report_history"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let name = data.file_name().unwrap().to_string_lossy().to_string();
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&data, &bytes).unwrap();
    for args in [
        vec![
            "sql",
            "SELECT SUM(revenue_ytd) FROM reports",
            "--lake",
            "lake",
        ],
        vec!["run", p.to_str().unwrap()],
    ] {
        let r = w.run(&args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        assert!(r.stderr.contains(&name), "{args:?} names the file: {r:?}");
    }
    std::fs::remove_file(&data).unwrap();
    let r = w.run(&["sql", "SELECT COUNT(*) FROM reports", "--lake", "lake"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains(&name), "{r:?}");
}

#[test]
fn a_run_whose_report_fails_keeps_the_saved_scorecard() {
    let w = Work::new();
    small_city(&w);
    w.write("inbox/good.csv", reports_csv(&[good(1), good(2)]));
    let p = w.pipeline();
    assert_eq!(w.run(&["run", p.to_str().unwrap()]).code, 0);
    let saved = w.path("lake/kpis/2021Q1.parquet");
    let before = std::fs::read(&saved).unwrap();
    // The report folder's place is taken by a file: the report cannot be written.
    std::fs::remove_dir_all(w.path("reports")).unwrap();
    w.write("reports", "not a folder");
    w.write(
        "inbox/more.csv",
        reports_csv(&[Row {
            revenue: 99.0,
            ..good(1)
        }]),
    );
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(std::fs::read(&saved).unwrap(), before);
}

#[test]
fn escape_sequences_in_a_file_do_not_reach_the_terminal() {
    let w = Work::new();
    let f = w.write(
        "evil\u{1b}[2J.csv",
        "cluster_id,name,county,industry,established\nab-cd,N\u{1b}]0;owned\u{7},C\u{202E}x,I,2020Q1\n",
    );
    let r = w.run(&["validate", f.to_str().unwrap()]);
    assert_eq!(r.code, 65, "{r:?}");
    for s in [&r.stdout, &r.stderr] {
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{202E}') && !s.contains('\u{7}'),
            "{r:?}"
        );
    }
    assert!(r.stdout.contains("E_TEXT"), "{r:?}");
}
