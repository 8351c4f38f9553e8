//! `clusterkpi ingest`, and the ingestion step `run` and `demo` share: each file
//! validated, staged and committed as one dataset version, reference lists first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clusterkpi_ingest::{FileResult, InputKind, Options, Outcome, Peeked, References};
use clusterkpi_lake::{Lake, Table, Writer};
use clusterkpi_model::{Catalogue, Date, FileRecord, Language, Period, now_rfc3339};

use crate::cli::{PipelineArgs, ReadArgs};
use crate::exit::Exit;
use crate::pipeline;

mod parallel;

/// One file's outcome as printed and recorded in the run manifest.
pub(crate) struct FileReport {
    pub record: FileRecord,
    pub reason: Option<String>,
    pub skipped: Vec<&'static str>,
    /// Printed even in a run's short summary (a rejected file seen again).
    pub notable: bool,
    /// The feedback workbook written for the county (a file rejected or partially
    /// accepted).
    pub feedback: Option<PathBuf>,
}

/// Where the feedback workbooks of a run or ingest go, and in which language.
pub(crate) struct Feedback {
    pub dir: PathBuf,
    pub language: Language,
}

impl Feedback {
    /// `<out>/feedback/<quarter>/`, beside the quarters' report folders rather than in
    /// one: publishing a report replaces its folder whole, and a rejected file left in
    /// the inbox is not read again, so its feedback has to outlive the next run. The
    /// quarter is the one asked for, else the last one ended (whose files are being
    /// sent, as `status` takes it).
    pub(crate) fn of(
        p: &clusterkpi_model::pipeline::Pipeline,
        period: Option<Period>,
        today: Date,
    ) -> Self {
        let q = period.unwrap_or_else(|| Period::latest_complete(today));
        Feedback {
            dir: p.out.join("feedback").join(q.to_string()),
            language: p.language,
        }
    }

    /// Writes the feedback workbook of a file rejected or partially accepted (the
    /// others need nothing from the county). A failure is logged, not fatal: the file
    /// is committed by then, and its problems are in the dataset and the report.
    pub(crate) fn write(
        &self,
        path: &Path,
        result: &FileResult,
        opts: &Options,
    ) -> Option<PathBuf> {
        if !matches!(
            result.outcome,
            Outcome::Rejected | Outcome::PartiallyAccepted
        ) {
            return None;
        }
        match clusterkpi_forms::feedback::write(&self.dir, path, result, opts, self.language) {
            Ok(written) => Some(written),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "feedback workbook not written");
                None
            }
        }
    }
}

impl FileReport {
    pub(crate) fn outcome(&self) -> &str {
        &self.record.outcome
    }

    /// A file whose bytes were recorded before: not read again. A rejected one is
    /// notable (printed in every summary).
    fn seen_before(
        path: String,
        sha256: String,
        prev: &clusterkpi_lake::Submission,
        outcome: Outcome,
        reason: String,
    ) -> Self {
        FileReport {
            record: FileRecord {
                path,
                sha256,
                kind: prev.kind.clone(),
                outcome: outcome.as_str().into(),
                rows_read: 0,
                rows_accepted: 0,
                rows_quarantined: 0,
                warnings: 0,
                version: prev.version,
                ingested_at: now_rfc3339(),
            },
            reason: Some(reason),
            skipped: Vec::new(),
            notable: outcome == Outcome::Rejected,
            feedback: None,
        }
    }

    /// A file that could not even be read (not a regular file, unreadable): rejected,
    /// and not recorded in the dataset, which keys submissions by their bytes.
    fn unread(path: String, why: String, version: u64) -> Self {
        FileReport {
            record: FileRecord {
                path,
                sha256: String::new(),
                kind: "unknown".into(),
                outcome: Outcome::Rejected.as_str().into(),
                rows_read: 0,
                rows_accepted: 0,
                rows_quarantined: 0,
                warnings: 0,
                version,
                ingested_at: now_rfc3339(),
            },
            reason: Some(why),
            skipped: Vec::new(),
            notable: true,
            feedback: None,
        }
    }
}

