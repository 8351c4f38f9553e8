//! The plain result of an evaluation: what the chart and report stages read. No Arrow
//! or DataFusion type crosses this boundary, so those stages build and test without the
//! query engine.

use crate::catalogue::{Indicator, Scope, Unit};
use crate::issue::Issue;
use crate::period::Period;
use crate::plan::{Plan, Target};
use crate::status::{Judgement, Status};

/// Output language of charts and report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Zh,
    En,
}

/// A county characteristic industry cluster (产业集群名录).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub county: String,
    pub industry: String,
    pub established: Period,
}

impl Cluster {
    #[must_use]
    pub fn name_in(&self, lang: Language) -> &str {
        match (lang, &self.name_en) {
            (Language::En, Some(en)) if !en.is_empty() => en,
            _ => &self.name,
        }
    }
}

/// One value of one indicator in one scope and quarter (`series.csv`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeriesRow {
    pub period: Period,
    pub scope: Scope,
    pub scope_id: String,
    pub indicator: String,
    pub value: Option<f64>,
    pub unit: Unit,
    pub reporting: u64,
    pub expected: u64,
    /// For indicators over `C(c,p)`: enterprises counted with an earlier quarter's
    /// report; `None` for the others.
    pub carried_forward: Option<u64>,
}

/// One scorecard row at the as-of quarter (`kpis.csv`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KpiRow {
    pub period: Period,
    pub scope: Scope,
    pub scope_id: String,
    pub indicator: String,
    pub unit: Unit,
    pub target: Option<Target>,
    pub judgement: Judgement,
    /// The same target read as a relative gain, where the plan's unit is in doubt.
    pub relative_reading: Option<Judgement>,
    pub reporting: u64,
    pub expected: u64,
    /// For indicators over `C(c,p)`: enterprises counted with an earlier quarter's
    /// report at the as-of quarter; `None` for the others.
    pub carried_forward: Option<u64>,
}

impl KpiRow {
    /// `target` or `criterion`; `None` without a target.
    #[must_use]
    pub fn role(&self) -> Option<&crate::plan::Role> {
        self.target.as_ref().map(|t| &t.role)
    }

    /// Whether this row judges one of the plan's own targets (not a criterion).
    #[must_use]
    pub fn is_plan_target(&self) -> bool {
        self.target.as_ref().is_some_and(Target::is_plan_target)
    }
}

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub sha256: String,
    pub kind: String,
    pub outcome: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub warnings: u64,
    /// Dataset version that recorded it (0 for a file not recorded, e.g. a duplicate).
    pub version: u64,
    pub ingested_at: String,
}

/// An enterprise of the roster without an accepted report for a quarter: the as-of
/// quarter and, in a final evaluation, also the judged quarter (the deadline).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Missing {
    /// The quarter it has no report for.
    pub period: Period,
    pub cluster_id: String,
    pub credit_code: String,
    pub name: String,
    /// The quarter whose report it is counted with in the stock counts (carried
    /// forward, `C(c,p)`); `None` when it reported none of the three before.
    pub carried_from: Option<Period>,
}

/// Everything a report is built from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub plan: Plan,
    pub plan_path: String,
    pub plan_sha256: String,
    #[serde(skip)]
    pub indicators: Vec<Indicator>,
    pub as_of: Period,
    pub language: Language,
    pub dataset_version: u64,
    pub clusters: Vec<Cluster>,
    pub kpis: Vec<KpiRow>,
    pub series: Vec<SeriesRow>,
    /// Every input file recorded in the dataset up to its version.
    pub files: Vec<FileRecord>,
    /// Quarantined rows and warnings of those files.
    pub issues: Vec<Issue>,
    /// Accepted (current) report rows per quarter.
    pub rows_per_period: Vec<(Period, u64)>,
    pub missing: Vec<Missing>,
    /// Quarantined rows that concern the as-of quarter (or whose quarter is unreadable).
    pub quarantined_for_period: u64,
}

impl Evaluation {
    /// The judged quarter `e`: the as-of quarter, or the deadline once it has passed.
    #[must_use]
    pub fn judged_quarter(&self) -> Period {
        crate::status::judged_quarter(self.as_of, self.plan.deadline)
    }

    /// Whether this is the plan's final evaluation (终期评估): the deadline has come, so
    /// targets are judged at it and no longer move with later data.
    #[must_use]
    pub fn is_final(&self) -> bool {
        self.as_of >= self.plan.deadline
    }

