//! Writes one evaluation's report folder and publishes it atomically.
//!
//! ```text
//!  Evaluation ─┬─ csv_out ──▶ kpis.csv, series.csv, validation.csv, status.csv
//!              ├─ xlsx ─────▶ kpis.xlsx
//!              ├─ charts ───▶ charts/*.svg, charts/*.png   (clusterkpi-charts)
//!              ├─ content ──┬─ html ─────▶ report.html
//!              │            ├─ markdown ─▶ report.md
//!              │            └─ docx ─────▶ report.docx
//!              └─ manifest ─▶ manifest.json
//!        all into <out>/.<P>.staging-<run>/, fsynced, then publish ─▶ <out>/<P>/
//! ```
//!
//! [`write_report`] is the whole API. A reader of `<out>/<P>` sees the previous
//! complete report or the new one, never a mix (see `publish.rs` for the
//! rename protocol and crash recovery). Every export is injection-safe: CSV and xlsx
//! text cells that a spreadsheet would take for a formula get a leading `'`, HTML is
//! entity-escaped and Markdown backslash-escaped.

mod content;
mod csv_out;
pub use csv_out::{arrivals_csv, validation_csv};
mod docx;
mod html;
mod manifest;
mod markdown;
mod publish;
mod rows;
mod text;
mod xlsx;

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clusterkpi_model::{Evaluation, FileRecord};

use crate::manifest::Output;
use crate::publish::{Hook, Layout, Step};

/// What the run knows that the evaluation does not: its identity and the time its
/// earlier stages took.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub tool_version: String,
    /// Stage name and seconds, for the stages before the report stage.
    pub stages: Vec<(String, f64)>,
    /// The files this run looked at, duplicates included.
    pub inputs: Vec<FileRecord>,
    /// Who has sent what for the as-of quarter, per county (the data-quality section
    /// shows it as `clusterkpi status` prints it); `None`: not known to this run.
    pub arrivals: Option<clusterkpi_model::arrivals::Arrivals>,
}

/// Why a report could not be written. Each variant names the file or folder concerned;
/// whatever the error, the previously published report is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report file could not be written or fsynced.
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// The workbook could not be built. Cells and sheets are cut to Excel's limits
    /// beforehand, so no input file's content causes this.
    #[error("cannot build the workbook {}: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    /// The chart stage failed.
    #[error("cannot draw the charts into {}: {source}", dir.display())]
    Charts {
        dir: PathBuf,
        source: clusterkpi_charts::ChartError,
    },
    /// A folder operation of staging, publishing or recovery failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// Writes `<out_root>/<as_of>/` completely aside, then moves it into place; returns the
/// final folder.
///
/// Before writing, it repairs what an interrupted run left under `out_root` (a report
/// renamed aside but not replaced is put back; stale staging folders are removed). One
/// writer per `out_root` at a time: the caller holds the run lock.
pub fn write_report(
    eval: &Evaluation,
    run: &RunInfo,
    out_root: &Path,
) -> Result<PathBuf, ReportError> {
    write_report_with(eval, run, out_root, &mut |_| Ok(()))
}

/// [`write_report`] with a hook called before each step, for fault-injection tests.
fn write_report_with(
    eval: &Evaluation,
    run: &RunInfo,
    out_root: &Path,
    hook: &mut Hook<'_>,
) -> Result<PathBuf, ReportError> {
    let started = Instant::now();
    let layout = Layout::new(out_root, eval.as_of, &run.run_id);
    publish::prepare(&layout)?;
    let result = build(eval, run, &layout.staging, started, hook)
        .and_then(|()| publish::publish(&layout, hook));
    if result.is_err() {
        // Nothing of this run may stay behind; if even this fails, the next run's
        // recovery removes it.
        let _ = fs::remove_dir_all(&layout.staging);
    }
    result.map(|()| layout.target)
}

