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
    #[serde(default)]
    reporting: ReportingSection,
}

/// `[reporting]` as written: when a quarter's files are due and from which counties.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportingSection {
    due_days: Option<i64>,
    counties: Option<Vec<String>>,
}

/// When county files are due and which counties are expected to send them
/// (`[reporting]`), for `clusterkpi status` and the report's data-quality section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reporting {
    /// A quarter's files are due this many days after it ends: on time when they
    /// arrive by the end of that day, China Standard Time.
    pub due_days: u32,
    /// The counties expected to send files, as the cluster list writes them; `None`:
    /// every county of the cluster list.
    pub counties: Option<Vec<String>>,
}

/// Days after a quarter's end its files are due, unless the pipeline file says.
pub const DEFAULT_DUE_DAYS: u32 = 15;

/// The longest allowed `due_days`: a quarter's files due after the next quarter has
/// ended are a typo.
pub const MAX_DUE_DAYS: u32 = 92;

impl Default for Reporting {
    fn default() -> Self {
        Self {
            due_days: DEFAULT_DUE_DAYS,
            counties: None,
        }
    }
}

impl ReportingSection {
    /// Checks the section; every problem is pushed, in the file's words.
    fn resolve(self, problems: &mut Vec<String>) -> Reporting {
        let due_days = match self.due_days {
            None => DEFAULT_DUE_DAYS,
            Some(d) if (0..=i64::from(MAX_DUE_DAYS)).contains(&d) => d as u32,
            Some(d) => {
                problems.push(format!(
                    "[reporting] due_days = {d}: must be a whole number of days from 0 to {MAX_DUE_DAYS} after the quarter ends"
                ));
                DEFAULT_DUE_DAYS
            }
        };
        let counties = self.counties.map(|list| {
            if list.is_empty() {
                problems.push(
                    "[reporting] counties = []: name at least one county, or leave the key out to expect every county of the cluster list".into(),
                );
            }
            let mut seen = std::collections::BTreeSet::new();
            let mut out = Vec::new();
            for c in list {
                let name = c.trim().to_string();
                if name.is_empty() {
                    problems.push("[reporting] counties: an empty county name".into());
                } else if !seen.insert(name.clone()) {
                    problems.push(format!("[reporting] counties: {name:?} is listed twice"));
                } else {
                    out.push(name);
                }
            }
            out
        });
        Reporting { due_days, counties }
    }
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
    /// Where the indicators' queries run: `local` or `df://HOST:PORT`.
    engine: Option<String>,
}

/// Where an evaluation's queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub enum Engine {
    /// In this process (DataFusion).
    #[default]
    Local,
    /// On an Apache DataFusion Ballista cluster: its scheduler's host and port.
    Cluster { host: String, port: u16 },
}

/// A Ballista scheduler's port when `df://HOST` names none.
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

impl std::str::FromStr for Engine {
    type Err = String;

    /// `local`, or `df://HOST[:PORT]` (port 50050 by default).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s == "local" {
            return Ok(Self::Local);
        }
        let bad = || format!("{s:?}: expected `local` or `df://HOST:PORT`");
        let rest = s.strip_prefix("df://").ok_or_else(bad)?;
        let (host, port) =
            scheduler_address(rest.strip_suffix('/').unwrap_or(rest)).ok_or_else(bad)?;
        Ok(Self::Cluster { host, port })
    }
}

