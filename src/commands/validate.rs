//! `clusterkpi validate`: a dry run of ingestion that prints every problem at once and
//! changes nothing. Counties run it before sending a file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clusterkpi_ingest::{Collect, Discard, InputKind, Outcome, PriorYtd, Record, References};
use clusterkpi_lake::Lake;
use clusterkpi_model::{Date, Issue};

use crate::cli::{PipelineArgs, ReadArgs};
use crate::exit::Exit;
use crate::pipeline;

pub(crate) fn run(
    files: &[PathBuf],
    args: &PipelineArgs,
    read: &ReadArgs,
    output: Option<&Path>,
    feedback: Option<&Path>,
) -> Result<Exit> {
    let p = pipeline::load(args, None)?;
    let defs = pipeline::definitions(&p)?;
    let opts = pipeline::read_options(&p, read)?;
    let city = p
        .plan
        .as_ref()
        .and_then(|_| pipeline::plan(&p, &defs.catalogue).ok())
        .map(|x| x.0.city);
    let reported = defs.catalogue.reported_lookup();
    let lake = Lake::open_existing(&p.lake)
        .ok()
        .and_then(|l| l.snapshot(None).ok());

    let mut refs = References {
        city,
        reported_indicators: Some(reported),
        ..References::default()
    };
    // Reference lists: the pipeline's, else the dataset's; lists among the files win.
    let quiet_opts = opts.clone();
    for (path, kind) in [
        (&p.clusters, InputKind::Clusters),
        (&p.roster, InputKind::Roster),
    ] {
        if let Some(path) = path.as_ref().filter(|p| p.exists()) {
            let mut sink = Collect::default();
            let r = clusterkpi_ingest::process(
                path,
                &path.display().to_string(),
                &quiet_opts,
                &refs,
                &mut |_| PriorYtd::default(),
                &mut sink,
            );
            if r.kind == Some(kind) {
                absorb(&mut refs, kind, &sink.0);
            }
        } else if let Some(s) = &lake {
            match kind {
                InputKind::Clusters => {
                    refs.clusters = s
                        .clusters()?
                        .as_deref()
                        .map(clusterkpi_ingest::spellings_of)
                }
                _ => refs.roster = s.roster_codes()?,
            }
        }
    }

    let mut exit = Exit::Complete;
    let mut all: Vec<Issue> = Vec::new();
    let mut outcomes: HashMap<&'static str, usize> = HashMap::new();
    let mut buffers = clusterkpi_ingest::RowBuffers::default();
    for (path, peeked) in super::ingest::order_by_kind(files, &opts) {
        let display = path.display().to_string();
        let mut sink = Collect::default();
        let keep = matches!(
            peeked.as_ref().map(|p| p.kind),
            Some(InputKind::Clusters | InputKind::Roster)
        );
        let mut discard = Discard;
        let s: &mut dyn clusterkpi_ingest::Sink = if keep { &mut sink } else { &mut discard };
        let r = clusterkpi_ingest::process_probed(
            &path,
            peeked.as_ref(),
            &display,
            &opts,
            &refs,
            &mut |scan| {
                lake.as_ref()
                    .filter(|_| scan.after_first_quarter)
                    .and_then(|l| l.prior_ytd(&scan.credit_codes, &scan.years).ok())
                    .unwrap_or_default()
            },
            s,
            &mut buffers,
        );
        if keep && r.outcome.ingests_rows() {
            absorb(&mut refs, r.kind.expect("detected"), &sink.0);
        }
        *outcomes.entry(r.outcome.as_str()).or_default() += 1;
        say!(
            "{display}: {} [{}] — {} ({} rows read, {} accepted, {} quarantined, {} warnings)",
            r.kind.map_or("unknown kind", InputKind::as_str),
            r.format.as_deref().unwrap_or("unreadable"),
            r.outcome.as_str(),
            r.rows_read,
            r.rows_accepted,
            r.rows_quarantined,
            r.warnings
        );
        for i in &r.issues {
            say!("  {i}");
        }
        if let Some(reason) = clusterkpi_ingest::rejection_reason(&r, opts.max_error_rate) {
            say!("  → rejected: {reason}");
        }
        for s in &r.skipped_checks {
            say!("  (skipped check: {s})");
        }
        if let Some(dir) = feedback {
            let written = clusterkpi_forms::feedback::write(dir, &path, &r, &opts, p.language)
                .with_context(|| format!("writing the feedback on {display}"))?;
            say!("  feedback: {}", written.display());
        }
        if r.outcome == Outcome::Rejected || r.rows_quarantined > 0 {
            exit = Exit::Rejected;
        }
        all.extend(r.issues);
    }
    let n = |o: &str| outcomes.get(o).copied().unwrap_or(0);
    say!(
        "{} files checked: {} accepted, {} with warnings, {} would be partially accepted, {} would be rejected; {} problems (as of {})",
        files.len(),
        n("accepted"),
        n("accepted_with_warnings"),
        n("partially_accepted"),
        n("rejected"),
        all.len(),
        Date::today()
    );
    if let Some(out) = output {
        write_issues(out, &all).with_context(|| format!("writing {}", out.display()))?;
        say!("problems written to {}", out.display());
    }
    Ok(exit)
}

fn absorb(refs: &mut References, kind: InputKind, rows: &[Record]) {
    match kind {
        InputKind::Clusters => {
            let clusters = rows.iter().filter_map(|r| match r {
                Record::Cluster(c) => {
                    Some((c.cluster_id.as_str(), c.name.as_str(), c.name_en.as_deref()))
                }
                _ => None,
            });
            refs.clusters = Some(clusterkpi_ingest::cluster_spellings(clusters));
        }
        InputKind::Roster => {
            refs.roster = Some(
                rows.iter()
                    .filter_map(|r| match r {
                        Record::Roster(c) => Some(c.credit_code.clone()),
                        _ => None,
                    })
                    .collect(),
            );
        }
        _ => {}
    }
}

fn write_issues(path: &Path, issues: &[Issue]) -> std::io::Result<()> {
    std::fs::write(path, clusterkpi_report::validation_csv(issues))
}
