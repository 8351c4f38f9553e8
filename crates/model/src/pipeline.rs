//! The pipeline file (`pipelines/quarterly.toml`): where the plan, reference lists,
//! inbox, dataset and reports live, and the run's settings. Read raw, then resolved
//! against the file's folder, with command-line flags overriding the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::evaluation::Language;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    pipeline: PipelineSection,
    #[serde(default)]
    limits: InputLimits,
}

/// Resource limits for one input file (`[limits]`); a file beyond them fails with
/// `E_TOO_LARGE` before the limit is spent in memory. Unset: the built-in defaults.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputLimits {
    /// Largest file, in MiB.
    pub max_file_mb: Option<u64>,
    /// Largest uncompressed size of a workbook, in MiB.
    pub max_uncompressed_mb: Option<u64>,
    /// Most rows in one file.
    pub max_rows: Option<u64>,
    /// Most cells a worksheet may declare.
    pub max_cells: Option<u64>,
    /// Largest cell, in bytes.
    pub max_field_bytes: Option<u64>,
    /// Largest row, in bytes.
    pub max_record_bytes: Option<u64>,
    /// Most problems recorded for one file; a file with more is rejected with a count.
    pub max_problems: Option<u64>,
    /// Most entries in a workbook's zip.
    pub max_zip_entries: Option<u64>,
    /// Memory of the process that parses one workbook, in MiB.
    pub reader_memory_mb: Option<u64>,
    /// Seconds one parse of a workbook may take.
    pub reader_seconds: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineSection {
    name: Option<String>,
    plan: Option<PathBuf>,
    clusters: Option<PathBuf>,
    roster: Option<PathBuf>,
    inbox: Option<PathBuf>,
    lake: Option<PathBuf>,
    out: Option<PathBuf>,
    /// A folder with the indicator SQL files and catalogue, to use instead of the
    /// ones built into the binary.
    indicators: Option<PathBuf>,
    language: Option<String>,
    max_error_rate: Option<f64>,
}

/// Paths and settings given on the command line; each overrides the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub plan: Option<PathBuf>,
    pub clusters: Option<PathBuf>,
    pub roster: Option<PathBuf>,
    pub inbox: Option<PathBuf>,
    pub lake: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub language: Option<Language>,
    pub max_error_rate: Option<f64>,
}

/// A resolved pipeline: every path absolute or relative to the working directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pipeline {
    pub name: String,
    pub file: Option<PathBuf>,
    pub plan: Option<PathBuf>,
    pub clusters: Option<PathBuf>,
    pub roster: Option<PathBuf>,
    pub inbox: Option<PathBuf>,
    pub lake: PathBuf,
    pub out: PathBuf,
    pub indicators: Option<PathBuf>,
    pub language: Language,
    pub max_error_rate: f64,
    pub limits: InputLimits,
}

#[derive(Debug, thiserror::Error)]
#[error("pipeline file {path}:\n  - {}", problems.join("\n  - "))]
pub struct PipelineError {
    pub path: String,
    pub problems: Vec<String>,
}

/// The share of bad rows above which a whole file is rejected.
pub const DEFAULT_MAX_ERROR_RATE: f64 = 0.05;

impl Pipeline {
    /// Loads a pipeline file (if any) and applies the overrides.
    pub fn load(file: Option<&Path>, over: Overrides) -> Result<Self, PipelineError> {
        let (raw, limits, base) = match file {
            Some(path) => {
                let err = |problems| PipelineError {
                    path: path.display().to_string(),
                    problems,
                };
                // A pipeline file is a page of TOML.
                let text = crate::small_file::read_text(path, 1 << 20, "pipeline file")
                    .map_err(|e| err(vec![e]))?;
                let raw: PipelineFile =
                    toml::from_str(&text).map_err(|e| err(vec![e.to_string()]))?;
                (
                    raw.pipeline,
                    raw.limits,
                    path.parent().map(Path::to_path_buf).unwrap_or_default(),
                )
            }
            None => (
                PipelineSection::default(),
                InputLimits::default(),
                PathBuf::new(),
            ),
        };
        let rel = |p: Option<PathBuf>| {
            p.map(|p| {
                if p.is_absolute() {
                    p
                } else {
                    normalize(&base.join(p))
                }
            })
        };
        let mut problems = Vec::new();
        let language = match over.language {
            Some(l) => l,
            None => match raw.language.as_deref() {
                None | Some("zh") => Language::Zh,
                Some("en") => Language::En,
                Some(other) => {
                    problems.push(format!("language = {other:?}: must be \"zh\" or \"en\""));
                    Language::Zh
                }
            },
        };
        let max_error_rate = over
            .max_error_rate
            .or(raw.max_error_rate)
            .unwrap_or(DEFAULT_MAX_ERROR_RATE);
        if !(0.0..=1.0).contains(&max_error_rate) {
            problems.push(format!(
                "max_error_rate = {max_error_rate}: must be between 0 and 1"
            ));
        }
        if !problems.is_empty() {
            return Err(PipelineError {
                path: file.map_or_else(|| "(flags)".into(), |p| p.display().to_string()),
                problems,
            });
        }
        Ok(Pipeline {
            name: raw.name.unwrap_or_else(|| "quarterly-evaluation".into()),
            file: file.map(Path::to_path_buf),
            plan: over.plan.or_else(|| rel(raw.plan)),
            clusters: over.clusters.or_else(|| rel(raw.clusters)),
            roster: over.roster.or_else(|| rel(raw.roster)),
            inbox: over.inbox.or_else(|| rel(raw.inbox)),
            lake: over
                .lake
                .or_else(|| rel(raw.lake))
                .unwrap_or_else(|| PathBuf::from("data/lake")),
            out: over
                .out
                .or_else(|| rel(raw.out))
                .unwrap_or_else(|| PathBuf::from("reports")),
            indicators: rel(raw.indicators),
            language,
            max_error_rate,
            limits,
        })
    }
}

/// Removes `.` and `x/..` lexically, so paths print as people wrote them
/// (`data/inbox`, not `pipelines/../data/inbox`).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_file_and_flags_win() {
        let dir = std::env::temp_dir().join(format!("ckpi-pipe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("q.toml");
        std::fs::write(
            &f,
            "[pipeline]\nplan = \"../p.toml\"\nlake = \"lake\"\nout = \"/abs/out\"\nmax_error_rate = 0.1\n",
        )
        .unwrap();
        let p = Pipeline::load(
            Some(&f),
            Overrides {
                lake: Some("/x/lake".into()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(p.plan.unwrap(), dir.parent().unwrap().join("p.toml"));
        assert_eq!(
            normalize(Path::new("pipelines/../data/inbox")),
            PathBuf::from("data/inbox")
        );
        assert_eq!(normalize(Path::new("../data")), PathBuf::from("../data"));
        assert_eq!(p.lake, PathBuf::from("/x/lake"));
        assert_eq!(p.out, PathBuf::from("/abs/out"));
        assert_eq!(p.max_error_rate, 0.1);
        std::fs::write(&f, "[pipeline]\nlanguage = \"fr\"\nmax_error_rate = 2\n").unwrap();
        let e = Pipeline::load(Some(&f), Overrides::default()).unwrap_err();
        assert_eq!(e.problems.len(), 2);
        std::fs::write(&f, "[pipeline]\nlakes = \"x\"\n").unwrap();
        assert!(Pipeline::load(Some(&f), Overrides::default()).is_err());
    }
}
