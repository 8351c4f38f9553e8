//! The command line: commands, flags and their help. The contract lives in the
//! product specification (cli.md); `--help` of every command is meant to be enough to
//! run it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "clusterkpi",
    version,
    about = "Quarterly evaluation of county industry clusters against their plan's targets",
    long_about = "Quarterly evaluation of county industry clusters against their plan's targets.\n\n\
        Ingests the enterprise reports that county bureaus send (CSV in UTF-8, GBK or GB18030, \
        and .xlsx, with Chinese or English headers) into a versioned Parquet dataset, computes \
        every indicator with SQL, judges each target of the plan (achieved / on track / at risk \
        / off track / missed) and writes the report: kpis.csv, series.csv, kpis.xlsx, charts, \
        report.html and report.md.\n\n\
        Exit codes: 0 complete, 3 report written from partial data, 65 input rejected, \
        75 another run holds the lock (retry later), 1 any other failure.",
    after_help = "Start with `clusterkpi demo`, then see `clusterkpi run --help`."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr, no progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Paths of the pipeline file, each overridable by a flag of the same name.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct PipelineArgs {
    /// The pipeline file [default: pipelines/quarterly.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// The plan file (targets, baseline and deadline quarters).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// The cluster list (产业集群名录), CSV or xlsx.
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// The enterprise roster (企业名录), CSV or xlsx.
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// The folder of report and values files to ingest (searched recursively).
    #[arg(long, value_name = "DIR")]
    pub inbox: Option<PathBuf>,
    /// The dataset: a folder, or s3://bucket/prefix on S3-compatible storage (a build
    /// with the `delta` feature; endpoint and credentials from the AWS_* variables).
    #[arg(long, value_name = "DIR|URL")]
    pub lake: Option<PathBuf>,
    /// Where reports are written (a <quarter>/ folder under it).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Language of charts and report.
    #[arg(long, value_enum)]
    pub language: Option<Lang>,
    /// Reject a whole file when more than this share of its rows has errors (0–1).
    #[arg(long, value_name = "SHARE")]
    pub max_error_rate: Option<f64>,
}

/// Where an evaluation's queries run.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct EngineArgs {
    /// Run the indicators' queries here (`local`) or on an Apache DataFusion Ballista
    /// cluster, given by its scheduler (`df://HOST:PORT`; a build with the `cluster`
    /// feature) [default: the pipeline file's `engine`, else local].
    #[arg(long, value_name = "local|df://HOST:PORT")]
    pub engine: Option<clusterkpi_model::pipeline::Engine>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Lang {
    Zh,
    En,
}

