//! Writing the dataset: the writer (holder of the lock), staging rows into Parquet,
//! and the commit protocol.
//!
//! A commit places its data files (fsynced, size and SHA-256 recorded), then publishes
//! `_log/<v>.json` with its actions by an atomic rename: that rename is the commit
//! point. A checkpoint, when one is due, is written after it; a crash in between only
//! means a reader replays a few more version files.

use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow::array::RecordBatch;
use clusterkpi_model::ingested::{FileResult, InputKind};
use clusterkpi_model::rows::{
    CodeKey, CodeList, ColumnType, PriorYtd, Provenance, Record, Row, Sink, SupersededRow, Version,
};
use clusterkpi_model::small_file::Sha256Writer;
use clusterkpi_model::{Period, now_rfc3339};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::live::{Figures, LiveIndex, LiveKey};
use crate::manifest::{Action, Commit, FORMAT};
use crate::schema::BatchBuilder;
use crate::{
    DataFile, Lake, LakeError, Result, Snapshot, Submission, Table, io_at, layout, log, retained,
    sync_dir, verify,
};

/// A commit on disk that its writer has not applied yet ([`Writer::write_commit`]).
#[must_use = "a written commit is applied to its writer"]
pub struct Written {
    snapshot: Snapshot,
    /// The tables it changed, for their Delta Lake form.
    #[cfg(feature = "delta")]
    tables: BTreeSet<Table>,
}

impl Written {
    /// The version it committed.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.snapshot.version()
    }
}

/// Locks the writer's index. A panic while it was held leaves nothing the
/// next use relies on half-done that the panic itself does not end the run for.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The holder of the writer lock.
pub struct Writer {
    lake: Lake,
    _lock: File,
    /// The latest version. Only the lock holder commits, so it stays current without
    /// reading the log again for every commit.
    head: Snapshot,
    /// What else files are checked against besides the reference lists (the caller's
    /// quarter of "today"): kept in each submission's `refs`.
    context: String,
    /// The live report rows of the years commits and files have touched, with their
    /// figures. Behind a mutex, so that a commit can be written while files being
    /// validated ask for their year-to-date figures (see [`Writer::write_commit`]).
    live: Mutex<LiveIndex>,
    /// The tables' Delta Lake form, brought to the latest version by
    /// [`Writer::publish_tables`].
    #[cfg(feature = "delta")]
    published: crate::published::Published,
    /// The tables changed since they were last published.
    #[cfg(feature = "delta")]
    unpublished: std::collections::BTreeSet<Table>,
}

fn add(table: Table, file: DataFile) -> Action {
    Action::Add {
        table: table.name().to_string(),
        file,
    }
}

fn table_of(kind: InputKind) -> Table {
    match kind {
        InputKind::Reports => Table::ReportHistory,
        InputKind::Values => Table::Values,
        InputKind::Clusters => Table::Clusters,
        InputKind::Roster => Table::Roster,
    }
}

impl Writer {
    pub(crate) fn new(lake: Lake, lock: File, head: Snapshot) -> Result<Self> {
        Ok(Self {
            #[cfg(feature = "delta")]
            published: crate::published::Published::new(&lake)?,
            #[cfg(feature = "delta")]
            unpublished: std::collections::BTreeSet::new(),
            lake,
            _lock: lock,
            head,
            context: String::new(),
            live: Mutex::default(),
        })
    }

    /// Brings the tables' Delta Lake form to the latest version (a writer that
    /// stopped before [`Writer::publish_tables`] left them behind).
    pub(crate) fn catch_up_published(&mut self) -> Result<()> {
        #[cfg(feature = "delta")]
        self.published.catch_up(&self.head.manifest)?;
        Ok(())
    }

    /// Publishes the versions committed since the last call to the tables' Delta Lake
    /// form (the `delta` feature; otherwise nothing to do): one Delta commit per
    /// changed table, carrying the latest version. Call it once a batch of files is
    /// committed: a Delta commit per input file cost 60 ms each in a development
    /// build (the sample city's 304 files took 57 s instead of 12).
    pub fn publish_tables(&mut self) -> Result<()> {
        #[cfg(feature = "delta")]
        {
            fail_point("before-delta");
            let tables = std::mem::take(&mut self.unpublished);
            if let Err(e) = self.published.publish_changed(&self.head.manifest, &tables) {
                self.unpublished = tables;
                return Err(e);
            }
        }
        Ok(())
    }

    /// The accepted year-to-date figures of `codes` in `years` at the latest version,
    /// as [`Snapshot::prior_ytd`] gives them, from the index the writer keeps (see
    /// `live.rs`).
    pub fn prior_ytd(&self, codes: &CodeList, years: &BTreeSet<i32>) -> Result<PriorYtd> {
        self.prior_ytd_after(codes, years, &[])
    }

