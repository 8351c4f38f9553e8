//! The names of everything the dataset writes, in one place.
//!
//! The writer removes leftovers of runs that died mid-way; it must never remove a file
//! it did not make. So every name it creates has a pattern here, and the clean-up only
//! removes names that match these patterns exactly.

/// The marker file that makes a folder a dataset; holds `{"format": N}`.
pub(crate) const MARKER: &str = "_clusterkpi_dataset";
/// The version log: one file per version plus checkpoints.
pub(crate) const LOG: &str = "_log";
/// Files being written before they are moved under their table.
pub(crate) const STAGING: &str = "_staging";
/// The writer lock.
pub(crate) const LOCK: &str = "_lock";
/// Where an evaluation on a cluster keeps its intermediate tables, beside a dataset on
/// object storage (`<dataset>/_scratch/<run>/`). Never part of a version: the local
/// copy takes only the names above and the tables'.
pub const SCRATCH: &str = "_scratch";

/// The name of version `v`'s file, zero-padded so names sort as numbers do.
#[must_use]
pub(crate) fn version_name(v: u64) -> String {
    format!("{v:020}.json")
}

/// The name of the checkpoint holding the full state at version `v`.
#[must_use]
pub(crate) fn checkpoint_name(v: u64) -> String {
    format!("{v:020}.checkpoint.json")
}

/// The name a log file is written under before it is renamed into place.
#[must_use]
pub(crate) fn tmp_name(name: &str) -> String {
    format!("{name}.tmp")
}

fn twenty_digits(s: &str) -> Option<u64> {
    (s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The version a `_log` entry is the version file of.
#[must_use]
pub(crate) fn parse_version_name(name: &str) -> Option<u64> {
    twenty_digits(name.strip_suffix(".json")?)
}

/// The version a `_log` entry is the checkpoint of.
#[must_use]
pub(crate) fn parse_checkpoint_name(name: &str) -> Option<u64> {
    twenty_digits(name.strip_suffix(".checkpoint.json")?)
}

/// Whether a `_log` entry is a version or checkpoint file left half-written.
#[must_use]
pub(crate) fn is_log_tmp(name: &str) -> bool {
    name.strip_suffix(".tmp")
        .is_some_and(|n| parse_version_name(n).is_some() || parse_checkpoint_name(n).is_some())
}

/// The marker written aside before it is renamed into place.
#[must_use]
pub(crate) fn marker_tmp_name(pid: u32) -> String {
    format!("{MARKER}.{pid}.tmp")
}

/// Whether a root entry is a marker left half-written.
#[must_use]
pub(crate) fn is_marker_tmp(name: &str) -> bool {
    name.strip_prefix(MARKER)
        .and_then(|s| s.strip_prefix('.'))
        .and_then(|s| s.strip_suffix(".tmp"))
        .is_some_and(all_digits)
}

/// A data file's name under its table: `v<version>-<hex>.parquet`, the hex being the
/// start of the recorded input file's SHA-256 (so a file can be traced to its source).
#[must_use]
pub(crate) fn data_name(version: u64, short: &str) -> String {
    format!("v{version}-{short}.parquet")
}

/// The version of a data file name (`v<N>-<hex>.parquet`); None for any other name.
#[must_use]
pub(crate) fn parse_data_name(name: &str) -> Option<u64> {
    let (v, hex) = name
        .strip_prefix('v')?
        .strip_suffix(".parquet")?
        .split_once('-')?;
    (all_digits(v) && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| v.parse().ok())
        .flatten()
}

/// The start of an input's SHA-256 used in data file names: up to 12 hex digits,
/// lower-case; `0` when the given digest does not start with hex.
#[must_use]
pub(crate) fn short_hex(sha256: &str) -> String {
    let s: String = sha256
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(12)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if s.is_empty() { "0".into() } else { s }
}

/// What a staged file is named after.
const STAGING_PREFIXES: [&str; 6] = [
    "reports",
    "values",
    "clusters",
    "roster",
    "superseded",
    "issues",
];

/// A staged file: `<what>-<process id>.parquet` under `_staging/`.
#[must_use]
pub(crate) fn staging_name(what: &str, pid: u32) -> String {
    debug_assert!(STAGING_PREFIXES.contains(&what));
    format!("{what}-{pid}.parquet")
}

/// The staging file of one of several files validated at the same time (`slot`
/// tells them apart): `reports-<pid>-<slot>.parquet`.
pub(crate) fn staging_slot_name(what: &str, pid: u32, slot: usize) -> String {
    debug_assert!(STAGING_PREFIXES.contains(&what));
    format!("{what}-{pid}-{slot}.parquet")
}

/// Whether a `_staging/` entry is a file the writer staged.
#[must_use]
pub(crate) fn is_staging_name(name: &str) -> bool {
    let stem = name.strip_suffix(".parquet");
    // `<what>-<pid>` or `<what>-<pid>-<slot>`.
    let bare = |s: &str| {
        s.rsplit_once('-')
            .is_some_and(|(what, pid)| STAGING_PREFIXES.contains(&what) && all_digits(pid))
    };
    stem.is_some_and(|s| {
        bare(s)
            || s.rsplit_once('-')
                .is_some_and(|(rest, slot)| all_digits(slot) && bare(rest))
    })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_writers_own_names_match() {
        assert_eq!(parse_version_name(&version_name(42)), Some(42));
        assert_eq!(parse_version_name(&checkpoint_name(42)), None);
        assert_eq!(parse_checkpoint_name(&checkpoint_name(100)), Some(100));
        assert_eq!(parse_version_name("42.json"), None);
        assert!(is_log_tmp(&tmp_name(&version_name(7))));
        assert!(is_log_tmp(&tmp_name(&checkpoint_name(700))));
        assert!(!is_log_tmp("notes.tmp"));
        assert_eq!(parse_data_name("v12-1f2e3d.parquet"), Some(12));
        assert_eq!(parse_data_name("v2-notes.txt"), None);
        assert_eq!(parse_data_name("v2-notes.parquet"), None);
        assert_eq!(parse_data_name("v-ab.parquet"), None);
        assert!(is_staging_name(&staging_name("reports", 123)));
        assert!(is_staging_name(&staging_slot_name("reports", 123, 4)));
        assert!(!is_staging_name("reports-1-x.parquet"));
        assert!(!is_staging_name("my-draft.parquet"));
        assert!(!is_staging_name("reports-12a.parquet"));
        assert!(is_marker_tmp(&marker_tmp_name(9)));
        assert!(!is_marker_tmp("_clusterkpi_dataset"));
        assert_eq!(short_hex("ABCDEF0123456789"), "abcdef012345");
        assert_eq!(short_hex("r0"), "0");
    }
}
