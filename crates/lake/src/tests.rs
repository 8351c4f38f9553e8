//! Dataset tests: versions, replacement of reference lists, locks, crash leftovers,
//! the size of the log, checks of what is read, and which folders are datasets.

use super::*;
use clusterkpi_ingest::{
    FileResult, InputKind, Outcome, Record, ReportRow, RosterRow, Sink, ValueRow,
};
use clusterkpi_model::Code;

pub(crate) fn report(code: &str, p: &str, revenue: f64) -> Record {
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
        .prior_ytd(
            &["A"].into_iter().collect::<CodeList>(),
            &BTreeSet::from([2024]),
        )
        .unwrap();
    assert_eq!(
        prior.get("A", "2024Q1".parse().unwrap()).unwrap().revenue,
        11.0
    );
}

/// A quarter's reader opens only the files recorded with that quarter, and a damaged
/// one is still an error.
#[test]
fn a_quarter_is_read_from_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    for (p, sha) in [("2024Q1", "aaaa"), ("2024Q2", "bbbb")] {
        let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
        s.accept(report("A", p, 10.0)).unwrap();
        s.accept(report("B", p, 20.0)).unwrap();
        w.commit(&result(InputKind::Reports, 2, &[p]), sha, Some(s))
            .unwrap();
    }
    let snap = lake.snapshot(None).unwrap();
    let rows_of = |p: &str| {
        let mut rows = 0;
        snap.visit_quarter(Table::ReportHistory, p.parse().unwrap(), |b| {
            rows += b.num_rows();
            Ok::<_, LakeError>(())
        })
        .map(|()| rows)
    };
    assert_eq!(rows_of("2024Q2").unwrap(), 2);
    assert_eq!(rows_of("2024Q3").unwrap(), 0);
    // The first quarter's file altered: reading the second does not open it, reading
    // the first fails.
    let first = dir
        .path()
        .join(&snap.data_files(Table::ReportHistory)[0].path);
    std::fs::write(&first, b"not parquet").unwrap();
    assert_eq!(rows_of("2024Q2").unwrap(), 2);
    assert!(rows_of("2024Q1").is_err());
}