    /// The year-to-date figures of `codes` in `years` as they will be once the files
    /// `pending`, validated and not yet committed, are committed in this order: what a
    /// file validated beside them is checked against, without waiting for their
    /// commits' fsyncs. `pending` holds every file to be committed before the asking
    /// one that has rows of these enterprises and years; it may hold files committed
    /// meanwhile too, whose figures the index already has: laid again, in order,
    /// they change nothing.
    pub fn prior_ytd_after(
        &self,
        codes: &CodeList,
        years: &BTreeSet<i32>,
        pending: &[Figures],
    ) -> Result<PriorYtd> {
        if codes.is_empty() {
            return Ok(PriorYtd::default());
        }
        locked(&self.live).prior(&self.head, codes, years, pending)
    }

    /// Drops the index kept to make later commits cheap (the live rows and figures
    /// of the years commits touched; at 10x the sample city it held every year). A
    /// run that has finished ingesting keeps the lock while it evaluates, not that
    /// memory. Later commits load what they need again.
    pub fn forget_index(&mut self) {
        self.live
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Bounds the index to `rows` quarters, so that a test of a few rows drops and
    /// reads years again as a national dataset does.
    #[cfg(test)]
    pub(crate) fn bound_index(&mut self, rows: usize) {
        locked(&self.live).max = rows;
    }

    /// Sets what else files are checked against besides the reference lists; each
    /// submission's `refs` is `<reference fingerprint>|<context>` (see
    /// [`Writer::refs_of`]).
    pub fn set_context(&mut self, context: impl Into<String>) {
        self.context = context.into();
    }

    /// The `refs` a submission recorded now over `snapshot` would carry: compare it
    /// with an earlier submission's to know whether checking the same bytes again
    /// could give another result.
    #[must_use]
    pub fn refs_of(&self, snapshot: &Snapshot) -> String {
        format!("{}|{}", snapshot.reference_fingerprint(), self.context)
    }

    /// The latest version, as this writer holds it (no reading of the log).
    #[must_use]
    pub fn head(&self) -> &Snapshot {
        &self.head
    }

    #[must_use]
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Removes what a writer killed mid-way left: its staged files, half-written log
    /// files, and data files of versions never published. Only names the writer itself
    /// creates are touched (see `layout`), so a stray user file is never deleted.
    pub(crate) fn clean_unpublished(&self) -> Result<()> {
        let root = &self.lake.root;
        let remove = |path: &Path, what: &str| {
            tracing::info!(file = %path.display(), "removing {what}");
            let _ = fs::remove_file(path);
        };
        for e in fs::read_dir(root).map_err(io_at(root))?.flatten() {
            if layout::is_marker_tmp(&e.file_name().to_string_lossy()) {
                remove(&e.path(), "a half-written dataset marker");
            }
        }
        let staging = root.join(layout::STAGING);
        if let Ok(rd) = fs::read_dir(&staging) {
            for e in rd.flatten() {
                let staged = layout::is_staging_name(&e.file_name().to_string_lossy());
                if staged && e.file_type().is_ok_and(|t| t.is_file()) {
                    remove(&e.path(), "a staged file of an unfinished commit");
                }
            }
            // Only if now empty: anything else in it is not ours.
            let _ = fs::remove_dir(&staging);
        }
        let log = root.join(layout::LOG);
        for e in fs::read_dir(&log).map_err(io_at(&log))?.flatten() {
            if layout::is_log_tmp(&e.file_name().to_string_lossy()) {
                remove(&e.path(), "a half-written log file");
            }
        }
        let published = self.head.version();
        let referenced: HashSet<&str> = self
            .head
            .manifest
            .tables
            .values()
            .flatten()
            .map(|f| f.path.as_str())
            .collect();
        for table in Table::ALL {
            let dir = root.join(table.name());
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let rel = format!("{}/{name}", table.name());
                let unpublished = layout::parse_data_name(&name).is_some_and(|v| v > published);
                if unpublished
                    && !referenced.contains(rel.as_str())
                    && e.file_type().is_ok_and(|t| t.is_file())
                {
                    remove(&e.path(), "a data file of an unpublished version");
                }
            }
        }
        Ok(())
    }

    /// Starts staging the rows of one file of `kind`, to be committed next.
    pub fn stage(&self, kind: InputKind, source_file: &str) -> Result<Staged> {
        self.stage_as(kind, source_file, self.head.version() + 1, 0)
    }

