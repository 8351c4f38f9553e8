//! The Delta Lake form of a dataset table on a real S3-compatible server: moto
//! (`moto[server]` from PyPI, which honours conditional writes), started by the test
//! on 127.0.0.1. Data files are written through the table's store, committed, and read
//! back by a fresh reader; two writers that read the same version cannot both commit.
//!
//! Without `moto_server` on the PATH (or a command line that starts it in
//! `CLUSTERKPI_MOTO_SERVER`, such as `venv/bin/python -m moto.server`) the test says it
//! skipped; with `CLUSTERKPI_REQUIRE_S3=1` (as `.ci/run` sets) it fails instead.

mod common;
#[path = "common/tools.rs"]
mod tools;

use std::process::Command;

use tools::{create_bucket, moto};

use clusterkpi_lake::Table;
use clusterkpi_lake::delta::{DeltaError, DeltaForm};

/// The S3 store reads its endpoint and credentials from the environment, as in
/// production. The test sets them for a child of itself (edition 2024 makes changing
/// this process's environment unsafe): the parent starts the server and the child,
/// which finds `CLUSTERKPI_S3_CHILD` set, runs the body.
#[test]
fn a_table_on_object_storage_commits_conditionally() {
    if std::env::var_os("CLUSTERKPI_S3_CHILD").is_none() {
        let Some(server) = moto() else { return };
        create_bucket(server.port, "clusterkpi");
        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_table_on_object_storage_commits_conditionally",
                "--nocapture",
            ])
            .envs(server.env())
            .env("CLUSTERKPI_S3_CHILD", "1")
            .status()
            .unwrap();
        assert!(status.success());
        return;
    }
    let url = url::Url::parse("s3://clusterkpi/lake/roster/").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut a = DeltaForm::open_or_create(url.clone(), Table::Roster)
            .await
            .unwrap();
        assert_eq!(a.version(), Some(0));
        let size = a
            .put("v1-a.parquet", common::roster_parquet(&["A", "B"]))
            .await
            .unwrap();
        let first = clusterkpi_lake::delta::PlacedFile {
            path: "v1-a.parquet".into(),
            size,
        };
        assert_eq!(a.append(&[first], 1).await.unwrap(), 1);

        // A second writer reads version 1; the first commits version 2 before it.
        let mut b = DeltaForm::open_or_create(url.clone(), Table::Roster)
            .await
            .unwrap();
        assert_eq!(b.version(), Some(1));
        let size = a
            .put("v2-a.parquet", common::roster_parquet(&["C"]))
            .await
            .unwrap();
        let placed = |path: &str, size| clusterkpi_lake::delta::PlacedFile {
            path: path.into(),
            size,
        };
        assert_eq!(
            a.append(&[placed("v2-a.parquet", size)], 2).await.unwrap(),
            2
        );
        let size = b
            .put("v2-b.parquet", common::roster_parquet(&["D"]))
            .await
            .unwrap();
        match b.append(&[placed("v2-b.parquet", size)], 2).await {
            Err(DeltaError::Conflict { version, .. }) => assert_eq!(version, 2),
            other => panic!("the second writer committed: {:?}", other.map(|_| ())),
        }

        // A fresh reader sees the winner's rows only, at every version.
        let reader = DeltaForm::open_or_create(url.clone(), Table::Roster)
            .await
            .unwrap();
        assert_eq!(reader.version(), Some(2));
        assert_eq!(reader.dataset_version().await.unwrap(), Some(2));
        let files = reader.files_at(None).await.unwrap();
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files.iter().all(|f| !f.ends_with("v2-b.parquet")),
            "{files:?}"
        );
        assert_eq!(reader.files_at(Some(1)).await.unwrap().len(), 1);
    });
}
