//! What the dataset records: data files, submissions, and the two kinds of log file.
//!
//! The state at a version (a [`Manifest`]: every table's files and every recorded
//! submission) is never written whole per version. A version file `_log/<v>.json`
//! holds only that commit's [`Action`]s (files added, files removed, the submission
//! recorded), so it grows with what the commit adds, not with history. Every so often
//! the writer also writes a checkpoint `_log/<v>.checkpoint.json`: the full state at
//! `v`, so a reader loads the latest checkpoint and replays the few versions after it.
//! Version files are the record; checkpoints are a derived shortcut.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// One immutable Parquet file of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// Relative to the dataset root, `/`-separated.
    pub path: String,
    pub rows: u64,
    /// The quarters its rows report on (reports and values), so readers can skip files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
    /// The version that added it.
    pub version: u64,
    /// Its length in bytes, checked on every read.
    pub size: u64,
    /// SHA-256 of its bytes (lower-case hex), checked once per process.
    pub sha256: String,
}

/// The recorded outcome of one input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The version that recorded it.
    pub version: u64,
    pub path: String,
    pub sha256: String,
    pub kind: String,
    pub format: String,
    pub outcome: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub warnings: u64,
    pub ingested_at: String,
    #[serde(default)]
    pub periods: Vec<String>,
    /// The reference lists the file was checked against: the paths of the cluster and
    /// roster data files current when it was recorded, before its own commit (see
    /// [`Snapshot::reference_fingerprint`](crate::Snapshot::reference_fingerprint)).
    #[serde(default)]
    pub refs: String,
}

/// The full state of the dataset at one version; also the content of a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub version: u64,
    pub committed_at: String,
    /// Table name → its files.
    pub tables: BTreeMap<String, Vec<Arc<DataFile>>>,
    /// Behind an `Arc` each, as the data files: a commit makes the next version's
    /// manifest from a copy of its base's, and copying every earlier submission and
    /// file with their strings made the copies of a run's 301 versions quadratic in
    /// them (26 ms of the committing thread at 10x the sample city, the same at 1x;
    /// docs/PERFORMANCE.md).
    pub submissions: Vec<Arc<Submission>>,
}

/// The on-disk format this code reads and writes. Format 1 wrote the full state in
/// every version file; it is not read (a clear error says so).
pub(crate) const FORMAT: u32 = 2;

/// One change a version makes to the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// A data file joins a table.
    Add { table: String, file: DataFile },
    /// A data file leaves a table's current list (a reference list replaced whole).
    /// The file itself stays: earlier versions still list it.
    Remove { table: String, path: String },
    /// The outcome of the input file the version records.
    Submission(Submission),
}

/// A version file: the actions of one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Commit {
    pub(crate) format: u32,
    pub(crate) version: u64,
    pub(crate) committed_at: String,
    pub(crate) actions: Vec<Action>,
}

/// The one field every log file of every format has, read first so a file of another
/// format is reported as such rather than misread.
#[derive(Deserialize)]
pub(crate) struct Header {
    pub(crate) format: u32,
}

impl Manifest {
    /// The empty dataset (version 0).
    #[must_use]
    pub(crate) fn empty() -> Self {
        Self {
            format: FORMAT,
            ..Self::default()
        }
    }

    /// Applies the next version's actions. An action that does not fit the state (a
    /// file added twice, a removal of a file not listed) is an error: the log is not
    /// what this writer wrote.
    pub(crate) fn apply(&mut self, commit: &Commit) -> Result<(), String> {
        if commit.version != self.version + 1 {
            return Err(format!(
                "holds version {} where version {} was expected",
                commit.version,
                self.version + 1
            ));
        }
        for action in &commit.actions {
            match action {
                Action::Add { table, file } => {
                    // Only the names the writer gives (see `layout`): a log read from a
                    // server another party can write to must not point elsewhere.
                    let named = crate::Table::by_name(table).is_some()
                        && file
                            .path
                            .strip_prefix(table.as_str())
                            .and_then(|rest| rest.strip_prefix('/'))
                            .and_then(crate::layout::parse_data_name)
                            .is_some();
                    if !named {
                        return Err(format!(
                            "adds {} to {table}, which is not a data file of that table",
                            file.path
                        ));
                    }
                    let files = self.tables.entry(table.clone()).or_default();
                    if files.iter().any(|f| f.path == file.path) {
                        return Err(format!("adds {} to {table} twice", file.path));
                    }
                    files.push(Arc::new(file.clone()));
                }
                Action::Remove { table, path } => {
                    let files = self.tables.get_mut(table);
                    let at = files
                        .as_ref()
                        .and_then(|fs| fs.iter().position(|f| &f.path == path));
                    let (Some(files), Some(at)) = (files, at) else {
                        return Err(format!(
                            "removes {path} from {table}, which does not list it"
                        ));
                    };
                    files.remove(at);
                    if files.is_empty() {
                        self.tables.remove(table);
                    }
                }
                Action::Submission(s) => self.submissions.push(Arc::new(s.clone())),
            }
        }
        self.format = FORMAT;
        self.version = commit.version;
        self.committed_at.clone_from(&commit.committed_at);
        Ok(())
    }
}
