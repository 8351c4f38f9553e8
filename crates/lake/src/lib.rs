//! The dataset: the system of record for official statistics.
//!
//! ```text
//!  lake/
//!    _clusterkpi_dataset         marker: this folder is a dataset, and its format
//!    _lock                       held by the one writer (flock; released if it dies)
//!    _log/00000000000000000007.json             version 7: what that commit changed
//!    _log/00000000000000000100.checkpoint.json  the full state at version 100
//!    _staging/                   files being written (never read; cleaned by writers)
//!    report_history/v7-….parquet immutable data files, one per accepted submission
//!    values/ clusters/ roster/ issues/ superseded/
//!    kpis/2025Q4.parquet         derived scorecards (replaced atomically per quarter)
//! ```
//!
//! A write stages its Parquet files, fsyncs them, records their size and SHA-256, moves
//! them under their table, then publishes a version file holding only this commit's
//! actions by an atomic rename and fsyncs the folder. Killed at any moment, the dataset
//! is at the old version or the new one; stray files of an unpublished version are
//! never read and are removed by the next writer. Now and then a checkpoint with the
//! full state follows a version, so reading a version replays few files.
//!
//! Every read checks the files it reads against their recorded size and checksum; a
//! missing, truncated or altered file is an error naming it, never a silent gap.
//!
//! With the `delta` feature each table's folder is also a Delta Lake table over the
//! same files, published after each batch of commits (`published`); see
//! docs/ARCHITECTURE.md ("Delta Lake").

mod arrivals;
#[cfg(feature = "delta")]
pub mod delta;
mod layout;
mod live;
mod log;
mod manifest;
#[cfg(feature = "delta")]
mod published;
mod read;
#[cfg(feature = "delta")]
mod remote;
mod retained;
mod schema;
mod verify;
mod write;

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use clusterkpi_model::rows::{ClusterRow, CodeKey, CodeList, PriorYtd};
use clusterkpi_model::{FileRecord, Issue};

pub use arrivals::QuarterFiles;
pub use layout::SCRATCH;
pub use live::Figures;
pub use manifest::{DataFile, Manifest, Submission};
pub use read::read_batches;
pub use schema::{BatchBuilder, Table, rows};
pub use write::{Staged, Writer, Written, fail_point};

use manifest::{FORMAT, Header};

#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("the dataset at {0} is locked by another run; retry later")]
    Locked(PathBuf),
    #[error("dataset {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The dataset is damaged or not readable by this program; `path` names the file.
    #[error("dataset {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("dataset {0}: version {1} does not exist")]
    NoSuchVersion(PathBuf, u64),
    /// A folder that holds other files was given as the dataset.
    #[error("{0} is not a clusterkpi dataset (it holds other files); give an empty or new folder")]
    NotADataset(PathBuf),
    #[error("dataset parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("dataset arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Publishing a version to a table's Delta Lake form failed; the version itself is
    /// committed, and the next writer publishes it.
    #[cfg(feature = "delta")]
    #[error("dataset table {table}, its Delta Lake form: {source}")]
    Delta {
        table: &'static str,
        #[source]
        source: Box<delta::DeltaError>,
    },
    /// The dataset keeps its tables in the Delta Lake format too, and this build cannot
    /// keep them current: writing with it would leave other engines reading old data.
    #[error(
        "the dataset at {0} also keeps its tables in the Delta Lake format ({1}), which this \
         build of clusterkpi cannot update; write to it with a build that has the `delta` \
         feature (cargo build --features delta)"
    )]
    NeedsDelta(PathBuf, PathBuf),
    /// A dataset on object storage, and a build that cannot reach one.
    #[error(
        "{0}: a dataset on object storage needs a build of clusterkpi with the `delta` \
         feature (cargo build --features delta)"
    )]
    RemoteUnsupported(String),
    /// Object storage could not be reached or refused a request; `url` names the
    /// object.
    #[error("dataset {url}: {message}")]
    Remote { url: String, message: String },
    /// Another writer published this version of a dataset on object storage first.
    #[error(
        "{0}: another run published version {1} first; retry later (this run's files are \
         not part of the dataset)"
    )]
    Raced(String, u64),
}