/// Writes every file into the staging folder, each fsynced, then the folders.
fn build(
    eval: &Evaluation,
    run: &RunInfo,
    dir: &Path,
    started: Instant,
    hook: &mut Hook<'_>,
) -> Result<(), ReportError> {
    let generated_at = clusterkpi_model::now_rfc3339();
    let mut out = Staging {
        dir,
        hook,
        outputs: Vec::new(),
    };

    // The charts first, on every core: they are most of the stage's work, and the
    // documents show them. Then three things at once: the documents here, the
    // workbook on a second thread, and on a third the charts' fsyncs, which wait on
    // the disk, not on a core, then the CSVs. The workbook used to be built beside
    // the charts from the start, and the charts' fsyncs came after them, one by one
    // (40 files, about 15 ms at 10x the sample city).
    let charts_dir = dir.join("charts");
    let (charts, files) = out.charts(eval, &charts_dir)?;
    let (csvs, workbook, documents) = std::thread::scope(|s| {
        let csvs = s.spawn(|| sync_charts(&charts_dir, &files).map(|()| csvs(eval, run)));
        let workbook = s.spawn(|| xlsx::workbook(eval));
        let documents = Documents::render(eval, run, &charts, &generated_at, dir);
        (joined(csvs), joined(workbook), documents)
    });
    let csvs = csvs?;

    for (name, bytes) in &csvs {
        out.write(name, bytes)?;
    }
    let workbook = workbook.map_err(|source| ReportError::Xlsx {
        path: dir.join("kpis.xlsx"),
        source,
    })?;
    out.write("kpis.xlsx", &workbook)?;
    let documents = documents?;
    out.write("report.html", documents.html.as_bytes())?;
    out.write("report.md", documents.markdown.as_bytes())?;
    out.write("report.docx", &documents.docx)?;

    // Last, so it can list every other file and time the stage up to here.
    let json = manifest::render(
        eval,
        run,
        &generated_at,
        started.elapsed().as_secs_f64(),
        &out.outputs,
    );
    out.write("manifest.json", &json)?;

    publish::sync_dir(dir).map_err(write_err(dir))
}

/// The CSVs, by file name, in the order they are written.
fn csvs(eval: &Evaluation, run: &RunInfo) -> Vec<(&'static str, Vec<u8>)> {
    let mut csvs = vec![
        ("kpis.csv", csv_out::kpis(eval)),
        ("series.csv", csv_out::series(eval)),
        ("validation.csv", csv_out::validation(eval)),
    ];
    if let Some(a) = &run.arrivals {
        // Who has sent what, as `clusterkpi status --output` writes it.
        csvs.push(("status.csv", csv_out::arrivals_csv(a)));
    }
    csvs
}

/// The documents for people, rendered from one [`content::Document`].
struct Documents {
    html: String,
    markdown: String,
    docx: Vec<u8>,
}

impl Documents {
    fn render(
        eval: &Evaluation,
        run: &RunInfo,
        charts: &[clusterkpi_charts::Chart],
        generated_at: &str,
        dir: &Path,
    ) -> Result<Self, ReportError> {
        let doc = content::document(eval, run, charts, generated_at);
        let docx = docx::render(&doc, dir).map_err(write_err(&dir.join("report.docx")))?;
        Ok(Self {
            html: html::render(&doc),
            markdown: markdown::render(&doc),
            docx,
        })
    }
}

/// What a scoped thread returned; its panic goes on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The error of writing `path`, for `map_err`.
fn write_err(path: &Path) -> impl FnOnce(io::Error) -> ReportError + use<> {
    let path = path.to_path_buf();
    move |source| ReportError::Write { path, source }
}

/// Fsyncs each of the chart `files`, then their `folder` (the chart stage does not
/// promise durability itself).
fn sync_charts(folder: &Path, files: &[PathBuf]) -> Result<(), ReportError> {
    for path in files {
        fs::File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(write_err(path))?;
    }
    publish::sync_dir(folder).map_err(write_err(folder))
}

/// The staging folder being filled: writes durably and remembers what it wrote.
struct Staging<'a, 'h> {
    dir: &'a Path,
    hook: &'a mut Hook<'h>,
    outputs: Vec<Output>,
}

impl Staging<'_, '_> {
    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let path = self.dir.join(name);
        (self.hook)(Step::Write(name))
            .and_then(|()| write_durably(&path, bytes))
            .map_err(|source| ReportError::Write { path, source })?;
        if name != "manifest.json" {
            self.outputs.push(Output {
                path: name.to_string(),
                bytes: bytes.len() as u64,
            });
        }
        Ok(())
    }

    /// Renders the charts into `dir` (the staging folder's `charts/`) and lists what
    /// the chart stage wrote, in name order, for the caller to fsync.
    fn charts(
        &mut self,
        eval: &Evaluation,
        dir: &Path,
    ) -> Result<(Vec<clusterkpi_charts::Chart>, Vec<PathBuf>), ReportError> {
        (self.hook)(Step::Write("charts"))
            .and_then(|()| fs::create_dir_all(dir))
            .map_err(write_err(dir))?;
        let charts =
            clusterkpi_charts::render_all(eval, dir).map_err(|source| ReportError::Charts {
                dir: dir.to_path_buf(),
                source,
            })?;
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .and_then(|entries| entries.map(|e| e.map(|e| e.path())).collect())
            .map_err(write_err(dir))?;
        files.sort();
        for path in &files {
            let bytes = fs::metadata(path).map_err(write_err(path))?.len();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.outputs.push(Output {
                path: format!("charts/{name}"),
                bytes,
            });
        }
        Ok((charts, files))
    }
}

