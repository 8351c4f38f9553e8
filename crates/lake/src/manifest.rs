//! Dataset versions. Each version is one JSON file `_log/<version>.json` naming every
//! data file of every table and every recorded submission. A version becomes visible
//! by an atomic rename; readers take the highest version, so they see version N or
//! N + 1 and never anything in between.

use std::collections::BTreeMap;

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
}

/// The full state of the dataset at one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub version: u64,
    pub committed_at: String,
    /// Table name → its files.
    pub tables: BTreeMap<String, Vec<DataFile>>,
    pub submissions: Vec<Submission>,
}

pub(crate) const FORMAT: u32 = 1;

/// The file name of a version, zero-padded so names sort as numbers do.
#[must_use]
pub(crate) fn log_name(version: u64) -> String {
    format!("{version:020}.json")
}