pub type Result<T, E = LakeError> = std::result::Result<T, E>;

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> LakeError + '_ {
    move |source| LakeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_at(dir))
}

/// A dataset: a folder, or (the `delta` feature) a prefix on object storage worked on
/// through a local copy, `root` (see `remote`).
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
    /// The rows of report files written through this dataset, kept for an evaluation
    /// in the same process (shared by its clones).
    retained: retained::Retained,
    #[cfg(feature = "delta")]
    remote: Option<std::sync::Arc<remote::Remote>>,
}

/// What a folder given as a dataset holds.
enum Folder {
    Missing,
    /// Empty, or only what a creation cut short leaves (an empty `_log`, `_lock`).
    Fresh,
    Dataset,
    /// Something else: never written to.
    Foreign,
}

impl Lake {
    /// Opens the dataset at `root`, creating one if the folder does not exist or is
    /// empty. A folder holding other files is refused (`NotADataset`): the writer
    /// cleans up after itself and must never touch files that are not its own.
    pub fn open(root: &Path) -> Result<Self> {
        if let Some(lake) = Self::open_remote(root, true)? {
            return Ok(lake);
        }
        match classify(root)? {
            Folder::Dataset => {
                // The marker is written first; a creation cut short may lack `_log`.
                let log = root.join(layout::LOG);
                fs::create_dir_all(&log).map_err(io_at(&log))?;
            }
            Folder::Missing | Folder::Fresh => create_folder(root)?,
            Folder::Foreign => return Err(LakeError::NotADataset(root.to_path_buf())),
        }
        Ok(Self::local(root))
    }

