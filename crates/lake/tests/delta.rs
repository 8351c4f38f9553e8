//! The Delta Lake form of a dataset table, on a local folder: created with the declared
//! schema, appended to with Parquet files this crate writes, each commit carrying the
//! dataset version as its application transaction, and read back at every version
//! (time travel) by a fresh open, as another reader would.

mod common;
#[path = "common/tools.rs"]
mod tools;

use std::fs::File;
use std::path::Path;

use clusterkpi_lake::Table;
use clusterkpi_lake::delta::{APP_ID, DeltaForm, PlacedFile};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Writes roster rows to `<root>/<name>` and returns the file to commit.
fn write_roster(root: &Path, name: &str, codes: &[&str]) -> PlacedFile {
    let bytes = common::roster_parquet(codes);
    std::fs::write(root.join(name), &bytes).unwrap();
    PlacedFile {
        path: name.to_string(),
        size: bytes.len() as u64,
    }
}

fn rows_in(uris: &[String]) -> usize {
    uris.iter()
        .map(|u| {
            let path = url::Url::parse(u)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| u.into());
            ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .map(|b| b.unwrap().num_rows())
                .sum::<usize>()
        })
        .sum()
}

/// A folder for the roster table: (its parent, kept alive; the folder; its URL).
fn roster_folder() -> (tempfile::TempDir, std::path::PathBuf, url::Url) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("roster");
    std::fs::create_dir_all(&root).unwrap();
    let url = url::Url::from_directory_path(&root).unwrap();
    (dir, root, url)
}

async fn open(url: &url::Url) -> DeltaForm {
    DeltaForm::open_or_create(url.clone(), Table::Roster)
        .await
        .unwrap()
}

/// Dataset version 1 adds A and B (`v1-a1.parquet`), version 2 adds C (`v2-b2.parquet`).
async fn append_two_versions(t: &mut DeltaForm, root: &Path) {
    t.append(&[write_roster(root, "v1-a1.parquet", &["A", "B"])], 1)
        .await
        .unwrap();
    t.append(&[write_roster(root, "v2-b2.parquet", &["C"])], 2)
        .await
        .unwrap();
}

#[test]
fn appends_are_versions_with_their_dataset_version() {
    let (_dir, root, url) = roster_folder();
    runtime().block_on(async {
        let mut t = open(&url).await;
        assert_eq!(t.version(), Some(0));
        assert_eq!(t.dataset_version().await.unwrap(), None);

        let first = write_roster(&root, "v1-a.parquet", &["A", "B"]);
        assert_eq!(t.append(&[first], 1).await.unwrap(), 1);
        let second = write_roster(&root, "v2-b.parquet", &["C"]);
        assert_eq!(t.append(&[second], 2).await.unwrap(), 2);
        assert_eq!(t.dataset_version().await.unwrap(), Some(2));

        // Another reader, opening the folder afresh, sees every version.
        let again = open(&url).await;
        assert_eq!(again.version(), Some(2));
        assert_eq!(again.dataset_version().await.unwrap(), Some(2));
        assert_eq!(rows_in(&again.files_at(Some(0)).await.unwrap()), 0);
        assert_eq!(rows_in(&again.files_at(Some(1)).await.unwrap()), 2);
        assert_eq!(rows_in(&again.files_at(None).await.unwrap()), 3);

        // What the log says, read by deltalake alone: the schema is the declared one
        // and the commit names its application transaction.
        let plain = deltalake::open_table(url.clone()).await.unwrap();
        let fields: Vec<String> = plain
            .snapshot()
            .unwrap()
            .schema()
            .fields()
            .map(|f| f.name().to_string())
            .collect();
        assert_eq!(fields, ["credit_code", "name", "cluster_id", "county"]);
        let log =
            std::fs::read_to_string(root.join("_delta_log/00000000000000000002.json")).unwrap();
        assert!(
            log.contains(&format!(r#""appId":"{APP_ID}","version":2"#)),
            "{log}"
        );
    });
}

/// A writer that crashed after committing a table for a dataset version the dataset
/// never published: the next writer takes those files back in one commit, so the
/// table's latest version is the published state again, and the taken-back files stay
/// readable at the version that added them.
#[test]
fn files_of_an_unpublished_version_are_taken_back() {
    let (_dir, root, url) = roster_folder();
    runtime().block_on(async {
        let mut t = open(&url).await;
        append_two_versions(&mut t, &root).await;

        // The dataset published version 1 only.
        let mut next = open(&url).await;
        assert_eq!(next.remove_unpublished(1).await.unwrap(), ["v2-b2.parquet"]);
        assert_eq!(next.version(), Some(3));
        assert_eq!(next.dataset_version().await.unwrap(), Some(1));
        assert_eq!(rows_in(&next.files_at(None).await.unwrap()), 2);
        assert_eq!(rows_in(&next.files_at(Some(2)).await.unwrap()), 3);
        // Nothing more to take back: no commit.
        assert!(next.remove_unpublished(1).await.unwrap().is_empty());
        assert_eq!(next.version(), Some(3));
    });
}

/// Other engines read the table clusterkpi wrote, at every version, with no clusterkpi
/// code: DuckDB (delta extension) and Polars (`scan_delta`), from PyPI, run by the
/// Python in `CLUSTERKPI_READERS_PYTHON` (`.ci/run` installs them in its virtualenv
/// and sets it). Without it the test says it skipped, unless `CLUSTERKPI_REQUIRE_S3`
/// (which `.ci/run` also sets) asks for every outside tool.
#[test]
fn duckdb_and_polars_read_every_version() {
    let Some(python) = tools::readers_python() else {
        return;
    };
    let (_dir, root, url) = roster_folder();
    runtime().block_on(async {
        let mut t = open(&url).await;
        append_two_versions(&mut t, &root).await;
        t.remove_unpublished(1).await.unwrap();
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/read_delta.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(root.to_str().unwrap())
        .args(["1", "2", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = "\
duckdb 1 2 A,B
duckdb 2 3 A,B,C
duckdb 3 2 A,B
polars 1 2 A,B
polars 2 3 A,B,C
polars 3 2 A,B
";
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}