    /// Starts staging the rows of one file of several validated at the same time:
    /// its own staging file (`slot`), and the version it will be committed as (its
    /// rows carry it). [`Writer::commit`] refuses it as any other version.
    pub fn stage_as(
        &self,
        kind: InputKind,
        source_file: &str,
        version: u64,
        slot: usize,
    ) -> Result<Staged> {
        let staging = self.lake.root.join(layout::STAGING);
        fs::create_dir_all(&staging).map_err(io_at(&staging))?;
        let name = layout::staging_slot_name(kind.as_str(), std::process::id(), slot);
        Staged::new(
            staging.join(name),
            kind,
            Provenance {
                version: version as i64,
                source_file: source_file.to_string(),
            },
            table_of(kind) == Table::ReportHistory && self.lake.retained.retaining(),
        )
    }

    /// Records one file's outcome: its accepted rows (if any) and its issues become
    /// part of the dataset in one new version. Returns the new snapshot.
    pub fn commit(
        &mut self,
        result: &FileResult,
        sha256: &str,
        staged: Option<Staged>,
    ) -> Result<Snapshot> {
        let written = self.write_commit(result, sha256, staged)?;
        Ok(self.apply(written))
    }

    /// The part of [`Writer::commit`] that touches the disk: the version's files
    /// placed, its version file published (the commit point) and a checkpoint when
    /// one is due. It needs only a shared borrow, so files being validated meanwhile
    /// can still ask [`Writer::prior_ytd`]; until [`Writer::apply`] the writer's head
    /// is the version before. Only one commit may be written before it is applied.
    pub fn write_commit(
        &self,
        result: &FileResult,
        sha256: &str,
        staged: Option<Staged>,
    ) -> Result<Written> {
        let written = self.write_commit_unguarded(result, sha256, staged);
        if written.is_err() {
            // The index may hold the rows of the commit that failed: it is dropped,
            // and read again from the dataset as it is when next needed.
            locked(&self.live).clear();
        }
        written
    }

    fn write_commit_unguarded(
        &self,
        result: &FileResult,
        sha256: &str,
        staged: Option<Staged>,
    ) -> Result<Written> {
        let base = &self.head;
        let version = base.version() + 1;
        let committed_at = now_rfc3339();
        let short = self.data_file_tag(sha256);
        let periods: Vec<String> = result.periods.iter().map(Period::to_string).collect();
        let mut actions = Vec::new();

        if let Some(staged) = &staged
            && staged.src.version != version as i64
        {
            return Err(LakeError::Corrupt {
                path: staged.path.clone(),
                message: format!(
                    "rows staged for version {} offered as version {version}",
                    staged.src.version
                ),
            });
        }
        if let (Some(mut staged), true) = (staged, result.outcome.ingests_rows()) {
            let kind = staged.kind;
            staged.share();
            let keys = std::mem::take(&mut staged.shared);
            let table = table_of(kind);
            let rel = format!("{}/{}", table.name(), layout::data_name(version, &short));
            let (path, rows, placed, written) = staged.finish()?;
            if !keys.is_empty() {
                let mut replaced = locked(&self.live).replace(base, keys, version as i64)?;
                // In key order: the same input gives the same bytes, whatever order
                // the index's hash maps hold them in.
                replaced.sort_unstable();
                // Rows offered twice under one key (the ingest never does) replace once.
                replaced.dedup();
                if !replaced.is_empty() {
                    let mut batch = BatchBuilder::new(Table::Superseded, replaced.len());
                    for (credit_code, period_index, version) in replaced {
                        batch.push(&SupersededRow {
                            credit_code,
                            period_index,
                            version,
                        });
                    }
                    let batch = batch.finish();
                    let file = self.write_file(Table::Superseded, version, &short, &batch)?;
                    actions.push(add(Table::Superseded, file));
                }
            }
            let (size, sha) = match placed {
                // Placed ahead, its folder made durable ([`Writer::place_staged`]).
                Some(p) if p.rel == rel => (p.size, p.sha256),
                _ => self.place(&path, &rel, written)?,
            };
            if matches!(table, Table::Clusters | Table::Roster) {
                // A reference list is replaced whole; earlier versions keep the old one.
                for old in base.data_files(table) {
                    actions.push(Action::Remove {
                        table: table.name().to_string(),
                        path: old.path.clone(),
                    });
                }
            }
            let file = DataFile {
                path: rel,
                rows,
                periods: periods.clone(),
                version,
                size,
                sha256: sha,
            };
            actions.push(add(table, file));
        }
        if !result.issues.is_empty() {
            let mut batch = BatchBuilder::new(Table::Issues, result.issues.len());
            let recorded = Version {
                version: version as i64,
            };
            for issue in &result.issues {
                batch.push_with(|cells| {
                    issue.write(cells);
                    recorded.write(cells);
                });
            }
            let batch = batch.finish();
            let file = self.write_file(Table::Issues, version, &short, &batch)?;
            actions.push(add(Table::Issues, file));
        }
        actions.push(Action::Submission(Submission {
            version,
            path: result.path.clone(),
            sha256: sha256.to_string(),
            kind: result.kind.map_or("unknown", InputKind::as_str).to_string(),
            format: result.format.clone().unwrap_or_default(),
            outcome: result.outcome.as_str().to_string(),
            rows_read: result.rows_read,
            rows_accepted: result.rows_accepted,
            rows_quarantined: result.rows_quarantined,
            warnings: result.warnings,
            ingested_at: committed_at.clone(),
            periods,
            refs: self.refs_of(base),
        }));
        let commit = Commit {
            format: FORMAT,
            version,
            committed_at,
            actions,
        };
        let log_dir = self.lake.root.join(layout::LOG);
        let mut manifest = base.manifest.clone();
        manifest
            .apply(&commit)
            .map_err(|message| LakeError::Corrupt {
                path: log_dir.join(layout::version_name(version)),
                message,
            })?;
        let mut tail = base.tail;
        let mut index = base.index.clone();
        let last = manifest.submissions.len() - 1;
        index.add(last, &manifest.submissions[last]);

        tail.since_bytes += self.publish(&commit)?;

        if log::wants_checkpoint(version, tail) {
            // The version is committed; a checkpoint that fails only costs readers a
            // longer replay, so it is not an error of the commit.
            match self.checkpoint(&manifest) {
                Ok(bytes) => {
                    tail = log::Tail {
                        checkpoint_bytes: bytes,
                        since_bytes: 0,
                    };
                }
                Err(e) => tracing::warn!(error = %e, version, "could not write a checkpoint"),
            }
        }
        Ok(Written {
            snapshot: Snapshot {
                root: self.lake.root.clone(),
                manifest,
                index,
                tail,
            },
            #[cfg(feature = "delta")]
            tables: commit
                .actions
                .iter()
                .filter_map(|a| match a {
                    Action::Add { table, .. } | Action::Remove { table, .. } => {
                        Table::by_name(table)
                    }
                    Action::Submission(_) => None,
                })
                .collect(),
        })
    }