/// Orders files so reference lists come first (clusters, then roster): reports are
/// checked against them. Each file's kind comes with what its peek found, for its
/// ingest ([`clusterkpi_ingest::process_probed`]).
pub(crate) fn order_by_kind(files: &[PathBuf], opts: &Options) -> Vec<(PathBuf, Option<Peeked>)> {
    let peeked = parallel::map(files, |f| clusterkpi_ingest::peek(f, opts));
    by_kind(files.iter().cloned().zip(peeked).collect())
}

/// Files (with anything taken along) and what their peeks found, reference lists first
/// (clusters, then roster), the rest in their order.
fn by_kind<F>(mut files: Vec<(F, Option<Peeked>)>) -> Vec<(F, Option<Peeked>)> {
    files.sort_by_key(|(_, p)| match p.as_ref().map(|p| p.kind) {
        Some(InputKind::Clusters) => 0,
        Some(InputKind::Roster) => 1,
        _ => 2,
    });
    files
}

/// Ingests files into the dataset held by `writer`, one version per recorded file;
/// with `feedback`, writes the feedback workbook of each file rejected or partially
/// accepted right after its commit.
/// Files for which `from_inbox` holds may only be reports or values: the reference
/// lists come from the pipeline's own paths, and a cluster list or roster dropped into
/// the inbox would silently replace the city's.
///
/// Reference lists are committed one after another, first: every later file is
/// checked against them. Reports and values files are then validated in parallel
/// (see [`parallel`]) and committed in their order, so the dataset's versions and
/// every figure are the same as if they had been ingested one by one. The last
/// reference list is committed by that parallel step, ahead of the reports, whose
/// first passes go on beside it; in a run, whose reference lists are the pipeline's
/// own files, it is committed while the inbox is hashed instead.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ingest_files(
    writer: &mut Writer,
    files: &[PathBuf],
    from_inbox: &dyn Fn(&std::path::Path) -> bool,
    opts: &Options,
    city: Option<&str>,
    catalogue: &Catalogue,
    feedback: Option<&Feedback>,
    quiet: bool,
) -> Result<Vec<FileReport>> {
    let reported = catalogue.reported_lookup();
    let snapshot = writer.lake().snapshot(None)?;
    // A rejected file is read again when the reference lists change, or the quarter
    // (a period that was in the future may not be any more).
    writer.set_context(clusterkpi_model::Period::containing(opts.today).to_string());
    let bar = crate::progress::bar(files.len() as u64, "ingesting", quiet);
    let mut queue = Queue {
        with: Shared {
            opts,
            city,
            reported: &reported,
            feedback,
            bar: &bar,
        },
        snapshot,
        reports: Vec::new(),
        batch: Vec::new(),
        refs_of: None,
        lead: None,
    };
    // A run's inbox is hashed on other threads while the pipeline's reference lists
    // are validated and committed on this one. Hashed before them, as every file of an
    // ingest is, a 100x inbox (738 MB) kept both cores waiting for the disk when it was
    // not in the page cache, and the roster then took 0.3 s of one core with the other
    // mostly idle: that ingest took 6.64-6.74 s from the disk and 6.22-6.43 from the
    // page cache, against 6.21-6.49 and 6.16-6.21 now (docs/PERFORMANCE.md).
    let (first, inbox): (Vec<PathBuf>, Vec<PathBuf>) =
        files.iter().cloned().partition(|f| !from_inbox(f));
    std::thread::scope(|scope| -> Result<()> {
        let hashing = (!inbox.is_empty())
            .then(|| scope.spawn(|| parallel::map(&inbox, |f| clusterkpi_ingest::hash_file(f))));
        let hashed = parallel::map(&first, |f| clusterkpi_ingest::hash_file(f));
        queue.take_all(writer, &first, hashed, from_inbox)?;
        if let Some(hashing) = hashing {
            queue.flush(writer)?;
            let hashed = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            queue.take_all(writer, &inbox, hashed, from_inbox)?;
        }
        Ok(())
    })?;
    if queue.batch.is_empty() {
        queue.flush(writer)?;
    } else {
        let refs = references(&queue.snapshot, &mut queue.refs_of, city, &reported)?;
        let refs_after = |s: &clusterkpi_lake::Snapshot| references_of(s, city, &reported);
        let led = queue.lead.is_some();
        let mut batch = std::mem::take(&mut queue.batch);
        batch.splice(0..0, queue.lead.take());
        let done = parallel::ingest(
            writer,
            batch,
            opts,
            refs,
            led.then_some(&refs_after as parallel::RefsAfter<'_>),
            feedback,
            &bar,
        )?;
        for (at, report) in done {
            queue.reports[at] = Some(report);
        }
    }
    bar.finish_and_clear();
    writer.publish_tables()?;
    Ok(queue
        .reports
        .into_iter()
        .map(|r| r.expect("every file has its report"))
        .collect())
}

/// What every file of an ingest is taken with.
struct Shared<'a> {
    opts: &'a Options,
    city: Option<&'a str>,
    reported: &'a HashMap<String, String>,
    feedback: Option<&'a Feedback>,
    bar: &'a indicatif::ProgressBar,
}