/// Files placed ahead of their commits (as the parallel ingest does) are committed
/// where they lie, each verified as any other; one placed for a version that is not
/// committed goes with its staged file.
#[test]
fn staged_files_placed_ahead_are_committed_where_they_lie() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let mut staged = Vec::new();
    for (i, code) in ["A", "B", "C"].into_iter().enumerate() {
        let mut s = w
            .stage_as(InputKind::Reports, "a.csv", i as u64 + 1, i)
            .unwrap();
        s.accept(report(code, "2024Q1", 10.0)).unwrap();
        s.close().unwrap();
        staged.push(s);
    }
    let mut folders = BTreeSet::new();
    for (s, sha) in staged.iter_mut().zip(["aaaa", "bbbb", "cccc"]) {
        assert!(!s.is_placed());
        folders.insert(w.place_staged(s, sha).unwrap());
        assert!(s.is_placed());
    }
    assert_eq!(folders.len(), 1, "one folder fsync for the three");
    for f in &folders {
        w.sync_folder(f).unwrap();
    }
    // The table's data files, sorted (its folder also holds `_delta_log/` with the
    // `delta` feature).
    let data_files = || {
        let mut files: Vec<_> = fs::read_dir(dir.path().join("report_history"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        files
    };
    let third = staged.pop().unwrap();
    assert_eq!(data_files().len(), 3);
    for (s, sha) in staged.into_iter().zip(["aaaa", "bbbb"]) {
        w.commit(&result(InputKind::Reports, 1, &["2024Q1"]), sha, Some(s))
            .unwrap();
    }
    let snap = lake.snapshot(None).unwrap();
    assert_eq!(snap.version(), 2);
    assert_eq!(snap.files(Table::ReportHistory).len(), 2);
    snap.verify().unwrap();
    drop(third);
    let left = data_files();
    assert_eq!(left.len(), 2, "the third, never committed, is removed");
    let mut listed = snap.files(Table::ReportHistory);
    listed.sort();
    assert_eq!(listed, left);
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
        ["C".to_string()].into_iter().collect()
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
        let (tmp, _, _, written) = s.finish().unwrap();
        // As if killed after moving the data file but before publishing the version.
        w.place(&tmp, "report_history/v1-dead.parquet", written)
            .unwrap();
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

// --- The log: version files hold one commit's actions; checkpoints hold the state. ---

fn sha(n: u64) -> String {
    format!("{n:064x}")
}

fn value_row(i: u64) -> Record {
    Record::Value(ValueRow {
        period: "2024Q1".parse().unwrap(),
        scope: "city",
        scope_id: format!("c{i}"),
        indicator: "revenue".into(),
        value: i as f64,
        line: 2,
    })
}

fn roster_row(code: &str) -> Record {
    Record::Roster(RosterRow {
        credit_code: code.into(),
        name: "n".into(),
        cluster_id: "x".into(),
        county: "c".into(),
    })
}

/// Commits one input file of `kind` holding `records`, its bytes standing for `n`.
fn commit_rows(w: &mut Writer, kind: InputKind, n: u64, records: Vec<Record>) -> Snapshot {
    let mut s = w.stage(kind, "f.csv").unwrap();
    let count = records.len() as u64;
    for r in records {
        s.accept(r).unwrap();
    }
    let periods: &[&str] = if kind == InputKind::Values {
        &["2024Q1"]
    } else {
        &[]
    };
    w.commit(&result(kind, count, periods), &sha(n), Some(s))
        .unwrap()
}

#[derive(Debug, Default)]
struct LogSizes {
    versions: u64,
    checkpoints: u64,
    largest_version: u64,
}

impl LogSizes {
    fn of(root: &Path) -> Self {
        let mut out = Self::default();
        for e in fs::read_dir(root.join("_log")).unwrap().flatten() {
            let len = e.metadata().unwrap().len();
            let name = e.file_name().to_string_lossy().to_string();
            if layout::parse_version_name(&name).is_some() {
                out.versions += len;
                out.largest_version = out.largest_version.max(len);
            } else if layout::parse_checkpoint_name(&name).is_some() {
                out.checkpoints += len;
            }
        }
        out
    }

    fn total(&self) -> u64 {
        self.versions + self.checkpoints
    }
}

#[test]
fn the_log_grows_with_what_commits_add_not_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let keep = BTreeSet::from([
        1, 2, 37, 99, 100, 101, 150, 199, 200, 201, 299, 300, 301, 499, 500, 501, 640, 777, 899,
        900, 901, 999, 1000,
    ]);
    let mut kept = std::collections::BTreeMap::new();
    let mut at_500 = LogSizes::default();
    for n in 1..=1000u64 {
        // Now and then a new roster: it replaces the old one whole, across checkpoints.
        let snap = if n % 97 == 0 {
            commit_rows(
                &mut w,
                InputKind::Roster,
                n,
                vec![roster_row(&format!("R{n}"))],
            )
        } else {
            commit_rows(&mut w, InputKind::Values, n, vec![value_row(n)])
        };
        assert_eq!(snap.version(), n);
        if keep.contains(&n) {
            kept.insert(n, snap.manifest.clone());
        }
        if n == 500 {
            at_500 = LogSizes::of(dir.path());
        }
    }
    drop(w);
    let sizes = LogSizes::of(dir.path());
    assert!(
        sizes.largest_version < 4096,
        "a version file holds one commit: {sizes:?}"
    );
    // Linear: checkpoints stay within a constant factor of the version files, and
    // doubling the commits does not triple the log (a checkpoint every 100 versions
    // regardless of size would: 3.2 times here).
    assert!(
        sizes.checkpoints <= (log::CHECKPOINT_SHARE + 1) * sizes.versions,
        "checkpoints stay proportional to the version files: {sizes:?}"
    );
    assert!(
        sizes.total() < 3 * at_500.total(),
        "the second 500 commits add about what the first 500 did: {at_500:?} then {sizes:?}"
    );
    assert!(
        dir.path()
            .join("_log")
            .join(layout::checkpoint_name(100))
            .exists()
    );
    // A new reader gets every version exactly as it was committed, across checkpoints.
    for (v, m) in &kept {
        assert_eq!(&lake.snapshot(Some(*v)).unwrap().manifest, m, "version {v}");
    }
    let latest = lake.snapshot(None).unwrap();
    assert_eq!(latest.manifest, kept[&1000]);
    assert_eq!(latest.data_files(Table::Roster).len(), 1);
    assert_eq!(latest.data_files(Table::Values).len(), 1000 - 10);
    assert_eq!(
        latest.roster_codes().unwrap().unwrap(),
        ["R970".to_string()].into_iter().collect()
    );
    assert_eq!(latest.ingested_sha(&sha(640)).unwrap().version, 640);
}

#[test]
fn a_lost_or_damaged_checkpoint_only_costs_a_longer_replay() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let mut at_150 = None;
    for n in 1..=205u64 {
        let snap = commit_rows(&mut w, InputKind::Values, n, vec![value_row(n)]);
        if n == 150 {
            at_150 = Some(snap.manifest.clone());
        }
    }
    drop(w);
    let log = dir.path().join("_log");
    let want = lake.snapshot(None).unwrap().manifest;
    // As if killed after publishing version 200 but before its checkpoint was renamed.
    let cp200 = log.join(layout::checkpoint_name(200));
    assert!(cp200.exists());
    fs::remove_file(&cp200).unwrap();
    let tmp = log.join(layout::tmp_name(&layout::checkpoint_name(200)));
    fs::write(&tmp, "{\"format\":2,").unwrap();
    assert_eq!(lake.snapshot(None).unwrap().manifest, want);
    // A damaged checkpoint is passed over for an earlier one (here: none).
    fs::write(log.join(layout::checkpoint_name(100)), "{ damaged").unwrap();
    assert_eq!(lake.snapshot(None).unwrap().manifest, want);
    assert_eq!(lake.snapshot(Some(150)).unwrap().manifest, at_150.unwrap());
    // The next writer removes the half-written file and carries on.
    let mut w = lake.lock().unwrap();
    assert!(!tmp.exists());
    let snap = commit_rows(&mut w, InputKind::Values, 206, vec![value_row(206)]);
    assert_eq!(snap.version(), 206);
    assert_eq!(lake.snapshot(None).unwrap().manifest, snap.manifest);
}

