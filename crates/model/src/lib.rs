//! The plain types every stage of clusterkpi shares.
//!
//! ```text
//!  input files ──ingest──▶ dataset ──engine (SQL)──▶ Evaluation ──▶ charts, report
//!                 (Issue)                  (Judgement via status::judge)
//! ```
//!
//! - [`period`]: quarters and their many written forms;
//! - [`plan`]: a plan file validated into targets;
//! - [`catalogue`]: the indicators, their units, areas and scopes;
//! - [`pipeline`]: the pipeline file and its command-line overrides;
//! - [`status`]: baseline, projection, progress, status and trend;
//! - [`issue`]: data-contract codes and quarantine records;
//! - [`evaluation`]: the result that charts and reports are made from;
//! - [`display`]: how a figure, unit, quarter and status are written for readers;
//! - [`arrivals`]: who has sent what for a quarter, and which counties are overdue;
//! - [`parallel`]: independent work on several threads, results in order.

pub mod arrivals;
pub mod catalogue;
pub mod display;
pub mod evaluation;
pub mod ingested;
pub mod issue;
pub mod parallel;
pub mod period;
pub mod pipeline;
pub mod plan;
pub mod rows;
pub mod small_file;
pub mod status;
pub mod text;

pub use catalogue::{Area, Catalogue, Counted, Indicator, Scope, Unit};
pub use display::{Display, ShownUnit};
pub use evaluation::{Cluster, Evaluation, FileRecord, KpiRow, Language, Missing, SeriesRow};
pub use issue::{Code, Issue};
pub use period::{Date, Period, now_rfc3339};
pub use plan::{Plan, Role, Rule, Target};
pub use status::{Judgement, Status, Trend};