    /// Makes a written commit the writer's head (its rows are in the writer's index
    /// since it was written).
    /// In memory only: the version was committed by [`Writer::write_commit`].
    pub fn apply(&mut self, written: Written) -> Snapshot {
        let Written {
            snapshot,
            #[cfg(feature = "delta")]
            tables,
        } = written;
        self.live
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .applied();
        #[cfg(feature = "delta")]
        self.unpublished.extend(tables);
        self.head = snapshot.clone();
        snapshot
    }

    /// What a commit's data files are named after (`v<N>-<tag>.parquet`): the start of
    /// the input's SHA-256, and on object storage a random part as well, so the name is
    /// never that of a file another writer may have uploaded (see `remote`).
    fn data_file_tag(&self, sha256: &str) -> String {
        let short = layout::short_hex(sha256);
        #[cfg(feature = "delta")]
        if self.lake.remote.is_some() {
            return short + &crate::remote::nonce();
        }
        short
    }

    /// Seals a file staged by [`Writer::stage_as`] and places it as the data file of
    /// its version ahead of its commit, leaving its table's folder for the caller to
    /// make durable ([`Writer::sync_folder`]) before the version is published. Files
    /// ready to be committed one after another are placed together and each folder
    /// fsynced once for all of them, instead of once per file: at the sample city's
    /// scale (304 small files) a commit was three fsyncs in a row, the data file's
    /// folder, the version file and the log's folder. A file placed for a version
    /// that is never published is not referenced: it is removed when the staged file
    /// is dropped, or by the next writer if this one is killed (`clean_unpublished`).
    /// Returns the folder.
    pub fn place_staged(&self, staged: &mut Staged, input_sha256: &str) -> Result<PathBuf> {
        staged.seal()?;
        let version = u64::try_from(staged.src.version).unwrap_or_default();
        let rel = format!(
            "{}/{}",
            table_of(staged.kind).name(),
            layout::data_name(version, &self.data_file_tag(input_sha256))
        );
        let written = staged.written.clone().expect("sealed above");
        let (size, sha256) = self.place_unsynced(&staged.path, &rel, written)?;
        staged.path = self.lake.root.join(&rel);
        if let Some(rows) = staged.rows_kept.take() {
            self.lake.retained.offer(&staged.path, size, &sha256, rows);
        }
        staged.placed = Some(Placed { rel, size, sha256 });
        Ok(staged
            .path
            .parent()
            .expect("tables are folders")
            .to_path_buf())
    }

    /// Makes the entries of a folder durable (see [`Writer::place_staged`]).
    pub fn sync_folder(&self, dir: &Path) -> Result<()> {
        sync_dir(dir)
    }