#[test]
fn a_missing_or_unreadable_version_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    for n in 1..=5u64 {
        commit_rows(&mut w, InputKind::Values, n, vec![value_row(n)]);
    }
    drop(w);
    let v3 = dir.path().join("_log").join(layout::version_name(3));
    let text = fs::read_to_string(&v3).unwrap();
    fs::remove_file(&v3).unwrap();
    let err = lake.snapshot(Some(5)).unwrap_err();
    assert!(
        matches!(&err, LakeError::Corrupt { path, message } if *path == v3 && message.contains("missing")),
        "{err}"
    );
    assert!(lake.lock().is_err(), "no commit on top of a broken log");
    assert_eq!(lake.snapshot(Some(2)).unwrap().version(), 2);
    assert!(matches!(
        lake.snapshot(Some(6)),
        Err(LakeError::NoSuchVersion(_, 6))
    ));
    fs::write(&v3, &text[..text.len() / 2]).unwrap();
    let err = lake.snapshot(None).unwrap_err();
    assert!(
        matches!(&err, LakeError::Corrupt { path, .. } if *path == v3),
        "{err}"
    );
    fs::write(&v3, text).unwrap();
    assert_eq!(lake.snapshot(None).unwrap().version(), 5);
}

#[test]
fn a_dataset_of_the_first_format_is_refused_not_misread() {
    let old = r#"{"format":1,"version":1,"committed_at":"2025-01-01T00:00:00Z","tables":{"roster":[{"path":"roster/v1-ab.parquet","rows":2,"version":1}]},"submissions":[]}"#;
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("_log")).unwrap();
    fs::write(dir.path().join("_log").join(layout::version_name(1)), old).unwrap();
    for err in [
        Lake::open(dir.path()).unwrap_err(),
        Lake::open_existing(dir.path()).unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(matches!(err, LakeError::Corrupt { .. }), "{text}");
        assert!(
            text.contains("format 1") && text.contains("format 2"),
            "{text}"
        );
    }
    // With a marker of this format, the old version file itself is refused.
    fs::write(dir.path().join(layout::MARKER), "{\"format\":2}").unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let text = lake.snapshot(None).unwrap_err().to_string();
    assert!(text.contains("format 1"), "{text}");
}

// --- Every read checks the files it reads. ---

#[test]
fn a_damaged_data_file_is_named_by_every_read() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    commit_rows(
        &mut w,
        InputKind::Roster,
        1,
        vec![roster_row("A"), roster_row("B")],
    );
    let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
    s.accept(report("A", "2024Q1", 10.0)).unwrap();
    w.commit(
        &result(InputKind::Reports, 1, &["2024Q1"]),
        &sha(2),
        Some(s),
    )
    .unwrap();
    drop(w);
    let snap = lake.snapshot(None).unwrap();
    snap.verify().unwrap();
    let named = |err: LakeError, path: &Path, what: &str| {
        let text = err.to_string();
        assert!(matches!(err, LakeError::Corrupt { .. }), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(what), "{text}");
    };

    // One byte flipped in the middle, size unchanged: the checksum finds it.
    let roster = snap.files(Table::Roster).remove(0);
    let good = fs::read(&roster).unwrap();
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 0x5a;
    fs::write(&roster, &bad).unwrap();
    verify::forget(&roster); // this process wrote it; a new process would hash it
    named(snap.verify().unwrap_err(), &roster, "checksum mismatch");
    named(
        snap.roster_codes().unwrap_err(),
        &roster,
        "checksum mismatch",
    );
    named(
        snap.read(Table::Roster).unwrap_err(),
        &roster,
        "checksum mismatch",
    );
    fs::write(&roster, &good).unwrap();
    snap.verify().unwrap();

    // Truncated.
    let reports = snap.files(Table::ReportHistory).remove(0);
    let len = fs::metadata(&reports).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&reports).unwrap();
    f.set_len(len - 6).unwrap();
    drop(f);
    let size = format!("size {}, expected {len}", len - 6);
    named(snap.verify().unwrap_err(), &reports, &size);
    let codes = ["A"].into_iter().collect::<CodeList>();
    let years = BTreeSet::from([2024]);
    named(snap.prior_ytd(&codes, &years).unwrap_err(), &reports, &size);

    // Missing.
    fs::remove_file(&reports).unwrap();
    named(snap.verify().unwrap_err(), &reports, "missing");
    named(
        snap.read(Table::ReportHistory).unwrap_err(),
        &reports,
        "missing",
    );
    let mut w = lake.lock().unwrap();
    let mut s = w.stage(InputKind::Reports, "b.csv").unwrap();
    s.accept(report("A", "2024Q1", 11.0)).unwrap();
    let err = w
        .commit(
            &result(InputKind::Reports, 1, &["2024Q1"]),
            &sha(3),
            Some(s),
        )
        .unwrap_err();
    named(err, &reports, "missing");
}

#[test]
fn data_files_record_their_size_and_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let snap = commit_rows(&mut w, InputKind::Values, 1, vec![value_row(1)]);
    let f = &snap.data_files(Table::Values)[0];
    let path = dir.path().join(&f.path);
    assert_eq!(f.size, fs::metadata(&path).unwrap().len());
    assert_eq!(f.sha256, clusterkpi_ingest::sha256_file(&path).unwrap());
}

