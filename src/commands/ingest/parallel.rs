//! Reports and values files validated in parallel, committed in order.
//!
//! Validating a file (reading, decoding, checking every cell) is nearly all of an
//! ingest's time and needs nothing from other files except one thing: the
//! year-to-date check compares a report with the accepted figures of earlier quarters
//! of the same year, which an earlier file of the same run may be adding. So each
//! worker takes the next file, and once its first pass knows which enterprises and
//! years the file reports on, waits until every earlier file that could touch them
//! is validated, and reads their figures laid over the dataset's
//! ([`Writer::prior_ytd_after`]). Files of other counties or years go ahead at once.
//! Commits happen on the calling thread in input order, one version per file as
//! before: the dataset, its versions and every warning are what a one-by-one ingest
//! gives. A file whose figures were read and whose commit then fails fails the run,
//! and no file after it is committed.
//!
//! The last reference list of a run (its roster, usually) can lead the batch: it is
//! validated and committed first, as before, but the reports' first passes, which need
//! no reference list, go on beside it, and each report waits for the lists only at the
//! end of its first pass ([`ReferenceSource`]). At 100x the sample city the roster
//! (270,000 rows) was 0.6 s on one core before any report was read.
//!
//! Measured at 10× the sample city (304 plain files, 737,616 rows) on two cores:
//! one by one 14.4 s; in parallel, and what the workers wait for, see
//! `docs/PERFORMANCE.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, mpsc};

use anyhow::{Context, Result, anyhow};
use clusterkpi_ingest::{FileResult, InputKind, Options, ReferenceSource, References};
use clusterkpi_lake::{Figures, Snapshot, Staged, Writer};
use indicatif::ProgressBar;

use super::{Feedback, FileReport, logged};

/// A file to validate and commit; `at` is its place among the run's reports.
pub(super) struct Item {
    pub path: PathBuf,
    /// What the file's peek found (its kind; its format, so it is not probed again).
    pub peeked: Option<clusterkpi_ingest::Peeked>,
    pub sha: String,
    pub shown: String,
    pub at: usize,
}

impl Item {
    pub(super) fn kind(&self) -> Option<InputKind> {
        self.peeked.as_ref().map(|p| p.kind)
    }
}

/// What a file's first pass found: the enterprises and years it reports on.
struct Scan {
    codes: clusterkpi_ingest::CodeList,
    years: BTreeSet<i32>,
}

impl Scan {
    fn touches(&self, other: &Scan) -> bool {
        self.years.iter().any(|y| other.years.contains(y)) && self.codes.meets(&other.codes)
    }
}

/// Who may go ahead: the scans and figures known so far and how many files are
/// committed.
struct Gate {
    /// By file index; `None` while the file's first pass has not finished.
    scans: Vec<Option<Arc<Scan>>>,
    /// By file index, the year-to-date figures the file's commit will add; `None`
    /// while it is being validated (empty: it adds none, or failed).
    figures: Vec<Option<Figures>>,
    committed: usize,
    /// A commit failed: workers stop waiting and finish without effect.
    failed: bool,
    /// Workers validating a file and not waiting for an earlier one ([`Running`]).
    running: usize,
}

/// The reference lists as the leading reference list's commit leaves them, for the
/// files after it: each waits for them at the end of its first pass. If the run fails
/// first, a file gets the lists before it, and its result is never committed.
struct AfterLead<'a> {
    refs: std::sync::OnceLock<References>,
    before: &'a References,
    gate: &'a Mutex<Gate>,
    turn: &'a Condvar,
}

