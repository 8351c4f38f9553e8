//! Plans are files. A plan names its baseline and deadline quarters, the city, its
//! quantified targets and its policy amounts; nothing about a particular plan period is
//! built into the code, so a 2026–2030 plan is just another file.
//!
//! The file is read raw ([`PlanFile`]) and then validated into a [`Plan`], reporting
//! every problem at once.

use std::path::Path;

use serde::Deserialize;

use crate::catalogue::{Catalogue, Scope};
use crate::period::Period;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    plan: PlanHeader,
    #[serde(default)]
    targets: Vec<TargetFile>,
    #[serde(default)]
    policy: Policy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanHeader {
    id: String,
    name: String,
    name_en: Option<String>,
    city: String,
    city_name: String,
    city_name_en: Option<String>,
    baseline: String,
    deadline: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    indicator: String,
    scope: String,
    rule: String,
    amount: f64,
    unit: Option<String>,
    stretch: Option<f64>,
    note: Option<String>,
}

/// Policy amounts used by the policy estimates (万元 and shares).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "d30")]
    pub demo_reward_national: f64,
    #[serde(default = "d15")]
    pub demo_reward_provincial: f64,
    #[serde(default = "d015")]
    pub tech_upgrade_subsidy_share: f64,
    #[serde(default = "d500")]
    pub tech_upgrade_subsidy_cap: f64,
}

fn d30() -> f64 {
    30.0
}
fn d15() -> f64 {
    15.0
}
fn d015() -> f64 {
    0.15
}
fn d500() -> f64 {
    500.0
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            demo_reward_national: d30(),
            demo_reward_provincial: d15(),
            tech_upgrade_subsidy_share: d015(),
            tech_upgrade_subsidy_cap: d500(),
        }
    }
}

/// How a target is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// value at p minus the baseline must reach `amount`.
    Gain,
    /// value ≥ amount.
    AtLeast,
    /// value > amount.
    MoreThan,
}

impl Rule {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Gain => "gain",
            Rule::AtLeast => "at_least",
            Rule::MoreThan => "more_than",
        }
    }
}

/// The unit of a gain: percentage points or percent of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GainUnit {
    Pp,
    Relative,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Target {
    pub indicator: String,
    pub scope: Scope,
    pub rule: Rule,
    pub amount: f64,
    pub unit: GainUnit,
    pub stretch: Option<f64>,
    pub note: Option<String>,
}

impl Target {
    /// Whether the plan text leaves the unit of this gain in doubt ("提升5%"): the
    /// report then shows the relative reading beside the percentage-point one.
    #[must_use]
    pub fn unit_in_doubt(&self) -> bool {
        self.rule == Rule::Gain
            && self
                .note
                .as_deref()
                .is_some_and(|n| n.contains("relative reading"))
    }

    /// The absolute level to reach, given the baseline value.
    #[must_use]
    pub fn level(&self, baseline: Option<f64>) -> Option<f64> {
        match self.rule {
            Rule::AtLeast | Rule::MoreThan => Some(self.amount),
            Rule::Gain => baseline.map(|b| match self.unit {
                GainUnit::Pp => b + self.amount,
                GainUnit::Relative => b * (1.0 + self.amount / 100.0),
            }),
        }
    }
}

/// A validated plan.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub city: String,
    pub city_name: String,
    /// The city's name in English reports (default: the city id, capitalised).
    pub city_name_en: String,
    pub baseline: Period,
    pub deadline: Period,
    pub targets: Vec<Target>,
    pub policy: Policy,
}

/// Every problem found in a plan file.
#[derive(Debug, thiserror::Error)]
#[error("plan {path} is not valid:\n  - {}", problems.join("\n  - "))]
pub struct PlanError {
    pub path: String,
    pub problems: Vec<String>,
}