/// The files of an ingest taken in order, reference lists first: each is settled at
/// once (not read, seen before, a reference list committed), or left for the parallel
/// step.
struct Queue<'a> {
    with: Shared<'a>,
    /// The dataset as the commits so far left it.
    snapshot: clusterkpi_lake::Snapshot,
    /// In input order; a file left for the parallel step is `None` until it is done.
    reports: Vec<Option<FileReport>>,
    batch: Vec<parallel::Item>,
    /// Reference sets are read again only when a commit changed a reference list.
    refs_of: Option<(Vec<String>, References)>,
    /// The last reference list, left to lead the reports' parallel step: they are
    /// read beside it and wait for it only to be checked (see `parallel`). It is
    /// ingested here instead when another reference list follows it, or when a file's
    /// fate depends on it: a file rejected before is read again only if the lists
    /// changed, which only its commit tells.
    lead: Option<parallel::Item>,
}

impl Queue<'_> {
    /// Takes `files` (hashed: `hashed`), reference lists first. Each file is peeked
    /// at for its kind, on as many threads as the ingest uses (a file that is a no-op
    /// is not: a workbook's kind costs a child process), with what its hashing learnt
    /// of its encoding.
    fn take_all(
        &mut self,
        writer: &mut Writer,
        files: &[PathBuf],
        hashed: Vec<std::io::Result<clusterkpi_ingest::Hashed>>,
        from_inbox: &dyn Fn(&std::path::Path) -> bool,
    ) -> Result<()> {
        let refs_now = writer.refs_of(&self.snapshot);
        let known = |sha: &str| {
            self.snapshot.ingested_sha(sha).is_some()
                || self
                    .snapshot
                    .rejected_sha(sha)
                    .is_some_and(|prev| prev.refs == refs_now)
        };
        let items: Vec<(&PathBuf, &std::io::Result<clusterkpi_ingest::Hashed>)> =
            files.iter().zip(&hashed).collect();
        let peeked = parallel::map(&items, |(f, h)| match h {
            Ok(h) if !known(&h.sha256) => clusterkpi_ingest::peek_hashed(f, self.with.opts, h),
            _ => None,
        });
        let shas = hashed.into_iter().map(|h| h.map(|h| h.sha256));
        let taken = files.iter().cloned().zip(shas).zip(peeked).collect();
        for ((path, sha), peeked) in by_kind(taken) {
            self.take(writer, path, sha, peeked, from_inbox)?;
        }
        Ok(())
    }

    fn take(
        &mut self,
        writer: &mut Writer,
        path: PathBuf,
        sha: std::io::Result<String>,
        peeked: Option<Peeked>,
        from_inbox: &dyn Fn(&std::path::Path) -> bool,
    ) -> Result<()> {
        let shown = path.display().to_string();
        self.with.bar.set_message(shown.clone());
        let sha = match sha {
            Ok(sha) => sha,
            Err(e) => {
                tracing::warn!(file = %shown, error = %e, "not read");
                self.reports.push(Some(FileReport::unread(
                    shown,
                    e.to_string(),
                    self.snapshot.version(),
                )));
                self.with.bar.inc(1);
                return Ok(());
            }
        };
        if self.lead.is_some() && self.snapshot.rejected_sha(&sha).is_some() {
            self.flush(writer)?;
        }
        if let Some(seen) = seen_before(&self.snapshot, writer, &shown, &sha) {
            self.reports.push(Some(seen));
            self.with.bar.inc(1);
            return Ok(());
        }
        // Not peeked when the file looked like a no-op; the reference lists changed.
        let peeked = peeked.or_else(|| clusterkpi_ingest::peek(&path, self.with.opts));
        let kind = peeked.as_ref().map(|p| p.kind);
        let item = parallel::Item {
            path,
            peeked,
            sha,
            shown,
            at: self.reports.len(),
        };
        if !matches!(kind, Some(InputKind::Clusters | InputKind::Roster)) {
            self.batch.push(item);
            self.reports.push(None);
            return Ok(());
        }
        self.flush(writer)?;
        if from_inbox(&item.path) {
            let kind = kind.expect("a reference list");
            let report =
                reference_in_inbox(writer, &mut self.snapshot, item.shown, item.sha, kind)?;
            self.reports.push(Some(report));
            self.with.bar.inc(1);
        } else {
            self.lead = Some(item);
            self.reports.push(None);
        }
        Ok(())
    }

    /// Validates and commits the reference list left to lead, if any.
    fn flush(&mut self, writer: &mut Writer) -> Result<()> {
        let Some(item) = self.lead.take() else {
            return Ok(());
        };
        let kind = item.kind().expect("a reference list");
        let refs = references(
            &self.snapshot,
            &mut self.refs_of,
            self.with.city,
            self.with.reported,
        )?;
        let (mut report, result, committed) = ingest_reference(
            writer,
            &item.path,
            item.shown,
            item.sha,
            kind,
            self.with.opts,
            refs,
        )?;
        self.snapshot = committed;
        report.feedback = self
            .with
            .feedback
            .and_then(|f| f.write(&item.path, &result, self.with.opts));
        self.reports[item.at] = Some(report);
        self.with.bar.inc(1);
        Ok(())
    }
}