/// How input files are read.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct ReadArgs {
    /// Encoding of CSV files (utf-8, gbk, gb18030) instead of detecting it.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Sheet of workbooks to read instead of the first visible one.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the whole quarterly pipeline on the bundled sample city and print where the report is.
    ///
    /// Uses the sample inputs under data/ (generating them if they are missing), ingests
    /// them into data/lake, evaluates the latest quarter against the reference plan and
    /// writes reports/<quarter>/. Running it again is a no-op for the dataset (every file
    /// is a duplicate) and rewrites the same report.
    Demo {
        /// Where the report folder is written.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        out: PathBuf,
        /// Evaluate this quarter instead of the latest one with data (e.g. 2024Q2).
        #[arg(long, value_name = "QUARTER")]
        period: Option<String>,
        /// Language of charts and report.
        #[arg(long, value_enum)]
        language: Option<Lang>,
    },
    /// The scheduled job: ingest every new file, then evaluate and write the report.
    ///
    /// Takes the dataset lock (exit 75 if another run holds it), ingests the cluster list,
    /// the roster and every file of the inbox not ingested before (the same bytes under any
    /// name count once), then evaluates the quarter and writes <out>/<quarter>/ atomically.
    /// Exit 0 complete, 3 partial data, 65 a file was rejected, 75 locked, 1 failure.
    Run {
        /// The pipeline file.
        #[arg(id = "pipeline_file", value_name = "PIPELINE.toml")]
        pipeline: PathBuf,
        /// The as-of quarter [default: the latest quarter with data].
        #[arg(long, value_name = "QUARTER")]
        period: Option<String>,
        #[command(flatten)]
        paths: PipelineArgs,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Check files without changing anything: prints every problem at once.
    ///
    /// For each file: its kind (detected from the headers), encoding or sheet, outcome, and
    /// every problem with file, line, column, code and message. Uses the pipeline's cluster
    /// list and roster when there is one (or any given among the files) and says which
    /// checks it skipped without them. Exit 65 if a file would be rejected or a row
    /// quarantined, else 0.
    Validate {
        /// Files to check (.csv, .xlsx, .xls).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        paths: PipelineArgs,
        #[command(flatten)]
        read: ReadArgs,
        /// Also write every problem to this CSV file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write, per file, a feedback workbook `<file>.反馈.xlsx` into this folder:
        /// the outcome and what to do next, and the file's rows with each problem cell
        /// coloured and commented.
        #[arg(long, value_name = "DIR")]
        feedback: Option<PathBuf>,
    },
    /// Write the reporting workbook a county fills for a quarter, one per county.
    ///
    /// Each workbook lists the county's enterprises from the roster (pipeline file or
    /// dataset), with the metric columns under the data contract's headers, drop-down
    /// lists and number checks on every input cell, a 填报说明 sheet explaining every
    /// column, and a 上期数据 sheet with the previous quarter's accepted figures. A
    /// template filled as its checks allow is accepted by `ingest` as it is. The sheet is
    /// protected without a password. Written to --out DIR [default: the pipeline's out
    /// folder, under templates/<quarter>].
    Template {
        /// The quarter the form is for, e.g. 2025Q4.
        #[arg(long, value_name = "QUARTER")]
        period: String,
        /// Only this county (as the roster names it) [default: every county].
        #[arg(long, value_name = "NAME")]
        county: Option<String>,
        #[command(flatten)]
        paths: PipelineArgs,
    },
    /// Validate files and append them to the dataset; prints each file's outcome.
    ///
    /// Reference lists (clusters, roster) among the files are ingested first. Each file
    /// is one atomic dataset version; a file sent again is a `duplicate` (a no-op); a
    /// later row for the same enterprise and quarter replaces the earlier one, which is
    /// kept in the history. Exit 65 if a file was rejected, 3 if rows were quarantined.
    Ingest {
        /// Files to ingest (.csv, .xlsx, .xls).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        paths: PipelineArgs,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Compute indicators, charts and report for a quarter from what is already ingested.
    Evaluate {
        /// The as-of quarter, e.g. 2025Q4 [default: the latest quarter with data].
        #[arg(long, value_name = "QUARTER")]
        period: Option<String>,
        /// Compute on this dataset version (to reproduce an earlier report).
        #[arg(long, value_name = "N")]
        dataset_version: Option<u64>,
        #[command(flatten)]
        paths: PipelineArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Write a deterministic synthetic city in every form the data contract allows.
    ///
    /// Writes reference/clusters.csv, reference/roster.csv, inbox/<delivery quarter>/…
    /// (reports per county and quarter, mixed encodings, header languages and value forms)
    /// and inbox/values/…, for demos, tests and benchmarks.
    Generate {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Number of enterprises.
        #[arg(long, default_value_t = 2700)]
        enterprises: usize,
        /// First quarter [default: 2020Q1].
        #[arg(long, value_name = "QUARTER")]
        from: Option<String>,
        /// Last quarter [default: the latest complete quarter].
        #[arg(long, value_name = "QUARTER")]
        to: Option<String>,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 2021)]
        seed: u64,
        /// No deliberate defects (missing reports, bad rows, a late file).
        #[arg(long)]
        clean: bool,
        /// Every report file as UTF-8 CSV with English headers and canonical values
        /// (for benchmarks against a hand-written script), instead of the city's mix of
        /// encodings, header languages and workbooks.
        #[arg(long)]
        plain: bool,
    },
    /// Run an ad-hoc SQL query over the dataset.
    ///
    /// Tables: reports (current rows), report_history (every accepted row with its
    /// version), superseded, roster, clusters, values_history, issues, submissions, kpis
    /// (the saved scorecards of every evaluated quarter). Prints a table, or writes
    /// --output file.csv / file.parquet.
    Sql {
        /// The query, e.g. "SELECT period, COUNT(*) FROM reports GROUP BY period".
        query: String,
        /// Write the result to a .csv or .parquet file instead of printing it.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Query this dataset version.
        #[arg(long, value_name = "N")]
        dataset_version: Option<u64>,
        #[command(flatten)]
        paths: PipelineArgs,
    },
    /// Who has sent what: per county, the files received for a quarter and the counties missing, late or rejected.
    ///
    /// Lists every expected county (`[reporting] counties` of the pipeline file, default
    /// every county of the cluster list) with its enterprises, those that reported, its
    /// state (received on time, received late, partially accepted, rejected, not yet
    /// due, overdue) and each report file recorded for the quarter with when it arrived
    /// (China Standard Time) and its outcome. Files are due `[reporting] due_days` after
    /// the quarter ends (default 15), by the end of that day in China Standard Time.
    /// Read only. Exit 0; with --fail-overdue, 3 while a county is overdue (past the
    /// due date and still no file whose rows were taken), for a scheduled reminder.
    Status {
        /// The pipeline file [default: --pipeline, or pipelines/quarterly.toml].
        #[arg(id = "status_pipeline_file", value_name = "PIPELINE.toml")]
        pipeline: Option<PathBuf>,
        /// The quarter [default: the last quarter that has ended].
        #[arg(long, value_name = "QUARTER")]
        period: Option<String>,
        /// Also write the table to this CSV file (UTF-8 with BOM, one row per file).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 3 while a county is past the due date without a file whose rows were taken.
        #[arg(long)]
        fail_overdue: bool,
        #[command(flatten)]
        paths: PipelineArgs,
    },
    /// Serve an Apache DataFusion Ballista cluster that `evaluate --engine df://HOST:PORT` runs
    /// the indicators' queries on (a build with the `cluster` feature).
    ///
    /// Start one scheduler, then executors that register with it; every process of the
    /// cluster must reach the dataset (the same folder path, or its s3:// URL with the
    /// AWS_* variables set). The ports serve without authentication: keep them on a
    /// trusted network. Runs until SIGINT or SIGTERM.
    #[cfg(feature = "cluster")]
    Cluster {
        #[command(subcommand)]
        role: ClusterRole,
    },
}