    fn local(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            retained: retained::Retained::default(),
            #[cfg(feature = "delta")]
            remote: None,
        }
    }

    /// A dataset given as `s3://bucket/prefix`: its local copy brought up to date, and
    /// created (on the server too) if `create` and there is none. None: `root` is a
    /// folder.
    fn open_remote(root: &Path, create: bool) -> Result<Option<Self>> {
        let Some(url) = remote_url(root) else {
            return Ok(None);
        };
        #[cfg(not(feature = "delta"))]
        {
            let _ = create;
            Err(LakeError::RemoteUnsupported(url))
        }
        #[cfg(feature = "delta")]
        {
            let remote = remote::Remote::new(&url)?;
            let cache = remote::cache_dir(&url);
            fs::create_dir_all(&cache).map_err(io_at(&cache))?;
            remote.pull(&cache)?;
            match classify(&cache)? {
                Folder::Dataset => {
                    let log = cache.join(layout::LOG);
                    fs::create_dir_all(&log).map_err(io_at(&log))?;
                }
                Folder::Missing | Folder::Fresh if create => {
                    create_folder(&cache)?;
                    // Another writer creating it at the same time writes the same bytes.
                    remote.create(layout::MARKER, &marker_bytes())?;
                }
                Folder::Missing | Folder::Fresh => {
                    return Err(LakeError::Corrupt {
                        path: root.to_path_buf(),
                        message: "no dataset here; ingest files first".into(),
                    });
                }
                Folder::Foreign => return Err(LakeError::NotADataset(cache)),
            }
            Ok(Some(Self {
                root: cache,
                retained: retained::Retained::default(),
                remote: Some(std::sync::Arc::new(remote)),
            }))
        }
    }

    /// Uploads the local copy's file `rel` (a dataset on object storage; otherwise
    /// nothing to do).
    pub(crate) fn push(&self, rel: &str) -> Result<()> {
        #[cfg(feature = "delta")]
        if let Some(remote) = &self.remote {
            remote.push(&self.root, rel)?;
        }
        let _ = rel;
        Ok(())
    }

    /// Brings the local copy of a dataset on object storage up to date.
    fn pull(&self) -> Result<()> {
        #[cfg(feature = "delta")]
        if let Some(remote) = &self.remote {
            remote.pull(&self.root)?;
        }
        Ok(())
    }

    /// Opens an existing dataset without creating anything.
    pub fn open_existing(root: &Path) -> Result<Self> {
        if let Some(lake) = Self::open_remote(root, false)? {
            return Ok(lake);
        }
        match classify(root)? {
            Folder::Dataset => Ok(Self::local(root)),
            Folder::Missing | Folder::Fresh => Err(LakeError::Corrupt {
                path: root.to_path_buf(),
                message: "no dataset here; ingest files first".into(),
            }),
            Folder::Foreign => Err(LakeError::NotADataset(root.to_path_buf())),
        }
    }

    /// The dataset's URL on object storage (ending in `/`), or None for a folder.
    #[must_use]
    pub fn remote_url(&self) -> Option<String> {
        #[cfg(feature = "delta")]
        if let Some(remote) = &self.remote {
            return Some(remote.url().to_string());
        }
        None
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The latest published version (0: empty dataset).
    pub fn latest_version(&self) -> Result<u64> {
        Ok(log::list(&self.root.join(layout::LOG))?.latest())
    }

    /// The dataset as of `version` (None: the latest): the latest checkpoint at or
    /// before it, then the version files after it. A version file missing or unreadable
    /// on the way is `Corrupt`, naming it.
    pub fn snapshot(&self, version: Option<u64>) -> Result<Snapshot> {
        let dir = self.root.join(layout::LOG);
        let listing = log::list(&dir)?;
        let latest = listing.latest();
        let v = version.unwrap_or(latest);
        if v > latest {
            return Err(LakeError::NoSuchVersion(self.root.clone(), v));
        }
        if v == 0 {
            return Ok(Snapshot::new(
                self.root.clone(),
                Manifest::empty(),
                log::Tail::default(),
            ));
        }
        let (manifest, tail) = log::load(&dir, &listing, v)?;
        Ok(Snapshot::new(self.root.clone(), manifest, tail))
    }

    /// Keeps the rows of the report files written through this dataset from now on,
    /// up to `rows` rows in all, for an evaluation in this process
    /// ([`Lake::kept_or_verified`]); past that, none. (A `run` keeps what its ingest
    /// writes for the evaluation after it.)
    pub fn retain_written(&self, rows: u64) {
        self.retained.retain(rows);
    }

    /// Drops the rows kept ([`Lake::retain_written`]) and keeps no more.
    pub fn release_written(&self) {
        self.retained.release();
    }

    /// The data files of `table` at `snapshot`, checked as [`Snapshot::verified_files`]
    /// checks them, split into the rows kept of those written through this dataset
    /// ([`Lake::retain_written`]) and the paths of the others, to be read from disk.
    pub fn kept_or_verified(
        &self,
        snapshot: &Snapshot,
        table: Table,
    ) -> Result<(Vec<RecordBatch>, Vec<PathBuf>)> {
        let paths = snapshot.verified_files(table)?;
        let mut kept = Vec::new();
        let mut rest = Vec::new();
        for (f, path) in snapshot.data_files(table).iter().zip(paths) {
            match self.retained.rows_of(&path, f.size, &f.sha256) {
                Some(rows) => kept.extend(rows),
                None => rest.push(path),
            }
        }
        Ok((kept, rest))
    }

    /// Takes the writer lock without waiting; `Locked` if another process holds it.
    /// Removes what a writer that died mid-way left behind.
    pub fn lock(&self) -> Result<Writer> {
        let path = self.root.join(layout::LOCK);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_at(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(LakeError::Locked(self.root.clone())),
            Err(fs::TryLockError::Error(e)) => return Err(io_at(&path)(e)),
        }
        // On object storage another machine may have published since this copy was
        // brought up to date.
        self.pull()?;
        let head = self.snapshot(None)?;
        #[cfg(not(feature = "delta"))]
        if let Some(log) = self.delta_log() {
            return Err(LakeError::NeedsDelta(self.root.clone(), log));
        }
        let mut writer = Writer::new(self.clone(), file, head)?;
        writer.clean_unpublished()?;
        writer.catch_up_published()?;
        Ok(writer)
    }

    /// The first table folder holding a Delta log, if any.
    #[cfg(not(feature = "delta"))]
    fn delta_log(&self) -> Option<PathBuf> {
        Table::ALL
            .iter()
            .map(|t| self.root.join(t.name()).join("_delta_log"))
            .find(|p| p.exists())
    }

    /// Writes the scorecard of one quarter as `kpis/<P>.parquet`, replacing the last
    /// one atomically. Derived data: not part of the versioned tables.
    pub fn save_derived(&self, table: &str, name: &str, batch: &RecordBatch) -> Result<PathBuf> {
        let dir = self.root.join(table);
        fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        write::write_parquet(&tmp, None, batch.schema(), std::slice::from_ref(batch))?;
        let dest = dir.join(format!("{name}.parquet"));
        fs::rename(&tmp, &dest).map_err(io_at(&dest))?;
        sync_dir(&dir)?;
        self.push(&format!("{table}/{name}.parquet"))?;
        Ok(dest)
    }

    /// Files of a derived table.
    pub fn derived_files(&self, table: &str) -> Result<Vec<PathBuf>> {
        let dir = self.root.join(table);
        let Ok(rd) = fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<PathBuf> = rd
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The URL of a dataset given as `s3://bucket/prefix`; None for a folder.
fn remote_url(root: &Path) -> Option<String> {
    let s = root.to_str()?;
    s.starts_with("s3://")
        .then(|| s.trim_end_matches('/').to_string())
}

/// Tells a dataset from a folder that may become one and from anything else.
fn classify(root: &Path) -> Result<Folder> {
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Folder::Missing),
        Err(e) => return Err(io_at(root)(e)),
    };
    if !meta.is_dir() {
        return Err(io_at(root)(io::Error::new(
            io::ErrorKind::NotADirectory,
            "not a folder",
        )));
    }
    let marker = root.join(layout::MARKER);
    match fs::read_to_string(&marker) {
        Ok(text) => {
            let header: Header = serde_json::from_str(&text).map_err(|e| LakeError::Corrupt {
                path: marker.clone(),
                message: format!("unreadable dataset marker: {e}"),
            })?;
            if header.format != FORMAT {
                return Err(log::format_error(&marker, header.format));
            }
            return Ok(Folder::Dataset);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_at(&marker)(e)),
    }
    // No marker: a log of this format is still a dataset (its marker lost); a log of
    // another format is reported as such.
    let log_dir = root.join(layout::LOG);
    let listing = if log_dir.is_dir() {
        log::list(&log_dir)?
    } else {
        log::Listing::default()
    };
    if let Some(&v) = listing.versions.last() {
        let path = log_dir.join(layout::version_name(v));
        let text = fs::read_to_string(&path).map_err(io_at(&path))?;
        let header: Header = serde_json::from_str(&text).map_err(|e| LakeError::Corrupt {
            path: path.clone(),
            message: format!("not a dataset log file: {e}"),
        })?;
        if header.format != FORMAT {
            return Err(log::format_error(&path, header.format));
        }
        return Ok(Folder::Dataset);
    }
    for entry in fs::read_dir(root).map_err(io_at(root))? {
        let entry = entry.map_err(io_at(root))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let leftover = match name.as_ref() {
            layout::LOCK => path.is_file(),
            layout::LOG => fs::read_dir(&path).is_ok_and(|mut rd| rd.next().is_none()),
            n => layout::is_marker_tmp(n),
        };
        if !leftover {
            return Ok(Folder::Foreign);
        }
    }
    Ok(Folder::Fresh)
}

