//! The rows of the report files a process wrote, kept in memory for an evaluation in
//! the same process: a `run` evaluates right after its ingest, and reading back the
//! files it had just written (every column of every county's file, decoded again) was
//! most of the evaluation's first view at 10× the sample city (`docs/PERFORMANCE.md`).
//!
//! Off unless asked ([`crate::Lake::retain_written`]), and only for an evaluation that
//! holds its tables in memory anyway: kept up to a number of rows, past which the
//! evaluation is planned for its peak and reads its files. A file's rows are found by
//! its path, size and SHA-256 as its version records them, the key [`crate::verify`]
//! trusts, so only the bytes a version lists are answered from memory. Shared by a
//! dataset's handles in the process (a `Lake` and the `Writer` it locks).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow::array::{Array, RecordBatch, RecordBatchOptions};

type Key = (PathBuf, u64, String);

#[derive(Debug, Default)]
struct Kept {
    /// Rows that may still be kept; `None`: not keeping.
    room: Option<u64>,
    files: HashMap<Key, Vec<RecordBatch>>,
}

/// The rows kept of the files written through a dataset's handles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Retained(Arc<Mutex<Kept>>);

impl Retained {
    fn kept(&self) -> MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the rows of the report files written from now on, up to `rows` rows in
    /// all (0: none). Past that, everything kept is dropped and no more is kept.
    pub(crate) fn retain(&self, rows: u64) {
        *self.kept() = Kept {
            room: (rows > 0).then_some(rows),
            files: HashMap::new(),
        };
    }

    /// Drops every kept file's rows and keeps no more.
    pub(crate) fn release(&self) {
        *self.kept() = Kept::default();
    }

    /// Whether files written now are kept (a staging file then holds on to its rows).
    pub(crate) fn retaining(&self) -> bool {
        self.kept().room.is_some()
    }

    /// Keeps the rows of the file placed at `path` with this size and SHA-256, if
    /// they fit; if not, keeps nothing more and drops what was kept.
    pub(crate) fn offer(&self, path: &Path, size: u64, sha256: &str, batches: Vec<RecordBatch>) {
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        let mut k = self.kept();
        match k.room {
            Some(room) if room >= rows => {
                k.room = Some(room - rows);
                k.files
                    .insert((path.to_path_buf(), size, sha256.to_string()), batches);
            }
            Some(_) => *k = Kept::default(),
            None => {}
        }
    }

    /// The rows kept for the file at `path` with this size and SHA-256.
    pub(crate) fn rows_of(&self, path: &Path, size: u64, sha256: &str) -> Option<Vec<RecordBatch>> {
        self.kept()
            .files
            .get(&(path.to_path_buf(), size, sha256.to_string()))
            .cloned()
    }
}

/// A staging file's batches with buffers of their own size: a staging batch holds its
/// builders' capacity (8,192 rows) whatever it holds. The staging file's writer has
/// let go of them, so each column is shrunk where it lies.
pub(crate) fn compact(batches: Vec<RecordBatch>) -> Vec<RecordBatch> {
    batches
        .into_iter()
        .map(|b| {
            let (schema, mut columns, rows) = b.into_parts();
            for c in &mut columns {
                c.shrink_to_fit();
            }
            RecordBatch::try_new_with_options(
                schema,
                columns,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .expect("the same columns")
        })
        .collect()
}