// --- Which folders are datasets, and what the writer may remove. ---

#[test]
fn a_folder_holding_other_files_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    for err in [
        Lake::open(dir.path()).unwrap_err(),
        Lake::open_existing(dir.path()).unwrap_err(),
    ] {
        assert!(matches!(err, LakeError::NotADataset(_)), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "{} is not a clusterkpi dataset (it holds other files); give an empty or new folder",
                dir.path().display()
            )
        );
    }
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"], "nothing was written");
}

#[test]
fn a_new_or_empty_folder_becomes_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("a/lake");
    assert!(Lake::open_existing(&new).is_err(), "nothing to open yet");
    assert!(!new.exists());
    Lake::open(&new).unwrap();
    assert_eq!(
        fs::read_to_string(new.join(layout::MARKER)).unwrap().trim(),
        "{\"format\":2}"
    );
    assert!(new.join("_log").is_dir());
    // Opened again, and by readers.
    Lake::open(&new).unwrap();
    assert_eq!(
        Lake::open_existing(&new).unwrap().latest_version().unwrap(),
        0
    );

    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(Lake::open_existing(&empty).is_err());
    Lake::open(&empty).unwrap();
    assert!(empty.join(layout::MARKER).is_file());

    // What a creation cut short (or an earlier run that only took the lock) leaves.
    let cut = dir.path().join("cut");
    fs::create_dir_all(cut.join("_log")).unwrap();
    fs::write(cut.join("_lock"), "").unwrap();
    let lake = Lake::open(&cut).unwrap();
    let mut w = lake.lock().unwrap();
    commit_rows(&mut w, InputKind::Values, 1, vec![value_row(1)]);
    assert_eq!(lake.latest_version().unwrap(), 1);
}

#[test]
fn the_writer_removes_only_leftovers_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let lake = Lake::open(root).unwrap();
    {
        let mut w = lake.lock().unwrap();
        let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
        s.accept(report("A", "2024Q1", 1.0)).unwrap();
        w.commit(
            &result(InputKind::Reports, 1, &["2024Q1"]),
            &sha(1),
            Some(s),
        )
        .unwrap();
    }
    let theirs = [
        "issues/v2-notes.txt",
        "_staging/my-draft.csv",
        "_staging/reports-final.parquet",
        "_log/notes.tmp",
        "report_history/v9-notes.parquet",
        "report_history/readme.md",
        "report_history/v1-abc.parquet", // a published version's number: not a leftover
    ];
    let ours = [
        "_staging/reports-123.parquet",
        "_staging/issues-9.parquet",
        "report_history/v2-abc.parquet",
        "issues/v7-0.parquet",
        "_log/00000000000000000002.json.tmp",
        "_log/00000000000000000100.checkpoint.json.tmp",
        "_clusterkpi_dataset.77.tmp",
    ];
    for rel in theirs.iter().chain(&ours) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "x").unwrap();
    }
    let _w = lake.lock().unwrap();
    for rel in theirs {
        assert!(root.join(rel).exists(), "{rel} is kept");
    }
    for rel in ours {
        assert!(!root.join(rel).exists(), "{rel} is removed");
    }
    assert_eq!(lake.snapshot(None).unwrap().version(), 1);
}

// --- Rejected files. ---

#[test]
fn a_rejected_file_is_found_by_its_bytes_with_the_lists_it_was_checked_against() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    w.set_context("2024Q4");
    let first = commit_rows(&mut w, InputKind::Roster, 1, vec![roster_row("A")]);
    assert!(first.reference_fingerprint().starts_with("roster/v1-"));
    let mut rejected = result(InputKind::Reports, 1, &[]);
    rejected.outcome = Outcome::Rejected;
    let bad = sha(0xbad);
    for _ in 0..2 {
        let mut s = w.stage(InputKind::Reports, "f.csv").unwrap();
        s.accept(report("A", "2024Q1", 1.0)).unwrap();
        w.commit(&rejected, &bad, Some(s)).unwrap();
    }
    for snap in [
        w.commit(&result(InputKind::Values, 0, &[]), &sha(4), None)
            .unwrap(),
        lake.snapshot(None).unwrap(),
    ] {
        let r = snap.rejected_sha(&bad).expect("recorded");
        assert_eq!(r.version, 3, "the latest rejection");
        assert_eq!(r.refs, w.refs_of(&snap));
        assert!(r.refs.ends_with("|2024Q4"), "{}", r.refs);
        assert!(snap.ingested_sha(&bad).is_none());
        assert!(snap.rejected_sha(&sha(1)).is_none());
    }
    let after = commit_rows(&mut w, InputKind::Roster, 5, vec![roster_row("B")]);
    assert_ne!(
        after.rejected_sha(&bad).unwrap().refs,
        w.refs_of(&after),
        "a new roster: the file is worth reading again"
    );
    let snap = lake.snapshot(None).unwrap();
    let same_lists = w.refs_of(&snap);
    w.set_context("2025Q1");
    assert_ne!(w.refs_of(&snap), same_lists, "a new quarter too");
}

/// The writer's index (per enterprise and quarter the live row's version and figures)
/// gives what reading the whole dataset gives, across commits that load and update it.
fn superseded_rows(snapshot: &Snapshot) -> usize {
    snapshot
        .read(Table::Superseded)
        .unwrap()
        .iter()
        .map(|b| b.num_rows())
        .sum()
}