/// The reference lists every file is checked against, read again only when a commit
/// changed a reference list (the key is the lists' data files).
fn references<'a>(
    snapshot: &clusterkpi_lake::Snapshot,
    cache: &'a mut Option<(Vec<String>, References)>,
    city: Option<&str>,
    reported: &std::collections::HashMap<String, String>,
) -> Result<&'a References> {
    let key: Vec<String> = [Table::Clusters, Table::Roster]
        .iter()
        .flat_map(|t| snapshot.data_files(*t).iter().map(|f| f.path.clone()))
        .collect();
    if cache.as_ref().is_none_or(|(k, _)| *k != key) {
        *cache = Some((key, references_of(snapshot, city, reported)?));
    }
    Ok(&cache.as_ref().expect("just set").1)
}

/// The reference lists of `snapshot`, read from its files.
fn references_of(
    snapshot: &clusterkpi_lake::Snapshot,
    city: Option<&str>,
    reported: &std::collections::HashMap<String, String>,
) -> Result<References> {
    Ok(References {
        clusters: snapshot
            .clusters()?
            .as_deref()
            .map(clusterkpi_ingest::spellings_of),
        roster: snapshot.roster_codes()?,
        city: city.map(str::to_string),
        reported_indicators: Some(reported.clone()),
    })
}

/// A file whose bytes the dataset has seen: a duplicate of an ingested file, or the
/// same bytes rejected before with the same reference lists in the same quarter
/// (rejected again, recorded once, not read again; still exit 65 while it sits in the
/// inbox). A new roster or cluster list, or a new quarter, reads it again.
fn seen_before(
    snapshot: &clusterkpi_lake::Snapshot,
    writer: &Writer,
    shown: &str,
    sha: &str,
) -> Option<FileReport> {
    if let Some(prev) = snapshot.rejected_sha(sha)
        && prev.refs == writer.refs_of(snapshot)
    {
        tracing::info!(file = %shown, first = %prev.path, "rejected before; unchanged");
        let reason = format!(
            "unchanged since it was rejected in dataset version {} (as {}); not read again until the reference lists or the quarter change",
            prev.version, prev.path
        );
        return Some(FileReport::seen_before(
            shown.to_string(),
            sha.to_string(),
            prev,
            Outcome::Rejected,
            reason,
        ));
    }
    let prev = snapshot.ingested_sha(sha)?;
    tracing::info!(file = %shown, first = %prev.path, "duplicate: the same bytes were ingested before");
    let reason = format!(
        "same bytes as {} (dataset version {})",
        prev.path, prev.version
    );
    Some(FileReport::seen_before(
        shown.to_string(),
        sha.to_string(),
        prev,
        Outcome::Duplicate,
        reason,
    ))
}

