//! Where the indicator SQL comes from: the files under `pipelines/indicators/`,
//! embedded at build time, or a folder named by the pipeline file.

use std::path::{Path, PathBuf};

use clusterkpi_model::Catalogue;
use clusterkpi_model::catalogue::Kind;

macro_rules! builtin {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../../pipelines/indicators/", $id, ".sql")))),*]
    };
}

/// The embedded SQL files, by name.
const BUILTIN: &[(&str, &str)] = builtin!(
    "views",
    "reported",
    "cnc_rate",
    "bis_rate",
    "rnd_tool_rate",
    "ecommerce_rate",
    "digital_cluster_count",
    "revenue_ytd",
    "output_value_ytd",
    "revenue_yoy",
    "revenue_cagr",
    "above_scale_count",
    "new_cluster_count",
    "clusters_over_5b",
    "clusters_over_10b",
    "green_factory_count",
    "sme_count",
    "specialized_count",
    "little_giant_count",
    "design_center_count",
    "innovation_platform_count",
    "core_tech_count",
    "listing_reserve_count",
    "listed_count",
    "tech_upgrade_subsidy",
    "demo_reward",
    "reporting_rate",
);

/// The indicator definitions an evaluation runs.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub catalogue: Catalogue,
    folder: Option<PathBuf>,
}

impl Definitions {
    /// The catalogue and SQL built into the binary.
    #[must_use]
    pub fn builtin() -> Self {
        Self {
            catalogue: Catalogue::builtin(),
            folder: None,
        }
    }

    /// A folder with `catalogue.toml`, `views.sql` and one `<id>.sql` per indicator.
    pub fn from_folder(folder: &Path) -> Result<Self, crate::EngineError> {
        let cat = folder.join("catalogue.toml");
        let text = std::fs::read_to_string(&cat)
            .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", cat.display())))?;
        let catalogue = Catalogue::parse(&text)
            .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", cat.display())))?;
        let defs = Self {
            catalogue,
            folder: Some(folder.to_path_buf()),
        };
        defs.check()?;
        Ok(defs)
    }

    /// Every SQL indicator has its file.
    pub fn check(&self) -> Result<(), crate::EngineError> {
        let mut missing = Vec::new();
        for i in self.catalogue.iter().filter(|i| i.kind == Kind::Sql) {
            if self.sql(&i.id).is_err() {
                missing.push(format!("{}.sql", i.id));
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(crate::EngineError::Definitions(format!(
                "missing indicator SQL files: {}",
                missing.join(", ")
            )))
        }
    }

    /// The SQL text of a file by name (without `.sql`).
    pub fn sql(&self, name: &str) -> Result<String, crate::EngineError> {
        match &self.folder {
            Some(dir) => {
                let p = dir.join(format!("{name}.sql"));
                std::fs::read_to_string(&p)
                    .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", p.display())))
            }
            None => BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| (*s).to_string())
                .ok_or_else(|| {
                    crate::EngineError::Definitions(format!("no built-in SQL named {name}.sql"))
                }),
        }
    }

    /// Where a named file lives, for error messages.
    #[must_use]
    pub fn origin(&self, name: &str) -> String {
        match &self.folder {
            Some(dir) => dir.join(format!("{name}.sql")).display().to_string(),
            None => format!("pipelines/indicators/{name}.sql (built in)"),
        }
    }
}

/// Splits a SQL script into statements on `;` outside quotes and comments.
#[must_use]
pub fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = script.chars().peekable();
    let mut in_quote = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                cur.push(c);
            }
            '-' if !in_quote && chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        cur.push('\n');
                        break;
                    }
                }
            }
            ';' if !in_quote => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}
