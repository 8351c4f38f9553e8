//! Generates a synthetic city and reports how long it took, for benchmarks:
//!
//! ```text
//! cargo run --release -p clusterkpi-synth --example generate -- OUT [ENTERPRISES] [SEED]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use clusterkpi_synth::{Options, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: generate OUT [ENTERPRISES] [SEED]")?,
    );
    let mut opts = Options::default();
    if let Some(n) = args.next() {
        opts.enterprises = n.parse()?;
    }
    if let Some(seed) = args.next() {
        opts.seed = seed.parse()?;
    }
    let start = Instant::now();
    let summary = generate(&out, &opts)?;
    println!(
        "{} clusters, {} enterprises, {} report files, {} rows, {} files in {:.2?} ({} to {})",
        summary.clusters,
        summary.enterprises,
        summary.report_files,
        summary.report_rows,
        summary.files.len(),
        start.elapsed(),
        opts.from,
        opts.to,
    );
    Ok(())
}
