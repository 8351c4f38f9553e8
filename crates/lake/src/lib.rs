//! The dataset: the system of record for official statistics.
//!
//! ```text
//!  lake/
//!    _lock                       held by the one writer (flock; released if it dies)
//!    _log/00000000000000000007.json   version 7: every table's files + submissions
//!    _staging/                   files being written (never read; cleaned by writers)
//!    report_history/v7-….parquet immutable data files, one per accepted submission
//!    values/ clusters/ roster/ issues/
//!    kpis/2025Q4.parquet         derived scorecards (replaced atomically per quarter)
//! ```
//!
//! A write stages its Parquet files, fsyncs them, moves them under their table, then
//! publishes a new version file by an atomic rename and fsyncs the folder. Killed at
//! any moment, the dataset is at the old version or the new one; stray files of an
//! unpublished version are never read and are removed by the next writer.
//!
//! Why not Delta Lake: see docs/ARCHITECTURE.md ("The dataset").

mod manifest;
mod read;
mod schema;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use clusterkpi_ingest::{FileResult, InputKind, Record, Sink};
use clusterkpi_model::{FileRecord, Issue, Period, now_rfc3339};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

pub use manifest::{DataFile, Manifest, Submission};
pub use read::read_batches;
pub use schema::{Provenance, Table};

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
    #[error("dataset {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("dataset {0}: version {1} does not exist")]
    NoSuchVersion(PathBuf, u64),
    #[error("dataset parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("dataset arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

pub type Result<T, E = LakeError> = std::result::Result<T, E>;

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> LakeError + '_ {
    move |source| LakeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A dataset folder.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

