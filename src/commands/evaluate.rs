//! `clusterkpi evaluate`, and the evaluation step `run` and `demo` share: compute, save
//! the scorecard beside the dataset, write the report folder, print the summary.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clusterkpi_engine::Request;
use clusterkpi_lake::Lake;
use clusterkpi_model::pipeline::Pipeline;
use clusterkpi_model::{Evaluation, FileRecord, Period, Scope, Status};
use clusterkpi_report::RunInfo;

use super::Stages;
use crate::cli::{EngineArgs, PipelineArgs};
use crate::exit::Exit;
use crate::pipeline;

pub(crate) struct Evaluated {
    pub folder: PathBuf,
    pub eval: Evaluation,
    /// Who has sent what for the as-of quarter, as the report shows it.
    pub arrivals: Option<clusterkpi_model::arrivals::Arrivals>,
}

/// Evaluates `as_of` on the dataset by the `resolved` plan and definitions and writes
/// the report folder.
pub(crate) fn evaluate_and_report(
    p: &Pipeline,
    lake: &Lake,
    resolved: &pipeline::Resolved,
    as_of: Option<Period>,
    version: Option<u64>,
    stages: &mut Stages,
    inputs: Vec<FileRecord>,
) -> Result<Evaluated> {
    let snapshot = lake.snapshot(version)?;
    if clusterkpi_engine::is_large(&snapshot) {
        // What a run's ingest kept and freed goes back first; a small evaluation keeps
        // it, to reuse without page faults.
        lake.release_written();
        crate::alloc::release_freed_memory();
    }
    // Who has sent what for the quarter (the report's arrivals) reads the credit codes
    // of the quarter's files again: on its own thread, beside the evaluation, instead
    // of after it (0.75 s on one core at 100x the sample city, while the evaluation
    // had a core to spare for about a second).
    let (eval, arrivals) = std::thread::scope(|s| {
        let arrivals = clusterkpi_engine::as_of(&snapshot, as_of).map(|period| {
            let version = snapshot.version();
            s.spawn(move || super::status::for_report(p, lake, version, period))
        });
        let eval = clusterkpi_engine::evaluate(&Request {
            lake,
            snapshot: &snapshot,
            plan: &resolved.plan,
            plan_path: resolved.plan_path.clone(),
            plan_sha256: resolved.plan_sha256.clone(),
            as_of,
            language: p.language,
            definitions: &resolved.defs,
            engine: &p.engine,
        });
        let arrivals = arrivals.map(|t| {
            t.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (eval, arrivals)
    });
    // The kept rows were the evaluation's; they go with its tables.
    lake.release_written();
    let eval = eval?;
    stages.mark("evaluate");
    let arrivals = match arrivals {
        Some(a) => a?,
        None => super::status::for_report(p, lake, eval.dataset_version, eval.as_of)?,
    };
    let batch = clusterkpi_engine::kpis_batch(&eval)?;
    let run = RunInfo {
        run_id: stages.run_id.clone(),
        started_at: stages.started_at.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        stages: stages.done.clone(),
        inputs,
        arrivals: Some(arrivals),
    };
    let folder = clusterkpi_report::write_report(&eval, &run, &p.out)
        .with_context(|| format!("writing the report under {}", p.out.display()))?;
    // Saved only once the report is in place: a run whose report fails leaves the
    // saved scorecard of the quarter as it was, as the README promises.
    lake.save_derived("kpis", &eval.as_of.to_string(), &batch)?;
    stages.mark("report");
    Ok(Evaluated {
        folder,
        eval,
        arrivals: run.arrivals,
    })
}

/// Prints the scorecard summary; returns Partial when the data is.
pub(crate) fn summarise(e: &Evaluated, seconds: f64) -> Exit {
    let eval = &e.eval;
    say!(
        "{} as of {} (dataset version {})",
        eval.plan.name,
        eval.as_of,
        eval.dataset_version
    );
    if eval.is_final() {
        say!(
            "final evaluation: targets judged at the {} deadline; later quarters are shown beside them",
            eval.plan.deadline
        );
    }
    // The plan's own targets, one verdict each as the report counts them (a target
    // set for every cluster is met when every cluster it applies to meets it), apart
    // from the criteria of another target (the digital gains): a criterion a cluster
    // does not meet is not a missed plan target.
    let verdicts = eval.plan_verdicts();
    let summary = |statuses: &mut dyn Iterator<Item = Status>| {
        let statuses: Vec<Status> = statuses.collect();
        Status::TARGETED
            .iter()
            .map(|s| (s, statuses.iter().filter(|x| *x == s).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {}", s.label_en()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    say!(
        "plan targets ({}): {}",
        verdicts.len(),
        summary(&mut verdicts.iter().map(|(_, s)| *s))
    );
    let criteria: Vec<_> = eval
        .kpis
        .iter()
        .filter(|k| k.role().is_some_and(|r| r.of().is_some()))
        .collect();
    if !criteria.is_empty() {
        say!(
            "criteria of other targets ({} rows): {}",
            criteria.len(),
            summary(&mut criteria.iter().map(|k| k.judgement.status))
        );
    }
    let city = eval
        .kpis
        .iter()
        .find(|k| k.scope == Scope::City && k.indicator == "reporting_rate");
    if let Some(c) = city {
        say!(
            "reporting: {}/{} enterprises for {}",
            c.reporting,
            c.expected,
            eval.as_of
        );
    }
    let reasons = eval.partial_reasons();
    if !reasons.is_empty() {
        say!("数据不完整 / PARTIAL DATA:");
        for r in reasons.iter().take(20) {
            say!("  - {r}");
        }
        if reasons.len() > 20 {
            say!("  … and {} more (see the report)", reasons.len() - 20);
        }
    }
    say!("report: {}", e.folder.join("report.html").display());
    say!("done in {seconds:.2} s");
    if reasons.is_empty() {
        Exit::Complete
    } else {
        Exit::Partial
    }
}

pub(crate) fn run(
    period: Option<&str>,
    version: Option<u64>,
    args: &PipelineArgs,
    engine: &EngineArgs,
    _quiet: bool,
) -> Result<Exit> {
    let mut stages = Stages::new();
    let p = pipeline::load_with_engine(args, None, engine)?;
    let as_of = pipeline::period(period)?;
    let lake = Lake::open_existing(&p.lake)?;
    // Evaluation writes the report and the saved scorecard: one writer at a time.
    let _lock = lake.lock()?;
    let resolved = pipeline::resolve(&p)?;
    let e = evaluate_and_report(
        &p,
        &lake,
        &resolved,
        as_of,
        version,
        &mut stages,
        Vec::new(),
    )?;
    Ok(summarise(&e, stages.total()))
}
