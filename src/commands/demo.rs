//! `clusterkpi demo`: the whole pipeline on the bundled sample city. Works on a fresh
//! clone: the sample inputs are in data/ (or generated when missing) and the reference
//! plan is in data/plans/.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clusterkpi_model::pipeline::{Overrides, Pipeline};

use super::run::run_pipeline;
use crate::cli::{Lang, ReadArgs};
use crate::exit::Exit;

const REFERENCE_PLAN: &str = include_str!("../../data/plans/sjz-county-clusters-2021-2025.toml");

pub(crate) fn run(
    out: &Path,
    period: Option<&str>,
    language: Option<Lang>,
    quiet: bool,
) -> Result<Exit> {
    let bundled = Path::new(crate::pipeline::DEFAULT_PIPELINE);
    let over = Overrides {
        out: Some(out.to_path_buf()),
        language: language.map(Into::into),
        ..Overrides::default()
    };
    let p = if bundled.exists() && Path::new("data/reference/clusters.csv").exists() {
        Pipeline::load(Some(bundled), over)?
    } else {
        // Not in a clone with the sample data: make a self-contained demo folder.
        let dir = PathBuf::from("clusterkpi-demo");
        if !dir.join("reference/clusters.csv").exists() {
            say!("generating a sample city in {} …", dir.display());
            clusterkpi_synth::generate(&dir, &clusterkpi_synth::Options::default())
                .context("generating the sample city")?;
        }
        let plan = dir.join("plan.toml");
        std::fs::write(&plan, REFERENCE_PLAN)
            .with_context(|| format!("writing {}", plan.display()))?;
        Pipeline::load(
            None,
            Overrides {
                plan: Some(plan),
                clusters: Some(dir.join("reference/clusters.csv")),
                roster: Some(dir.join("reference/roster.csv")),
                inbox: Some(dir.join("inbox")),
                lake: Some(dir.join("lake")),
                ..over
            },
        )?
    };
    run_pipeline(&p, period, &ReadArgs::default(), quiet)
}
