//! What ingesting one file tells the dataset: the file's kind, its outcome and its
//! account (counts, problems, quarters). The ingest crate produces these, the dataset
//! records them; neither needs the other.

use std::collections::BTreeSet;

use crate::{Issue, Period};

/// The four input kinds of the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Clusters,
    Roster,
    Reports,
    Values,
}

impl InputKind {
    pub const ALL: [InputKind; 4] = [
        InputKind::Clusters,
        InputKind::Roster,
        InputKind::Reports,
        InputKind::Values,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Clusters => "clusters",
            InputKind::Roster => "roster",
            InputKind::Reports => "reports",
            InputKind::Values => "values",
        }
    }

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            InputKind::Clusters => "产业集群名录",
            InputKind::Roster => "企业名录",
            InputKind::Reports => "企业季度报表",
            InputKind::Values => "直报指标",
        }
    }
}

/// The recorded outcome of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    AcceptedWithWarnings,
    PartiallyAccepted,
    Rejected,
    Duplicate,
}

impl Outcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::AcceptedWithWarnings => "accepted_with_warnings",
            Outcome::PartiallyAccepted => "partially_accepted",
            Outcome::Rejected => "rejected",
            Outcome::Duplicate => "duplicate",
        }
    }

    /// Whether rows of the file enter the dataset.
    #[must_use]
    pub fn ingests_rows(self) -> bool {
        matches!(
            self,
            Outcome::Accepted | Outcome::AcceptedWithWarnings | Outcome::PartiallyAccepted
        )
    }
}

/// Everything known about one processed file.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub path: String,
    pub kind: Option<InputKind>,
    pub format: Option<String>,
    pub outcome: Outcome,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub warnings: u64,
    pub issues: Vec<Issue>,
    /// Quarters of the accepted rows (reports and values).
    pub periods: BTreeSet<Period>,
    /// Checks that could not be made (no roster given, …).
    pub skipped_checks: Vec<&'static str>,
}

impl FileResult {
    /// A file not read yet: rejected until proven otherwise.
    #[must_use]
    pub fn unread(path: &str) -> Self {
        FileResult {
            path: path.to_string(),
            kind: None,
            format: None,
            outcome: Outcome::Rejected,
            rows_read: 0,
            rows_accepted: 0,
            rows_quarantined: 0,
            warnings: 0,
            issues: Vec::new(),
            periods: BTreeSet::new(),
            skipped_checks: Vec::new(),
        }
    }
}