impl ReferenceSource for AfterLead<'_> {
    fn references(&self) -> &References {
        let mut g = lock(self.gate);
        loop {
            if let Some(refs) = self.refs.get() {
                return refs;
            }
            if g.failed {
                return self.before;
            }
            g = self
                .turn
                .wait(g)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// How the lists after a leading reference list are read from the snapshot its commit
/// makes.
pub(super) type RefsAfter<'a> = &'a (dyn Fn(&Snapshot) -> Result<References> + Sync);

/// A validated file waiting for its commit.
struct Done {
    result: FileResult,
    staged: Option<Staged>,
    started: std::time::Instant,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked poisons nothing the others rely on: the panic itself
    // ends the run when the scope joins it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many workers may be validating at once, and the worker standing by beside
/// them. A worker whose file must wait for an earlier file (the year-to-date check,
/// see the module's doc) stops counting while it waits, and the spare worker takes
/// the next file meanwhile; a worker takes a new file only while fewer than `cores`
/// are running. At 100x the sample city, when a file waited for the earlier file's
/// commit, the two workers slept 1.7 and 2.4 s of a 10 s ingest, while the commits'
/// fsyncs fell behind a county's large files (8,000 to 62,000 rows). A third worker
/// always running made that ingest 0.4-1.1 s faster (three alternated pairs) but the
/// 10x run slower (medians of eight: 2.45 s against 2.17 s), its small files leaving
/// no one waiting and three threads sharing two cores; the spare made the 100x run
/// 11.43-11.65 s against 11.94-13.39 s and the 10x run 1.77 s against 1.83 s
/// (docs/PERFORMANCE.md).
struct Running<'a> {
    gate: &'a Mutex<Gate>,
    turn: &'a Condvar,
    cores: usize,
}

impl Running<'_> {
    /// Waits until fewer than `cores` workers run, then counts this one; false (and
    /// not counted) if the run failed meanwhile.
    fn start(&self) -> bool {
        let mut g = lock(self.gate);
        while g.running >= self.cores && !g.failed {
            g = self
                .turn
                .wait(g)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if g.failed {
            return false;
        }
        g.running += 1;
        true
    }

    /// This worker stops counting (its file is done, or it waits for an earlier one),
    /// under the gate's lock `g`.
    fn stop(&self, g: &mut Gate) {
        g.running -= 1;
        self.turn.notify_all();
    }

    /// A worker that stopped to wait for an earlier file counts again, at once: no new
    /// file starts until one is done.
    fn resume(g: &mut Gate) {
        g.running += 1;
    }
}

/// Files read beside a leading reference list besides the workers' own, by helper
/// threads that take one each. At 100x the sample city the roster (270,000 rows) takes
/// about 0.5 s on one core, the first pass of a county's quarter 0.05–0.1 s; each file
/// waiting holds its rows read (up to [`clusterkpi_ingest::Options::keep_bytes`]).
const LEAD_HELPERS: usize = 8;

/// How many files are validated at once: the cores, or `CLUSTERKPI_THREADS`. One
/// worker more stands by ([`Running`]).
fn workers(files: usize) -> usize {
    let n = std::env::var("CLUSTERKPI_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    n.min(files).max(1)
}

/// `f` of every item, on as many threads as [`ingest`] uses, in the items' order.
/// For the work done on every file before any is validated (hashing its bytes,
/// peeking at its header), which was a serial second at the start of a 10x ingest.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    clusterkpi_model::parallel::map(items, workers(items.len()), f)
}

/// Validates `items` in parallel against `refs` and commits them in order; returns
/// each file's report with its `at`. With `lead`, the first item is a reference list:
/// it is checked against `refs`, and every later item against the lists `lead` reads
/// from the snapshot its commit makes.
pub(super) fn ingest(
    writer: &mut Writer,
    items: Vec<Item>,
    opts: &Options,
    refs: &References,
    lead: Option<RefsAfter<'_>>,
    feedback: Option<&Feedback>,
    bar: &ProgressBar,
) -> Result<Vec<(usize, FileReport)>> {
    let first_version = writer.lake().latest_version()? + 1;
    let n = items.len();
    let gate = Mutex::new(Gate {
        scans: (0..n).map(|_| None).collect(),
        figures: (0..n).map(|_| None).collect(),
        committed: 0,
        failed: false,
        running: 0,
    });
    let turn = Condvar::new();
    let after_lead = AfterLead {
        refs: std::sync::OnceLock::new(),
        before: refs,
        gate: &gate,
        turn: &turn,
    };
    let refs_of = |i: usize| -> &dyn ReferenceSource {
        if lead.is_some() && i > 0 {
            &after_lead
        } else {
            refs
        }
    };
    // Workers only read the writer (a staging file, earlier figures); the commit
    // thread writes each commit's files under a read lock too and takes the write lock
    // only to apply it in memory, so no worker waits for a commit's fsyncs. With one
    // lock for everything, workers waited 1.1 s of a 10x ingest of 4 s for it.
    let writer = RwLock::new(writer);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<Done>)>();
    let mut out = Vec::with_capacity(n);
    let mut failure: Option<anyhow::Error> = None;

    let running = Running {
        gate: &gate,
        turn: &turn,
        cores: workers(n),
    };
    std::thread::scope(|scope| {
        // While a leading reference list is validated, a worker that reaches a
        // report's check waits for it, and so would the second core: helpers each
        // take one more file through its first pass meanwhile, and end with it.
        // The spare worker only when there is a file for it.
        let regular = (running.cores + 1).min(n);
        let helpers = if lead.is_some() {
            LEAD_HELPERS.min(n.saturating_sub(regular))
        } else {
            0
        };
        for w in 0..regular + helpers {
            let tx = tx.clone();
            let (gate, turn, writer, next, items, refs_of, running) =
                (&gate, &turn, &writer, &next, &items, &refs_of, &running);
            // A helper takes one file beside the workers, uncounted.
            let helper = w >= regular;
            scope.spawn(move || {
                // This worker's rows of a file, kept from one file to the next.
                let mut buffers = clusterkpi_ingest::RowBuffers::default();
                loop {
                    if !helper && !running.start() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let done = (i < n && !lock(gate).failed).then(|| {
                        validate(
                            i,
                            &items[i],
                            first_version,
                            opts,
                            refs_of(i),
                            gate,
                            turn,
                            writer,
                            (!helper).then_some(running),
                            &mut buffers,
                        )
                    });
                    {
                        let mut g = lock(gate);
                        if i < n && g.figures[i].is_none() {
                            // Failed before its figures were known: the run fails at
                            // its commit, and no one waits for it meanwhile.
                            g.figures[i] = Some(Figures::default());
                            turn.notify_all();
                        }
                        if !helper {
                            running.stop(&mut g);
                        }
                    }
                    let Some(done) = done else { break };
                    if tx.send((i, done)).is_err() || helper {
                        break;
                    }
                }
            });
        }
        drop(tx);

        // Commits in input order, on this thread.
        let mut waiting: BTreeMap<usize, Result<Done>> = BTreeMap::new();
        let mut next_commit = 0;
        'files: for (i, done) in &rx {
            waiting.insert(i, done);
            place_ready(&read(&writer), &mut waiting, next_commit, &items);
            while let Some(done) = waiting.remove(&next_commit) {
                let item = &items[next_commit];
                let committed = done.and_then(|d| {
                    clusterkpi_lake::fail_point("before-commit");
                    let written = read(&writer).write_commit(&d.result, &item.sha, d.staged)?;
                    let version = written.version();
                    let snapshot = writer
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .apply(written);
                    if next_commit == 0
                        && let Some(lead) = lead
                    {
                        let refs = lead(&snapshot).context("reading the reference lists")?;
                        let _ = after_lead.refs.set(refs);
                        // Under the gate's lock, so no file between its look and its
                        // wait misses the news.
                        drop(lock(&gate));
                        turn.notify_all();
                    }
                    logged(&item.shown, &d.result, d.started, version);
                    let mut report = FileReport::of(
                        item.shown.clone(),
                        item.sha.clone(),
                        &d.result,
                        version,
                        opts.max_error_rate,
                    );
                    report.feedback = feedback.and_then(|f| f.write(&item.path, &d.result, opts));
                    Ok(report)
                });
                match committed {
                    Ok(report) => {
                        out.push((item.at, report));
                        bar.set_message(item.shown.clone());
                        bar.inc(1);
                        let mut g = lock(&gate);
                        g.committed += 1;
                        // Its figures are the index's now. Held here until the end,
                        // every file's (7.4 million rows of 56 bytes at 100x the
                        // sample city) raised the run's peak from 860 to 1,094 MB.
                        g.figures[next_commit] = Some(Figures::default());
                        drop(g);
                        turn.notify_all();
                    }
                    Err(e) => {
                        failure = Some(e);
                        lock(&gate).failed = true;
                        turn.notify_all();
                        break 'files;
                    }
                }
                next_commit += 1;
            }
        }
        // Workers still running see `failed` (or a closed channel) and stop.
        drop(rx);
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if out.len() != n {
        return Err(anyhow!("{} of {n} files were not ingested", n - out.len()));
    }
    Ok(out)
}

/// Places the data files of the validated files that are next to be committed, one
/// after another from `next`, and makes each folder durable once for all of them
/// ([`Writer::place_staged`]). A file whose placing fails carries the error to its
/// commit, where the run stops, as does the first file of the batch if a folder's
/// fsync fails.
fn place_ready(
    writer: &Writer,
    waiting: &mut BTreeMap<usize, Result<Done>>,
    next: usize,
    items: &[Item],
) {
    let mut folders = BTreeSet::new();
    let mut j = next;
    while let Some(done) = waiting.get_mut(&j) {
        if let Ok(d) = done
            && let Some(staged) = d.staged.as_mut()
            && !staged.is_placed()
        {
            match writer.place_staged(staged, &items[j].sha) {
                Ok(folder) => {
                    folders.insert(folder);
                }
                Err(e) => *done = Err(e.into()),
            }
        }
        j += 1;
    }
    for folder in folders {
        if let Err(e) = writer.sync_folder(&folder) {
            waiting.insert(next, Err(e.into()));
            return;
        }
    }
}

/// Validates file `i` into its own staging file, waiting for earlier files that
/// touch the same enterprises and years before reading their figures.
#[allow(clippy::too_many_arguments)]
fn validate(
    i: usize,
    item: &Item,
    first_version: u64,
    opts: &Options,
    refs: &dyn ReferenceSource,
    gate: &Mutex<Gate>,
    turn: &Condvar,
    writer: &RwLock<&mut Writer>,
    running: Option<&Running<'_>>,
    buffers: &mut clusterkpi_ingest::RowBuffers,
) -> Result<Done> {
    let started = std::time::Instant::now();
    let version = first_version + i as u64;
    let mut staged = match item.kind() {
        Some(k) => Some(read(writer).stage_as(k, &item.shown, version, i)?),
        None => None,
    };
    let mut discard = clusterkpi_ingest::Discard;
    let sink: &mut dyn clusterkpi_ingest::Sink = match staged.as_mut() {
        Some(s) => s,
        None => &mut discard,
    };
    let mut prior_err = None;
    let result = clusterkpi_ingest::process_probed(
        &item.path,
        item.peeked.as_ref(),
        &item.shown,
        opts,
        refs,
        &mut |scan| {
            let mine = Arc::new(Scan {
                codes: scan.credit_codes.clone(),
                years: scan.years.clone(),
            });
            let mut g = lock(gate);
            g.scans[i] = Some(mine.clone());
            turn.notify_all();
            if !scan.after_first_quarter {
                // First quarters only: no row has earlier quarters of its year, so
                // there is nothing to wait for (such files used to wait here, for
                // the file before them to finish its first pass, and then ask for
                // nothing).
                return Default::default();
            }
            // While it waits, this worker does not count as running: the spare worker
            // may take the next file. Woken, it goes on at once (for a moment one
            // more than the cores run), and no new file starts until one is done.
            let mut stopped = false;
            loop {
                if g.failed {
                    break;
                }
                let blocked = (g.committed..i).any(|j| match &g.scans[j] {
                    None => true,
                    Some(s) => g.figures[j].is_none() && s.touches(&mine),
                });
                if !blocked {
                    break;
                }
                if let (false, Some(running)) = (stopped, running) {
                    stopped = true;
                    running.stop(&mut g);
                }
                g = turn
                    .wait(g)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if stopped {
                Running::resume(&mut g);
            }
            if g.failed {
                return Default::default();
            }
            // The files not yet committed that touch this one, in order; one
            // committed meanwhile is laid again over itself, to no effect.
            let pending: Vec<Figures> = (g.committed..i)
                .filter(|&j| g.scans[j].as_ref().is_some_and(|s| s.touches(&mine)))
                .filter_map(|j| g.figures[j].clone())
                .filter(|f| !f.is_empty())
                .collect();
            drop(g);
            match read(writer).prior_ytd_after(&scan.credit_codes, &scan.years, &pending) {
                Ok(p) => p,
                Err(e) => {
                    prior_err = Some(e);
                    Default::default()
                }
            }
        },
        sink,
        buffers,
    );
    {
        // A file that never asked (not a reports file, or stopped before) touches no
        // one's year-to-date figures... unless it is committed with rows; it asked then.
        let mut g = lock(gate);
        if g.scans[i].is_none() {
            g.scans[i] = Some(Arc::new(Scan {
                codes: Default::default(),
                years: BTreeSet::new(),
            }));
        }
        turn.notify_all();
    }
    if let Some(e) = prior_err {
        return Err(e).context("reading earlier reports for the year-to-date check");
    }
    // The Parquet file is finished here, in parallel; the committing thread fsyncs
    // and places it (`place_ready`). Rows of a rejected file are not kept.
    match &mut staged {
        Some(s) if result.outcome.ingests_rows() => s.close()?,
        _ => staged = None,
    }
    let figures = staged.as_mut().map(Staged::figures).unwrap_or_default();
    lock(gate).figures[i] = Some(figures);
    turn.notify_all();
    Ok(Done {
        result,
        staged,
        started,
    })
}