#[test]
fn the_writers_indexes_agree_with_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let codes = ["A", "B"].into_iter().collect::<CodeList>();
    let years = BTreeSet::from([2024]);
    commit_rows(
        &mut w,
        InputKind::Reports,
        1,
        vec![report("A", "2024Q1", 10.0)],
    );
    // Loads 2024 into the index, then each commit updates it.
    assert_eq!(w.prior_ytd(&codes, &years).unwrap().len(), 1);
    commit_rows(
        &mut w,
        InputKind::Reports,
        2,
        vec![report("B", "2024Q1", 5.0)],
    );
    let v3 = commit_rows(
        &mut w,
        InputKind::Reports,
        3,
        vec![report("A", "2024Q1", 7.0)],
    );
    let from_index = w.prior_ytd(&codes, &years).unwrap();
    let from_files = v3.prior_ytd(&codes, &years).unwrap();
    assert_eq!(from_index, from_files);
    assert_eq!(
        from_index
            .get("A", "2024Q1".parse().unwrap())
            .unwrap()
            .revenue,
        7.0
    );
    // A third correction supersedes the live row (version 3), so only it remains.
    let v4 = commit_rows(
        &mut w,
        InputKind::Reports,
        4,
        vec![report("A", "2024Q1", 8.0)],
    );
    let live: Vec<f64> = read::prior_ytd(&v4, &codes, &years)
        .unwrap()
        .values()
        .map(|y| y.revenue)
        .collect();
    assert_eq!(live.len(), 2);
    assert_eq!(superseded_rows(&v4), 2, "version 1 by 3, version 3 by 4");
}

#[test]
fn indexes_dropped_and_rebuilt_agree_with_the_dataset() {
    // An index bounded to one quarter drops the earlier years whenever a year it does
    // not hold is needed, as at a hundred times the sample city: a late correction of an
    // earlier year must still supersede the live row and see its year's figures.
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    w.bound_index(1);
    let codes = ["A", "B"].into_iter().collect::<CodeList>();
    let both = BTreeSet::from([2023, 2024]);
    let rows = |n, code: &str, p: &str, revenue| (n, vec![report(code, p, revenue)]);
    for (n, records) in [rows(1, "A", "2023Q4", 10.0), rows(2, "B", "2023Q4", 4.0)] {
        commit_rows(&mut w, InputKind::Reports, n, records);
    }
    assert_eq!(
        w.prior_ytd(&codes, &BTreeSet::from([2023])).unwrap().len(),
        2
    );
    commit_rows(
        &mut w,
        InputKind::Reports,
        3,
        vec![report("A", "2024Q1", 3.0), report("B", "2024Q1", 1.0)],
    );
    // 2024 is needed: 2023 leaves the index.
    assert_eq!(
        w.prior_ytd(&codes, &BTreeSet::from([2024])).unwrap().len(),
        2
    );
    // A late correction of 2023Q4: its year is read again to find the live row.
    let v4 = commit_rows(
        &mut w,
        InputKind::Reports,
        4,
        vec![report("A", "2023Q4", 12.0)],
    );
    let from_index = w.prior_ytd(&codes, &both).unwrap();
    assert_eq!(from_index, v4.prior_ytd(&codes, &both).unwrap());
    assert_eq!(
        from_index
            .get("A", "2023Q4".parse().unwrap())
            .unwrap()
            .revenue,
        12.0
    );
    assert_eq!(from_index.len(), 4);
    assert_eq!(superseded_rows(&v4), 1, "version 1 by 4");
    // And a second correction after the index moved on again.
    commit_rows(
        &mut w,
        InputKind::Reports,
        5,
        vec![report("B", "2024Q1", 2.0)],
    );
    let v6 = commit_rows(
        &mut w,
        InputKind::Reports,
        6,
        vec![report("A", "2023Q4", 13.0)],
    );
    assert_eq!(
        w.prior_ytd(&codes, &both).unwrap(),
        v6.prior_ytd(&codes, &both).unwrap()
    );
    assert_eq!(
        superseded_rows(&v6),
        3,
        "1 by 4, B's 2024Q1 of 3 by 5, 4 by 6"
    );
}

