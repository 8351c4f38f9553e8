//! `clusterkpi generate`: a deterministic synthetic city.

use std::path::Path;

use anyhow::{Context, Result};

use crate::exit::Exit;

pub(crate) fn run(
    out: &Path,
    enterprises: usize,
    from: Option<&str>,
    to: Option<&str>,
    seed: u64,
    clean: bool,
    plain: bool,
) -> Result<Exit> {
    // The same rule as --period: a quarter after the next one is a typo, and would
    // make the generator write millennia of files.
    let parse = |s: Option<&str>| crate::pipeline::period(s);
    let mut opts = clusterkpi_synth::Options {
        enterprises,
        seed,
        defects: !clean,
        plain,
        ..Default::default()
    };
    if let Some(p) = parse(from)? {
        opts.from = p;
    }
    if let Some(p) = parse(to)? {
        opts.to = p;
    }
    if opts.from > opts.to || opts.to.index() - opts.from.index() > 400 {
        anyhow::bail!(
            "quarters {}–{}: give a first quarter before the last, at most a century apart",
            opts.from,
            opts.to
        );
    }
    let started = std::time::Instant::now();
    let s = clusterkpi_synth::generate(out, &opts)
        .with_context(|| format!("writing to {}", out.display()))?;
    say!(
        "{} clusters, {} enterprises, {} report files with {} rows, {}–{}, written to {} in {:.1} s",
        s.clusters,
        s.enterprises,
        s.report_files,
        s.report_rows,
        opts.from,
        opts.to,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(Exit::Complete)
}
