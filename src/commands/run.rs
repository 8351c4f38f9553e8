//! `clusterkpi run PIPELINE.toml`: the scheduled job. Lock, ingest what is new,
//! evaluate, write the report; the exit code says how it went.

use std::path::Path;

use anyhow::Result;
use clusterkpi_lake::Lake;

use super::{Stages, evaluate, ingest};
use crate::cli::{EngineArgs, PipelineArgs, ReadArgs};
use crate::exit::Exit;
use crate::pipeline;

pub(crate) fn run(
    file: &Path,
    period: Option<&str>,
    args: &PipelineArgs,
    read: &ReadArgs,
    engine: &EngineArgs,
    quiet: bool,
) -> Result<Exit> {
    let p = pipeline::load_with_engine(args, Some(file), engine)?;
    run_pipeline(&p, period, read, quiet)
}

pub(crate) fn run_pipeline(
    p: &clusterkpi_model::pipeline::Pipeline,
    period: Option<&str>,
    read: &ReadArgs,
    quiet: bool,
) -> Result<Exit> {
    let mut stages = Stages::new();
    let as_of = pipeline::period(period)?;
    let resolved = pipeline::resolve(p)?;
    let opts = pipeline::read_options(p, read)?;
    let lake = Lake::open(&p.lake)?;
    let mut writer = lake.lock()?;
    // The rows this run ingests are evaluated next: kept from the ingest instead of
    // read back from the files just written, while the evaluation holds its tables in
    // memory anyway (a dataset below the engine's large threshold).
    lake.retain_written(clusterkpi_engine::rows_before_large(writer.head()));
    let inputs = ingest::pipeline_inputs(p)?;
    let references = &inputs.files[..inputs.references];
    let feedback = ingest::Feedback::of(p, as_of, opts.today);
    let reports = ingest::ingest_files(
        &mut writer,
        &inputs.files,
        &|f| !references.iter().any(|r| r == f),
        &opts,
        Some(&resolved.plan.city),
        &resolved.defs.catalogue,
        Some(&feedback),
        quiet,
    )?;
    stages.mark("ingest");
    // The evaluation holds the lock (no other run may commit meanwhile), not the
    // ingest's index.
    writer.forget_index();
    let ingest_exit = ingest::summarise(&reports, false);
    let inputs = reports.into_iter().map(|r| r.record).collect();
    let e = evaluate::evaluate_and_report(p, &lake, &resolved, as_of, None, &mut stages, inputs)?;
    drop(writer);
    // Who is overdue, from the table the report shows: the line a city clerk reading
    // the cron mail chases counties with (the whole table: `clusterkpi status`, and
    // status.csv in the report folder).
    if let Some(line) = e
        .arrivals
        .as_ref()
        .and_then(|a| super::status::overdue_line(a, p.language))
    {
        say!("{line}");
    }
    let exit = evaluate::summarise(&e, stages.total());
    // A rejected file outranks partial data; quarantined rows of other quarters do not
    // make this quarter's report partial.
    Ok(match ingest_exit {
        Exit::Rejected => Exit::Rejected,
        _ => exit,
    })
}
