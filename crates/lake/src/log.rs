//! The version log `_log/`: listing it, loading the state at a version (the latest
//! checkpoint at or before it, then the version files after it), writing log files
//! atomically, and when to write a checkpoint.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::layout;
use crate::manifest::{Commit, FORMAT, Header, Manifest};
use crate::{LakeError, Result, io_at, sync_dir};

/// Checkpoints are written only at versions that are a multiple of this: a reader then
/// replays at most this many small version files after a checkpoint while the dataset
/// is young. (Delta Lake uses 10 with larger, Parquet checkpoints; our version files
/// are a few hundred bytes, so replaying a hundred of them costs less than reading one
/// more checkpoint.)
pub(crate) const CHECKPOINT_INTERVAL: u64 = 100;

/// A checkpoint repeats the whole state, so one every `CHECKPOINT_INTERVAL` versions
/// would make the log grow with the square of history again, only slower. A checkpoint
/// is therefore skipped while the version files written since the last one hold less
/// than 1/`CHECKPOINT_SHARE` of its bytes. The checkpoints then total at most about
/// `CHECKPOINT_SHARE + 1` times the version files (the log stays linear in what was
/// committed), and a read replays at most about a fifth of history beyond the interval.
pub(crate) const CHECKPOINT_SHARE: u64 = 4;

/// The version and checkpoint files present in `_log/`.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub(crate) versions: BTreeSet<u64>,
    pub(crate) checkpoints: BTreeSet<u64>,
}

impl Listing {
    pub(crate) fn latest(&self) -> u64 {
        self.versions.last().copied().unwrap_or(0)
    }
}

/// Lists `_log/` (a missing folder is an empty log).
pub(crate) fn list(log: &Path) -> Result<Listing> {
    let mut out = Listing::default();
    let rd = match fs::read_dir(log) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_at(log)(e)),
    };
    for entry in rd {
        let name = entry.map_err(io_at(log))?.file_name();
        let name = name.to_string_lossy();
        if let Some(v) = layout::parse_version_name(&name) {
            out.versions.insert(v);
        } else if let Some(v) = layout::parse_checkpoint_name(&name) {
            out.checkpoints.insert(v);
        }
    }
    Ok(out)
}

/// The bytes of log read to reach a state: the checkpoint it started from and the
/// version files replayed after it. The input of the checkpoint policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tail {
    pub(crate) checkpoint_bytes: u64,
    pub(crate) since_bytes: u64,
}

/// Whether a checkpoint should follow the version just published.
pub(crate) fn wants_checkpoint(version: u64, tail: Tail) -> bool {
    version.is_multiple_of(CHECKPOINT_INTERVAL)
        && tail.since_bytes.saturating_mul(CHECKPOINT_SHARE) >= tail.checkpoint_bytes
}

fn corrupt(path: &Path, message: impl Into<String>) -> LakeError {
    LakeError::Corrupt {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Parses a log file of this format; a file of another format is an error that says so.
fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    let header: Header = serde_json::from_str(text)
        .map_err(|e| corrupt(path, format!("not a dataset log file: {e}")))?;
    if header.format != FORMAT {
        return Err(format_error(path, header.format));
    }
    serde_json::from_str(text).map_err(|e| corrupt(path, format!("unreadable: {e}")))
}

/// The error for a dataset written in another on-disk format.
pub(crate) fn format_error(path: &Path, found: u32) -> LakeError {
    corrupt(
        path,
        format!(
            "written in dataset format {found}, which this program does not read (it reads \
             format {FORMAT}); ingest the input files again into a new, empty folder"
        ),
    )
}

/// Reads version `v`'s file; missing or unreadable, it is `Corrupt` naming the file.
pub(crate) fn read_version(log: &Path, v: u64) -> Result<(Commit, u64)> {
    let path = log.join(layout::version_name(v));
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(corrupt(&path, "version file missing"));
        }
        Err(e) => return Err(io_at(&path)(e)),
    };
    let commit: Commit = parse(&path, &text)?;
    if commit.version != v {
        return Err(corrupt(
            &path,
            format!(
                "holds version {} under the name of version {v}",
                commit.version
            ),
        ));
    }
    Ok((commit, text.len() as u64))
}

fn read_checkpoint(log: &Path, v: u64) -> Result<(Manifest, u64)> {
    let path = log.join(layout::checkpoint_name(v));
    let text = fs::read_to_string(&path).map_err(io_at(&path))?;
    let manifest: Manifest = parse(&path, &text)?;
    if manifest.version != v {
        return Err(corrupt(
            &path,
            format!(
                "holds version {} under the name of version {v}",
                manifest.version
            ),
        ));
    }
    Ok((manifest, text.len() as u64))
}

/// The state at version `v` (which the listing holds): the latest usable checkpoint at
/// or before `v`, then every version file after it. A checkpoint that cannot be read
/// is skipped for an earlier one (it is only a shortcut); a version file that cannot
/// be read is an error naming it.
pub(crate) fn load(log: &Path, listing: &Listing, v: u64) -> Result<(Manifest, Tail)> {
    let mut start = None;
    for &c in listing.checkpoints.range(..=v).rev() {
        match read_checkpoint(log, c) {
            Ok((m, bytes)) => {
                start = Some((m, bytes));
                break;
            }
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable checkpoint"),
        }
    }
    let (mut state, checkpoint_bytes) = start.unwrap_or_else(|| (Manifest::empty(), 0));
    let mut tail = Tail {
        checkpoint_bytes,
        since_bytes: 0,
    };
    for u in state.version + 1..=v {
        let (commit, bytes) = read_version(log, u)?;
        state
            .apply(&commit)
            .map_err(|m| corrupt(&log.join(layout::version_name(u)), m))?;
        tail.since_bytes += bytes;
    }
    Ok((state, tail))
}

/// Writes `_log/<name>` atomically: aside as `<name>.tmp`, fsynced, renamed, and the
/// folder fsynced. `before_rename` runs between fsync and rename (a fail point, the
/// remote commit point); its error leaves the file aside, never renamed. Returns the
/// bytes written.
pub(crate) fn write_atomic(
    log: &Path,
    name: &str,
    bytes: &[u8],
    before_rename: impl FnOnce() -> Result<()>,
) -> Result<u64> {
    let dest = log.join(name);
    let tmp = log.join(layout::tmp_name(name));
    let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
    f.write_all(bytes).map_err(io_at(&tmp))?;
    f.sync_all().map_err(io_at(&tmp))?;
    drop(f);
    before_rename()?;
    fs::rename(&tmp, &dest).map_err(io_at(&dest))?;
    sync_dir(log)?;
    Ok(bytes.len() as u64)
}