/// The marker's content.
fn marker_bytes() -> Vec<u8> {
    format!("{{\"format\":{FORMAT}}}\n").into_bytes()
}

/// Makes `root` a dataset: the marker first (aside, fsynced, renamed), then `_log`.
fn create_folder(root: &Path) -> Result<()> {
    fs::create_dir_all(root).map_err(io_at(root))?;
    let tmp = root.join(layout::marker_tmp_name(std::process::id()));
    let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
    f.write_all(&marker_bytes()).map_err(io_at(&tmp))?;
    f.sync_all().map_err(io_at(&tmp))?;
    drop(f);
    let marker = root.join(layout::MARKER);
    fs::rename(&tmp, &marker).map_err(io_at(&marker))?;
    sync_dir(root)?;
    let log = root.join(layout::LOG);
    fs::create_dir_all(&log).map_err(io_at(&log))?;
    sync_dir(root)
}

/// Lookups over the submissions, built once per snapshot so each is O(1). Copied
/// with the manifest at each commit, so a key is shared, not a string copied.
#[derive(Debug, Clone, Default)]
struct Index {
    /// SHA-256 → the first submission of these bytes whose rows were recorded.
    ingested: HashMap<Arc<str>, usize>,
    /// SHA-256 → the latest submission of these bytes that was rejected.
    rejected: HashMap<Arc<str>, usize>,
}

