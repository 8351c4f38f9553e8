//! Typed rows of the four input kinds, as accepted into the dataset.

use clusterkpi_model::Period;

/// A row of the cluster list (产业集群名录).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRow {
    pub cluster_id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub county: String,
    pub industry: String,
    pub established: Period,
}

/// A row of the enterprise roster (企业名录).
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub credit_code: String,
    pub name: String,
    pub cluster_id: String,
    pub county: String,
}

/// One enterprise's quarterly report (企业季度报表). Flow figures are year to date.
/// Levels hold the canonical English word (`none`, `provincial`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub credit_code: String,
    pub period: Period,
    pub revenue_ytd: f64,
    pub output_value_ytd: f64,
    pub employees: Option<i64>,
    pub is_sme: bool,
    pub above_scale: bool,
    pub specialized_level: &'static str,
    pub key_processes: i64,
    pub key_processes_cnc: i64,
    pub business_info_system: bool,
    pub digital_rnd_tools: bool,
    pub ecommerce: bool,
    pub design_center_level: &'static str,
    pub innovation_platforms: i64,
    pub green_factory_level: &'static str,
    pub tech_upgrade_equipment_ytd: f64,
    pub innovation_demo_level: &'static str,
    pub listing_status: &'static str,
    pub core_tech_breakthroughs: i64,
    /// Line (or sheet row) in the source file, for audit.
    pub line: u64,
}

/// An indicator value reported directly (直报指标).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRow {
    pub period: Period,
    pub scope: &'static str,
    pub scope_id: String,
    pub indicator: String,
    pub value: f64,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Cluster(ClusterRow),
    Roster(RosterRow),
    Report(ReportRow),
    Value(ValueRow),
}

/// The year-to-date figures compared across quarters (`W_YTD_DECREASE`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ytd {
    pub revenue: f64,
    pub output_value: f64,
    pub tech_upgrade_equipment: f64,
}

impl ReportRow {
    #[must_use]
    pub fn ytd(&self) -> Ytd {
        Ytd {
            revenue: self.revenue_ytd,
            output_value: self.output_value_ytd,
            tech_upgrade_equipment: self.tech_upgrade_equipment_ytd,
        }
    }
}