/// A cluster list or roster found in the inbox: recorded as rejected, unread.
fn reference_in_inbox(
    writer: &mut Writer,
    snapshot: &mut clusterkpi_lake::Snapshot,
    shown: String,
    sha: String,
    kind: InputKind,
) -> Result<FileReport> {
    let result = reference_in_inbox_result(&shown, kind);
    let committed = writer.commit(&result, &sha, None)?;
    *snapshot = committed.clone();
    tracing::warn!(file = %shown, "a reference list in the inbox: rejected");
    let mut report = FileReport::of(shown, sha, &result, committed.version(), f64::NAN);
    report.notable = true;
    Ok(report)
}

/// Validates a cluster list or roster and commits it as the next version. One at a
/// time, before the reports: every later file is checked against it. (Reports and
/// values files go through [`parallel`].)
#[allow(clippy::type_complexity)]
fn ingest_reference(
    writer: &mut Writer,
    path: &std::path::Path,
    shown: String,
    sha: String,
    kind: InputKind,
    opts: &Options,
    refs: &References,
) -> Result<(FileReport, FileResult, clusterkpi_lake::Snapshot)> {
    let started = std::time::Instant::now();
    let mut staged = writer.stage(kind, &shown)?;
    // Only a reports file asks for earlier year-to-date figures.
    let result = clusterkpi_ingest::process(
        path,
        &shown,
        opts,
        refs,
        &mut |_| Default::default(),
        &mut staged,
    );
    let staged = Some(staged);
    clusterkpi_lake::fail_point("before-commit");
    let committed = writer.commit(&result, &sha, staged)?;
    logged(&shown, &result, started, committed.version());
    let report = FileReport::of(
        shown,
        sha,
        &result,
        committed.version(),
        opts.max_error_rate,
    );
    Ok((report, result, committed))
}

fn logged(
    shown: &str,
    result: &clusterkpi_ingest::FileResult,
    started: std::time::Instant,
    version: u64,
) {
    tracing::info!(
        file = %shown,
        outcome = result.outcome.as_str(),
        rows = result.rows_accepted,
        quarantined = result.rows_quarantined,
        seconds = started.elapsed().as_secs_f64(),
        version,
        "ingested"
    );
}

impl FileReport {
    /// The report of a file validated and committed as `version`.
    fn of(
        shown: String,
        sha: String,
        result: &clusterkpi_ingest::FileResult,
        version: u64,
        max_error_rate: f64,
    ) -> Self {
        FileReport {
            reason: clusterkpi_ingest::rejection_reason(result, max_error_rate),
            skipped: result.skipped_checks.clone(),
            notable: false,
            feedback: None,
            record: FileRecord {
                path: shown,
                sha256: sha,
                kind: result.kind.map_or("unknown", InputKind::as_str).into(),
                outcome: result.outcome.as_str().into(),
                rows_read: result.rows_read,
                rows_accepted: result.rows_accepted,
                rows_quarantined: result.rows_quarantined,
                warnings: result.warnings,
                version,
                ingested_at: now_rfc3339(),
            },
        }
    }
}

/// The outcome of a cluster list or roster found in the inbox: rejected, unread.
fn reference_in_inbox_result(path: &str, kind: InputKind) -> clusterkpi_ingest::FileResult {
    clusterkpi_ingest::rejected_whole(
        path,
        Some(kind),
        clusterkpi_model::Code::E_KIND,
        format!(
            "收件箱中的文件是{}：名录只从流程文件的 clusters/roster 路径读取，不从收件箱读取",
            kind.name_zh()
        ),
        format!(
            "a {} file in the inbox: reference lists are read only from the pipeline's clusters and roster paths, never from the inbox",
            kind.as_str()
        ),
    )
}

