//! One dataset table in the Delta Lake format (the `delta` feature): created with the
//! table's declared schema, appended to by committing Parquet files this crate wrote,
//! each commit carrying an application transaction (the dataset version that made it),
//! and read back at any of its versions as the list of its data files.
//!
//! Only the transaction log is Delta's: the Parquet files are written by the same
//! writer as every other data file of the dataset, so that the figures and bytes do not
//! depend on the format, and no query engine is needed to write (deltalake's own write
//! path runs on DataFusion, which only the engine crate compiles).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties, TransactionError};
use deltalake::kernel::{Action, Add, Remove, StructType, Transaction};
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::{DeltaTable, DeltaTableError};
use object_store::ObjectStoreExt;
use url::Url;

use crate::Table;

/// The application id of every commit clusterkpi makes; its transaction version is the
/// dataset version the commit belongs to.
pub const APP_ID: &str = "clusterkpi";

/// Errors of the Delta form of a table.
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    #[error("Delta table {url}: {source}")]
    Table {
        url: String,
        #[source]
        source: DeltaTableError,
    },
    /// Another writer committed this table first: with the commit's conditional write
    /// (`If-None-Match` on object storage, a create-new on a folder) only one wins,
    /// and the loser does not retry on top of the winner.
    #[error("Delta table {url}: another writer committed version {version} first")]
    Conflict { url: String, version: u64 },
    #[error("Delta table {url}: writing {path}: {source}")]
    Put {
        url: String,
        path: String,
        #[source]
        source: deltalake::ObjectStoreError,
    },
    #[error("Delta table {url}: the dataset's schema of {table} cannot be stored: {message}")]
    Schema {
        url: String,
        table: &'static str,
        message: String,
    },
}

/// A data file already placed under the table's folder, to be committed.
#[derive(Debug, Clone)]
pub struct PlacedFile {
    /// Relative to the table's root.
    pub path: String,
    pub size: u64,
}

/// A data file a table's version lists (see [`DeltaForm::commit_file_list`]).
#[derive(Debug, Clone)]
pub struct ListedFile {
    /// Relative to the table's root.
    pub path: String,
    pub size: u64,
    pub rows: u64,
}

/// Makes `s3://` table URLs known to deltalake (its S3 store reads the endpoint,
/// region and credentials from the usual `AWS_*` variables). Idempotent.
pub fn register_object_stores() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| deltalake::aws::register_handlers(None));
}

/// One table of the dataset in the Delta Lake format.
pub struct DeltaForm {
    url: Url,
    table: DeltaTable,
}

impl DeltaForm {
    /// Opens the table at `url`, creating it (empty, with `table`'s schema) if there is
    /// none. Expired log files are never cleaned up: every version stays readable.
    pub async fn open_or_create(url: Url, table: Table) -> Result<Self, DeltaError> {
        register_object_stores();
        let shown = url.to_string();
        let err = |source| DeltaError::Table {
            url: shown.clone(),
            source,
        };
        // Asked first rather than opened and failed: opening a table that does not
        // exist logs an error before returning it.
        let mut existing = deltalake::DeltaTableBuilder::from_url(url.clone())
            .and_then(deltalake::DeltaTableBuilder::build)
            .map_err(err)?;
        if existing.verify_deltatable_existence().await.map_err(err)? {
            existing.load().await.map_err(err)?;
            return Ok(Self {
                url,
                table: existing,
            });
        }
        let schema: StructType =
            table
                .schema()
                .as_ref()
                .try_into_kernel()
                .map_err(|e| DeltaError::Schema {
                    url: shown.clone(),
                    table: table.name(),
                    message: e.to_string(),
                })?;
        let created = deltalake::operations::create::CreateBuilder::new()
            .with_location(url.as_str())
            .with_table_name(table.name())
            .with_columns(schema.fields().cloned())
            .with_save_mode(SaveMode::ErrorIfExists)
            .with_configuration_property(
                deltalake::TableProperty::EnableExpiredLogCleanup,
                Some("false"),
            )
            .await
            .map_err(err)?;
        Ok(Self {
            url,
            table: created,
        })
    }