    /// Writes one batch as a table's data file of `version` and places it.
    fn write_file(
        &self,
        table: Table,
        version: u64,
        short: &str,
        batch: &RecordBatch,
    ) -> Result<DataFile> {
        let staging = self.lake.root.join(layout::STAGING);
        fs::create_dir_all(&staging).map_err(io_at(&staging))?;
        let tmp = staging.join(layout::staging_name(table.name(), std::process::id()));
        let written = write_parquet(
            &tmp,
            Some(table),
            batch.schema(),
            std::slice::from_ref(batch),
        )?;
        let rel = format!("{}/{}", table.name(), layout::data_name(version, short));
        let (size, sha256) = self.place(&tmp, &rel, written)?;
        Ok(DataFile {
            path: rel,
            rows: batch.num_rows() as u64,
            periods: Vec::new(),
            version,
            size,
            sha256,
        })
    }

    /// Moves a finished, fsynced staged file under its table; returns its size and
    /// SHA-256 (`written`: as they were taken while it was written).
    pub(crate) fn place(&self, tmp: &Path, rel: &str, written: FileSum) -> Result<FileSum> {
        let placed = self.place_unsynced(tmp, rel, written)?;
        let dest = self.lake.root.join(rel);
        sync_dir(dest.parent().expect("tables are folders"))?;
        Ok(placed)
    }

    /// [`Writer::place`] but for the folder's fsync.
    fn place_unsynced(&self, tmp: &Path, rel: &str, (size, sha256): FileSum) -> Result<FileSum> {
        let dest = self.lake.root.join(rel);
        let dir = dest.parent().expect("tables are folders");
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        fs::rename(tmp, &dest).map_err(io_at(&dest))?;
        verify::remember(&dest, size, &sha256);
        Ok((size, sha256))
    }

    /// Publishes a version file: the commit point. Returns its size in bytes. On
    /// object storage the version's data files are uploaded first and the version
    /// file is then created there only if no other writer created it (the commit
    /// point), before it is written to the local copy.
    fn publish(&self, commit: &Commit) -> Result<u64> {
        let log = self.lake.root.join(layout::LOG);
        let name = layout::version_name(commit.version);
        let dest = log.join(&name);
        if dest.exists() {
            return Err(LakeError::Corrupt {
                path: dest,
                message: "a version with this number exists already (two writers?)".into(),
            });
        }
        let text = serde_json::to_vec(commit).expect("version files serialise");
        log::write_atomic(&log, &name, &text, || {
            fail_point("before-publish");
            self.publish_remote(commit, &name, &text)
        })
    }

    #[cfg(feature = "delta")]
    fn publish_remote(&self, commit: &Commit, name: &str, text: &[u8]) -> Result<()> {
        let Some(remote) = &self.lake.remote else {
            return Ok(());
        };
        for action in &commit.actions {
            if let Action::Add { file, .. } = action {
                remote.push(&self.lake.root, &file.path)?;
            }
        }
        fail_point("before-remote-publish");
        pause_point("before-remote-publish");
        if remote.create(&format!("{}/{name}", layout::LOG), text)? {
            Ok(())
        } else {
            Err(LakeError::Raced(remote.url().to_string(), commit.version))
        }
    }

    #[cfg(not(feature = "delta"))]
    #[allow(clippy::unnecessary_wraps)]
    fn publish_remote(&self, _: &Commit, _: &str, _: &[u8]) -> Result<()> {
        Ok(())
    }

    /// Writes the full state at a version as its checkpoint (and uploads it, for a
    /// dataset on object storage). Returns its size in bytes.
    fn checkpoint(&self, manifest: &crate::Manifest) -> Result<u64> {
        let log = self.lake.root.join(layout::LOG);
        let name = layout::checkpoint_name(manifest.version);
        let text = serde_json::to_vec(manifest).expect("checkpoints serialise");
        let bytes = log::write_atomic(&log, &name, &text, || {
            fail_point("before-checkpoint");
            Ok(())
        })?;
        self.lake.push(&format!("{}/{name}", layout::LOG))?;
        Ok(bytes)
    }
}

/// A test hook: `CLUSTERKPI_FAIL_AT=<name>` aborts the process at that point, as a
/// crash would. Used by the end-to-end crash tests; inert otherwise.
pub fn fail_point(name: &str) {
    if std::env::var("CLUSTERKPI_FAIL_AT").is_ok_and(|v| v == name) {
        eprintln!("fail point {name}: aborting");
        std::process::abort();
    }
}