#[cfg(feature = "cluster")]
#[derive(Debug, Subcommand)]
pub(crate) enum ClusterRole {
    /// The scheduler: plans each query and hands its tasks to the executors. Answers
    /// GET /healthz, and GET /readyz with 200 once --min-executors are registered.
    Scheduler {
        /// Where it listens for clients and executors.
        #[arg(long, default_value = "127.0.0.1:50050", value_name = "HOST:PORT")]
        bind: std::net::SocketAddr,
        /// The name executors and clients reach it by [default: the --bind address].
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// /readyz answers 200 once this many executors are registered.
        #[arg(long, default_value_t = 1, value_name = "N")]
        min_executors: usize,
        /// Serve query results through the scheduler, for clients that cannot reach
        /// the executors.
        #[arg(long)]
        flight_proxy: bool,
    },
    /// An executor: runs query tasks and serves their results over Arrow Flight.
    Executor {
        /// The scheduler to register with (port 50050 if none is given).
        #[arg(long, default_value = "127.0.0.1:50050", value_name = "HOST:PORT", value_parser = scheduler_address)]
        scheduler: (String, u16),
        /// The address it listens on.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
        bind: String,
        /// Arrow Flight port (shuffle partitions and results).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port the scheduler launches tasks on.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// The name the scheduler, other executors and clients reach it by [default:
        /// the --bind address].
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Shuffle and spill files [default: a temporary folder removed on exit].
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Tasks it runs at once [default: the machine's cores].
        #[arg(long, value_name = "N")]
        vcores: Option<usize>,
        /// Memory its queries may hold, in MiB [default: a share of the machine's].
        #[arg(long, value_name = "MIB")]
        memory_mib: Option<u64>,
        /// Keep trying to reach the scheduler this long at start.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        connect_timeout: u16,
    },
}

#[cfg(feature = "cluster")]
fn scheduler_address(text: &str) -> Result<(String, u16), String> {
    clusterkpi_model::pipeline::scheduler_address(text)
        .ok_or_else(|| format!("{text:?}: expected HOST:PORT (port 1-65535)"))
}