impl Index {
    fn build(submissions: &[Arc<Submission>]) -> Self {
        let mut index = Self::default();
        for (i, s) in submissions.iter().enumerate() {
            index.add(i, s);
        }
        index
    }

    fn add(&mut self, i: usize, s: &Submission) {
        match s.outcome.as_str() {
            "rejected" => {
                self.rejected.insert(s.sha256.as_str().into(), i);
            }
            "duplicate" => {}
            _ => {
                self.ingested.entry(s.sha256.as_str().into()).or_insert(i);
            }
        }
    }
}

/// The dataset at one version: what a reader sees.
#[derive(Debug, Clone)]
pub struct Snapshot {
    root: PathBuf,
    /// The state at this version. Treat as read-only: the lookups below are indexed
    /// when the snapshot is loaded.
    pub manifest: Manifest,
    index: Index,
    tail: log::Tail,
}

impl Snapshot {
    fn new(root: PathBuf, manifest: Manifest, tail: log::Tail) -> Self {
        let index = Index::build(&manifest.submissions);
        Self {
            root,
            manifest,
            index,
            tail,
        }
    }

    #[must_use]
    pub fn version(&self) -> u64 {
        self.manifest.version
    }

    /// Absolute paths of a table's files, unchecked: call [`Snapshot::verify`] (or use
    /// [`Snapshot::verified_files`]) before handing them to another reader.
    #[must_use]
    pub fn files(&self, table: Table) -> Vec<PathBuf> {
        self.data_files(table)
            .iter()
            .map(|f| self.root.join(&f.path))
            .collect()
    }