impl Plan {
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Self, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|e| PlanError {
            path: path.display().to_string(),
            problems: vec![format!("cannot read it: {e}")],
        })?;
        Self::parse(&text, catalogue).map_err(|problems| PlanError {
            path: path.display().to_string(),
            problems,
        })
    }

    /// Parses and validates, collecting every problem.
    pub fn parse(text: &str, catalogue: &Catalogue) -> Result<Self, Vec<String>> {
        let raw: PlanFile = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        let mut period = |field: &str, s: &str| match s.parse::<Period>() {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(format!("[plan].{field} = {s:?}: {e}"));
                None
            }
        };
        let baseline = period("baseline", &raw.plan.baseline);
        let deadline = period("deadline", &raw.plan.deadline);
        if let (Some(b), Some(d)) = (baseline, deadline)
            && d <= b
        {
            problems.push(format!(
                "[plan].deadline {d} must come after the baseline {b}"
            ));
        }
        if raw.plan.city.trim().is_empty() {
            problems.push("[plan].city must name the city id used as scope_id".into());
        }
        let mut targets = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, t) in raw.targets.iter().enumerate() {
            let at = format!("[[targets]] #{} ({})", n + 1, t.indicator);
            let Some(ind) = catalogue.get(&t.indicator) else {
                problems.push(format!(
                    "{at}: unknown indicator; see the indicator catalogue"
                ));
                continue;
            };
            let scope = match t.scope.as_str() {
                "city" => Scope::City,
                "cluster" => Scope::Cluster,
                other => {
                    problems.push(format!(
                        "{at}: scope {other:?} must be \"city\" or \"cluster\""
                    ));
                    continue;
                }
            };
            if !ind.has_scope(scope) {
                problems.push(format!(
                    "{at}: the indicator is not defined for scope {}",
                    scope.as_str()
                ));
            }
            let rule = match t.rule.as_str() {
                "gain" => Rule::Gain,
                "at_least" => Rule::AtLeast,
                "more_than" => Rule::MoreThan,
                other => {
                    problems.push(format!(
                        "{at}: rule {other:?} must be \"gain\", \"at_least\" or \"more_than\""
                    ));
                    continue;
                }
            };
            let unit = match t.unit.as_deref() {
                None | Some("pp") => GainUnit::Pp,
                Some("relative") => GainUnit::Relative,
                Some(other) => {
                    problems.push(format!(
                        "{at}: unit {other:?} must be \"pp\" or \"relative\""
                    ));
                    GainUnit::Pp
                }
            };
            if !t.amount.is_finite() {
                problems.push(format!("{at}: amount must be a finite number"));
            }
            if !seen.insert((t.indicator.clone(), scope)) {
                problems.push(format!(
                    "{at}: a second target for the same indicator and scope"
                ));
            }
            targets.push(Target {
                indicator: t.indicator.clone(),
                scope,
                rule,
                amount: t.amount,
                unit,
                stretch: t.stretch,
                note: t.note.clone(),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Plan {
            name_en: raw.plan.name_en.unwrap_or_else(|| raw.plan.name.clone()),
            id: raw.plan.id,
            name: raw.plan.name,
            city_name_en: raw
                .plan
                .city_name_en
                .unwrap_or_else(|| capitalise(&raw.plan.city)),
            city: raw.plan.city,
            city_name: raw.plan.city_name,
            baseline: baseline.expect("checked"),
            deadline: deadline.expect("checked"),
            targets,
            policy: raw.policy,
        })
    }

    #[must_use]
    pub fn target(&self, indicator: &str, scope: Scope) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.indicator == indicator && t.scope == scope)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../../data/plans/sjz-county-clusters-2021-2025.toml");

    #[test]
    fn the_reference_plan_loads_as_it_is() {
        let plan = Plan::parse(REFERENCE, &Catalogue::builtin()).unwrap();
        assert_eq!(plan.baseline.to_string(), "2020Q4");
        assert_eq!(plan.deadline.to_string(), "2025Q4");
        assert_eq!(plan.city, "shijiazhuang");
        assert_eq!(plan.targets.len(), 17);
        let cnc = plan.target("cnc_rate", Scope::Cluster).unwrap();
        assert_eq!(
            (cnc.rule, cnc.amount, cnc.unit),
            (Rule::Gain, 5.0, GainUnit::Pp)
        );
        assert!(cnc.unit_in_doubt());
        assert_eq!(
            plan.target("sme_count", Scope::City).unwrap().rule,
            Rule::MoreThan
        );
        assert_eq!(plan.policy.tech_upgrade_subsidy_cap, 500.0);
    }

    #[test]
    fn a_later_plan_period_is_just_another_file() {
        let text = REFERENCE
            .replace("deadline = \"2025Q4\"", "deadline = \"2030Q4\"")
            .replace("baseline = \"2020Q4\"", "baseline = \"2025Q4\"");
        let plan = Plan::parse(&text, &Catalogue::builtin()).unwrap();
        assert_eq!(plan.baseline.to_string(), "2025Q4");
        assert_eq!(plan.deadline.to_string(), "2030Q4");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = r#"
[plan]
id = "x"
name = "x"
city = "c"
city_name = "c"
baseline = "2020Q5"
deadline = "2025Q4"
[[targets]]
indicator = "no_such"
scope = "city"
rule = "at_least"
amount = 1
[[targets]]
indicator = "clusters_over_5b"
scope = "cluster"
rule = "most"
amount = 1
"#;
        let problems = Plan::parse(text, &Catalogue::builtin()).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }

    #[test]
    fn target_levels() {
        let t = |rule, unit| Target {
            indicator: "x".into(),
            scope: Scope::City,
            rule,
            amount: 10.0,
            unit,
            stretch: None,
            note: None,
        };
        assert_eq!(t(Rule::Gain, GainUnit::Pp).level(Some(40.0)), Some(50.0));
        assert_eq!(
            t(Rule::Gain, GainUnit::Relative).level(Some(40.0)),
            Some(44.0)
        );
        assert_eq!(t(Rule::Gain, GainUnit::Pp).level(None), None);
        assert_eq!(t(Rule::AtLeast, GainUnit::Pp).level(None), Some(10.0));
    }
}
