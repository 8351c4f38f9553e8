//! `clusterkpi`: quarterly evaluation of county industry clusters against their plan.
//!
//! `main` parses the command line, calls [`run`], and maps the outcome to the exit
//! codes scheduled jobs rely on (0 complete, 3 partial data, 65 rejected input,
//! 75 locked, 1 anything else).

mod cli;
mod commands;
mod exit;
mod logging;
mod pipeline;
mod progress;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    logging::init(args.global.verbose, args.global.quiet);
    match commands::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            let code = exit::classify(&err);
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            code.into()
        }
    }
}
