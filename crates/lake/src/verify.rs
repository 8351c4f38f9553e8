//! Checking a data file against what its version recorded: present, of the recorded
//! size, and with the recorded SHA-256.
//!
//! Size is checked on every read (one `stat`). The checksum is computed once per file
//! per process: data files are immutable, and hashing every file on every read would be
//! quadratic during ingestion, which takes a snapshot per commit. A file verified (or
//! written) by this process is remembered by (path, size, SHA-256).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::{LakeError, Result, io_at};

type Key = (PathBuf, u64, String);

static VERIFIED: LazyLock<Mutex<HashSet<Key>>> = LazyLock::new(Mutex::default);

fn key(path: &Path, size: u64, sha256: &str) -> Key {
    (path.to_path_buf(), size, sha256.to_string())
}

fn damaged(path: &Path, message: String) -> LakeError {
    LakeError::Corrupt {
        path: path.to_path_buf(),
        message,
    }
}

/// Records that `path` holds these bytes (the writer has just hashed it).
pub(crate) fn remember(path: &Path, size: u64, sha256: &str) {
    VERIFIED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key(path, size, sha256));
}

/// Checks one data file; the error names the file and what is wrong with it.
pub(crate) fn check(path: &Path, size: u64, sha256: &str) -> Result<()> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(damaged(
                path,
                "data file missing (the version lists it)".into(),
            ));
        }
        Err(e) => return Err(io_at(path)(e)),
    };
    if !meta.is_file() {
        return Err(damaged(path, "data file is not a regular file".into()));
    }
    if meta.len() != size {
        return Err(damaged(
            path,
            format!("data file size {}, expected {size}", meta.len()),
        ));
    }
    let k = key(path, size, sha256);
    if VERIFIED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&k)
    {
        return Ok(());
    }
    let actual = sha256_file(path).map_err(io_at(path))?;
    if actual != sha256 {
        return Err(damaged(
            path,
            format!("data file checksum mismatch (SHA-256 {actual}, expected {sha256})"),
        ));
    }
    VERIFIED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(k);
    Ok(())
}

/// Forgets that a file was verified, so tests can alter it and see it checked again.
#[cfg(test)]
pub(crate) fn forget(path: &Path) {
    VERIFIED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|(p, ..)| p != path);
}

/// SHA-256 of one of the dataset's files, streamed. Only a regular file is opened: a
/// FIFO put in a data file's place is refused, never waited on.
pub(crate) fn sha256_file(path: &Path) -> io::Result<String> {
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    clusterkpi_model::small_file::sha256_hex(fs::File::open(path)?)
}
