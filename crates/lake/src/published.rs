//! The dataset's tables as Delta Lake tables (the `delta` feature), kept in step with
//! the dataset's log so that other engines (DuckDB, Polars, Spark) read them directly.
//!
//! Each table's folder is also a Delta table: `report_history/_delta_log/` beside the
//! table's Parquet files, whose adds and removes name those same files. Once a batch
//! of files is committed (their versions published: the dataset's log is the record
//! and commit point), each table the batch changed gets one Delta commit that makes
//! its current file list the dataset's latest, carrying the dataset version as the
//! application transaction `clusterkpi`. The Delta logs follow the dataset's log:
//!
//! - A run that stops before publishing leaves a Delta table behind, never ahead: no
//!   Delta version names a file of an unpublished dataset version, so the clean-up of
//!   such files cannot leave a Delta reader with a missing file.
//! - The next writer, when it takes the lock, brings every table to the latest dataset
//!   version ([`Published::catch_up`]): the same diff, so it also publishes a dataset
//!   written by a build without the feature, or whose `_delta_log` was lost.
//! - Tables are committed one after another; a reader that wants one dataset version
//!   across tables reads each table at its version whose `clusterkpi` transaction is
//!   that dataset version or the latest before it (docs/ARCHITECTURE.md, "Delta Lake").

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use url::Url;

use crate::delta::{DeltaError, DeltaForm, ListedFile};
use crate::{Lake, LakeError, Manifest, Result, Table};

/// The Delta form of a dataset's tables, opened as the writer first needs each.
pub(crate) struct Published {
    /// The dataset's location, ending in `/`: a `file://` URL, or its URL on object
    /// storage.
    root: Url,
    runtime: tokio::runtime::Runtime,
    open: HashMap<Table, DeltaForm>,
}

impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Published")
            .field("root", &self.root.as_str())
            .field("open", &self.open.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Published {
    pub(crate) fn new(lake: &Lake) -> Result<Self> {
        let root = match &lake.remote {
            Some(remote) => remote.url().clone(),
            None => {
                let dir = std::path::absolute(&lake.root).map_err(crate::io_at(&lake.root))?;
                Url::from_directory_path(&dir).map_err(|()| LakeError::Corrupt {
                    path: dir.clone(),
                    message: "not an absolute path".into(),
                })?
            }
        };
        // One thread: the writer waits for each commit anyway, and the local store's
        // blocking calls need a runtime to run on.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(crate::io_at(&lake.root))?;
        Ok(Self {
            root,
            runtime,
            open: HashMap::new(),
        })
    }

    /// Brings every table to `manifest`'s file lists (see the module's docs). A
    /// table with no rows yet is created empty, so that every table of the dataset
    /// can be read by other engines from its first version on.
    pub(crate) fn catch_up(&mut self, manifest: &Manifest) -> Result<()> {
        for table in Table::ALL {
            self.publish(manifest, table)?;
        }
        Ok(())
    }

    /// Publishes the tables `manifest`'s version changed.
    pub(crate) fn publish_changed(
        &mut self,
        manifest: &Manifest,
        tables: &BTreeSet<Table>,
    ) -> Result<()> {
        for table in tables {
            self.publish(manifest, *table)?;
        }
        Ok(())
    }

    fn publish(&mut self, manifest: &Manifest, table: Table) -> Result<()> {
        let prefix = format!("{}/", table.name());
        let files: Vec<ListedFile> = manifest
            .tables
            .get(table.name())
            .into_iter()
            .flatten()
            .map(|f| ListedFile {
                path: f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_string(),
                size: f.size,
                rows: f.rows,
            })
            .collect();
        let version = manifest.version;
        let Self {
            root,
            runtime,
            open,
        } = self;
        for attempt in 0..2 {
            let form = match open.entry(table) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(open_form(runtime, root, table)?),
            };
            let result = runtime.block_on(async {
                // Never backwards: a writer on another machine may have published a
                // later version of the dataset already.
                if form.dataset_version().await?.is_some_and(|v| v >= version) {
                    return Ok(None);
                }
                form.commit_file_list(&files, version).await
            });
            match result {
                Ok(Some(v)) => {
                    tracing::debug!(
                        table = table.name(),
                        delta_version = v,
                        version,
                        "published"
                    );
                    return Ok(());
                }
                Ok(None) => return Ok(()),
                // Another writer committed this table since it was read (object
                // storage): read it again, and publish only if it is still behind.
                Err(DeltaError::Conflict { .. }) if attempt == 0 => {
                    open.remove(&table);
                }
                Err(e) => return Err(delta_error(e, table)),
            }
        }
        unreachable!("the second attempt returns")
    }
}

/// Opens (or creates) the Delta form of `table` in the dataset at `root`.
fn open_form(runtime: &tokio::runtime::Runtime, root: &Url, table: Table) -> Result<DeltaForm> {
    let bad = |message: String| LakeError::Corrupt {
        path: PathBuf::from(format!("{root}{}", table.name())),
        message,
    };
    let url = root
        .join(&format!("{}/", table.name()))
        .map_err(|e| bad(e.to_string()))?;
    if url.scheme() == "file" {
        // deltalake opens a local table only if its folder exists.
        let dir = url
            .to_file_path()
            .map_err(|()| bad("not a local path".into()))?;
        std::fs::create_dir_all(&dir).map_err(crate::io_at(&dir))?;
    }
    runtime
        .block_on(DeltaForm::open_or_create(url, table))
        .map_err(|e| delta_error(e, table))
}

fn delta_error(e: DeltaError, table: Table) -> LakeError {
    LakeError::Delta {
        table: table.name(),
        source: Box::new(e),
    }
}
