//! One file per command; the shared steps (ingesting files, evaluating and writing the
//! report) live in `ingest.rs` and `evaluate.rs`.

#[cfg(feature = "cluster")]
mod cluster;
mod demo;
mod evaluate;
mod generate;
mod ingest;
mod run;
mod sql;
mod status;
mod template;
mod validate;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub(crate) fn run(cli: Cli) -> Result<Exit> {
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Demo {
            out,
            period,
            language,
        } => demo::run(&out, period.as_deref(), language, quiet),
        Command::Run {
            pipeline,
            period,
            paths,
            read,
            engine,
        } => run::run(&pipeline, period.as_deref(), &paths, &read, &engine, quiet),
        Command::Validate {
            files,
            paths,
            read,
            output,
            feedback,
        } => validate::run(
            &files,
            &paths,
            &read,
            output.as_deref(),
            feedback.as_deref(),
        ),
        Command::Template {
            period,
            county,
            paths,
        } => template::run(&period, county.as_deref(), &paths),
        Command::Ingest { files, paths, read } => ingest::run(&files, &paths, &read, quiet),
        Command::Evaluate {
            period,
            dataset_version,
            paths,
            engine,
        } => evaluate::run(period.as_deref(), dataset_version, &paths, &engine, quiet),
        Command::Generate {
            out,
            enterprises,
            from,
            to,
            seed,
            clean,
            plain,
        } => generate::run(
            &out,
            enterprises,
            from.as_deref(),
            to.as_deref(),
            seed,
            clean,
            plain,
        ),
        Command::Sql {
            query,
            output,
            dataset_version,
            paths,
        } => sql::run(&query, output.as_deref(), dataset_version, &paths),
        Command::Status {
            pipeline,
            period,
            output,
            fail_overdue,
            paths,
        } => status::run(
            pipeline.as_deref(),
            period.as_deref(),
            output.as_deref(),
            fail_overdue,
            &paths,
        ),
        #[cfg(feature = "cluster")]
        Command::Cluster { role } => cluster::run(role),
    }
}

/// A timer for the manifest's stage timings.
pub(crate) struct Stages {
    started: std::time::Instant,
    last: std::time::Instant,
    pub done: Vec<(String, f64)>,
    /// `<UTC time>-<pid>`: names this run in the manifest and its staging folder.
    pub run_id: String,
    pub started_at: String,
}

impl Stages {
    pub(crate) fn new() -> Self {
        let now = std::time::Instant::now();
        let started_at = clusterkpi_model::now_rfc3339();
        let run_id = format!(
            "{}-{}",
            started_at.replace(['-', ':'], ""),
            std::process::id()
        );
        Self {
            started: now,
            last: now,
            done: Vec::new(),
            run_id,
            started_at,
        }
    }

    pub(crate) fn mark(&mut self, name: &str) {
        let now = std::time::Instant::now();
        self.done
            .push((name.to_string(), (now - self.last).as_secs_f64()));
        self.last = now;
    }

    pub(crate) fn total(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
