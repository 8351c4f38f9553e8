//! Resolving what a command works on: the pipeline file with flag overrides, the plan,
//! the indicator definitions and the reading options.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clusterkpi_engine::Definitions;
use clusterkpi_model::pipeline::{Overrides, Pipeline};
use clusterkpi_model::{Catalogue, Date, Language, Period, Plan};

use crate::cli::{EngineArgs, Lang, PipelineArgs, ReadArgs};

pub(crate) const DEFAULT_PIPELINE: &str = "pipelines/quarterly.toml";

impl From<Lang> for Language {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Zh => Language::Zh,
            Lang::En => Language::En,
        }
    }
}

/// Loads the pipeline named by `--pipeline` (or `file`), else the default one when it
/// exists, else flags only.
pub(crate) fn load(args: &PipelineArgs, file: Option<&Path>) -> Result<Pipeline> {
    load_with_engine(args, file, &EngineArgs::default())
}

/// As [`load`], for the commands that evaluate: `--engine` overrides the file's.
pub(crate) fn load_with_engine(
    args: &PipelineArgs,
    file: Option<&Path>,
    engine: &EngineArgs,
) -> Result<Pipeline> {
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| args.pipeline.clone())
        .or_else(|| {
            let d = PathBuf::from(DEFAULT_PIPELINE);
            d.exists().then_some(d)
        });
    let over = Overrides {
        plan: args.plan.clone(),
        clusters: args.clusters.clone(),
        roster: args.roster.clone(),
        inbox: args.inbox.clone(),
        lake: args.lake.clone(),
        out: args.out.clone(),
        language: args.language.map(Into::into),
        max_error_rate: args.max_error_rate,
        engine: engine.engine.clone(),
    };
    Ok(Pipeline::load(file.as_deref(), over)?)
}

pub(crate) fn definitions(p: &Pipeline) -> Result<Definitions> {
    match &p.indicators {
        Some(dir) => Ok(Definitions::from_folder(dir)?),
        None => Ok(Definitions::builtin()),
    }
}

/// What an evaluation is judged by: the indicator definitions and the plan checked
/// against their catalogue, with the plan's path and hash for the run's manifest.
/// Read once per command: a `run` ingests against the plan's city and evaluates
/// against its targets, and both see the same reading of the plan file.
pub(crate) struct Resolved {
    pub defs: Definitions,
    pub plan: Plan,
    pub plan_path: String,
    pub plan_sha256: String,
}

/// The pipeline's [`Resolved`] definitions and plan.
pub(crate) fn resolve(p: &Pipeline) -> Result<Resolved> {
    let defs = definitions(p)?;
    let (plan, plan_path, plan_sha256) = plan(p, &defs.catalogue)?;
    Ok(Resolved {
        defs,
        plan,
        plan_path,
        plan_sha256,
    })
}

/// The plan of the pipeline, validated against the catalogue; with its path and hash.
pub(crate) fn plan(p: &Pipeline, catalogue: &Catalogue) -> Result<(Plan, String, String)> {
    let Some(path) = &p.plan else {
        bail!("no plan given: set `plan` in the pipeline file or pass --plan FILE");
    };
    let plan = Plan::load(path, catalogue)?;
    let sha = clusterkpi_ingest::sha256_file(path)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((plan, path.display().to_string(), sha))
}

/// The quarter to evaluate. A quarter after the next one is a typo (`2205Q3`) or a
/// mistake, never a plan's question: refused before any work is done.
pub(crate) fn period(arg: Option<&str>) -> Result<Option<Period>> {
    let Some(s) = arg else { return Ok(None) };
    let p = s
        .parse::<Period>()
        .with_context(|| format!("--period {s:?}"))?;
    let next = Period::containing(Date::today()).next();
    if p > next {
        bail!("--period {p} is after the next quarter ({next}); a typo?");
    }
    Ok(Some(p))
}

/// The address space mimalloc reserves at a time in the workbook reader. Its default
/// is 1 GiB, reserved by the child's first allocation, before the child caps its own
/// address space at `reader_memory` (1 GiB): every later mapping then failed, and a
/// reader died with "memory allocation of 88 bytes failed" whenever its page map had
/// to grow (seen in the end-to-end tests, one workbook in a few hundred, more often in
/// a larger binary). Reserved 64 MiB at a time, the cap bounds what the reader uses.
const CHILD_ARENA_RESERVE: &str = "64MiB";