    /// The table's current version.
    #[must_use]
    pub fn version(&self) -> Option<u64> {
        self.table.version()
    }

    /// The dataset version of the last commit clusterkpi made to this table.
    pub async fn dataset_version(&self) -> Result<Option<u64>, DeltaError> {
        let state = self.table.snapshot().map_err(|e| self.err(e))?;
        let v = state
            .transaction_version(self.table.log_store().as_ref(), APP_ID)
            .await
            .map_err(|e| self.err(e))?;
        Ok(v.and_then(|v| u64::try_from(v).ok()))
    }

    /// Writes a data file under the table's root (`rel`, relative to it) through the
    /// table's own store, to be committed by [`DeltaForm::append`]; returns its size.
    pub async fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<u64, DeltaError> {
        let size = bytes.len() as u64;
        self.table
            .log_store()
            .object_store(None)
            .put(&deltalake::Path::from(rel), bytes.into())
            .await
            .map_err(|source| DeltaError::Put {
                url: self.url.to_string(),
                path: rel.to_string(),
                source,
            })?;
        Ok(size)
    }

    /// Commits `files` as one append, made by dataset version `dataset_version`, on
    /// top of the version this handle read: if another writer committed since, the
    /// commit is refused ([`DeltaError::Conflict`]) rather than retried on top of it.
    /// Returns the table's new version.
    pub async fn append(
        &mut self,
        files: &[PlacedFile],
        dataset_version: u64,
    ) -> Result<u64, DeltaError> {
        let now = now_millis();
        let actions = files
            .iter()
            .map(|f| {
                Action::Add(Add {
                    path: f.path.clone(),
                    partition_values: HashMap::new(),
                    size: i64::try_from(f.size).unwrap_or(i64::MAX),
                    modification_time: now,
                    data_change: true,
                    ..Default::default()
                })
            })
            .collect();
        self.commit(
            actions,
            dataset_version,
            DeltaOperation::Write {
                mode: SaveMode::Append,
                partition_by: None,
                predicate: None,
            },
        )
        .await
    }

    /// The data files of the table's current version: path relative to the table's
    /// root, and size.
    pub fn current_files(&self) -> Result<Vec<(String, i64)>, DeltaError> {
        let state = self.table.snapshot().map_err(|e| self.err(e))?;
        Ok(state
            .log_data()
            .into_iter()
            .map(|f| (f.path().into_owned(), f.size()))
            .collect())
    }

    /// Makes the table's current file list `files` in one commit made by dataset
    /// version `dataset_version`: the files it lacks are added (with their row count as
    /// Delta statistics, which readers answer `COUNT(*)` from), the files it has that
    /// `files` does not name are removed (they stay readable at earlier versions).
    /// Returns the new version; None if the table already lists exactly `files`
    /// (nothing is committed).
    pub async fn commit_file_list(
        &mut self,
        files: &[ListedFile],
        dataset_version: u64,
    ) -> Result<Option<u64>, DeltaError> {
        let current: HashMap<String, i64> = self.current_files()?.into_iter().collect();
        let wanted: HashMap<&str, &ListedFile> =
            files.iter().map(|f| (f.path.as_str(), f)).collect();
        let now = now_millis();
        let mut actions = Vec::new();
        let mut removes = false;
        let mut gone: Vec<(&String, &i64)> = current
            .iter()
            .filter(|(p, _)| !wanted.contains_key(p.as_str()))
            .collect();
        gone.sort();
        for (path, size) in gone {
            removes = true;
            actions.push(remove_action(path.clone(), *size, now));
        }
        for f in files.iter().filter(|f| !current.contains_key(&f.path)) {
            actions.push(Action::Add(Add {
                path: f.path.clone(),
                partition_values: HashMap::new(),
                size: i64::try_from(f.size).unwrap_or(i64::MAX),
                modification_time: now,
                data_change: true,
                stats: Some(format!("{{\"numRecords\":{}}}", f.rows)),
                ..Default::default()
            }));
        }
        if actions.is_empty() {
            return Ok(None);
        }
        let mode = if removes {
            SaveMode::Overwrite
        } else {
            SaveMode::Append
        };
        let operation = DeltaOperation::Write {
            mode,
            partition_by: None,
            predicate: None,
        };
        self.commit(actions, dataset_version, operation)
            .await
            .map(Some)
    }