/// Prints a line per file (with `every`; otherwise only files that need attention:
/// warnings, quarantined rows, rejections) and a total; returns the exit code the files
/// call for.
pub(crate) fn summarise(reports: &[FileReport], every: bool) -> Exit {
    let mut exit = Exit::Complete;
    let (mut rows, mut quarantined) = (0, 0);
    for r in reports {
        let f = &r.record;
        let detail = match f.outcome.as_str() {
            "duplicate" => r.reason.clone().unwrap_or_default(),
            "rejected" => format!("REJECTED: {}", r.reason.clone().unwrap_or_default()),
            _ => {
                let mut d = format!("{} rows", f.rows_accepted);
                if f.rows_quarantined > 0 {
                    d.push_str(&format!(", {} quarantined", f.rows_quarantined));
                }
                if f.warnings > 0 {
                    d.push_str(&format!(", {} warnings", f.warnings));
                }
                d
            }
        };
        if every || r.notable || !matches!(f.outcome.as_str(), "accepted" | "duplicate") {
            say!("{:<24} {:<9} {}  {}", f.outcome, f.kind, f.path, detail);
            for s in &r.skipped {
                say!("{:<24} (skipped check: {s})", "");
            }
        }
        rows += f.rows_accepted;
        quarantined += f.rows_quarantined;
        exit = exit.max(match f.outcome.as_str() {
            "rejected" => Exit::Rejected,
            "partially_accepted" => Exit::Partial,
            _ => Exit::Complete,
        });
    }
    let written: Vec<&PathBuf> = reports.iter().filter_map(|r| r.feedback.as_ref()).collect();
    if let Some(dir) = written.first().and_then(|w| w.parent()) {
        say!(
            "feedback for {} {}: {}",
            written.len(),
            if written.len() == 1 { "file" } else { "files" },
            dir.display()
        );
    }
    let count = |o: &str| reports.iter().filter(|r| r.outcome() == o).count();
    say!(
        "{} files: {} accepted, {} with warnings, {} partially accepted, {} rejected, {} duplicates; {} rows ingested, {} quarantined",
        reports.len(),
        count("accepted"),
        count("accepted_with_warnings"),
        count("partially_accepted"),
        count("rejected"),
        count("duplicate"),
        rows,
        quarantined
    );
    exit
}

pub(crate) fn run(
    files: &[PathBuf],
    args: &PipelineArgs,
    read: &ReadArgs,
    quiet: bool,
) -> Result<Exit> {
    let p = pipeline::load(args, None)?;
    let defs = pipeline::definitions(&p)?;
    let city = match &p.plan {
        Some(_) => Some(pipeline::plan(&p, &defs.catalogue)?.0.city),
        None => None,
    };
    let opts = pipeline::read_options(&p, read)?;
    let lake = Lake::open(&p.lake)?;
    let mut writer = lake.lock()?;
    let feedback = Feedback::of(&p, None, opts.today);
    let reports = ingest_files(
        &mut writer,
        files,
        &|_| false,
        &opts,
        city.as_deref(),
        &defs.catalogue,
        Some(&feedback),
        quiet,
    )?;
    let exit = summarise(&reports, true);
    say!(
        "dataset {} is at version {}",
        p.lake.display(),
        lake.latest_version()?
    );
    Ok(exit)
}

/// The pipeline's reference lists, then its inbox files; inbox entries that are not
/// read are logged and printed.
pub(crate) struct Inputs {
    pub files: Vec<PathBuf>,
    /// How many of `files` are the pipeline's reference lists (the rest come from the
    /// inbox).
    pub references: usize,
}

pub(crate) fn pipeline_inputs(p: &clusterkpi_model::pipeline::Pipeline) -> Result<Inputs> {
    let mut files = Vec::new();
    for f in [&p.clusters, &p.roster].into_iter().flatten() {
        files.push(f.clone());
    }
    let references = files.len();
    if let Some(inbox) = &p.inbox {
        let found = pipeline::inbox_files(inbox)?;
        for (path, why) in &found.skipped {
            tracing::warn!(file = %path.display(), "skipped: {why}");
            say!("{:<24} {}  {why}", "skipped", path.display());
        }
        files.extend(found.files);
    }
    Ok(Inputs { files, references })
}