pub(crate) fn read_options(p: &Pipeline, read: &ReadArgs) -> Result<clusterkpi_ingest::Options> {
    let encoding =
        match &read.encoding {
            Some(label) => Some(clusterkpi_ingest::encoding_for_label(label).with_context(
                || format!("--encoding {label:?}: not an encoding (use utf-8, gbk or gb18030)"),
            )?),
            None => None,
        };
    let mut limits = clusterkpi_ingest::Limits::default();
    let mib = |n: u64| n.saturating_mul(1024 * 1024);
    let l = &p.limits;
    limits.max_bytes = l.max_file_mb.map_or(limits.max_bytes, mib);
    limits.max_uncompressed = l.max_uncompressed_mb.map_or(limits.max_uncompressed, mib);
    limits.max_rows = l.max_rows.unwrap_or(limits.max_rows);
    limits.max_cells = l.max_cells.unwrap_or(limits.max_cells);
    limits.max_field_bytes = l.max_field_bytes.unwrap_or(limits.max_field_bytes);
    limits.max_record_bytes = l.max_record_bytes.unwrap_or(limits.max_record_bytes);
    limits.max_problems = l.max_problems.unwrap_or(limits.max_problems);
    limits.max_zip_entries = l.max_zip_entries.unwrap_or(limits.max_zip_entries);
    limits.reader_memory = l.reader_memory_mb.map_or(limits.reader_memory, mib);
    limits.reader_seconds = l.reader_seconds.unwrap_or(limits.reader_seconds);
    // Workbooks are parsed by a child of this binary, within the memory and time
    // limits above (see clusterkpi_ingest::source::isolate).
    let program =
        std::env::current_exe().context("finding this program, to run the workbook reader")?;
    Ok(clusterkpi_ingest::Options {
        encoding,
        sheet: read.sheet.clone(),
        limits,
        workbooks: clusterkpi_ingest::WorkbookReader::Isolated(clusterkpi_ingest::Isolation {
            program,
            args: vec![crate::WORKBOOK_READER.to_string()],
            env: vec![(
                "MIMALLOC_ARENA_RESERVE".to_string(),
                CHILD_ARENA_RESERVE.to_string(),
            )],
        }),
        max_error_rate: p.max_error_rate,
        today: Date::today(),
        ..clusterkpi_ingest::Options::default()
    })
}

/// What the inbox holds: the files to ingest, and entries that are not read, with why.
pub(crate) struct Inbox {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Every input file under a folder (recursively), in path order: the order of
/// delivery when folders are named by quarter. Only regular files are taken; a
/// symbolic link only when it leads to a regular file inside the inbox. A FIFO or a
/// device would block the run while it holds the dataset lock, and a link to `/` or
/// to a folder above would make the walk endless: they are skipped and named.
pub(crate) fn inbox_files(dir: &Path) -> Result<Inbox> {
    let root = std::fs::canonicalize(dir)
        .with_context(|| format!("reading the inbox folder {}", dir.display()))?;
    let mut inbox = Inbox {
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d)
            .with_context(|| format!("reading the inbox folder {}", d.display()))?;
        for e in rd {
            let e = e.with_context(|| format!("reading the inbox folder {}", d.display()))?;
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || name.starts_with("~$") {
                continue;
            }
            let Ok(ft) = e.file_type() else {
                inbox.skipped.push((path, "cannot be examined"));
                continue;
            };
            if ft.is_dir() {
                stack.push(path);
                continue;
            }
            let wanted = matches!(
                path.extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("csv" | "xlsx" | "xlsm" | "xls" | "txt")
            );
            if !wanted {
                continue;
            }
            if ft.is_file() {
                inbox.files.push(path);
            } else if ft.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if !target.starts_with(&root) => inbox
                        .skipped
                        .push((path, "a symbolic link to outside the inbox")),
                    Ok(target) if target.is_file() => inbox.files.push(path),
                    Ok(_) => inbox
                        .skipped
                        .push((path, "a symbolic link to something other than a file")),
                    Err(_) => inbox.skipped.push((path, "a broken symbolic link")),
                }
            } else {
                inbox
                    .skipped
                    .push((path, "not a regular file (a FIFO, socket or device)"));
            }
        }
    }
    inbox.files.sort();
    inbox.skipped.sort();
    Ok(inbox)
}