/// A commit's rows are in the writer's index from the moment it is written. A year
/// dropped and read again before the commit is applied (read from the version before
/// it, as a file being validated meanwhile may do) still holds them: a later
/// correction supersedes the commit's row, not the one it replaced.
#[test]
fn a_year_read_while_a_commit_waits_to_be_applied_holds_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    w.bound_index(1);
    let codes = ["A", "B"].into_iter().collect::<CodeList>();
    commit_rows(
        &mut w,
        InputKind::Reports,
        1,
        vec![report("A", "2023Q4", 10.0)],
    );
    commit_rows(
        &mut w,
        InputKind::Reports,
        2,
        vec![report("B", "2024Q1", 1.0)],
    );
    let mut s = w.stage(InputKind::Reports, "f.csv").unwrap();
    s.accept(report("A", "2023Q4", 12.0)).unwrap();
    let written = w
        .write_commit(&result(InputKind::Reports, 1, &[]), &sha(3), Some(s))
        .unwrap();
    // 2025 drops 2023 and 2024 (the bound is one quarter); 2023 is read again from
    // version 2.
    w.prior_ytd(&codes, &BTreeSet::from([2025])).unwrap();
    let a = w.prior_ytd(&codes, &BTreeSet::from([2023])).unwrap();
    assert_eq!(a.get("A", "2023Q4".parse().unwrap()).unwrap().revenue, 12.0);
    let v3 = w.apply(written);
    let years = BTreeSet::from([2023, 2024]);
    assert_eq!(
        w.prior_ytd(&codes, &years).unwrap(),
        v3.prior_ytd(&codes, &years).unwrap()
    );
    let v4 = commit_rows(
        &mut w,
        InputKind::Reports,
        4,
        vec![report("A", "2023Q4", 13.0)],
    );
    assert_eq!(superseded_rows(&v4), 2, "1 by 3, 3 by 4");
    let superseded: Vec<i64> = v4
        .read(Table::Superseded)
        .unwrap()
        .iter()
        .flat_map(|b| {
            let v = b.column_by_name("version").unwrap();
            v.as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(BTreeSet::from_iter(superseded), BTreeSet::from([1, 3]));
}

/// A file validated beside earlier files not yet committed reads the figures their
/// commits will give: laid over the dataset's in order, a later file's correction
/// winning, a file committed meanwhile laid again to no effect.
#[test]
fn figures_of_files_not_yet_committed_are_those_their_commits_give() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    let codes = ["A", "B", "C", "D"].into_iter().collect::<CodeList>();
    let years = BTreeSet::from([2024]);
    commit_rows(
        &mut w,
        InputKind::Reports,
        1,
        vec![report("A", "2024Q1", 10.0), report("B", "2024Q1", 5.0)],
    );
    let staged = |w: &Writer, version: u64, rows: Vec<Record>| {
        let mut s = w
            .stage_as(InputKind::Reports, "f.csv", version, version as usize)
            .unwrap();
        for r in rows {
            s.accept(r).unwrap();
        }
        s.close().unwrap();
        let figures = s.figures();
        (s, figures)
    };
    let (s2, f2) = staged(
        &w,
        2,
        vec![report("A", "2024Q1", 7.0), report("A", "2024Q2", 20.0)],
    );
    let (s3, f3) = staged(
        &w,
        3,
        vec![
            report("A", "2024Q2", 22.0),
            report("C", "2024Q1", 1.0),
            report("B", "2023Q4", 3.0),
        ],
    );
    let ahead = w
        .prior_ytd_after(&codes, &years, &[f2.clone(), f3.clone()])
        .unwrap();
    let revenue =
        |p: &PriorYtd, code: &str, q: &str| p.get(code, q.parse().unwrap()).map(|y| y.revenue);
    assert_eq!(revenue(&ahead, "A", "2024Q1"), Some(7.0));
    assert_eq!(revenue(&ahead, "A", "2024Q2"), Some(22.0));
    assert_eq!(revenue(&ahead, "B", "2024Q1"), Some(5.0));
    assert_eq!(revenue(&ahead, "C", "2024Q1"), Some(1.0));
    assert_eq!(ahead.len(), 4, "nothing of 2023, nothing of D");
    assert_eq!(ahead.of("A").len(), 2);

    w.commit(&result(InputKind::Reports, 2, &[]), &sha(2), Some(s2))
        .unwrap();
    let again = w
        .prior_ytd_after(&codes, &years, &[f2, f3.clone()])
        .unwrap();
    assert_eq!(again, ahead, "version 2 committed meanwhile and laid again");
    let v3 = w
        .commit(&result(InputKind::Reports, 3, &[]), &sha(3), Some(s3))
        .unwrap();
    assert_eq!(w.prior_ytd(&codes, &years).unwrap(), ahead);
    assert_eq!(v3.prior_ytd(&codes, &years).unwrap(), ahead);
    assert_eq!(w.prior_ytd_after(&codes, &years, &[f3]).unwrap(), ahead);
}

/// The tables' Delta Lake form follows the dataset: published when the writer is
/// asked to, caught up by the next writer when it was not, rebuilt when lost.
#[cfg(feature = "delta")]
mod published {
    use super::*;
    use crate::delta::DeltaForm;