/// A test hook: `CLUSTERKPI_PAUSE_AT=<name>:<file>` makes the process stop at that
/// point, create `<file>.paused` and wait (at most two minutes) until `<file>`
/// exists: how the end-to-end tests make two writers race. Inert otherwise.
#[cfg_attr(not(feature = "delta"), allow(dead_code))]
pub(crate) fn pause_point(name: &str) {
    let Ok(setting) = std::env::var("CLUSTERKPI_PAUSE_AT") else {
        return;
    };
    let Some((point, file)) = setting.split_once(':') else {
        return;
    };
    if point != name {
        return;
    }
    let go = Path::new(file);
    let _ = File::create(format!("{file}.paused"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !go.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// How the dataset's Parquet files are written. Dictionary encoding only for text
/// columns that repeat (levels, scopes, the source file, the period): credit codes
/// are distinct within a file and figures nearly so, and interning them into a
/// dictionary the writer then abandons was a third of writing a report file. No
/// minimum and maximum of a `table`'s columns of canonical words (levels, listing
/// statuses, scopes, codes and severities, [`ColumnType::Word`]): nothing is looked up
/// by their range, and comparing every value of a report file's five levels was 1.8%
/// of a year's ingest at 10x the sample city (3.444 billion instructions against
/// 3.507; docs/PERFORMANCE.md). A file of no table (the saved scorecards) keeps every
/// column's.
///
/// Integers are delta-encoded (`DELTA_BINARY_PACKED`, which every Parquet reader of
/// the format's second version reads): a report file's version and quarter are the same
/// on every row and its source lines count up, so they pack to almost nothing, and the
/// counts to a few bits each. Written plainly, eight bytes a value, they were two
/// thirds of what Snappy compressed; the 10x sample city's report history is 21 MB
/// instead of 27, and a 100x ingest and evaluation used 0.25 s less CPU (16.25 s
/// against 16.5, medians of three alternated runs).
fn writer_props(schema: &arrow::datatypes::Schema, table: Option<Table>) -> WriterProperties {
    use arrow::datatypes::DataType;
    let words: Vec<String> = table.map_or_else(Vec::new, |t| {
        t.columns()
            .into_iter()
            .filter(|c| c.ty == ColumnType::Word)
            .map(|c| c.name)
            .collect()
    });
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_dictionary_enabled(false);
    for field in schema.fields() {
        let name = field.name().as_str();
        match field.data_type() {
            DataType::Utf8 if name != "credit_code" => {
                props = props.set_column_dictionary_enabled(name.into(), true);
            }
            DataType::Int32 | DataType::Int64 => {
                props = props.set_column_encoding(name.into(), Encoding::DELTA_BINARY_PACKED);
            }
            _ => {}
        }
        if words.iter().any(|w| w == name) {
            props = props.set_column_statistics_enabled(name.into(), EnabledStatistics::None);
        }
    }
    props.build()
}

/// Writes batches to a new Parquet file of `table` (none: the saved scorecards) and
/// fsyncs it; returns its size and SHA-256.
pub(crate) fn write_parquet(
    path: &Path,
    table: Option<Table>,
    schema: arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
) -> Result<FileSum> {
    let file = Sha256Writer::new(File::create(path).map_err(io_at(path))?);
    let props = writer_props(&schema, table);
    let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
    for b in batches {
        w.write(b)?;
    }
    let (file, size, sha256) = w.into_inner()?.finish();
    file.sync_all().map_err(io_at(path))?;
    Ok((size, sha256))
}

/// Rows of one input file being written to a staged Parquet file, in batches: memory
/// holds one batch, whatever the file's size.
pub struct Staged {
    path: PathBuf,
    kind: InputKind,
    src: Provenance,
    /// The Parquet writer, over a file that takes the checksum of what it is given.
    writer: Option<ArrowWriter<Sha256Writer<File>>>,
    /// The rows not yet written, as Arrow columns; made at the first row.
    batch: Option<BatchBuilder>,
    /// The rows the first batch is made for: [`BATCH`] unless told how many are
    /// coming ([`Sink::expect_rows`]).
    first_batch: usize,
    rows: u64,
    /// The accepted report rows' keys and year-to-date figures: at the commit the
    /// rows they replace are recorded as superseded and the writer's index takes
    /// them, instead of reading the placed file back. A file's accepted keys are
    /// distinct (a key twice in a file is quarantined), so a list, not a set.
    keys: Vec<LiveKey>,
    /// The keys once shared ([`Staged::figures`]): moved here once every row is staged,
    /// rather than kept behind an `Arc` whose count each row would check.
    shared: Figures,
    /// Written out and closed ([`Staged::close`]), waiting for its fsync.
    closed: Option<File>,
    /// The size and SHA-256 of the closed file, taken as it was written.
    written: Option<FileSum>,
    /// Flushed, closed and fsynced ([`Staged::seal`]); kept on drop only then.
    sealed: bool,
    /// Where [`Writer::place_staged`] put it (`path` is then that place).
    placed: Option<Placed>,
    /// The rows written, kept for an evaluation in this process ([`retained`]).
    rows_kept: Option<Vec<RecordBatch>>,
}

/// A data file's size and SHA-256, taken as it was written ([`Sha256Writer`]).
pub(crate) type FileSum = (u64, String);

/// A staged file placed as its version's data file before the commit.
pub(crate) struct Placed {
    /// Relative to the dataset's root, as its version will list it.
    rel: String,
    size: u64,
    sha256: String,
}

const BATCH: usize = 8192;

impl Staged {
    /// A staging file at `path`; `keep_rows`: its rows are kept for an evaluation in
    /// this process ([`Lake::retain_written`]).
    fn new(path: PathBuf, kind: InputKind, src: Provenance, keep_rows: bool) -> Result<Self> {
        let table = table_of(kind);
        let file = Sha256Writer::new(File::create(&path).map_err(io_at(&path))?);
        let schema = table.schema();
        let props = writer_props(&schema, Some(table));
        let writer = ArrowWriter::try_new(file, schema, Some(props))?;
        Ok(Self {
            path,
            kind,
            src,
            writer: Some(writer),
            batch: None,
            first_batch: BATCH,
            rows: 0,
            keys: Vec::new(),
            shared: Figures::default(),
            closed: None,
            written: None,
            sealed: false,
            placed: None,
            rows_kept: keep_rows.then(Vec::new),
        })
    }

    /// Writes out the rows held; `last`: no more are coming (no room is made for them).
    fn flush(&mut self, last: bool) -> Result<()> {
        let Some(builder) = self.batch.as_mut().filter(|b| !b.is_empty()) else {
            return Ok(());
        };
        let batch = if last {
            builder.finish_last()
        } else {
            builder.finish()
        };
        self.rows += batch.num_rows() as u64;
        if let Some(kept) = &mut self.rows_kept {
            kept.push(batch.clone());
        }
        self.writer
            .as_mut()
            .expect("open until finished")
            .write(&batch)?;
        Ok(())
    }

    /// Writes out the rows still held and closes the Parquet file (its footer
    /// encoded), without the fsync: the part of a commit's work that takes CPU, done
    /// by the thread that validated the file. The fsync is left to
    /// [`Staged::seal`] on the committing thread, which otherwise waits: a worker
    /// that waits for the disk is a core not validating.
    pub fn close(&mut self) -> Result<()> {
        if self.sealed || self.closed.is_some() {
            return Ok(());
        }
        self.flush(true)?;
        // The kept rows made compact here, on the validating thread, not at the commit.
        if let Some(rows) = self.rows_kept.take() {
            self.rows_kept = Some(retained::compact(rows));
        }
        let (file, size, sha256) = self
            .writer
            .take()
            .expect("closed once")
            .into_inner()?
            .finish();
        self.closed = Some(file);
        self.written = Some((size, sha256));
        Ok(())
    }

    /// Closes (if not yet) and fsyncs the staged file.
    pub fn seal(&mut self) -> Result<()> {
        if self.sealed {
            return Ok(());
        }
        self.close()?;
        let file = self.closed.take().expect("closed above");
        file.sync_all().map_err(io_at(&self.path))?;
        self.sealed = true;
        Ok(())
    }

    /// The year-to-date figures of its accepted report rows, for the files validated
    /// after it to read before it is committed ([`Writer::prior_ytd_after`]). Asked
    /// once every row is staged.
    pub fn figures(&mut self) -> Figures {
        self.share().clone()
    }

    fn share(&mut self) -> &Figures {
        if !self.keys.is_empty() {
            debug_assert!(self.shared.is_empty(), "rows staged after sharing");
            self.shared = Figures(Arc::new(std::mem::take(&mut self.keys)));
        }
        &self.shared
    }

    /// Whether [`Writer::place_staged`] has placed it.
    #[must_use]
    pub fn is_placed(&self) -> bool {
        self.placed.is_some()
    }

    /// Seals (if not yet); returns its path, the row count, where it was placed if it
    /// was, and its size and SHA-256. The file is the caller's from here: not removed
    /// on drop.
    pub(crate) fn finish(mut self) -> Result<(PathBuf, u64, Option<Placed>, FileSum)> {
        self.seal()?;
        let out = (
            std::mem::take(&mut self.path),
            self.rows,
            self.placed.take(),
            self.written.take().expect("sealed above"),
        );
        Ok(out)
    }
}

impl Sink for Staged {
    /// Sizes the first batch to the file: a county's file is a few thousand rows, so
    /// a batch of [`BATCH`] rows held room for several times what it got, and the
    /// kept rows' compaction ([`retained::compact`]) then copied every column into a
    /// block of its size (docs/PERFORMANCE.md). The batch is made at the first row,
    /// so a file told after its staging began makes one batch, not two.
    fn expect_rows(&mut self, rows: usize) {
        self.first_batch = rows.clamp(1, BATCH);
    }

    fn accept(&mut self, record: Record) -> io::Result<()> {
        let code = match &record {
            Record::Report(r) => Some(CodeKey::new(&r.credit_code)),
            _ => None,
        };
        self.stage(record, code)
    }

    fn accept_keyed(&mut self, record: Record, code: CodeKey) -> io::Result<()> {
        debug_assert!(
            matches!(&record, Record::Report(r) if CodeKey::new(&r.credit_code) == code),
            "a report row and its code's key"
        );
        self.stage(record, Some(code))
    }
}

impl Staged {
    /// Adds a row; `code`, a report row's code key, goes into the live-rows index.
    fn stage(&mut self, record: Record, code: Option<CodeKey>) -> io::Result<()> {
        if record.kind() != self.kind {
            return Err(io::Error::other(format!(
                "a {} row offered to the staged {} rows",
                record.kind().as_str(),
                self.kind.as_str()
            )));
        }
        if let (Record::Report(r), Some(code)) = (&record, code) {
            self.keys.push(LiveKey {
                code,
                period: r.period,
                ytd: r.ytd(),
            });
        }
        let (table, first) = (table_of(self.kind), self.first_batch);
        let batch = self
            .batch
            .get_or_insert_with(|| BatchBuilder::new(table, first));
        let src = &self.src;
        batch.push_with(|cells| {
            record.write(cells);
            if matches!(record, Record::Report(_) | Record::Value(_)) {
                src.write(cells);
            }
        });
        if batch.len() >= BATCH {
            self.flush(false).map_err(io::Error::other)?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Not committed (a failure, an early return): the staged file goes. `finish`
        // took the path of one that was.
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use parquet::file::properties::EnabledStatistics;
    use parquet::schema::types::ColumnPath;

    use crate::Table;

    /// A staged file told how many rows are coming builds its batch at that size: its
    /// kept rows are not a staging batch's 8,192 rows of room (a float column of them
    /// alone is 64 KiB), which compacting them would copy into blocks of their size.
    #[test]
    fn a_staged_file_told_its_rows_builds_a_batch_of_their_size() {
        use clusterkpi_model::rows::Sink;

        let dir = tempfile::tempdir().unwrap();
        let lake = crate::Lake::open(dir.path()).unwrap();
        lake.retain_written(100);
        let w = lake.lock().unwrap();
        // The batch's size before compaction, for three rows, told or not.
        let built = |told: bool| {
            let mut s = w
                .stage_as(clusterkpi_ingest::InputKind::Reports, "a.csv", 1, 0)
                .unwrap();
            if told {
                s.expect_rows(3);
            }
            for code in ["A", "B", "C"] {
                s.accept(crate::tests::report(code, "2024Q1", 1.0)).unwrap();
            }
            s.flush(true).unwrap();
            let kept = s.rows_kept.take().expect("kept for an evaluation");
            assert_eq!(kept.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
            kept.iter()
                .map(|b| b.get_array_memory_size())
                .sum::<usize>()
        };
        let told = built(true);
        let untold = built(false);
        assert!(told < 8 * 1024, "{told} bytes built for 3 rows");
        assert!(untold > 64 * 1024, "{untold} bytes built untold");
    }

    /// A report file keeps the range of what a reader may look rows up by (the
    /// enterprise, the quarter, the figures, the source file) and none of its levels.
    #[test]
    fn report_files_keep_no_range_of_their_levels() {
        let table = Table::ReportHistory;
        let props = super::writer_props(&table.schema(), Some(table));
        let stats = |c: &str| props.statistics_enabled(&ColumnPath::from(c));
        for word in ["specialized_level", "green_factory_level", "listing_status"] {
            assert_eq!(stats(word), EnabledStatistics::None, "{word}");
        }
        for kept in [
            "credit_code",
            "period",
            "period_index",
            "revenue_ytd",
            "source_file",
        ] {
            assert_eq!(stats(kept), EnabledStatistics::Page, "{kept}");
        }
        assert!(props.dictionary_enabled(&ColumnPath::from("specialized_level")));
        assert!(!props.dictionary_enabled(&ColumnPath::from("credit_code")));
    }

    /// Every integer column of every table is delta-encoded, and nothing else is.
    #[test]
    fn integers_are_delta_encoded() {
        use arrow::datatypes::DataType;
        use parquet::basic::Encoding;
        for table in Table::ALL {
            let schema = table.schema();
            let props = super::writer_props(&schema, Some(table));
            for field in schema.fields() {
                let encoding = props.encoding(&ColumnPath::from(field.name().as_str()));
                let integer = matches!(field.data_type(), DataType::Int32 | DataType::Int64);
                assert_eq!(
                    encoding == Some(Encoding::DELTA_BINARY_PACKED),
                    integer,
                    "{table:?}.{}",
                    field.name()
                );
            }
        }
    }
}