    /// Commits `actions` for dataset version `dataset_version` on top of the version
    /// this handle read, never retried on top of another writer's (see
    /// [`DeltaForm::append`]); returns the new version.
    async fn commit(
        &mut self,
        actions: Vec<Action>,
        dataset_version: u64,
        operation: DeltaOperation,
    ) -> Result<u64, DeltaError> {
        let properties = CommitProperties::default().with_application_transaction(
            Transaction::new(APP_ID, i64::try_from(dataset_version).unwrap_or(i64::MAX)),
        );
        let state = self.table.snapshot().map_err(|e| self.err(e))?;
        let read = self.table.version().unwrap_or(0);
        let done = CommitBuilder::from(properties)
            .with_max_retries(0)
            .with_actions(actions)
            .build(Some(state), self.table.log_store(), operation)
            .await
            .map_err(|e| match e {
                DeltaTableError::Transaction {
                    source:
                        TransactionError::MaxCommitAttempts(_)
                        | TransactionError::VersionAlreadyExists(_),
                } => DeltaError::Conflict {
                    url: self.url.to_string(),
                    version: read + 1,
                },
                e => self.err(e),
            })?;
        // The commit's own state, not a new listing of the log: a writer committing
        // after every input file would otherwise list `_delta_log` each time.
        let version = done.version;
        self.table.state = Some(done.snapshot);
        Ok(version)
    }

    /// Takes back, in one commit, the data files a crashed writer committed to this
    /// table for a dataset version the dataset never published (one after
    /// `published`): their names carry the dataset version that wrote them
    /// (`v<N>-<hex>.parquet`). The files stay readable at the table's earlier
    /// versions; the latest version is the published state again, for every reader.
    /// Returns the paths taken back (none: no commit).
    pub async fn remove_unpublished(&mut self, published: u64) -> Result<Vec<String>, DeltaError> {
        let state = self.table.snapshot().map_err(|e| self.err(e))?;
        let orphans: Vec<(String, i64)> = state
            .log_data()
            .into_iter()
            .filter_map(|f| {
                let path = f.path().into_owned();
                let name = path.rsplit('/').next().unwrap_or(&path);
                crate::layout::parse_data_name(name)
                    .is_some_and(|v| v > published)
                    .then(|| (path, f.size()))
            })
            .collect();
        if orphans.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_millis();
        let actions = orphans
            .iter()
            .map(|(path, size)| remove_action(path.clone(), *size, now))
            .collect();
        self.commit(
            actions,
            published,
            DeltaOperation::Delete {
                predicate: Some(format!("version > {published}")),
            },
        )
        .await?;
        Ok(orphans.into_iter().map(|(p, _)| p).collect())
    }

    /// The data files of the table at `version` (its current version if None), as
    /// URIs a reader can open.
    pub async fn files_at(&self, version: Option<u64>) -> Result<Vec<String>, DeltaError> {
        let mut table = self.table.clone();
        if let Some(v) = version {
            table.load_version(v).await.map_err(|e| self.err(e))?;
        }
        let mut files: Vec<String> = table.get_file_uris().map_err(|e| self.err(e))?.collect();
        files.sort();
        Ok(files)
    }

    fn err(&self, source: DeltaTableError) -> DeltaError {
        DeltaError::Table {
            url: self.url.to_string(),
            source,
        }
    }
}

/// A file leaving the table's current list.
fn remove_action(path: String, size: i64, now: i64) -> Action {
    Action::Remove(Remove {
        path,
        data_change: true,
        deletion_timestamp: Some(now),
        extended_file_metadata: Some(true),
        partition_values: Some(HashMap::new()),
        size: Some(size),
        ..Default::default()
    })
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