/// A Ballista scheduler's `HOST[:PORT]` (port 50050 by default; an IPv6 address in
/// brackets, `[::1]:50050`), as `--engine df://…` and an executor's `--scheduler` give
/// it. None when the host is empty or not a host name or address, or the port is not
/// 1–65535.
#[must_use]
pub fn scheduler_address(text: &str) -> Option<(String, u16)> {
    let text = text.trim();
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p.parse::<u16>().ok()?),
        _ => (text, DEFAULT_SCHEDULER_PORT),
    };
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    (valid && port != 0).then(|| (host.to_string(), port))
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local => f.write_str("local"),
            Self::Cluster { host, port } => write!(f, "df://{host}:{port}"),
        }
    }
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
    pub engine: Option<Engine>,
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
    pub reporting: Reporting,
    /// Where the evaluation's queries run.
    pub engine: Engine,
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
        let (raw, limits, reporting, base) = match file {
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
                    raw.reporting,
                    path.parent().map(Path::to_path_buf).unwrap_or_default(),
                )
            }
            None => (
                PipelineSection::default(),
                InputLimits::default(),
                ReportingSection::default(),
                PathBuf::new(),
            ),
        };
        let rel = |p: Option<PathBuf>| {
            p.map(|p| {
                // A URL (`s3://bucket/prefix` for the dataset) is not a path.
                if p.is_absolute() || p.to_str().is_some_and(|s| s.contains("://")) {
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
        let reporting = reporting.resolve(&mut problems);
        let engine = match (over.engine, raw.engine.as_deref()) {
            (Some(e), _) => e,
            (None, None) => Engine::Local,
            (None, Some(text)) => text.parse().unwrap_or_else(|e| {
                problems.push(format!("engine = {e}"));
                Engine::Local
            }),
        };
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
            reporting,
            engine,
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
    fn engines_parse_and_print() {
        let cluster = |h: &str, port| Engine::Cluster {
            host: h.into(),
            port,
        };
        for (text, engine) in [
            ("local", Engine::Local),
            ("df://127.0.0.1:50050", cluster("127.0.0.1", 50050)),
            (
                "df://scheduler.internal",
                cluster("scheduler.internal", 50050),
            ),
            (" df://sched-1:7000/ ", cluster("sched-1", 7000)),
            ("df://[::1]:7000", cluster("[::1]", 7000)),
        ] {
            assert_eq!(text.parse::<Engine>(), Ok(engine.clone()), "{text}");
            assert_eq!(engine.to_string().parse::<Engine>(), Ok(engine));
        }
        for bad in [
            "",
            "df://",
            "http://x:1",
            "df://x:0",
            "df://x:port",
            "df://a b:1",
            "Local",
        ] {
            let e = bad.parse::<Engine>().unwrap_err();
            assert!(
                e.contains("expected `local` or `df://HOST:PORT`"),
                "{bad}: {e}"
            );
        }
        let dir = std::env::temp_dir().join(format!("ckpi-pipe-eng-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("q.toml");
        std::fs::write(&f, "[pipeline]\nengine = \"df://10.0.0.5\"\n").unwrap();
        let p = Pipeline::load(Some(&f), Overrides::default()).unwrap();
        assert_eq!(p.engine, cluster("10.0.0.5", 50050));
        let flag = Overrides {
            engine: Some(Engine::Local),
            ..Overrides::default()
        };
        assert_eq!(
            Pipeline::load(Some(&f), flag).unwrap().engine,
            Engine::Local
        );
        std::fs::write(&f, "[pipeline]\nengine = \"spark://x\"\n").unwrap();
        let e = Pipeline::load(Some(&f), Overrides::default()).unwrap_err();
        assert_eq!(e.problems.len(), 1, "{e}");
        assert!(e.problems[0].starts_with("engine = \"spark://x\""), "{e}");
        assert_eq!(
            Pipeline::load(None, Overrides::default()).unwrap().engine,
            Engine::Local
        );
    }

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

    #[test]
    fn reporting_defaults_and_checks() {
        let dir = std::env::temp_dir().join(format!("ckpi-pipe-rep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("q.toml");
        let load = |text: &str| {
            std::fs::write(&f, text).unwrap();
            Pipeline::load(Some(&f), Overrides::default())
        };
        // Unset: 15 days, every county of the cluster list; no file at all too.
        let p = load("[pipeline]\n").unwrap();
        assert_eq!(p.reporting, Reporting::default());
        assert_eq!(p.reporting.due_days, 15);
        assert_eq!(
            Pipeline::load(None, Overrides::default())
                .unwrap()
                .reporting,
            Reporting::default()
        );
        let p =
            load("[pipeline]\n[reporting]\ndue_days = 20\ncounties = [\" 辛集市\", \"无极县\"]\n")
                .unwrap();
        assert_eq!(p.reporting.due_days, 20);
        assert_eq!(
            p.reporting.counties.as_deref(),
            Some(&["辛集市".to_string(), "无极县".to_string()][..])
        );
        // Every problem at once, each naming the key.
        let e = load(
            "[pipeline]\n[reporting]\ndue_days = -1\ncounties = [\"辛集市\", \"辛集市\", \"\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.problems.len(), 3, "{:?}", e.problems);
        assert!(e.problems[0].contains("due_days = -1"), "{}", e.problems[0]);
        assert!(e.problems.iter().any(|p| p.contains("listed twice")));
        let e = load("[pipeline]\n[reporting]\ndue_days = 93\n").unwrap_err();
        assert!(e.problems[0].contains("0 to 92"), "{:?}", e.problems);
        let e = load("[pipeline]\n[reporting]\ncounties = []\n").unwrap_err();
        assert!(
            e.problems[0].contains("at least one county"),
            "{:?}",
            e.problems
        );
        // A misspelt key is an error, not a silent default.
        let e = load("[pipeline]\n[reporting]\ndue_day = 10\n").unwrap_err();
        assert!(e.problems[0].contains("due_day"), "{:?}", e.problems);
        let e = load("[pipeline]\n[reporting]\ndue_days = 1.5\n").unwrap_err();
        assert_eq!(e.problems.len(), 1);
    }
}
