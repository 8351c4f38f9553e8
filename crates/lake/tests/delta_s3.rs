//! The Delta Lake form of a dataset table on a real S3-compatible server: moto
//! (`moto[server]` from PyPI, which honours conditional writes), started by the test
//! on 127.0.0.1. Data files are written through the table's store, committed, and read
//! back by a fresh reader; two writers that read the same version cannot both commit.
//!
//! Without `moto_server` on the PATH (or a command line that starts it in
//! `CLUSTERKPI_MOTO_SERVER`, such as `venv/bin/python -m moto.server`) the test says it
//! skipped; with `CLUSTERKPI_REQUIRE_S3=1` (as `.ci/run` sets) it fails instead.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clusterkpi_lake::Table;
use clusterkpi_lake::delta::{DeltaError, DeltaForm};

/// The S3-compatible server, stopped on drop.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto on a free port of 127.0.0.1, or says why not.
fn moto() -> Option<Moto> {
    // A command line: `moto_server`, or `python -m moto.server` of a virtualenv.
    let program =
        std::env::var("CLUSTERKPI_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_string());
    let mut words = program.split_whitespace();
    let port = free_port();
    let child = match Command::new(words.next().unwrap_or("moto_server"))
        .args(words)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("CLUSTERKPI_REQUIRE_S3").is_none(),
                "CLUSTERKPI_REQUIRE_S3 is set but {program} cannot start: {e}"
            );
            eprintln!("skipped: no S3-compatible server ({program}: {e})");
            return None;
        }
    };
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// Creates a bucket with one plain request (moto takes unsigned requests).
fn create_bucket(port: u16, bucket: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

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
            .env(
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", server.port),
            )
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
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
