//! Plans are files. A plan names its baseline and deadline quarters, the city, its
//! quantified targets and its policy amounts; nothing about a particular plan period is
//! built into the code, so a 2026–2030 plan is just another file.
//!
//! The file is read raw ([`PlanFile`]) and then validated into a [`Plan`], reporting
//! every problem at once.

use std::path::Path;

use serde::Deserialize;

use crate::catalogue::{Catalogue, Scope, Unit};
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
    role: Option<String>,
    of: Option<String>,
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

impl Policy {
    /// Every policy amount that is not a finite number in its range, as
    /// `[policy].<key> = <value> <rule>`.
    fn problems(&self) -> Vec<String> {
        let money = Range::from(0.0, MAX_POLICY_AMOUNT, "a policy amount in 万元");
        let share = Range::from(0.0, 1.0, "a share (0.15 = 15%)");
        [
            ("demo_reward_national", self.demo_reward_national, money),
            ("demo_reward_provincial", self.demo_reward_provincial, money),
            (
                "tech_upgrade_subsidy_share",
                self.tech_upgrade_subsidy_share,
                share,
            ),
            (
                "tech_upgrade_subsidy_cap",
                self.tech_upgrade_subsidy_cap,
                money,
            ),
        ]
        .into_iter()
        .filter_map(|(key, v, range)| {
            range
                .check(v)
                .map(|problem| format!("[policy].{key} = {v:?} {problem}"))
        })
        .collect()
    }
}

/// The largest percentage a target may name: growth rates beyond +1,000% (and rates
/// below -100%, which no quantity can fall by) are typing errors, not plans.
const MAX_PERCENT: f64 = 1_000.0;
/// The largest count a target may name: far above the enterprises of any city.
const MAX_COUNT: f64 = 10_000_000.0;
/// The largest amount of money a target may name, in 万元 (100 trillion yuan).
const MAX_MONEY: f64 = 10_000_000_000.0;
/// The largest policy amount (a reward or a subsidy cap per enterprise), in 万元.
const MAX_POLICY_AMOUNT: f64 = 1_000_000.0;

/// The numbers a plan value may take: finite and within `min..=max` (strictly above
/// `min` for a gain). A plan is typed by hand, so a value outside is a typing error
/// that would otherwise surface as an absurd status or an unreadable chart axis.
#[derive(Debug, Clone, Copy)]
struct Range {
    min: f64,
    /// Whether `min` itself is refused. A gain must be above zero: every target asks
    /// for more, and a zero gain would leave progress undefined.
    above_min: bool,
    max: f64,
    /// What the value is, for the message: "a count target".
    what: &'static str,
}

impl Range {
    const fn from(min: f64, max: f64, what: &'static str) -> Self {
        Self {
            min,
            above_min: false,
            max,
            what,
        }
    }

    const fn gain(max: f64, what: &'static str) -> Self {
        Self {
            min: 0.0,
            above_min: true,
            max,
            what,
        }
    }

    /// The range of a target's amount and stretch, by its indicator's unit and rule.
    fn of_target(unit: Unit, rule: Rule, gain: GainUnit) -> Self {
        match (rule, unit, gain) {
            (Rule::Gain, _, GainUnit::Relative) => {
                Self::gain(MAX_PERCENT, "a relative gain (percent of the baseline)")
            }
            (Rule::Gain, Unit::Percent, GainUnit::Pp) => {
                Self::gain(100.0, "a gain in percentage points")
            }
            (Rule::Gain, Unit::Count, GainUnit::Pp) => Self::gain(MAX_COUNT, "a gain of a count"),
            (Rule::Gain, Unit::TenThousandYuan, GainUnit::Pp) => {
                Self::gain(MAX_MONEY, "a gain in 万元")
            }
            (_, Unit::Percent, _) => Self::from(-100.0, MAX_PERCENT, "a percentage target"),
            (_, Unit::Count, _) => Self::from(0.0, MAX_COUNT, "a count target"),
            (_, Unit::TenThousandYuan, _) => Self::from(0.0, MAX_MONEY, "a target in 万元"),
        }
    }