    /// Each table's current Delta file list (relative to the table's folder) and the
    /// dataset version of its last commit, read by a fresh handle.
    fn delta_state(root: &Path, table: Table) -> (BTreeSet<String>, Option<u64>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = std::path::absolute(root.join(table.name())).unwrap();
            let url = url::Url::from_directory_path(dir).unwrap();
            let t = DeltaForm::open_or_create(url, table).await.unwrap();
            let files = t
                .current_files()
                .unwrap()
                .into_iter()
                .map(|f| f.0)
                .collect();
            (files, t.dataset_version().await.unwrap())
        })
    }

    /// The files the dataset's latest version lists for `table`.
    fn listed(lake: &Lake, table: Table) -> BTreeSet<String> {
        let prefix = format!("{}/", table.name());
        lake.snapshot(None)
            .unwrap()
            .data_files(table)
            .iter()
            .map(|f| f.path.strip_prefix(&prefix).unwrap().to_string())
            .collect()
    }

    #[test]
    fn delta_tables_list_what_the_dataset_lists() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        let mut w = lake.lock().unwrap();
        commit_rows(&mut w, InputKind::Roster, 1, vec![roster_row("A")]);
        commit_rows(&mut w, InputKind::Values, 2, vec![value_row(1)]);
        w.publish_tables().unwrap();
        assert_eq!(delta_state(dir.path(), Table::Roster).1, Some(2));
        // Published once per batch: the next commits are not in the Delta form yet.
        commit_rows(&mut w, InputKind::Roster, 3, vec![roster_row("B")]);
        let mut s = w.stage(InputKind::Reports, "a.csv").unwrap();
        s.accept(report("B", "2024Q1", 10.0)).unwrap();
        w.commit(&result(InputKind::Reports, 1, &["2024Q1"]), "aaaa", Some(s))
            .unwrap();
        let (roster, v) = delta_state(dir.path(), Table::Roster);
        assert_eq!((roster.len(), v), (1, Some(2)));
        // Every table has its Delta form from the first lock on, empty until it has rows.
        assert_eq!(
            delta_state(dir.path(), Table::ReportHistory),
            (BTreeSet::new(), None)
        );
        w.publish_tables().unwrap();
        for table in [Table::Roster, Table::Values, Table::ReportHistory] {
            let (files, _) = delta_state(dir.path(), table);
            assert_eq!(files, listed(&lake, table), "{table:?}");
        }
        // The roster replaced whole: the Delta table lists only the new file, and
        // the commit that replaced it carries the dataset version.
        let (roster, v) = delta_state(dir.path(), Table::Roster);
        assert_eq!(roster.len(), 1);
        assert!(roster.iter().all(|f| f.starts_with("v3-")), "{roster:?}");
        assert_eq!(v, Some(4));
        // Values did not change in the second batch: no commit, its version stays.
        assert_eq!(delta_state(dir.path(), Table::Values).1, Some(2));
    }

    #[test]
    fn the_next_writer_publishes_what_a_stopped_one_did_not() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        {
            let mut w = lake.lock().unwrap();
            commit_rows(&mut w, InputKind::Roster, 1, vec![roster_row("A")]);
            w.publish_tables().unwrap();
            commit_rows(&mut w, InputKind::Roster, 2, vec![roster_row("B")]);
            commit_rows(&mut w, InputKind::Values, 3, vec![value_row(1)]);
            // Dropped before publishing, as a run that failed or was killed.
        }
        assert_eq!(delta_state(dir.path(), Table::Roster).1, Some(1));
        // A Delta log lost altogether is rebuilt from the dataset's current list.
        fs::remove_dir_all(dir.path().join("roster/_delta_log")).unwrap();
        drop(lake.lock().unwrap());
        for table in [Table::Roster, Table::Values] {
            let (files, v) = delta_state(dir.path(), table);
            assert_eq!(files, listed(&lake, table), "{table:?}");
            assert_eq!(v, Some(3), "{table:?}");
        }
        // Nothing new: taking the lock again commits nothing.
        let before = fs::read_dir(dir.path().join("values/_delta_log"))
            .unwrap()
            .count();
        drop(lake.lock().unwrap());
        let after = fs::read_dir(dir.path().join("values/_delta_log"))
            .unwrap()
            .count();
        assert_eq!(before, after);
    }
}

/// The log may come from a server another party can write to (a dataset on object
/// storage), so it is read as hostile input: version files and the marker mutated at
/// random (bytes flipped, cut short, runs repeated, digits changed) make every read an
/// error naming a file of the log, or a state the log really describes; never a panic.
#[test]
fn mutated_log_files_are_errors_or_states_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    commit_rows(&mut w, InputKind::Roster, 1, vec![roster_row("A")]);
    commit_rows(&mut w, InputKind::Roster, 2, vec![roster_row("B")]);
    commit_rows(&mut w, InputKind::Values, 3, vec![value_row(1)]);
    for (n, revenue) in [(4, 1.0), (5, 2.0)] {
        let mut s = w.stage(InputKind::Reports, "r.csv").unwrap();
        s.accept(report("A", "2024Q1", revenue)).unwrap();
        w.commit(
            &result(InputKind::Reports, 1, &["2024Q1"]),
            &sha(n),
            Some(s),
        )
        .unwrap();
    }
    drop(w);
    let log = dir.path().join("_log");
    let mut targets: Vec<PathBuf> = (1..=5).map(|v| log.join(layout::version_name(v))).collect();
    targets.push(dir.path().join(layout::MARKER));
    let originals: Vec<Vec<u8>> = targets.iter().map(|p| fs::read(p).unwrap()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut errors, mut states) = (0, 0);
    for _ in 0..600 {
        let at = (next() % targets.len() as u64) as usize;
        let mut bytes = originals[at].clone();
        let pos = (next() % bytes.len() as u64) as usize;
        match next() % 4 {
            0 => bytes[pos] ^= 1 << (next() % 8),
            1 => bytes.truncate(pos),
            2 => {
                let run: Vec<u8> = bytes[pos..bytes.len().min(pos + 40)].to_vec();
                bytes.splice(pos..pos, run);
            }
            _ => {
                if let Some(d) = bytes.iter().skip(pos).position(u8::is_ascii_digit) {
                    bytes[pos + d] = b'0' + (next() % 10) as u8;
                }
            }
        }
        fs::write(&targets[at], &bytes).unwrap();
        let read = std::panic::catch_unwind(|| {
            Lake::open_existing(dir.path()).and_then(|l| {
                let s = l.snapshot(None)?;
                s.verify()?;
                Ok(s.version())
            })
        });
        match read.expect("a mutated log file is never a panic") {
            Ok(_) => states += 1,
            Err(LakeError::Corrupt { path, .. } | LakeError::Io { path, .. }) => {
                assert!(
                    path.starts_with(dir.path()),
                    "the error names a file of the dataset: {}",
                    path.display()
                );
                errors += 1;
            }
            Err(e) => errors += usize::from(!e.to_string().is_empty()),
        }
        fs::write(&targets[at], &originals[at]).unwrap();
    }
    assert!(
        errors > 300 && states > 0,
        "{errors} errors, {states} states"
    );
    assert_eq!(lake.snapshot(None).unwrap().version(), 5);
}

