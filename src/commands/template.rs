//! `clusterkpi template`: the reporting workbook a county fills for a quarter, one per
//! county, from the roster and the previous quarter's accepted figures.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clusterkpi_forms::roster::{self, ByCounty};
use clusterkpi_forms::template::{self, Template};
use clusterkpi_ingest::{Collect, InputKind, PriorYtd, References};
use clusterkpi_lake::Lake;
use clusterkpi_model::{Display, Language};

use crate::cli::{PipelineArgs, ReadArgs};
use crate::exit::Exit;
use crate::pipeline;

pub(crate) fn run(period: &str, county: Option<&str>, args: &PipelineArgs) -> Result<Exit> {
    let p = pipeline::load(args, None)?;
    let period = pipeline::period(Some(period))?.expect("given");
    let lang = p.language;
    let snapshot = Lake::open_existing(&p.lake)
        .ok()
        .and_then(|l| l.snapshot(None).ok());
    let counties = match from_files(&p, lang)? {
        Some(r) => r,
        None => match &snapshot {
            Some(s) => roster::from_snapshot(s, lang)?.context("the dataset has no roster")?,
            None => bail!(
                "no roster: set `roster` and `clusters` in the pipeline file, pass --roster and --clusters, or ingest them first"
            ),
        },
    };
    let chosen: Vec<(&String, &Vec<template::Enterprise>)> = match county {
        Some(name) => match counties.get_key_value(name.trim()) {
            Some(c) => vec![c],
            None => bail!(
                "no county {name:?} in the roster; its counties are: {}",
                counties.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        },
        None => counties.iter().collect(),
    };
    // Last quarter's accepted figures; None without a dataset (the sheet says so).
    let previous = match &snapshot {
        Some(s) => Some(
            clusterkpi_forms::previous::accepted(s, period.prev())
                .context("reading the previous quarter's figures")?,
        ),
        None => None,
    };
    let dir: PathBuf = match &args.out {
        Some(d) => d.clone(),
        None => p.out.join("templates").join(period.to_string()),
    };
    let d = Display::new(Language::En);
    for (name, enterprises) in chosen {
        let t = Template {
            county: name,
            period,
            enterprises,
            previous: previous.as_ref(),
            language: lang,
        };
        let path = template::write(&t, &dir)?;
        let known = previous.as_ref().map_or(0, |f| {
            enterprises
                .iter()
                .filter(|e| f.contains_key(&e.credit_code))
                .count()
        });
        say!(
            "{}: {} enterprises, {} with figures accepted for {}",
            path.display(),
            enterprises.len(),
            known,
            d.quarter(period.prev())
        );
    }
    Ok(Exit::Complete)
}

/// The roster of the pipeline's reference files, read by the validator; None when the
/// pipeline names none.
fn from_files(
    p: &clusterkpi_model::pipeline::Pipeline,
    lang: Language,
) -> Result<Option<ByCounty>> {
    let (Some(clusters), Some(roster)) = (&p.clusters, &p.roster) else {
        return Ok(None);
    };
    if !clusters.exists() || !roster.exists() {
        return Ok(None);
    }
    let opts = pipeline::read_options(p, &ReadArgs::default())?;
    let read = |path: &Path, kind: InputKind, refs: &References| -> Result<Vec<_>> {
        let mut sink = Collect::default();
        let r = clusterkpi_ingest::process(
            path,
            &path.display().to_string(),
            &opts,
            refs,
            &mut |_| PriorYtd::default(),
            &mut sink,
        );
        if r.kind != Some(kind) || !r.outcome.ingests_rows() {
            bail!(
                "{}: not a usable {} ({}); run `clusterkpi validate` on it",
                path.display(),
                kind.name_zh(),
                r.outcome.as_str()
            );
        }
        Ok(sink.0)
    };
    let clusters = read(clusters, InputKind::Clusters, &References::default())?;
    let spellings = clusters.iter().filter_map(|r| match r {
        clusterkpi_ingest::Record::Cluster(c) => {
            Some((c.cluster_id.as_str(), c.name.as_str(), c.name_en.as_deref()))
        }
        _ => None,
    });
    let refs = References {
        clusters: Some(clusterkpi_ingest::cluster_spellings(spellings)),
        ..References::default()
    };
    let roster = read(roster, InputKind::Roster, &refs)?;
    Ok(Some(roster::from_records(&clusters, &roster, lang)))
}