/// Creates a file, writes it and fsyncs it, so the later rename publishes only data
/// that is on disk (P5).
///
/// The bytes go to the kernel a mebibyte at a time. Given in one call, several
/// megabytes were slow to copy on the benchmark machine (Linux 6.18, ext4, a virtual
/// machine): 9 MB took 19-82 ms in one `write` and 2 ms in 1 MiB pieces, and the
/// 8.5 MB Word document of a 10x report took 50 ms, a quarter of the report stage,
/// all in the kernel's copy. Pieces of 2 MiB and more were as slow as one call.
fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    const PIECE: usize = 1 << 20;
    let mut f = fs::File::create_new(path)?;
    for piece in bytes.chunks(PIECE) {
        f.write_all(piece)?;
    }
    f.sync_all()
}

#[cfg(test)]
#[path = "../tests/fixture/mod.rs"]
mod fixture;

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io;

    use super::*;

    fn folder_names(root: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Every step in turn fails on a run that replaces a report: the first report
    /// stays as it was and nothing else is left under the output root.
    #[test]
    fn a_failure_at_any_step_leaves_the_previous_report_intact() {
        let eval = fixture::evaluation(true);
        let mut later = fixture::evaluation(false);
        later.dataset_version += 1;

        // The steps of a replacing run, recorded on a scratch folder.
        let scratch = tempfile::tempdir().unwrap();
        write_report(&eval, &fixture::run("r1"), scratch.path()).unwrap();
        let mut steps = Vec::new();
        write_report_with(&later, &fixture::run("r2"), scratch.path(), &mut |s| {
            steps.push(format!("{s:?}"));
            Ok(())
        })
        .unwrap();
        assert!(steps.len() > 8, "{steps:?}");
        assert_eq!(steps.last().map(String::as_str), Some("RemovePrevious"));

        let dir = tempfile::tempdir().unwrap();
        let first = write_report(&eval, &fixture::run("r1"), dir.path()).unwrap();
        let csv = fs::read(first.join("kpis.csv")).unwrap();
        let manifest = fs::read_to_string(first.join("manifest.json")).unwrap();
        // Failing the removal of the previous report is not an error (tested in
        // `publish`); every other step is.
        for failing in steps.iter().filter(|s| *s != "RemovePrevious") {
            let err = write_report_with(&later, &fixture::run("r2"), dir.path(), &mut |s| {
                if format!("{s:?}") == *failing {
                    Err(io::Error::other("injected"))
                } else {
                    Ok(())
                }
            })
            .expect_err(failing);
            assert!(err.to_string().contains("injected"), "{failing}: {err}");
            assert_eq!(folder_names(dir.path()), [fixture::AS_OF], "{failing}");
            assert_eq!(fs::read(first.join("kpis.csv")).unwrap(), csv, "{failing}");
            assert_eq!(
                fs::read_to_string(first.join("manifest.json")).unwrap(),
                manifest,
                "{failing}"
            );
        }
    }

    #[test]
    fn a_run_killed_between_the_renames_is_repaired_by_the_next_run() {
        let eval = fixture::evaluation(true);
        let dir = tempfile::tempdir().unwrap();
        let first = write_report(&eval, &fixture::run("r1"), dir.path()).unwrap();
        // The state a kill leaves after the first rename: the report aside, a staging
        // folder beside it, no report.
        fs::rename(
            &first,
            dir.path().join(format!(".{}.previous-r2", fixture::AS_OF)),
        )
        .unwrap();
        fs::create_dir(dir.path().join(format!(".{}.staging-r2", fixture::AS_OF))).unwrap();

        // A run that fails before publishing still repairs the folder first.
        let err = write_report_with(&eval, &fixture::run("r3"), dir.path(), &mut |s| {
            if s == Step::Write("report.html") {
                Err(io::Error::other("injected"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(matches!(err, ReportError::Write { .. }), "{err}");
        assert_eq!(folder_names(dir.path()), [fixture::AS_OF]);
        assert!(first.join("manifest.json").is_file());
    }

    #[test]
    fn an_output_root_that_is_a_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("reports");
        fs::write(&root, "not a folder").unwrap();
        let err = write_report(&fixture::evaluation(true), &fixture::run("r1"), &root).unwrap_err();
        assert!(err.to_string().contains("reports"), "{err}");
        assert_eq!(fs::read_to_string(&root).unwrap(), "not a folder");
    }
}
