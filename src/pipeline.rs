//! Resolving what a command works on: the pipeline file with flag overrides, the plan,
//! the indicator definitions and the reading options.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clusterkpi_engine::Definitions;
use clusterkpi_model::pipeline::{Overrides, Pipeline};
use clusterkpi_model::{Catalogue, Date, Language, Period, Plan};

use crate::cli::{Lang, PipelineArgs, ReadArgs};

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
    };
    Ok(Pipeline::load(file.as_deref(), over)?)
}

pub(crate) fn definitions(p: &Pipeline) -> Result<Definitions> {
    match &p.indicators {
        Some(dir) => Ok(Definitions::from_folder(dir)?),
        None => Ok(Definitions::builtin()),
    }
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

pub(crate) fn period(arg: Option<&str>) -> Result<Option<Period>> {
    arg.map(|s| {
        s.parse::<Period>()
            .with_context(|| format!("--period {s:?}"))
    })
    .transpose()
}

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
    Ok(clusterkpi_ingest::Options {
        encoding,
        sheet: read.sheet.clone(),
        limits,
        max_error_rate: p.max_error_rate,
        today: Date::today(),
    })
}

/// Every input file under a folder (recursively), in path order: the order of
/// delivery when folders are named by quarter.
pub(crate) fn inbox_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d)
            .with_context(|| format!("reading the inbox folder {}", d.display()))?;
        for e in rd {
            let path = e?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if name.starts_with('.') || name.starts_with("~$") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("csv" | "xlsx" | "xlsm" | "xls" | "txt")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
