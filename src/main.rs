//! `clusterkpi`: quarterly evaluation of county industry clusters against their plan.
//!
//! `main` parses the command line, calls [`run`], and maps the outcome to the exit
//! codes scheduled jobs rely on (0 complete, 3 partial data, 65 rejected input,
//! 75 locked, 1 anything else).

/// Prints a line to stdout. A closed stdout (`clusterkpi run | head -1`, a cron job
/// whose mail pipe went away) is not an error: the job's work goes on and its exit
/// code still tells how it went (`println!` would panic). What files contain (names,
/// values, file names) passes through `for_terminal`: no escape sequence or
/// right-to-left override from a county's file reaches the operator's terminal.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let line = clusterkpi_model::text::for_terminal(&format!($($t)*));
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }};
}

/// Prints a line to stderr, as `say!` does to stdout.
macro_rules! esay {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let line = clusterkpi_model::text::for_terminal(&format!($($t)*));
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }};
}

/// mimalloc, not glibc's allocator: with glibc a quarter of an ingest went to
/// consolidating and unlinking chunks (perf, 10× a city); the run's CPU time halved.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alloc;
mod cli;
mod commands;
mod exit;
mod logging;
mod pipeline;
mod progress;

use clap::Parser;

/// The first argument that makes this binary serve one workbook read for its parent
/// (`clusterkpi_ingest::source::isolate`); not a command for people, so not in `--help`.
pub(crate) const WORKBOOK_READER: &str = "__read-workbook";

fn main() -> std::process::ExitCode {
    let mut argv = std::env::args();
    if argv.nth(1).as_deref() == Some(WORKBOOK_READER) {
        let request = argv.next().unwrap_or_default();
        let code = clusterkpi_ingest::source::isolate::serve(&request);
        return std::process::ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    alloc::keep_freed_memory();
    let args = cli::Cli::parse();
    logging::init(args.global.verbose, args.global.quiet);
    match commands::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            let code = exit::classify(&err);
            esay!("error: {err}");
            for cause in err.chain().skip(1) {
                esay!("  caused by: {cause}");
            }
            code.into()
        }
    }
}