    /// Why `v` is refused, as the end of a message (`None`: it is fine).
    fn check(self, v: f64) -> Option<String> {
        if !v.is_finite() {
            return Some("must be a finite number".into());
        }
        let low_ok = if self.above_min {
            v > self.min
        } else {
            v >= self.min
        };
        if low_ok && v <= self.max {
            return None;
        }
        let from = if self.above_min { "above" } else { "from" };
        Some(format!(
            "is out of range: {} must be {from} {} up to {}",
            self.what,
            group(self.min),
            group(self.max)
        ))
    }
}

/// A bound as written in a message: thousands grouped, no needless decimals.
fn group(v: f64) -> String {
    let digits = format!("{}", v.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
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
    /// Whether `value` meets this rule's target `level`: `≥` with [`TOLERANCE`] for
    /// rounding in the inputs, `>` strictly.
    ///
    /// [`TOLERANCE`]: crate::status::TOLERANCE
    #[must_use]
    pub fn meets(self, value: f64, level: f64) -> bool {
        match self {
            Rule::Gain | Rule::AtLeast => value >= level - crate::status::TOLERANCE,
            Rule::MoreThan => value > level,
        }
    }

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

/// Whether a target is one of the plan's own, or a condition of another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "of")]
pub enum Role {
    /// One of the plan's targets: counted in the report's headline.
    Target,
    /// A condition of the target of the named indicator (the four digital gains are
    /// criteria of `digital_cluster_count`): judged like a target, for every scope, and
    /// shown as "which clusters qualify", never as a missed plan target.
    Criterion(String),
}

impl Role {
    /// `target` or `criterion`, as `kpis.csv` writes it.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Target => "target",
            Role::Criterion(_) => "criterion",
        }
    }

    /// The indicator this is a criterion of.
    #[must_use]
    pub fn of(&self) -> Option<&str> {
        match self {
            Role::Target => None,
            Role::Criterion(of) => Some(of),
        }
    }
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
    pub role: Role,
}

