//! Writes the test fixture's report into a folder, to look at the HTML, the workbook
//! and the charts by eye:
//!
//! ```text
//! cargo run -p clusterkpi-report --example fixture_report -- /tmp/reports [en] [complete]
//! ```

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use clusterkpi_model::Language;
use clusterkpi_report::{RunInfo, write_report};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args
        .first()
        .ok_or("usage: fixture_report OUT_DIR [en] [complete]")?;
    let mut eval = fixture::evaluation(!args.iter().any(|a| a == "complete"));
    if args.iter().any(|a| a == "en") {
        eval.language = Language::En;
    }
    let folder = write_report(&eval, &fixture::run("example"), std::path::Path::new(out))?;
    println!("{}", folder.display());
    Ok(())
}