    /// Absolute paths of a table's files, each checked against its recorded size and
    /// checksum, on every core (the first damaged file in the table's order is the
    /// error): every query and evaluation hashes them first. `sql "SELECT 1"` at 100x
    /// the sample city (the history's 301 files, 248 MB) took 0.22 s on one core and
    /// takes 0.12 s on two.
    pub fn verified_files(&self, table: Table) -> Result<Vec<PathBuf>> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        clusterkpi_model::parallel::map(self.data_files(table), threads, |f| self.checked_path(f))
            .into_iter()
            .collect()
    }

    #[must_use]
    pub fn data_files(&self, table: Table) -> &[Arc<DataFile>] {
        self.manifest
            .tables
            .get(table.name())
            .map_or(&[], Vec::as_slice)
    }

    /// Checks every file of every table at this version: present, of the recorded size,
    /// with the recorded SHA-256. The error names the first damaged file and what is
    /// wrong ("missing", "size 1234, expected 1240", "checksum mismatch"). Each file is
    /// hashed once per process.
    pub fn verify(&self) -> Result<()> {
        for f in self.manifest.tables.values().flatten() {
            self.checked_path(f)?;
        }
        Ok(())
    }

    /// A data file's absolute path once it has been checked.
    pub(crate) fn checked_path(&self, f: &DataFile) -> Result<PathBuf> {
        let path = self.root.join(&f.path);
        verify::check(&path, f.size, &f.sha256)?;
        Ok(path)
    }

    /// Whether these bytes were ingested before (a re-sent file is a no-op).
    #[must_use]
    pub fn ingested_sha(&self, sha256: &str) -> Option<&Submission> {
        self.index
            .ingested
            .get(sha256)
            .map(|&i| &*self.manifest.submissions[i])
    }

    /// The latest submission of these bytes that was rejected. Re-reading an unchanged
    /// rejected file gives the same result unless the reference lists changed since:
    /// compare its `refs` with [`Snapshot::reference_fingerprint`].
    #[must_use]
    pub fn rejected_sha(&self, sha256: &str) -> Option<&Submission> {
        self.index
            .rejected
            .get(sha256)
            .map(|&i| &*self.manifest.submissions[i])
    }

    /// The reference lists current at this version, as one string: the paths of the
    /// cluster list's then the roster's data files, joined by `;`. Data file paths
    /// carry the version that added them, so any new list changes the string.
    #[must_use]
    pub fn reference_fingerprint(&self) -> String {
        [Table::Clusters, Table::Roster]
            .iter()
            .flat_map(|t| self.data_files(*t).iter().map(|f| f.path.as_str()))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The submissions as plain records.
    #[must_use]
    pub fn file_records(&self) -> Vec<FileRecord> {
        self.manifest
            .submissions
            .iter()
            .map(|s| submission_record(s))
            .collect()
    }

    /// Visits the batches of the table's data files that may hold rows of `period`
    /// (recorded with it among their quarters, or with no quarters recorded), one file
    /// at a time: a reader of one quarter holds one file's rows, not the table's. Read
    /// whole, the 100x sample city's history (7.1 million rows) took 1.8 GB to make one
    /// county's template. The first error, the visitor's or the dataset's, ends it.
    pub fn visit_quarter<E: From<LakeError>>(
        &self,
        table: Table,
        period: clusterkpi_model::Period,
        mut visit: impl FnMut(&RecordBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        for f in self.data_files(table) {
            let may_hold = f.periods.is_empty()
                || f.periods
                    .iter()
                    .any(|p| p.parse::<clusterkpi_model::Period>().ok() == Some(period));
            if may_hold {
                for batch in read_batches(&self.checked_path(f)?, None)? {
                    visit(&batch)?;
                }
            }
        }
        Ok(())
    }

    /// Reads a whole table into batches.
    pub fn read(&self, table: Table) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        for f in self.verified_files(table)? {
            out.extend(read_batches(&f, None)?);
        }
        Ok(out)
    }

    /// The current cluster list; None when there is none yet.
    pub fn clusters(&self) -> Result<Option<Vec<ClusterRow>>> {
        if self.data_files(Table::Clusters).is_empty() {
            return Ok(None);
        }
        let mut rows = Vec::new();
        for f in self.verified_files(Table::Clusters)? {
            for b in read_batches(&f, None)? {
                rows.extend(schema::rows::<ClusterRow>(&b));
            }
        }
        Ok(Some(rows))
    }

    /// Credit codes of the current roster (None when there is no roster yet).
    pub fn roster_codes(&self) -> Result<Option<CodeList>> {
        let table = Table::Roster;
        if self.data_files(table).is_empty() {
            return Ok(None);
        }
        let mut keys = Vec::new();
        for f in self.verified_files(table)? {
            for b in read_batches(&f, Some(&["credit_code"]))? {
                read::for_each_str(&b, 0, |s| keys.push(CodeKey::new(s)));
            }
        }
        Ok(Some(CodeList::from_keys(keys)))
    }

    /// The current year-to-date figures of the given enterprises in the given years,
    /// reading only the files that hold those years.
    pub fn prior_ytd(&self, codes: &CodeList, years: &BTreeSet<i32>) -> Result<PriorYtd> {
        read::prior_ytd(self, codes, years)
    }
}

fn submission_record(s: &Submission) -> FileRecord {
    FileRecord {
        path: s.path.clone(),
        sha256: s.sha256.clone(),
        kind: s.kind.clone(),
        outcome: s.outcome.clone(),
        rows_read: s.rows_read,
        rows_accepted: s.rows_accepted,
        rows_quarantined: s.rows_quarantined,
        warnings: s.warnings,
        version: s.version,
        ingested_at: s.ingested_at.clone(),
    }
}

/// Issues of the dataset (quarantined rows and warnings), for reports.
pub fn read_issues(snapshot: &Snapshot) -> Result<Vec<Issue>> {
    read::issues(snapshot)
}

#[cfg(test)]
mod tests;