/// A version file naming a data file outside its table's folder (as a log written by
/// another party could) is refused, naming the version file; nothing is read there.
#[test]
fn a_log_naming_a_file_outside_the_dataset_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    commit_rows(&mut w, InputKind::Values, 1, vec![value_row(1)]);
    drop(w);
    let v1 = dir.path().join("_log").join(layout::version_name(1));
    let text = fs::read_to_string(&v1).unwrap();
    let name = lake.snapshot(None).unwrap().data_files(Table::Values)[0]
        .path
        .clone();
    for elsewhere in [
        "../../etc/passwd",
        "values/../../x/v1-ab.parquet",
        "roster/v1-ab.parquet",
    ] {
        fs::write(&v1, text.replace(&name, elsewhere)).unwrap();
        let err = lake.snapshot(None).unwrap_err();
        assert!(
            matches!(&err, LakeError::Corrupt { path, message } if *path == v1 && message.contains("not a data file")),
            "{elsewhere}: {err}"
        );
    }
}

/// The rows a dataset keeps of the report files written through it
/// ([`Lake::retain_written`]) are the rows those files hold, found by the files their
/// version lists, in buffers of their own size; past the rows it may keep, it keeps
/// none and every file is read from disk.
#[test]
fn rows_kept_for_an_evaluation_are_the_rows_of_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut w = lake.lock().unwrap();
    // Kept through the writer's handle, read through the dataset's.
    lake.retain_written(4);
    let stage = |w: &mut Writer, codes: &[&str], sha: &str| {
        let version = w.lake().latest_version().unwrap() + 1;
        let mut s = w.stage_as(InputKind::Reports, "a.csv", version, 0).unwrap();
        for (i, code) in codes.iter().enumerate() {
            s.accept(report(code, "2024Q1", 10.0 + i as f64)).unwrap();
        }
        s.close().unwrap();
        let folder = w.place_staged(&mut s, sha).unwrap();
        w.sync_folder(&folder).unwrap();
        let rows = codes.len() as u64;
        w.commit(&result(InputKind::Reports, rows, &["2024Q1"]), sha, Some(s))
            .unwrap()
    };
    stage(&mut w, &["A", "B"], "aaaa");
    let snap = stage(&mut w, &["C", "D"], "bbbb");
    let (kept, on_disk) = lake.kept_or_verified(&snap, Table::ReportHistory).unwrap();
    assert!(on_disk.is_empty(), "both files kept: {on_disk:?}");
    let read = snap.read(Table::ReportHistory).unwrap();
    let rows = |batches: &[RecordBatch]| -> Vec<Vec<arrow::array::ArrayData>> {
        batches
            .iter()
            .flat_map(|b| (0..b.num_rows()).map(move |i| b.slice(i, 1)))
            .map(|row| row.columns().iter().map(|c| c.to_data()).collect())
            .collect()
    };
    assert_eq!(rows(&kept), rows(&read));
    assert_eq!(kept.iter().map(RecordBatch::num_rows).sum::<usize>(), 4);
    // Two rows a file, not a staging batch's 8,192: a float column of 8,192 rows
    // alone is 64 KiB.
    let bytes: usize = kept.iter().map(RecordBatch::get_array_memory_size).sum();
    assert!(bytes < 16 * 1024, "{bytes} bytes kept for 4 rows");

    // A fifth row does not fit: nothing is kept any more, and the first files are
    // read from disk again.
    let snap = stage(&mut w, &["E"], "cccc");
    let (kept, on_disk) = lake.kept_or_verified(&snap, Table::ReportHistory).unwrap();
    assert!(kept.is_empty());
    assert_eq!(on_disk.len(), 3);

    // Kept only when asked.
    lake.retain_written(0);
    let snap = stage(&mut w, &["F"], "dddd");
    assert!(
        lake.kept_or_verified(&snap, Table::ReportHistory)
            .unwrap()
            .0
            .is_empty()
    );
    lake.retain_written(10);
    let snap = stage(&mut w, &["G"], "eeee");
    assert_eq!(
        lake.kept_or_verified(&snap, Table::ReportHistory)
            .unwrap()
            .0
            .len(),
        1
    );
    lake.release_written();
    assert!(
        lake.kept_or_verified(&snap, Table::ReportHistory)
            .unwrap()
            .0
            .is_empty()
    );
}