impl Target {
    /// One of the plan's own targets (not a criterion of another).
    #[must_use]
    pub fn is_plan_target(&self) -> bool {
        self.role == Role::Target
    }

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

/// The longest horizon a plan may have, baseline to deadline. Long-range plans look
/// about thirty years ahead (2020 to 2050); a deadline beyond this is a typo such as
/// "2205Q4" for "2025Q4", which would otherwise project every target two centuries on.
pub const MAX_HORIZON_YEARS: i32 = 50;

/// Every problem found in a plan file.
#[derive(Debug, thiserror::Error)]
#[error("plan {path} is not valid:\n  - {}", problems.join("\n  - "))]
pub struct PlanError {
    pub path: String,
    pub problems: Vec<String>,
}

impl Plan {
    /// Reads and validates a plan file. Only a regular file of at most
    /// [`MAX_PLAN_BYTES`] is read: a FIFO given as the plan would block the run forever
    /// and `/dev/zero` would fill memory.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Self, PlanError> {
        let text = read_plan_file(path).map_err(|problem| PlanError {
            path: path.display().to_string(),
            problems: vec![problem],
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
        if let (Some(b), Some(d)) = (baseline, deadline) {
            if d <= b {
                problems.push(format!(
                    "[plan].deadline {d} must come after the baseline {b}"
                ));
            } else if d.index() - b.index() > 4 * MAX_HORIZON_YEARS {
                problems.push(format!(
                    "[plan].deadline {d} is more than {MAX_HORIZON_YEARS} years after the \
                     baseline {b}; a typo?"
                ));
            }
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
            let range = Range::of_target(ind.unit, rule, unit);
            if let Some(problem) = range.check(t.amount) {
                problems.push(format!("{at}: amount = {:?} {problem}", t.amount));
            }
            if let Some(s) = t.stretch {
                if let Some(problem) = range.check(s) {
                    problems.push(format!("{at}: stretch = {s:?} {problem}"));
                } else if t.amount.is_finite() && s < t.amount {
                    // The stretch amount is the plan's "力争" figure: more ambitious than
                    // the required one, never less.
                    problems.push(format!(
                        "{at}: stretch = {s:?} must not be below the amount {:?}",
                        t.amount
                    ));
                }
            }
            if !seen.insert((t.indicator.clone(), scope)) {
                problems.push(format!(
                    "{at}: a second target for the same indicator and scope"
                ));
            }
            let role = match (t.role.as_deref(), t.of.as_deref()) {
                (None | Some("target"), None) => Role::Target,
                (None | Some("target"), Some(of)) => {
                    problems.push(format!(
                        "{at}: of = {of:?} is only for role = \"criterion\""
                    ));
                    Role::Target
                }
                (Some("criterion"), None) => {
                    problems.push(format!(
                        "{at}: role = \"criterion\" needs `of`, the indicator it is a \
                         condition of"
                    ));
                    Role::Target
                }
                (Some("criterion"), Some(of)) => {
                    if catalogue.get(of).is_none() {
                        problems.push(format!("{at}: of = {of:?} is not an indicator"));
                    } else if of == t.indicator {
                        problems.push(format!("{at}: a target cannot be a criterion of itself"));
                    }
                    Role::Criterion(of.to_string())
                }
                (Some(other), _) => {
                    problems.push(format!(
                        "{at}: role {other:?} must be \"target\" or \"criterion\""
                    ));
                    Role::Target
                }
            };
            targets.push(Target {
                indicator: t.indicator.clone(),
                scope,
                rule,
                amount: t.amount,
                unit,
                stretch: t.stretch,
                note: t.note.clone(),
                role,
            });
        }
        problems.extend(raw.policy.problems());
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

/// A plan file is a page of TOML; the reference plan is about 6 KB.
pub const MAX_PLAN_BYTES: u64 = 1 << 20;

fn read_plan_file(path: &Path) -> Result<String, String> {
    crate::small_file::read_text(path, MAX_PLAN_BYTES, "plan file")
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
        assert_eq!(cnc.role, Role::Criterion("digital_cluster_count".into()));
        assert_eq!(
            plan.targets.iter().filter(|t| t.is_plan_target()).count(),
            13
        );
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
    fn a_deadline_or_baseline_centuries_away_is_a_typo() {
        let plan = |baseline: &str, deadline: &str| {
            REFERENCE
                .replace(
                    "baseline = \"2020Q4\"",
                    &format!("baseline = \"{baseline}\""),
                )
                .replace(
                    "deadline = \"2025Q4\"",
                    &format!("deadline = \"{deadline}\""),
                )
        };
        for (baseline, deadline) in [
            ("2020Q4", "2205Q4"),
            ("2020Q4", "9999Q4"),
            ("0001Q1", "2025Q4"),
        ] {
            let problems =
                Plan::parse(&plan(baseline, deadline), &Catalogue::builtin()).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:#?}");
            assert!(problems[0].contains("a typo?"), "{}", problems[0]);
            assert!(problems[0].contains(deadline), "{}", problems[0]);
        }
        // Fifty years is the longest horizon; a thirty-year plan is an ordinary one.
        for (baseline, deadline) in [("2020Q4", "2050Q4"), ("2000Q4", "2050Q4")] {
            let p = Plan::parse(&plan(baseline, deadline), &Catalogue::builtin()).unwrap();
            assert_eq!(p.deadline.to_string(), deadline);
        }
    }

    #[test]
    fn only_a_regular_plan_file_of_sensible_size_is_read() {
        let cat = Catalogue::builtin();
        let dir = std::env::temp_dir().join(format!("clusterkpi-plan-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let problem = |path: &Path| Plan::load(path, &cat).unwrap_err().problems.join("; ");
        assert!(problem(&dir).contains("not a regular file"));
        #[cfg(unix)]
        {
            assert!(problem(Path::new("/dev/zero")).contains("not a regular file"));
            // A FIFO is refused without opening it, so nothing blocks.
            let fifo = dir.join("plan.toml");
            let status = std::process::Command::new("mkfifo").arg(&fifo).status();
            if status.is_ok_and(|s| s.success()) {
                assert!(problem(&fifo).contains("not a regular file"));
            }
        }
        let big = dir.join("big.toml");
        std::fs::write(&big, "#".repeat(MAX_PLAN_BYTES as usize + 1)).unwrap();
        assert!(problem(&big).contains("limit"));
        let ok = dir.join("plan.toml.ok");
        std::fs::write(&ok, REFERENCE).unwrap();
        assert_eq!(Plan::load(&ok, &cat).unwrap().targets.len(), 17);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A plan with one target (`target` is the body of its `[[targets]]` table) and
    /// `policy` as the body of `[policy]`.
    fn plan_with(target: &str, policy: &str) -> String {
        format!(
            r#"
[plan]
id = "x"
name = "x"
city = "c"
city_name = "c"
baseline = "2020Q4"
deadline = "2025Q4"
[[targets]]
{target}
[policy]
{policy}
"#
        )
    }

    fn problems(target: &str, policy: &str) -> Vec<String> {
        Plan::parse(&plan_with(target, policy), &Catalogue::builtin()).unwrap_err()
    }

    const CNC_GAIN: &str = "indicator = \"cnc_rate\"\nscope = \"cluster\"\nrule = \"gain\"";
    const SME_COUNT: &str = "indicator = \"sme_count\"\nscope = \"city\"\nrule = \"more_than\"";

    #[test]
    fn infinite_and_nan_numbers_are_refused_naming_the_target_and_key() {
        for (body, key, value) in [
            (
                format!("{SME_COUNT}\namount = 2500\nstretch = inf"),
                "stretch",
                "inf",
            ),
            (
                format!("{SME_COUNT}\namount = 2500\nstretch = -inf"),
                "stretch",
                "-inf",
            ),
            (format!("{SME_COUNT}\namount = nan"), "amount", "NaN"),
            (format!("{CNC_GAIN}\namount = inf"), "amount", "inf"),
        ] {
            let p = problems(&body, "");
            assert_eq!(p.len(), 1, "{body}: {p:#?}");
            let msg = &p[0];
            assert!(msg.starts_with("[[targets]] #1 ("), "{msg}");
            assert!(
                msg.contains(&format!("{key} = {value} must be a finite number")),
                "{msg}"
            );
        }
    }

    #[test]
    fn a_criterion_names_the_target_it_is_a_condition_of() {
        let text = plan_with(
            &format!(
                "{CNC_GAIN}\namount = 5\nrole = \"criterion\"\nof = \"digital_cluster_count\""
            ),
            "",
        );
        let plan = Plan::parse(&text, &Catalogue::builtin()).unwrap();
        assert_eq!(plan.targets[0].role.of(), Some("digital_cluster_count"));
        for (tail, expected) in [
            ("role = \"criterion\"", "needs `of`"),
            (
                "of = \"digital_cluster_count\"",
                "only for role = \"criterion\"",
            ),
            (
                "role = \"criterion\"\nof = \"no_such\"",
                "is not an indicator",
            ),
            (
                "role = \"criterion\"\nof = \"cnc_rate\"",
                "criterion of itself",
            ),
            (
                "role = \"condition\"",
                "must be \"target\" or \"criterion\"",
            ),
        ] {
            let p = problems(&format!("{CNC_GAIN}\namount = 5\n{tail}"), "");
            assert_eq!(p.len(), 1, "{tail}: {p:#?}");
            assert!(p[0].contains(expected), "{tail}: {}", p[0]);
        }
    }

    #[test]
    fn absurd_amounts_are_refused_with_the_rule() {
        let cases = [
            // More than 100 percentage points on a rate.
            (format!("{CNC_GAIN}\namount = 500"), "a gain in percentage points"),
            // A gain of zero or less asks for nothing.
            (format!("{CNC_GAIN}\namount = 0"), "must be above 0"),
            (format!("{CNC_GAIN}\namount = -5"), "must be above 0"),
            (
                format!("{CNC_GAIN}\namount = 5\nunit = \"relative\"\nstretch = 5000"),
                "a relative gain",
            ),
            (format!("{SME_COUNT}\namount = -1"), "a count target must be from 0"),
            (format!("{SME_COUNT}\namount = 1e300"), "up to 10,000,000"),
            // The stretch amount is the more ambitious one.
            (
                format!("{SME_COUNT}\namount = 2500\nstretch = 2000"),
                "stretch = 2000.0 must not be below the amount 2500.0",
            ),
            (
                "indicator = \"revenue_cagr\"\nscope = \"city\"\nrule = \"at_least\"\namount = -150"
                    .to_string(),
                "a percentage target must be from -100",
            ),
            (
                "indicator = \"revenue_ytd\"\nscope = \"city\"\nrule = \"at_least\"\namount = 1e12"
                    .to_string(),
                "a target in 万元",
            ),
        ];
        for (body, expected) in cases {
            let p = problems(&body, "");
            assert_eq!(p.len(), 1, "{body}: {p:#?}");
            assert!(p[0].contains(expected), "{body}: {}", p[0]);
        }
    }

    #[test]
    fn policy_amounts_must_be_finite_and_in_range_all_reported_at_once() {
        let p = problems(
            &format!("{SME_COUNT}\namount = 2500"),
            "demo_reward_national = inf\ndemo_reward_provincial = -15\n\
             tech_upgrade_subsidy_share = 15\ntech_upgrade_subsidy_cap = nan",
        );
        assert_eq!(
            p,
            [
                "[policy].demo_reward_national = inf must be a finite number",
                "[policy].demo_reward_provincial = -15.0 is out of range: a policy amount in 万元 \
                 must be from 0 up to 1,000,000",
                "[policy].tech_upgrade_subsidy_share = 15.0 is out of range: a share (0.15 = 15%) \
                 must be from 0 up to 1",
                "[policy].tech_upgrade_subsidy_cap = NaN must be a finite number",
            ]
        );
        // Target and policy problems come together.
        let p = problems(
            &format!("{SME_COUNT}\namount = inf"),
            "tech_upgrade_subsidy_share = -0.1",
        );
        assert_eq!(p.len(), 2, "{p:#?}");
    }

    #[test]
    fn sensible_numbers_pass() {
        for body in [
            format!("{CNC_GAIN}\namount = 100"),
            format!("{CNC_GAIN}\namount = 0.5\nunit = \"relative\""),
            format!("{SME_COUNT}\namount = 0"),
            "indicator = \"revenue_cagr\"\nscope = \"city\"\nrule = \"at_least\"\namount = -2.5"
                .to_string(),
        ] {
            Plan::parse(
                &plan_with(&body, "tech_upgrade_subsidy_share = 1"),
                &Catalogue::builtin(),
            )
            .unwrap_or_else(|p| panic!("{body}: {p:#?}"));
        }
    }

    #[test]
    fn bounds_are_written_with_grouped_thousands() {
        assert_eq!(group(10_000_000_000.0), "10,000,000,000");
        assert_eq!(group(-100.0), "-100");
        assert_eq!(group(0.5), "0.5");
        assert_eq!(group(1.0), "1");
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
            role: Role::Target,
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
