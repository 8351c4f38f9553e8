//! `manifest.json`: what this report was built from (the run, the plan and its hash, the
//! dataset version, every input file with its outcome, rows per quarter, whether the
//! data is partial and why), how long each stage took, and the files the folder holds.

use std::collections::BTreeMap;

use clusterkpi_model::{Evaluation, FileRecord};
use serde::Serialize;

use crate::RunInfo;

#[derive(Serialize)]
struct Manifest<'a> {
    run_id: &'a str,
    started_at: &'a str,
    generated_at: &'a str,
    tool_version: &'a str,
    plan: PlanRef<'a>,
    period: String,
    language: clusterkpi_model::Language,
    dataset_version: u64,
    partial: bool,
    partial_reasons: Vec<String>,
    /// Enterprises of the roster without a report for `period`.
    missing_enterprises: usize,
    /// Quarantined rows that concern `period`.
    quarantined_for_period: u64,
    /// Every input file recorded in the dataset up to `dataset_version`.
    inputs: &'a [FileRecord],
    /// The files this run looked at, duplicates included.
    run_inputs: &'a [FileRecord],
    /// Accepted (current) report rows per quarter.
    rows_per_period: BTreeMap<String, u64>,
    issues: IssueCounts,
    stages: Vec<Stage<'a>>,
    /// The files of the report folder (paths relative to it), manifest excluded.
    outputs: &'a [Output],
}

#[derive(Serialize)]
struct PlanRef<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    sha256: &'a str,
    baseline: String,
    deadline: String,
}

#[derive(Serialize)]
struct IssueCounts {
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Stage<'a> {
    name: &'a str,
    seconds: f64,
}

/// One file written into the report folder.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Output {
    pub(crate) path: String,
    pub(crate) bytes: u64,
}

/// The manifest as pretty JSON. `stages` are the run's stages followed by this one.
pub(crate) fn render(
    eval: &Evaluation,
    run: &RunInfo,
    generated_at: &str,
    report_seconds: f64,
    outputs: &[Output],
) -> Vec<u8> {
    let warnings = eval.issues.iter().filter(|i| i.is_warning()).count();
    let mut stages: Vec<Stage<'_>> = run
        .stages
        .iter()
        .map(|(name, s)| Stage { name, seconds: *s })
        .collect();
    stages.push(Stage {
        name: "report",
        seconds: report_seconds,
    });
    let manifest = Manifest {
        run_id: &run.run_id,
        started_at: &run.started_at,
        generated_at,
        tool_version: &run.tool_version,
        plan: PlanRef {
            id: &eval.plan.id,
            name: &eval.plan.name,
            path: &eval.plan_path,
            sha256: &eval.plan_sha256,
            baseline: eval.plan.baseline.to_string(),
            deadline: eval.plan.deadline.to_string(),
        },
        period: eval.as_of.to_string(),
        language: eval.language,
        dataset_version: eval.dataset_version,
        partial: eval.is_partial(),
        partial_reasons: eval.partial_reasons(),
        missing_enterprises: eval.missing_at(eval.as_of).count(),
        quarantined_for_period: eval.quarantined_for_period,
        inputs: &eval.files,
        run_inputs: &run.inputs,
        rows_per_period: eval
            .rows_per_period
            .iter()
            .map(|(p, n)| (p.to_string(), *n))
            .collect(),
        issues: IssueCounts {
            errors: eval.issues.len() - warnings,
            warnings,
        },
        stages,
        outputs,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)
        .expect("the manifest has string keys and finite numbers");
    json.push(b'\n');
    json
}