impl Lake {
    /// Opens (and, if missing, creates) the dataset folder.
    pub fn open(root: &Path) -> Result<Self> {
        fs::create_dir_all(root.join("_log")).map_err(io_at(root))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Opens an existing dataset without creating anything.
    pub fn open_existing(root: &Path) -> Result<Self> {
        if !root.join("_log").is_dir() {
            return Err(LakeError::Corrupt {
                path: root.to_path_buf(),
                message: "no dataset here (no _log folder); ingest files first".into(),
            });
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The latest published version (0: empty dataset).
    pub fn latest_version(&self) -> Result<u64> {
        let dir = self.root.join("_log");
        let mut latest = 0;
        for entry in fs::read_dir(&dir).map_err(io_at(&dir))? {
            let entry = entry.map_err(io_at(&dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(stem) = name.strip_suffix(".json")
                && let Ok(v) = stem.parse::<u64>()
            {
                latest = latest.max(v);
            }
        }
        Ok(latest)
    }

    /// The dataset as of `version` (None: the latest).
    pub fn snapshot(&self, version: Option<u64>) -> Result<Snapshot> {
        let v = match version {
            Some(v) => v,
            None => self.latest_version()?,
        };
        if v == 0 {
            return Ok(Snapshot {
                root: self.root.clone(),
                manifest: Manifest {
                    format: manifest::FORMAT,
                    ..Manifest::default()
                },
            });
        }
        let path = self.root.join("_log").join(manifest::log_name(v));
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LakeError::NoSuchVersion(self.root.clone(), v));
            }
            Err(e) => return Err(io_at(&path)(e)),
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| LakeError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(Snapshot {
            root: self.root.clone(),
            manifest,
        })
    }

    /// Takes the writer lock without waiting; `Locked` if another process holds it.
    pub fn lock(&self) -> Result<Writer> {
        let path = self.root.join("_lock");
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
        let writer = Writer {
            lake: self.clone(),
            _lock: file,
        };
        writer.clean_unpublished()?;
        Ok(writer)
    }

    /// Writes the scorecard of one quarter as `kpis/<P>.parquet`, replacing the last
    /// one atomically. Derived data: not part of the versioned tables.
    pub fn save_derived(&self, table: &str, name: &str, batch: &RecordBatch) -> Result<PathBuf> {
        let dir = self.root.join(table);
        fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        write_parquet(&tmp, batch.schema(), std::slice::from_ref(batch))?;
        let dest = dir.join(format!("{name}.parquet"));
        fs::rename(&tmp, &dest).map_err(io_at(&dest))?;
        sync_dir(&dir)?;
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

/// The dataset at one version: what a reader sees.
#[derive(Debug, Clone)]
pub struct Snapshot {
    root: PathBuf,
    pub manifest: Manifest,
}

impl Snapshot {
    #[must_use]
    pub fn version(&self) -> u64 {
        self.manifest.version
    }

    /// Absolute paths of a table's files.
    #[must_use]
    pub fn files(&self, table: Table) -> Vec<PathBuf> {
        self.data_files(table)
            .iter()
            .map(|f| self.root.join(&f.path))
            .collect()
    }

    #[must_use]
    pub fn data_files(&self, table: Table) -> &[DataFile] {
        self.manifest
            .tables
            .get(table.name())
            .map_or(&[], Vec::as_slice)
    }

    /// Whether these bytes were ingested before (a re-sent file is a no-op).
    #[must_use]
    pub fn ingested_sha(&self, sha256: &str) -> Option<&Submission> {
        self.manifest
            .submissions
            .iter()
            .find(|s| s.sha256 == sha256 && s.outcome != "rejected" && s.outcome != "duplicate")
    }

    /// The submissions as plain records.
    #[must_use]
    pub fn file_records(&self) -> Vec<FileRecord> {
        self.manifest
            .submissions
            .iter()
            .map(submission_record)
            .collect()
    }

    /// Reads a whole table into batches.
    pub fn read(&self, table: Table) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        for f in self.files(table) {
            out.extend(read_batches(&f, None)?);
        }
        Ok(out)
    }

    /// The current clusters by id and by name (Chinese and English) → id; None when
    /// there is no cluster list yet.
    pub fn cluster_lookup(&self) -> Result<Option<HashMap<String, String>>> {
        if self.data_files(Table::Clusters).is_empty() {
            return Ok(None);
        }
        let mut rows: Vec<(String, String, Option<String>)> = Vec::new();
        for f in self.files(Table::Clusters) {
            for b in read_batches(&f, Some(&["cluster_id", "name", "name_en"]))? {
                let mut cols: [Vec<Option<String>>; 3] = Default::default();
                for (c, out) in cols.iter_mut().enumerate() {
                    read::for_each_str_opt(&b, c, |s| out.push(s.map(str::to_string)));
                }
                let [ids, names, names_en] = cols;
                for ((id, name), en) in ids.into_iter().zip(names).zip(names_en) {
                    rows.push((id.unwrap_or_default(), name.unwrap_or_default(), en));
                }
            }
        }
        let spellings = rows
            .iter()
            .map(|(id, name, en)| (id.as_str(), name.as_str(), en.as_deref()));
        Ok(Some(clusterkpi_ingest::cluster_spellings(spellings)))
    }

    /// Credit codes of the current roster (None when there is no roster yet).
    pub fn roster_codes(&self) -> Result<Option<HashSet<String>>> {
        self.string_set(Table::Roster, "credit_code")
    }

    fn string_set(&self, table: Table, column: &str) -> Result<Option<HashSet<String>>> {
        if self.data_files(table).is_empty() {
            return Ok(None);
        }
        let mut set = HashSet::new();
        for f in self.files(table) {
            for b in read_batches(&f, Some(&[column]))? {
                read::for_each_str(&b, 0, |s| {
                    set.insert(s.to_string());
                });
            }
        }
        Ok(Some(set))
    }

    /// The current year-to-date figures of the given enterprises in the given years,
    /// reading only the files that hold those years.
    pub fn prior_ytd(
        &self,
        codes: &HashSet<String>,
        years: &BTreeSet<i32>,
    ) -> Result<clusterkpi_ingest::PriorYtd> {
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

/// The holder of the writer lock.
pub struct Writer {
    lake: Lake,
    _lock: File,
}

impl Writer {
    #[must_use]
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Removes staged files and data files of versions that were never published
    /// (a writer killed mid-way). Safe: we hold the lock and they are unreferenced.
    fn clean_unpublished(&self) -> Result<()> {
        let root = &self.lake.root;
        let staging = root.join("_staging");
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_at(&staging))?;
        }
        let log = root.join("_log");
        for e in fs::read_dir(&log).map_err(io_at(&log))?.flatten() {
            if e.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = fs::remove_file(e.path());
            }
        }
        let snapshot = self.lake.snapshot(None)?;
        let referenced: HashSet<&str> = snapshot
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
                let rel = format!("{}/{}", table.name(), e.file_name().to_string_lossy());
                let version = e
                    .file_name()
                    .to_string_lossy()
                    .strip_prefix('v')
                    .and_then(|s| s.split('-').next()?.parse::<u64>().ok());
                if !referenced.contains(rel.as_str())
                    && version.is_some_and(|v| v > snapshot.version())
                {
                    tracing::info!(file = %rel, "removing a data file of an unpublished version");
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        Ok(())
    }

    /// Starts staging the rows of one file of `kind`.
    pub fn stage(&self, kind: InputKind, source_file: &str) -> Result<Staged> {
        let staging = self.lake.root.join("_staging");
        fs::create_dir_all(&staging).map_err(io_at(&staging))?;
        let next = self.lake.latest_version()? + 1;
        let path = staging.join(format!("{}-{}.parquet", kind.as_str(), std::process::id()));
        Staged::new(
            path,
            kind,
            Provenance {
                version: next as i64,
                file: source_file.to_string(),
            },
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
        let base = self.lake.snapshot(None)?;
        let version = base.version() + 1;
        let mut manifest = base.manifest.clone();
        manifest.format = manifest::FORMAT;
        manifest.version = version;
        manifest.committed_at = now_rfc3339();
        let short = &sha256[..sha256.len().min(12)];
        let periods: Vec<String> = result.periods.iter().map(Period::to_string).collect();

        if let (Some(mut staged), true) = (staged, result.outcome.ingests_rows()) {
            let kind = staged.kind;
            let keys = std::mem::take(&mut staged.keys);
            let (tmp, rows) = staged.finish()?;
            if !keys.is_empty() {
                let replaced = read::replaced_rows(&base, &keys)?;
                if !replaced.is_empty() {
                    let rel = format!("superseded/v{version}-{short}.parquet");
                    let tmp = self
                        .lake
                        .root
                        .join("_staging")
                        .join(format!("superseded-{}.parquet", std::process::id()));
                    let batch = schema::superseded_batch(&replaced);
                    write_parquet(&tmp, batch.schema(), &[batch])?;
                    self.place(&tmp, &rel)?;
                    manifest
                        .tables
                        .entry(Table::Superseded.name().to_string())
                        .or_default()
                        .push(DataFile {
                            path: rel,
                            rows: replaced.len() as u64,
                            periods: Vec::new(),
                            version,
                        });
                }
            }
            let table = match kind {
                InputKind::Reports => Table::ReportHistory,
                InputKind::Values => Table::Values,
                InputKind::Clusters => Table::Clusters,
                InputKind::Roster => Table::Roster,
            };
            let rel = format!("{}/v{version}-{short}.parquet", table.name());
            self.place(&tmp, &rel)?;
            let file = DataFile {
                path: rel,
                rows,
                periods: periods.clone(),
                version,
            };
            let files = manifest.tables.entry(table.name().to_string()).or_default();
            if matches!(table, Table::Clusters | Table::Roster) {
                // A reference list is replaced whole; earlier versions keep the old one.
                files.clear();
            }
            files.push(file);
        }
        if !result.issues.is_empty() {
            let rel = format!("issues/v{version}-{short}.parquet");
            let tmp = self
                .lake
                .root
                .join("_staging")
                .join(format!("issues-{}.parquet", std::process::id()));
            fs::create_dir_all(tmp.parent().expect("has parent")).map_err(io_at(&tmp))?;
            let batch = schema::issues_batch(&result.issues, version as i64);
            write_parquet(&tmp, batch.schema(), &[batch])?;
            self.place(&tmp, &rel)?;
            manifest
                .tables
                .entry(Table::Issues.name().to_string())
                .or_default()
                .push(DataFile {
                    path: rel,
                    rows: result.issues.len() as u64,
                    periods: Vec::new(),
                    version,
                });
        }
        manifest.submissions.push(Submission {
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
            ingested_at: manifest.committed_at.clone(),
            periods,
        });
        self.publish(&manifest)?;
        Ok(Snapshot {
            root: self.lake.root.clone(),
            manifest,
        })
    }

    /// Moves a finished staged file under its table.
    fn place(&self, tmp: &Path, rel: &str) -> Result<()> {
        let dest = self.lake.root.join(rel);
        let dir = dest.parent().expect("tables are folders");
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        fs::rename(tmp, &dest).map_err(io_at(&dest))?;
        sync_dir(dir)
    }

    /// Publishes a version: write aside, fsync, rename into `_log`, fsync `_log`.
    fn publish(&self, manifest: &Manifest) -> Result<()> {
        let log = self.lake.root.join("_log");
        let dest = log.join(manifest::log_name(manifest.version));
        if dest.exists() {
            return Err(LakeError::Corrupt {
                path: dest,
                message: "a version with this number exists already (two writers?)".into(),
            });
        }
        let tmp = log.join(format!("{}.tmp", manifest::log_name(manifest.version)));
        let text = serde_json::to_vec(manifest).expect("manifests serialise");
        let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
        f.write_all(&text).map_err(io_at(&tmp))?;
        f.sync_all().map_err(io_at(&tmp))?;
        drop(f);
        fail_point("before-publish");
        fs::rename(&tmp, &dest).map_err(io_at(&dest))?;
        sync_dir(&log)
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

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_at(dir))
}

fn writer_props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .build()
}

fn write_parquet(
    path: &Path,
    schema: arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    let file = File::create(path).map_err(io_at(path))?;
    let mut w = ArrowWriter::try_new(file, schema, Some(writer_props()))?;
    for b in batches {
        w.write(b)?;
    }
    let file = w.into_inner()?;
    file.sync_all().map_err(io_at(path))?;
    Ok(())
}

/// Rows of one input file being written to a staged Parquet file, in batches: memory
/// holds one batch, whatever the file's size.
pub struct Staged {
    path: PathBuf,
    kind: InputKind,
    src: Provenance,
    writer: Option<ArrowWriter<File>>,
    buffer: Vec<Record>,
    rows: u64,
    /// (credit_code, period_index) of accepted report rows: the rows they replace are
    /// recorded as superseded when the file is committed.
    keys: HashSet<(String, i32)>,
}

const BATCH: usize = 8192;

impl Staged {
    fn new(path: PathBuf, kind: InputKind, src: Provenance) -> Result<Self> {
        let file = File::create(&path).map_err(io_at(&path))?;
        let schema = match kind {
            InputKind::Reports => Table::ReportHistory,
            InputKind::Values => Table::Values,
            InputKind::Clusters => Table::Clusters,
            InputKind::Roster => Table::Roster,
        }
        .schema();
        let writer = ArrowWriter::try_new(file, schema, Some(writer_props()))?;
        Ok(Self {
            path,
            kind,
            src,
            writer: Some(writer),
            buffer: Vec::with_capacity(BATCH),
            rows: 0,
            keys: HashSet::new(),
        })
    }

    fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let batch = match self.kind {
            InputKind::Reports => schema::reports_batch(
                &take(&mut self.buffer, |r| match r {
                    Record::Report(r) => Some(r),
                    _ => None,
                }),
                &self.src,
            ),
            InputKind::Values => schema::values_batch(
                &take(&mut self.buffer, |r| match r {
                    Record::Value(r) => Some(r),
                    _ => None,
                }),
                &self.src,
            ),
            InputKind::Clusters => schema::clusters_batch(&take(&mut self.buffer, |r| match r {
                Record::Cluster(r) => Some(r),
                _ => None,
            })),
            InputKind::Roster => schema::roster_batch(&take(&mut self.buffer, |r| match r {
                Record::Roster(r) => Some(r),
                _ => None,
            })),
        };
        self.rows += batch.num_rows() as u64;
        self.writer
            .as_mut()
            .expect("open until finished")
            .write(&batch)?;
        Ok(())
    }

    /// Flushes, closes and fsyncs; returns the staged path and the row count.
    fn finish(mut self) -> Result<(PathBuf, u64)> {
        self.flush()?;
        let file = self.writer.take().expect("finished once").into_inner()?;
        file.sync_all().map_err(io_at(&self.path))?;
        Ok((self.path.clone(), self.rows))
    }
}

fn take<T>(buffer: &mut Vec<Record>, f: impl Fn(Record) -> Option<T>) -> Vec<T> {
    buffer.drain(..).filter_map(f).collect()
}

impl Sink for Staged {
    fn accept(&mut self, record: Record) -> io::Result<()> {
        if let Record::Report(r) = &record {
            self.keys.insert((r.credit_code.clone(), r.period.index()));
        }
        self.buffer.push(record);
        if self.buffer.len() >= BATCH {
            self.flush().map_err(io::Error::other)?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Issues of the dataset (quarantined rows and warnings), for reports.
pub fn read_issues(snapshot: &Snapshot) -> Result<Vec<Issue>> {
    read::issues(snapshot)
}

#[cfg(test)]
mod tests;