    #[must_use]
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// Whether a row's target applies to its scope: not for a cluster recognised after
    /// the plan's baseline that has no value to judge (an average growth since the base
    /// year of a cluster that did not exist then).
    #[must_use]
    pub fn applies(&self, k: &KpiRow) -> bool {
        if k.scope != Scope::Cluster || k.judgement.judged_value.is_some() {
            return true;
        }
        !self
            .clusters
            .iter()
            .any(|c| c.id == k.scope_id && c.established > self.plan.baseline)
    }

    /// The verdict on one of the plan's targets as a whole: a city target's status; a
    /// target set for every cluster is achieved only when every cluster it applies to
    /// achieves it, and otherwise takes the status of the cluster furthest behind
    /// ([`Status::severity`]). Every summary (report, charts, terminal) counts the
    /// plan's targets with this one rule.
    #[must_use]
    pub fn plan_verdict(&self, target: &Target) -> Status {
        let rows = self.kpis.iter().filter(|k| {
            k.indicator == target.indicator && k.scope == target.scope && self.applies(k)
        });
        match target.scope {
            Scope::City => rows
                .map(|k| k.judgement.status)
                .next()
                .unwrap_or(Status::NoData),
            Scope::Cluster => rows
                .map(|k| k.judgement.status)
                .max_by_key(|s| s.severity())
                .unwrap_or(Status::NoData),
        }
    }

    /// The enterprises without a report for quarter `p` (the as-of or the judged one).
    pub fn missing_at(&self, p: Period) -> impl Iterator<Item = &Missing> {
        self.missing.iter().filter(move |m| m.period == p)
    }

    /// The plan's own targets (not criteria) with their verdicts, in the plan's order.
    #[must_use]
    pub fn plan_verdicts(&self) -> Vec<(&Target, Status)> {
        self.plan
            .targets
            .iter()
            .filter(|t| t.is_plan_target())
            .map(|t| (t, self.plan_verdict(t)))
            .collect()
    }

    /// Scope ids in output order: the city first, then clusters by id.
    #[must_use]
    pub fn scope_name(&self, scope: Scope, scope_id: &str) -> String {
        match scope {
            Scope::City => match self.language {
                Language::Zh => self.plan.city_name.clone(),
                Language::En => self.plan.city_name_en.clone(),
            },
            Scope::Cluster => self.clusters.iter().find(|c| c.id == scope_id).map_or_else(
                || scope_id.to_string(),
                |c| c.name_in(self.language).to_string(),
            ),
        }
    }

    #[must_use]
    pub fn kpi(&self, scope: Scope, scope_id: &str, indicator: &str) -> Option<&KpiRow> {
        self.kpis
            .iter()
            .find(|k| k.scope == scope && k.scope_id == scope_id && k.indicator == indicator)
    }

    /// One indicator's series in one scope, in quarter order.
    #[must_use]
    pub fn series_of(
        &self,
        scope: Scope,
        scope_id: &str,
        indicator: &str,
    ) -> Vec<(Period, Option<f64>)> {
        self.series
            .iter()
            .filter(|s| s.scope == scope && s.scope_id == scope_id && s.indicator == indicator)
            .map(|s| (s.period, s.value))
            .collect()
    }

    /// Why the data for the as-of quarter is partial; empty when complete.
    #[must_use]
    pub fn partial_reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for k in self
            .kpis
            .iter()
            .filter(|k| k.indicator == "reporting_rate" && k.scope == Scope::Cluster)
        {
            // A cluster recognised after the as-of quarter was not expected to report yet.
            let recognised = self
                .clusters
                .iter()
                .find(|c| c.id == k.scope_id)
                .is_none_or(|c| c.established <= self.as_of);
            if recognised && k.reporting < k.expected {
                reasons.push(format!(
                    "{}: {}/{} 家企业报送 / enterprises reported",
                    self.scope_name(k.scope, &k.scope_id),
                    k.reporting,
                    k.expected
                ));
            }
        }
        if self.quarantined_for_period > 0 {
            reasons.push(format!(
                "{} 行数据被隔离 / rows quarantined for {}",
                self.quarantined_for_period, self.as_of
            ));
        }
        reasons
    }

    #[must_use]
    pub fn is_partial(&self) -> bool {
        !self.partial_reasons().is_empty()
    }
}
