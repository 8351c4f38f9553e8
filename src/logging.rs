//! Structured logs to stderr: warnings by default, `-v` info, `-vv` debug, or
//! `RUST_LOG` for anything finer. stdout carries only the human summary.

use tracing_subscriber::EnvFilter;

pub(crate) fn init(verbose: u8, quiet: bool) {
    // The Delta kernel's own info lines (a snapshot loaded, a log scanned: dozens per
    // table and run) drown out the run's; they stay at warnings unless RUST_LOG asks.
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info,buoyant_kernel=warn,buoyant_kernel_engine=warn",
        (false, _) => "debug,buoyant_kernel=warn,buoyant_kernel_engine=warn",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: cron mail and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
