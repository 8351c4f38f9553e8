//! What the report says, independent of how it is written: a flat list of blocks that
//! [`crate::html`], [`crate::markdown`] and [`crate::docx`] all render, so the reports
//! can never disagree on content or order.
//!
//! Order (outputs.md, "Report"): title with the as-of quarter and, after the deadline,
//! that this is the final evaluation; one line when data are partial; main points
//! (主要结论) and the contents; then the plan's targets; the clusters ranked by
//! shortfall with "which clusters qualify" as digital clusters; one section per area
//! with numbered charts and tables; data quality; the method note; the annex of
//! enterprises without a report.
//!
//! Every figure, unit, quarter and status is written by
//! [`clusterkpi_model::display::Display`]; every fixed sentence comes from
//! [`crate::text`].

use std::collections::BTreeMap;

use clusterkpi_charts::Chart;
use clusterkpi_model::display::{DASH, Display, ShownUnit, plain};
use clusterkpi_model::{
    Area, Cluster, Code, Counted, Evaluation, Indicator, KpiRow, Language, Period, Scope, Status,
    Target, Trend,
};

use crate::RunInfo;
use crate::rows;
use crate::text::{Text, display_value};

/// Areas with a report section of their own, in the plan's order. Coverage is part of
/// the data-quality section.
const AREAS: [Area; 5] = [
    Area::Digital,
    Area::Innovation,
    Area::Ecology,
    Area::Scale,
    Area::Policy,
];

/// Long lists are cut here, with a count of the rest, so a quarter where a whole county
/// did not report still gives a readable report.
const MAX_ISSUES: usize = 50;
const MAX_FILES: usize = 50;
const MAX_ANNEX: usize = 2_000;
const MAX_LATE_BASELINES: usize = 30;
/// Clusters named in a main-point sentence.
const WORST_NAMED: usize = 3;

/// The target whose criteria make a digital cluster, and the output a digital cluster
/// needs in its latest complete year (indicators.md: 1,000,000 万元 = 100亿元).
const DIGITAL: &str = "digital_cluster_count";
const DIGITAL_OUTPUT: &str = "output_value_ytd";
const DIGITAL_OUTPUT_THRESHOLD: f64 = 1_000_000.0;

pub(crate) struct Document {
    pub(crate) lang_attr: &'static str,
    /// "：" or ": ", for renderers that join a label and its value.
    pub(crate) colon: &'static str,
    pub(crate) title: String,
    pub(crate) blocks: Vec<Block>,
}

pub(crate) enum Block {
    /// `facts` are (label, value, needs attention).
    Headline {
        title: String,
        subtitle: String,
        facts: Vec<(String, String, bool)>,
    },
    /// A numbered top-level section; every one starts a printed page.
    Section {
        id: String,
        title: String,
        page_break: bool,
    },
    Heading(String),
    Para(String),
    Note(String),
    Bullets(Vec<String>),
    Numbered(Vec<String>),
    /// 主要结论: the few sentences with numbers a leader reads first.
    MainPoints {
        title: String,
        points: Vec<String>,
    },
    /// The contents list: every [`Block::Section`] after it, in order.
    Contents {
        title: String,
    },
    /// One line on the first page saying the data are partial, pointing at the section
    /// (by id) that gives the details.
    PartialNote {
        text: String,
        link: String,
    },
    Chart {
        title: String,
        /// "图3　…": the number and title as a caption under the chart.
        caption: String,
        svg: String,
        png: String,
    },
    Table(Table),
}

pub(crate) struct Table {
    /// "表2　…": number and title, above the table; `None` for small unnumbered lists.
    pub(crate) caption: Option<String>,
    /// "单位：亿元", at the table's top right, when every figure shares it.
    pub(crate) unit: Option<String>,
    pub(crate) head: Vec<String>,
    pub(crate) rows: Vec<Row>,
}

pub(crate) enum Row {
    /// A row spanning the table that names the group of rows below it.
    #[allow(dead_code)]
    Group(String),
    Cells(Vec<Cell>),
}

pub(crate) struct Cell {
    pub(crate) text: String,
    pub(crate) style: Style,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Text,
    Number,
    Status(Status),
    #[allow(dead_code)]
    Trend(Option<Trend>),
    /// A figure that needs attention (coverage below 100%).
    Alert,
    /// A word that needs attention (a county the city has to chase), left-aligned.
    Flag,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        style: Style::Text,
    }
}

fn num(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        style: Style::Number,
    }
}

fn styled(text: impl Into<String>, style: Style) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

/// How far a status is from done, for "the least favourable status" of a target that
/// applies to every cluster.
/// Behind its target: missed, or not on course to meet it.
fn is_behind(s: Status) -> bool {
    matches!(s, Status::Missed | Status::OffTrack | Status::AtRisk)
}

/// Indicator ids of year-to-date sums (the data contract names them `*_ytd`): they are
/// compared only with the same period a year earlier.
fn is_ytd(id: &str) -> bool {
    id.ends_with("_ytd")
}

/// One of the plan's own targets (role `target`) and how it stands.
struct PlanTarget<'a> {
    target: &'a Target,
    /// The city's row, for a city-scope target.
    city: Option<&'a KpiRow>,
    /// Every cluster's row it applies to, for a cluster-scope target.
    clusters: Vec<&'a KpiRow>,
    /// Clusters it cannot apply to (recognised after the baseline, no value).
    not_applicable: usize,
    status: Status,
}

impl PlanTarget<'_> {
    fn met(&self) -> usize {
        self.clusters
            .iter()
            .filter(|k| k.judgement.status == Status::Achieved)
            .count()
    }

    fn behind(&self) -> usize {
        self.clusters
            .iter()
            .filter(|k| is_behind(k.judgement.status))
            .count()
    }
}

/// One cluster's standing: its cluster-scope plan targets and the digital criteria.
struct Standing<'a> {
    cluster: &'a Cluster,
    /// Per cluster-scope plan target, in plan order: the row, `None` when it does not
    /// apply.
    targets: Vec<Option<&'a KpiRow>>,
    behind: usize,
    /// Sum of the relative gaps to the target levels (negative above them).
    gap: f64,
    /// Per criterion, in plan order.
    criteria: Vec<Option<&'a KpiRow>>,
    criteria_met: usize,
    output: Option<f64>,
    qualifies: bool,
}

/// Builds the report's content.
pub(crate) fn document(
    eval: &Evaluation,
    run: &RunInfo,
    charts: &[Chart],
    generated_at: &str,
) -> Document {
    let t = Text::new(eval.language);
    let d = Display::new(eval.language);
    let mut b = Builder {
        eval,
        t,
        d,
        judged: eval.judged_quarter(),
        is_final: eval.is_final(),
        blocks: Vec::new(),
        sections: 0,
        tables: 0,
    };
    let targets = b.plan_targets();
    let standings = b.standings(&targets);

    b.headline(generated_at);
    b.partial_note();
    b.main_points(&targets, &standings);
    b.push(Block::Contents {
        title: t.contents_title().to_string(),
    });
    b.targets_section(&targets);
    b.clusters_section(&targets, &standings, charts);
    for area in AREAS {
        b.area(area, charts);
    }
    b.quality(run, charts);
    b.method();
    b.annex();
    b.push(Block::Note(
        t.footer(&run.tool_version, eval.dataset_version),
    ));
    Document {
        lang_attr: t.html_lang(),
        colon: t.colon(),
        title: format!(
            "{} · {}",
            t.plan_name(&eval.plan),
            t.subtitle(b.is_final, &d.quarter(eval.as_of))
        ),
        blocks: b.blocks,
    }
}

struct Builder<'a> {
    eval: &'a Evaluation,
    t: Text,
    d: Display,
    /// The judged quarter `e`: the as-of quarter, or the deadline once passed.
    judged: Period,
    is_final: bool,
    blocks: Vec<Block>,
    sections: usize,
    tables: usize,
}

impl<'a> Builder<'a> {
    fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    fn section(&mut self, id: &str, title: &str) {
        self.sections += 1;
        let title = self.t.section(self.sections, title);
        self.push(Block::Section {
            id: id.to_string(),
            title,
            page_break: true,
        });
    }

    /// A chart with its number: the chart stage numbers charts in the order of the
    /// report (scorecard and qualifying clusters, the areas, coverage), which is the
    /// order this builder places them in.
    fn chart(&mut self, c: &Chart) {
        self.push(Block::Chart {
            caption: self.t.figure(c.number, &c.title),
            title: c.title.clone(),
            svg: inline_svg(&c.svg).to_string(),
            png: png_ref(c),
        });
    }

    /// A numbered table.
    fn table(&mut self, title: &str, unit: Option<String>, head: Vec<String>, rows: Vec<Row>) {
        self.tables += 1;
        self.push(Block::Table(Table {
            caption: Some(self.t.table(self.tables, title)),
            unit,
            head,
            rows,
        }));
    }

    /// A small unnumbered list as a table.
    fn list_table(&mut self, head: Vec<String>, rows: Vec<Row>) {
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head,
            rows,
        }));
    }

    fn q(&self, p: Period) -> String {
        self.d.quarter(p)
    }

    fn indicator(&self, id: &str) -> Option<&'a Indicator> {
        self.eval.indicator(id)
    }

    fn indicator_name(&self, id: &str) -> String {
        self.indicator(id)
            .map_or_else(|| id.to_string(), |i| self.t.name(i.name_in(self.t.lang())))
    }

    fn unit_of(&self, id: &str, k: Option<&KpiRow>) -> ShownUnit {
        match (self.indicator(id), k) {
            (Some(i), _) => ShownUnit::of(i),
            (None, Some(k)) => ShownUnit::from_parts(k.unit, None),
            (None, None) => ShownUnit::Percent,
        }
    }

    fn cluster(&self, id: &str) -> Option<&'a Cluster> {
        self.eval.clusters.iter().find(|c| c.id == id)
    }

    fn scope_name(&self, scope: Scope, id: &str) -> String {
        self.eval.scope_name(scope, id)
    }

    fn enterprises(&self, n: u64) -> String {
        self.d
            .value(Some(n as f64), ShownUnit::Count(Counted::Enterprises))
    }

    /// The series value of one indicator in one scope at one quarter.
    fn value_at(&self, scope: Scope, id: &str, indicator: &str, p: Period) -> Option<f64> {
        self.eval
            .series
            .iter()
            .find(|s| {
                s.period == p && s.scope == scope && s.scope_id == id && s.indicator == indicator
            })
            .and_then(|s| s.value)
            .filter(|v| v.is_finite())
    }

    /// (reporting, expected, carried forward) of the city at a quarter, from the
    /// series (every row of a scope and quarter carries its coverage).
    fn coverage_at(&self, scope: Scope, id: &str, p: Period) -> Option<(u64, u64, Option<u64>)> {
        let rows: Vec<_> = self
            .eval
            .series
            .iter()
            .filter(|s| s.period == p && s.scope == scope && s.scope_id == id)
            .collect();
        let first = rows.first()?;
        let carried = rows.iter().filter_map(|s| s.carried_forward).max();
        Some((first.reporting, first.expected, carried))
    }

    /// A cluster's row that cannot apply: a cluster recognised after the baseline
    /// whose value is null (e.g. no revenue in the base year for an average growth).
    fn not_applicable(&self, k: &KpiRow) -> Option<Period> {
        if self.eval.applies(k) {
            return None;
        }
        self.cluster(&k.scope_id).map(|c| c.established)
    }

    // ── the evaluation, read ───────────────────────────────────────────────────

    fn plan_targets(&self) -> Vec<PlanTarget<'a>> {
        let e = self.eval;
        e.plan
            .targets
            .iter()
            .filter(|t| t.is_plan_target())
            .map(|target| match target.scope {
                Scope::City => {
                    let city = e.kpi(Scope::City, &e.plan.city, &target.indicator);
                    PlanTarget {
                        target,
                        city,
                        clusters: Vec::new(),
                        not_applicable: 0,
                        status: city.map_or(Status::NoData, |k| k.judgement.status),
                    }
                }
                Scope::Cluster => {
                    let all: Vec<&KpiRow> = rows::kpis_of(e, &target.indicator)
                        .into_iter()
                        .filter(|k| k.scope == Scope::Cluster && k.is_plan_target())
                        .collect();
                    let (na, clusters): (Vec<&KpiRow>, Vec<&KpiRow>) = all
                        .into_iter()
                        .partition(|k| self.not_applicable(k).is_some());
                    PlanTarget {
                        target,
                        city: None,
                        clusters,
                        not_applicable: na.len(),
                        status: e.plan_verdict(target),
                    }
                }
            })
            .collect()
    }

    /// The criteria of the digital-cluster target, in plan order.
    fn criteria(&self) -> Vec<&'a Target> {
        self.eval
            .plan
            .targets
            .iter()
            .filter(|t| t.role.of() == Some(DIGITAL))
            .collect()
    }

    /// What a digital cluster is called: the indicator's name without the "count of".
    fn digital_name(&self) -> String {
        let name = self.indicator_name(DIGITAL);
        name.strip_suffix('数')
            .or_else(|| name.strip_suffix(" count"))
            .or_else(|| name.strip_prefix("Number of "))
            .unwrap_or(&name)
            .to_string()
    }

    /// The output a digital cluster needs, as the plan states it: "100亿元".
    fn digital_threshold(&self) -> String {
        let unit = ShownUnit::HundredMillionYuan;
        self.d
            .with_unit(&plain(unit.scale(DIGITAL_OUTPUT_THRESHOLD)), unit)
    }

    /// The latest complete year at the judged quarter, whose output a digital cluster
    /// needs.
    fn digital_year(&self) -> i32 {
        self.judged.latest_complete_year()
    }

    fn standings(&self, targets: &[PlanTarget<'a>]) -> Vec<Standing<'a>> {
        let e = self.eval;
        let cluster_targets: Vec<&PlanTarget> = targets
            .iter()
            .filter(|p| p.target.scope == Scope::Cluster)
            .collect();
        let criteria = self.criteria();
        let year_end = Period::new(self.digital_year(), 4);
        let mut out: Vec<Standing> = e
            .clusters
            .iter()
            .map(|c| {
                let targets: Vec<Option<&KpiRow>> = cluster_targets
                    .iter()
                    .map(|p| p.clusters.iter().find(|k| k.scope_id == c.id).copied())
                    .collect();
                let behind = targets
                    .iter()
                    .flatten()
                    .filter(|k| is_behind(k.judgement.status))
                    .count();
                // No target applies (a cluster recognised after the baseline): last.
                let gap = if targets.iter().all(Option::is_none) && !targets.is_empty() {
                    f64::NEG_INFINITY
                } else {
                    0.0
                } + targets
                    .iter()
                    .flatten()
                    .filter_map(|k| {
                        let j = &k.judgement;
                        let (v, l) = (j.judged_value?, j.target_level?);
                        // Signed: a cluster just above its level ranks before one far above.
                        (l != 0.0).then(|| (l - v) / l.abs())
                    })
                    .sum::<f64>();
                let crit: Vec<Option<&KpiRow>> = criteria
                    .iter()
                    .map(|t| e.kpi(Scope::Cluster, &c.id, &t.indicator))
                    .collect();
                let criteria_met = crit
                    .iter()
                    .flatten()
                    .filter(|k| k.judgement.status == Status::Achieved)
                    .count();
                let output =
                    year_end.and_then(|p| self.value_at(Scope::Cluster, &c.id, DIGITAL_OUTPUT, p));
                let qualifies = !criteria.is_empty()
                    && criteria_met == criteria.len()
                    && output.is_some_and(|o| o >= DIGITAL_OUTPUT_THRESHOLD);
                Standing {
                    cluster: c,
                    targets,
                    behind,
                    gap,
                    criteria: crit,
                    criteria_met,
                    output,
                    qualifies,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.behind
                .cmp(&a.behind)
                .then(b.gap.total_cmp(&a.gap))
                .then(a.criteria_met.cmp(&b.criteria_met))
                .then(a.cluster.name.cmp(&b.cluster.name))
        });
        out
    }

    /// The name of a plan target's indicator, with its scope where the plan targets
    /// the same indicator for the city and for every cluster.
    fn target_name(&self, target: &Target) -> String {
        let name = self.indicator_name(&target.indicator);
        let both = self
            .eval
            .plan
            .targets
            .iter()
            .filter(|t| t.is_plan_target() && t.indicator == target.indicator)
            .count()
            > 1;
        match (both, target.scope) {
            (false, _) => name,
            (true, Scope::City) => self.t.scoped(self.t.scope_city(), &name),
            (true, Scope::Cluster) => self.t.scoped(self.t.scope_clusters(), &name),
        }
    }

    /// What a target asks for; for a gain, with the level it means.
    fn target_text(&self, target: &Target, k: Option<&KpiRow>) -> String {
        let unit = self.unit_of(&target.indicator, k);
        let text = self.d.target(target, unit);
        match (target.rule, k.and_then(|k| k.judgement.target_level)) {
            (clusterkpi_model::Rule::Gain, Some(level)) if target.scope == Scope::City => {
                let v = k.and_then(|k| k.judgement.judged_value).unwrap_or(level);
                let (_, l) = self.d.compared(v, level, unit);
                self.t.qualified(&text, &l)
            }
            _ => text,
        }
    }

    /// A value beside its target level, with the decimals the comparison needs.
    fn compared(&self, v: Option<f64>, level: Option<f64>, unit: ShownUnit) -> String {
        match (v.filter(|x| x.is_finite()), level.filter(|x| x.is_finite())) {
            (Some(v), Some(l)) => self.d.compared(v, l, unit).0,
            (v, _) => self.d.value(v, unit),
        }
    }

    // ── title page ─────────────────────────────────────────────────────────────

    fn headline(&mut self, generated_at: &str) {
        let (e, t, d) = (self.eval, self.t, self.d);
        let (as_of, deadline) = (d.quarter(e.as_of), d.quarter(e.plan.deadline));
        let kind = if self.is_final {
            t.kind_final(&deadline, &as_of)
        } else {
            t.kind_progress(&as_of, &deadline)
        };
        let facts = vec![
            (t.fact_as_of().to_string(), as_of.clone(), false),
            (t.fact_kind().to_string(), kind, false),
            (
                t.fact_plan_period().to_string(),
                t.plan_period(&d.quarter(e.plan.baseline), &deadline),
                false,
            ),
            (
                t.fact_dataset().to_string(),
                t.dataset_version(e.dataset_version),
                false,
            ),
            (t.fact_generated().to_string(), d.time(generated_at), false),
        ];
        self.push(Block::Headline {
            title: t.plan_name(&e.plan),
            subtitle: t.subtitle(self.is_final, &as_of),
            facts,
        });
    }

    /// Clauses saying how the data are partial: coverage at the judged quarter (the
    /// verdicts rest on it) and at the as-of quarter, and rows quarantined.
    fn partial_clauses(&self, full: bool) -> Vec<String> {
        let (e, t) = (self.eval, self.t);
        let mut clauses = Vec::new();
        let mut quarters = vec![e.as_of];
        if self.judged != e.as_of {
            quarters.insert(0, self.judged);
        }
        for p in quarters {
            let Some((reporting, expected, carried)) =
                self.coverage_at(Scope::City, &e.plan.city, p)
            else {
                continue;
            };
            // Clusters recognised after p were not expected to report.
            if reporting >= expected || !self.clusters_short_at(p) {
                continue;
            }
            let mut c = t.not_reported(
                &self.q(p),
                &self.enterprises(expected - reporting),
                &self.enterprises(expected),
            );
            if let Some(n) = carried.filter(|n| full && *n > 0) {
                let clause = if n >= expected - reporting {
                    t.carried_all_clause().to_string()
                } else {
                    t.carried_clause(&self.enterprises(n))
                };
                c = format!("{c}{}{clause}", t.list_sep_comma());
            }
            clauses.push(c);
        }
        if e.quarantined_for_period > 0 {
            clauses.push(t.quarantined_clause(e.quarantined_for_period, &self.q(e.as_of)));
        }
        clauses
    }

    /// Whether some recognised cluster reported below 100% at `p`.
    fn clusters_short_at(&self, p: Period) -> bool {
        self.eval.clusters.iter().any(|c| {
            c.established <= p
                && self
                    .coverage_at(Scope::Cluster, &c.id, p)
                    .is_some_and(|(r, x, _)| r < x)
        })
    }

    fn partial_note(&mut self) {
        let clauses = self.partial_clauses(false);
        if clauses.is_empty() {
            return;
        }
        let text = self.t.partial_note(&clauses.join(self.t.clause_sep()));
        self.push(Block::PartialNote {
            text,
            link: "quality".into(),
        });
    }

    // ── main points ────────────────────────────────────────────────────────────

    fn main_points(&mut self, targets: &[PlanTarget<'a>], standings: &[Standing<'a>]) {
        let (t, d) = (self.t, self.d);
        let mut points = Vec::new();
        if targets.is_empty() {
            points.push(t.no_targets().to_string());
        } else {
            // 1. How many of the plan's targets are met.
            let counts: Vec<String> = Status::TARGETED
                .iter()
                .filter_map(|s| {
                    let n = targets.iter().filter(|p| p.status == *s).count();
                    (n > 0).then(|| t.status_count(d.status(*s), n))
                })
                .collect();
            points.push(t.mp_overview(
                self.is_final,
                &d.quarter_end(self.judged),
                targets.len(),
                &counts,
            ));
            // 2. Which are missed or at risk.
            let mut clauses = Vec::new();
            for s in [
                Status::Missed,
                Status::OffTrack,
                Status::AtRisk,
                Status::NoData,
            ] {
                let items: Vec<String> = targets
                    .iter()
                    .filter(|p| p.status == s)
                    .map(|p| self.behind_item(p))
                    .collect();
                if !items.is_empty() {
                    clauses.push(t.mp_list(d.status(s), &items));
                }
            }
            if clauses.is_empty() {
                points.push(t.mp_all_on_course().to_string());
            } else {
                points.push(t.sentence(&clauses));
            }
        }
        // 3. The clusters furthest behind.
        let clusters: Vec<String> = targets
            .iter()
            .enumerate()
            .filter(|(_, p)| p.target.scope == Scope::Cluster && !p.clusters.is_empty())
            .map(|(i, p)| self.clusters_point(p, standings, i, targets))
            .collect();
        if !clusters.is_empty() {
            points.push(t.sentence(&clusters));
        }
        // 4. Which clusters qualify as digital clusters.
        if let Some(p) = self.digital_point(targets, standings) {
            points.push(p);
        }
        // 5. After the deadline: the latest values of the targets missed.
        if self.is_final && self.judged != self.eval.as_of {
            let items: Vec<String> = targets
                .iter()
                .filter(|p| p.status != Status::Achieved)
                .filter_map(|p| {
                    let k = p.city?;
                    let v = k.judgement.value?;
                    let level = k.judgement.target_level?;
                    let unit = self.unit_of(&k.indicator, Some(k));
                    Some(t.latest_item(
                        &self.target_name(p.target),
                        &self.compared(Some(v), Some(level), unit),
                        p.target.rule.meets(v, level),
                    ))
                })
                .collect();
            if !items.is_empty() {
                points.push(t.mp_latest(&self.q(self.judged), &self.q(self.eval.as_of), &items));
            }
        }
        // 6. Data quality, when partial.
        let clauses = self.partial_clauses(true);
        if !clauses.is_empty() {
            points.push(t.mp_quality(&clauses));
        }
        self.push(Block::MainPoints {
            title: t.main_points_title().to_string(),
            points,
        });
    }

    /// A target not met, as the main points name it.
    fn behind_item(&self, p: &PlanTarget) -> String {
        let (t, d) = (self.t, self.d);
        if p.target.scope == Scope::Cluster {
            let name = self.indicator_name(&p.target.indicator);
            return t.item_clusters(&name, p.behind(), p.clusters.len());
        }
        let name = self.target_name(p.target);
        let k = p.city;
        let unit = self.unit_of(&p.target.indicator, k);
        let target = d.target(p.target, unit);
        let j = k.map(|k| &k.judgement);
        let level = j.and_then(|j| j.target_level);
        match j {
            None => t.item_no_value(&name, &target),
            Some(j) if j.judged_value.is_none() => t.item_no_value(&name, &target),
            Some(j) if !self.is_final => t.item_projected(
                &name,
                &d.quarter_end(self.eval.plan.deadline),
                &self.compared(j.projected, level, unit),
                &target,
            ),
            _ => t.item_value(
                &name,
                &self.compared(j.and_then(|j| j.judged_value), level, unit),
                &target,
            ),
        }
    }

    fn clusters_point(
        &self,
        p: &PlanTarget,
        standings: &[Standing],
        index: usize,
        targets: &[PlanTarget],
    ) -> String {
        let (t, d) = (self.t, self.d);
        let name = self.indicator_name(&p.target.indicator);
        let unit = self.unit_of(&p.target.indicator, p.clusters.first().copied());
        let target = d.target(p.target, unit);
        // The position of this target among the cluster-scope ones.
        let slot = targets[..index]
            .iter()
            .filter(|x| x.target.scope == Scope::Cluster)
            .count();
        let behind = p.behind();
        let mut s = if behind == 0 {
            t.mp_clusters_all_met(&name, &target, p.clusters.len())
        } else {
            let mut worst: Vec<&KpiRow> = standings
                .iter()
                .filter_map(|s| s.targets.get(slot).copied().flatten())
                .filter(|k| is_behind(k.judgement.status))
                .collect();
            worst.sort_by(|a, b| {
                let gap = |k: &KpiRow| {
                    let j = &k.judgement;
                    j.target_level.unwrap_or(0.0) - j.judged_value.unwrap_or(f64::NEG_INFINITY)
                };
                gap(b).total_cmp(&gap(a))
            });
            let named: Vec<String> = worst
                .iter()
                .take(WORST_NAMED)
                .map(|k| {
                    t.named_value(
                        &self.scope_name(k.scope, &k.scope_id),
                        &self.compared(k.judgement.judged_value, k.judgement.target_level, unit),
                    )
                })
                .collect();
            t.mp_clusters(
                &name,
                &target,
                behind,
                p.clusters.len(),
                &t.and_list(&named),
            )
        };
        if p.not_applicable > 0 {
            s = format!(
                "{s}{}{}",
                t.clause_sep(),
                t.not_applicable_clusters(p.not_applicable)
            );
        }
        s
    }

    fn digital_point(&self, targets: &[PlanTarget], standings: &[Standing]) -> Option<String> {
        let (t, d) = (self.t, self.d);
        let p = targets.iter().find(|p| p.target.indicator == DIGITAL)?;
        let criteria = self.criteria();
        if criteria.is_empty() {
            return None;
        }
        let unit = self.unit_of(DIGITAL, p.city);
        let qualifying: Vec<String> = standings
            .iter()
            .filter(|s| s.qualifies)
            .map(|s| s.cluster.name_in(t.lang()).to_string())
            .collect();
        let threshold = self.digital_threshold();
        let mut s = t.mp_digital(
            &self.digital_name(),
            self.digital_year(),
            &threshold,
            criteria.len(),
            &qualifying,
            &d.target(p.target, unit),
            d.status(p.status),
        );
        if qualifying.is_empty()
            && let Some(near) = standings
                .iter()
                .filter(|s| s.output.is_some_and(|o| o >= DIGITAL_OUTPUT_THRESHOLD))
                .max_by_key(|s| s.criteria_met)
        {
            s = format!(
                "{s}{}{}",
                t.clause_sep(),
                t.mp_digital_nearest(
                    near.cluster.name_in(t.lang()),
                    near.criteria_met,
                    criteria.len()
                )
            );
        }
        Some(t.sentence(&[s]))
    }

    // ── 一、the plan's targets ─────────────────────────────────────────────────

    fn targets_section(&mut self, targets: &[PlanTarget<'a>]) {
        let (e, t, d) = (self.eval, self.t, self.d);
        let judged = self.q(self.judged);
        self.section("targets", t.targets_title());
        if targets.is_empty() {
            self.push(Block::Para(t.no_targets().to_string()));
            return;
        }
        self.push(Block::Para(t.targets_intro(self.is_final, &judged)));
        let show_latest = self.is_final && self.judged != e.as_of;
        let mut head = vec![
            t.col_indicator().to_string(),
            t.col_baseline().to_string(),
            t.col_target().to_string(),
        ];
        if self.is_final {
            head.push(t.col_final(&judged));
        } else {
            head.push(t.col_value_at(&judged));
            head.push(t.col_projected(&self.q(e.plan.deadline)));
        }
        head.push(t.col_progress().to_string());
        head.push(t.col_status().to_string());
        if show_latest {
            head.push(t.col_latest(&self.q(e.as_of)));
        }
        let rows = targets
            .iter()
            .map(|p| {
                let status = styled(d.status_marked(p.status), Style::Status(p.status));
                let mut cells = vec![cell(self.target_name(p.target))];
                match p.city {
                    Some(k) => {
                        let j = &k.judgement;
                        let unit = self.unit_of(&k.indicator, Some(k));
                        cells.push(num(self.baseline(k, unit)));
                        cells.push(cell(self.target_text(p.target, Some(k))));
                        cells.push(num(self.compared(j.judged_value, j.target_level, unit)));
                        if !self.is_final {
                            cells.push(num(self.compared(j.projected, j.target_level, unit)));
                        }
                        cells.push(num(d.progress_of(j)));
                        cells.push(status);
                        if show_latest {
                            cells.push(num(self.compared(j.value, j.target_level, unit)));
                        }
                    }
                    None => {
                        let unit = self.unit_of(&p.target.indicator, p.clusters.first().copied());
                        cells.push(num(DASH));
                        cells.push(cell(d.target(p.target, unit)));
                        let n = p.clusters.len();
                        cells.push(num(if p.target.scope == Scope::Cluster {
                            t.clusters_met(p.met(), n)
                        } else {
                            DASH.to_string()
                        }));
                        if !self.is_final {
                            cells.push(num(DASH));
                        }
                        cells.push(num(DASH));
                        cells.push(status);
                        if show_latest {
                            // Clusters whose latest value meets their level.
                            let now = p
                                .clusters
                                .iter()
                                .filter(|k| {
                                    let j = &k.judgement;
                                    j.value
                                        .zip(j.target_level)
                                        .is_some_and(|(v, l)| p.target.rule.meets(v, l))
                                })
                                .count();
                            cells.push(num(t.clusters_met(now, n)));
                        }
                    }
                }
                Row::Cells(cells)
            })
            .collect();
        self.table(&t.targets_table(&judged), None, head, rows);
        self.push(Block::Note(t.targets_note(&self.q(e.plan.baseline))));
    }

    /// A baseline with its quarter: "2,397家（2020年四季度）".
    fn baseline(&self, k: &KpiRow, unit: ShownUnit) -> String {
        let j = &k.judgement;
        match j.baseline_period {
            None => DASH.to_string(),
            Some(p) => self
                .t
                .qualified(&self.d.value(j.baseline_value, unit), &self.q(p)),
        }
    }

    // ── 二、clusters ───────────────────────────────────────────────────────────

    fn clusters_section(
        &mut self,
        targets: &[PlanTarget<'a>],
        standings: &[Standing<'a>],
        charts: &[Chart],
    ) {
        let (t, d) = (self.t, self.d);
        self.section("clusters", t.clusters_title());
        self.push(Block::Para(t.clusters_intro().to_string()));
        // The scorecard chart, and any chart the chart stage did not file under an area.
        for c in charts
            .iter()
            .filter(|c| c.area.is_none() && c.id != "coverage")
        {
            self.chart(c);
        }
        let judged = self.q(self.judged);
        let cluster_targets: Vec<&PlanTarget> = targets
            .iter()
            .filter(|p| p.target.scope == Scope::Cluster)
            .collect();
        let criteria = self.criteria();

        let mut head = vec![t.col_rank().to_string(), t.col_cluster().to_string()];
        for p in &cluster_targets {
            let unit = self.unit_of(&p.target.indicator, p.clusters.first().copied());
            head.push(t.qualified(
                &self.indicator_name(&p.target.indicator),
                &d.target(p.target, unit),
            ));
            head.push(t.col_status().to_string());
        }
        if !criteria.is_empty() {
            head.push(t.col_conditions(criteria.len()));
            head.push(t.col_qualifies().to_string());
        }
        let rows = standings
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut cells = vec![num((i + 1).to_string()), cell(s.cluster.name_in(t.lang()))];
                for (slot, p) in cluster_targets.iter().enumerate() {
                    let unit = self.unit_of(&p.target.indicator, None);
                    match s.targets.get(slot).copied().flatten() {
                        Some(k) => {
                            let j = &k.judgement;
                            cells.push(num(self.compared(j.judged_value, j.target_level, unit)));
                            cells.push(styled(d.status_marked(j.status), Style::Status(j.status)));
                        }
                        None => {
                            cells.push(cell(t.not_applicable(&self.q(s.cluster.established))));
                            cells.push(cell(DASH));
                        }
                    }
                }
                if !criteria.is_empty() {
                    cells.push(num(format!("{}/{}", s.criteria_met, criteria.len())));
                    cells.push(yes_no(t, s.qualifies));
                }
                Row::Cells(cells)
            })
            .collect();
        self.table(&t.standing_table(&judged), None, head, rows);

        if criteria.is_empty() {
            return;
        }
        let name = self.digital_name();
        let threshold = self.digital_threshold();
        let year = self.digital_year();
        self.push(Block::Heading(t.criteria_title(&name)));
        self.push(Block::Para(t.criteria_intro(
            &name,
            &threshold,
            year,
            criteria.len(),
        )));
        let mut head = vec![t.col_cluster().to_string(), t.col_output(year, &threshold)];
        for c in &criteria {
            head.push(t.col_gain(
                &self.indicator_name(&c.indicator),
                &d.target(c, ShownUnit::Percent),
            ));
        }
        head.push(t.col_qualifies_short().to_string());
        let mut order: Vec<&Standing> = standings.iter().collect();
        order.sort_by(|a, b| {
            b.qualifies
                .cmp(&a.qualifies)
                .then(b.criteria_met.cmp(&a.criteria_met))
                .then(b.output.unwrap_or(0.0).total_cmp(&a.output.unwrap_or(0.0)))
        });
        let rows = order
            .iter()
            .map(|s| {
                let big = s.output.is_some_and(|o| o >= DIGITAL_OUTPUT_THRESHOLD);
                let mut cells = vec![
                    cell(s.cluster.name_in(t.lang())),
                    styled(
                        self.compared(
                            s.output,
                            Some(DIGITAL_OUTPUT_THRESHOLD),
                            ShownUnit::HundredMillionYuan,
                        ),
                        if big {
                            Style::Status(Status::Achieved)
                        } else {
                            Style::Number
                        },
                    ),
                ];
                for k in &s.criteria {
                    cells.push(match k {
                        Some(k) => self.gain_cell(k),
                        None => num(DASH),
                    });
                }
                cells.push(yes_no(t, s.qualifies));
                Row::Cells(cells)
            })
            .collect();
        self.table(&t.criteria_table(&name, &judged), None, head, rows);
        // The relative reading, where the plan's unit is in doubt.
        if criteria.iter().any(|c| c.unit_in_doubt()) {
            let year_end = Period::new(year, 4);
            let relative = self
                .eval
                .clusters
                .iter()
                .filter(|c| {
                    year_end
                        .and_then(|p| self.value_at(Scope::Cluster, &c.id, DIGITAL_OUTPUT, p))
                        .is_some_and(|o| o >= DIGITAL_OUTPUT_THRESHOLD)
                        && criteria.iter().all(|crit| {
                            self.eval
                                .kpi(Scope::Cluster, &c.id, &crit.indicator)
                                .is_some_and(|k| {
                                    let r = if crit.unit_in_doubt() {
                                        k.relative_reading.as_ref()
                                    } else {
                                        Some(&k.judgement)
                                    };
                                    r.is_some_and(|r| r.status == Status::Achieved)
                                })
                        })
                })
                .count();
            self.push(Block::Note(t.criteria_relative(relative)));
        }
    }

    /// A criterion's gain since the baseline, in points, with whether it is met:
    /// "+10.8个百分点（达到）".
    fn gain_cell(&self, k: &KpiRow) -> Cell {
        let (t, d) = (self.t, self.d);
        let j = &k.judgement;
        let (Some(v), Some(b)) = (j.judged_value, j.baseline_value) else {
            return num(DASH);
        };
        let decimals = j
            .target_level
            .map_or(1, |l| d.decimals_to_compare(v, l, ShownUnit::Percent));
        let change = d.number_with(v - b, ShownUnit::Percent, decimals);
        let change = if v - b > 0.0 && !change.starts_with('-') {
            format!("+{change}")
        } else {
            change
        };
        let met = j.status == Status::Achieved;
        styled(
            t.qualified(&change, t.met(met)),
            if met {
                Style::Status(Status::Achieved)
            } else {
                Style::Number
            },
        )
    }

    // ── areas ──────────────────────────────────────────────────────────────────

    /// One area: its charts, the city's indicators, and a table of every cluster.
    fn area(&mut self, area: Area, charts: &[Chart]) {
        let (e, t, d) = (self.eval, self.t, self.d);
        let title = match t.lang() {
            Language::Zh => area.name_zh(),
            Language::En => area.name_en(),
        };
        self.section(&format!("area-{}", area_id(area)), title);
        let as_of = self.q(e.as_of);
        self.push(Block::Para(t.area_intro(&as_of)));
        for c in charts.iter().filter(|c| c.area == Some(area)) {
            self.chart(c);
        }
        let indicators: Vec<&Indicator> = e.indicators.iter().filter(|i| i.area == area).collect();

        // The city: one row per indicator.
        let city: Vec<Row> = indicators
            .iter()
            .filter_map(|ind| {
                let k = e.kpi(Scope::City, &e.plan.city, &ind.id)?;
                let unit = ShownUnit::of(ind);
                let (value, compared) = if is_ytd(&ind.id) {
                    let before = Period::from_index(e.as_of.index() - 4);
                    (
                        t.qualified(&d.value(k.judgement.value, unit), &d.year_to_date(e.as_of)),
                        t.qualified(
                            &d.value(
                                self.value_at(Scope::City, &e.plan.city, &ind.id, before),
                                unit,
                            ),
                            &d.year_to_date(before),
                        ),
                    )
                } else {
                    (d.value(k.judgement.value, unit), self.baseline(k, unit))
                };
                Some(Row::Cells(vec![
                    cell(t.name(ind.name_in(t.lang()))),
                    num(compared),
                    num(value),
                ]))
            })
            .collect();
        let any_ytd = indicators.iter().any(|i| is_ytd(&i.id));
        if !city.is_empty() {
            let head = vec![
                t.col_indicator().to_string(),
                if any_ytd {
                    t.col_compared().to_string()
                } else {
                    t.col_baseline().to_string()
                },
                t.col_value_at(&as_of),
            ];
            self.table(&t.area_city_table(title, &as_of), None, head, city);
            if any_ytd {
                self.push(Block::Note(t.ytd_note().to_string()));
            }
        }

        // Every cluster: one row per cluster, one column per indicator.
        let columns: Vec<&Indicator> = indicators
            .iter()
            .copied()
            .filter(|i| i.has_scope(Scope::Cluster))
            .collect();
        if columns.is_empty() || e.clusters.is_empty() {
            return;
        }
        let units: Vec<ShownUnit> = columns.iter().map(|i| ShownUnit::of(i)).collect();
        let shared = units.iter().all(|u| *u == units[0]).then_some(units[0]);
        let mut head = vec![t.col_cluster().to_string()];
        for (ind, unit) in columns.iter().zip(&units) {
            let name = t.name(ind.name_in(t.lang()));
            let mut qual = Vec::new();
            let name = if is_ytd(&ind.id) {
                qual.push(d.year_to_date(e.as_of));
                name.strip_suffix("（本年累计）")
                    .or_else(|| name.strip_suffix(", year to date"))
                    .unwrap_or(&name)
                    .to_string()
            } else {
                name
            };
            if shared.is_none() {
                qual.push(d.unit(*unit).to_string());
            }
            head.push(if qual.is_empty() {
                name
            } else {
                t.qualified(&name, &qual.join(t.list_sep_comma()))
            });
        }
        let mut clusters: Vec<(&Cluster, Vec<Option<f64>>)> = e
            .clusters
            .iter()
            .map(|c| {
                let values = columns
                    .iter()
                    .map(|i| {
                        e.kpi(Scope::Cluster, &c.id, &i.id)
                            .and_then(|k| k.judgement.value)
                            .filter(|v| v.is_finite())
                    })
                    .collect();
                (c, values)
            })
            .collect();
        // Highest first on the first column, as statistical tables rank.
        clusters.sort_by(|a, b| {
            let key = |v: &[Option<f64>]| v.first().copied().flatten().unwrap_or(f64::NEG_INFINITY);
            key(&b.1)
                .total_cmp(&key(&a.1))
                .then(a.0.name.cmp(&b.0.name))
        });
        let rows = clusters
            .into_iter()
            .map(|(c, values)| {
                let mut cells = vec![cell(c.name_in(t.lang()))];
                // The unit is in the header or above the table.
                for (v, unit) in values.into_iter().zip(&units) {
                    cells.push(num(
                        v.map_or_else(|| DASH.to_string(), |v| d.number(v, *unit))
                    ));
                }
                Row::Cells(cells)
            })
            .collect();
        let first = head.get(1).cloned().unwrap_or_default();
        self.table(
            &t.area_cluster_table(title, &as_of),
            shared.map(|u| d.unit_title(u)),
            head,
            rows,
        );
        self.push(Block::Note(t.sorted_by(&first)));
        if area == Area::Digital {
            self.gains_table();
        }
    }

    /// The digital gains since the baseline in both readings (percentage points and
    /// relative to the baseline value), where the plan's unit is in doubt.
    fn gains_table(&mut self) {
        let (e, t, d) = (self.eval, self.t, self.d);
        let in_doubt: Vec<&Target> = e
            .plan
            .targets
            .iter()
            .filter(|tg| tg.scope == Scope::Cluster && tg.unit_in_doubt())
            .collect();
        if in_doubt.is_empty() {
            return;
        }
        let mut head = vec![t.col_cluster().to_string()];
        for tg in &in_doubt {
            head.push(t.col_gain(
                &self.indicator_name(&tg.indicator),
                &d.target(tg, ShownUnit::Percent),
            ));
        }
        // Largest first gain first, as the cluster tables rank.
        let gain = |c: &Cluster| {
            e.kpi(Scope::Cluster, &c.id, &in_doubt[0].indicator)
                .and_then(|k| Some(k.judgement.judged_value? - k.judgement.baseline_value?))
                .unwrap_or(f64::NEG_INFINITY)
        };
        let mut clusters: Vec<&Cluster> = e.clusters.iter().collect();
        clusters.sort_by(|a, b| gain(b).total_cmp(&gain(a)).then(a.name.cmp(&b.name)));
        let rows = clusters
            .into_iter()
            .map(|c| {
                let mut cells = vec![cell(c.name_in(t.lang()))];
                for tg in &in_doubt {
                    let j = e
                        .kpi(Scope::Cluster, &c.id, &tg.indicator)
                        .map(|k| &k.judgement);
                    cells.push(num(
                        match j.and_then(|j| j.judged_value.zip(j.baseline_value)) {
                            Some((v, b)) => {
                                let relative = if b == 0.0 {
                                    DASH.to_string()
                                } else {
                                    format!(
                                        "{}%",
                                        d.signed(100.0 * (v - b) / b, ShownUnit::Percent)
                                    )
                                };
                                t.both_readings(&d.points(v - b), &relative)
                            }
                            None => DASH.to_string(),
                        },
                    ));
                }
                Row::Cells(cells)
            })
            .collect();
        let first = head.get(1).cloned().unwrap_or_default();
        self.table(&t.gains_table(&self.q(self.judged)), None, head, rows);
        self.push(Block::Note(t.sorted_by(&first)));
    }

    // ── data quality ───────────────────────────────────────────────────────────

    fn quality(&mut self, run: &RunInfo, charts: &[Chart]) {
        let (e, t, d) = (self.eval, self.t, self.d);
        let as_of = self.q(e.as_of);
        self.section("quality", t.quality_title());

        // Coverage at the judged quarter (when it is not the as-of quarter) and now.
        let mut quarters = vec![e.as_of];
        if self.judged != e.as_of {
            quarters.insert(0, self.judged);
        }
        for p in &quarters {
            if let Some((reporting, expected, carried)) =
                self.coverage_at(Scope::City, &e.plan.city, *p)
            {
                let mut clauses = vec![t.coverage_sentence(
                    &self.q(*p),
                    &self.enterprises(expected),
                    &self.enterprises(reporting),
                    &d.share(reporting, expected),
                )];
                if reporting < expected {
                    let missing = expected - reporting;
                    let carried = carried.unwrap_or(0).min(missing);
                    clauses.push(if carried == missing {
                        t.carried_all_sentence(&self.enterprises(missing))
                    } else {
                        t.carried_sentence(
                            &self.enterprises(missing),
                            &self.enterprises(carried),
                            &self.enterprises(missing - carried),
                        )
                    });
                }
                self.push(Block::Para(t.sentence(&clauses)));
            }
        }
        if !e.missing.is_empty() {
            self.push(Block::Para(t.annex_pointer().to_string()));
        }
        for c in charts
            .iter()
            .filter(|c| c.area == Some(Area::Coverage) || (c.area.is_none() && c.id == "coverage"))
        {
            self.chart(c);
        }

        // Coverage per cluster, lowest rate first (at the judged quarter when final).
        let mut head = vec![t.col_cluster().to_string(), t.col_expected().to_string()];
        for p in &quarters {
            let q = self.q(*p);
            head.push(t.col_reported(&q));
            head.push(t.col_rate(&q));
            head.push(t.col_carried(&q));
        }
        let mut scopes: Vec<(Scope, String)> = vec![(Scope::City, e.plan.city.clone())];
        let mut clusters: Vec<&Cluster> = e.clusters.iter().collect();
        let rate = |c: &Cluster| {
            self.coverage_at(Scope::Cluster, &c.id, quarters[0])
                .filter(|(_, x, _)| *x > 0)
                .map_or(f64::INFINITY, |(r, x, _)| r as f64 / x as f64)
        };
        clusters.sort_by(|a, b| rate(a).total_cmp(&rate(b)).then(a.name.cmp(&b.name)));
        scopes.extend(clusters.iter().map(|c| (Scope::Cluster, c.id.clone())));
        let rows: Vec<Row> = scopes
            .iter()
            .map(|(scope, id)| {
                let expected = quarters
                    .iter()
                    .rev()
                    .find_map(|p| self.coverage_at(*scope, id, *p))
                    .map_or(0, |(_, x, _)| x);
                let mut cells = vec![
                    cell(self.scope_name(*scope, id)),
                    num(self.enterprises(expected)),
                ];
                for p in &quarters {
                    match self.coverage_at(*scope, id, *p) {
                        Some((r, x, carried)) => {
                            let style = if r < x { Style::Alert } else { Style::Number };
                            cells.push(styled(self.enterprises(r), style));
                            cells.push(styled(d.share(r, x), style));
                            cells
                                .push(num(carried
                                    .map_or_else(|| DASH.to_string(), |n| self.enterprises(n))));
                        }
                        None => cells.extend([num(DASH), num(DASH), num(DASH)]),
                    }
                }
                Row::Cells(cells)
            })
            .collect();
        self.table(t.coverage_table(), None, head, rows);
        // Not without a cluster list (no county is expected, nothing to chase).
        if let Some(a) = run
            .arrivals
            .as_ref()
            .filter(|a| !a.counties.is_empty() || !a.others.is_empty())
        {
            self.arrivals(a);
        }

        // Rows quarantined, and the files by outcome.
        let quarantined: u64 = e.files.iter().map(|f| f.rows_quarantined).sum();
        self.push(Block::Para(t.quarantined_total(
            quarantined,
            e.quarantined_for_period,
            &as_of,
        )));
        let mut outcomes: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
        for f in &e.files {
            let o = outcomes.entry(f.outcome.as_str()).or_default();
            o[0] += 1;
            o[1] += f.rows_accepted;
            o[2] += f.rows_quarantined;
            o[3] += f.warnings;
        }
        let count = |n: u64| d.number(n as f64, ShownUnit::Count(Counted::Enterprises));
        let rows = outcomes
            .iter()
            .map(|(o, n)| {
                Row::Cells(vec![
                    cell(t.outcome(o)),
                    num(count(n[0])),
                    num(count(n[1])),
                    num(count(n[2])),
                    num(count(n[3])),
                ])
            })
            .collect();
        self.table(
            t.files_title(),
            None,
            vec![
                t.col_outcome().to_string(),
                t.col_files().to_string(),
                t.col_rows_accepted().to_string(),
                t.col_rows_quarantined().to_string(),
                t.col_warnings().to_string(),
            ],
            rows,
        );

        if !run.inputs.is_empty() {
            self.push(Block::Heading(t.run_inputs_title().to_string()));
            // A file seen before changes nothing: counted, not listed.
            let new: Vec<&clusterkpi_model::FileRecord> = run
                .inputs
                .iter()
                .filter(|f| f.outcome != "duplicate")
                .collect();
            self.push(Block::Para(t.run_inputs(
                &count(run.inputs.len() as u64),
                &count(new.len() as u64),
            )));
        }
        let new: Vec<&clusterkpi_model::FileRecord> = run
            .inputs
            .iter()
            .filter(|f| f.outcome != "duplicate")
            .collect();
        if !new.is_empty() {
            let rows = new
                .iter()
                .take(MAX_FILES)
                .map(|f| {
                    Row::Cells(vec![
                        // The file's name as the county sent it.
                        cell(display_value(&f.path)),
                        cell(t.outcome(&f.outcome)),
                        num(count(f.rows_accepted)),
                        num(count(f.rows_quarantined)),
                        num(count(f.warnings)),
                    ])
                })
                .collect();
            self.list_table(
                vec![
                    t.col_file().to_string(),
                    t.col_outcome().to_string(),
                    t.col_rows_accepted().to_string(),
                    t.col_rows_quarantined().to_string(),
                    t.col_warnings().to_string(),
                ],
                rows,
            );
            if new.len() > MAX_FILES {
                self.push(Block::Note(t.more_rows(new.len() - MAX_FILES)));
            }
        }

        // Issues: counts by kind, then the first ones in full.
        self.push(Block::Heading(t.issues_title().to_string()));
        if e.issues.is_empty() {
            self.push(Block::Para(t.no_issues().to_string()));
            return;
        }
        let mut by_code: BTreeMap<Code, usize> = BTreeMap::new();
        for i in &e.issues {
            *by_code.entry(i.code).or_default() += 1;
        }
        let rows = by_code
            .iter()
            .map(|(c, n)| {
                Row::Cells(vec![
                    cell(t.code_name(*c)),
                    cell(t.severity(c.is_warning())),
                    num(count(*n as u64)),
                ])
            })
            .collect();
        self.list_table(
            vec![
                t.col_kind().to_string(),
                t.col_severity().to_string(),
                t.col_count().to_string(),
            ],
            rows,
        );
        let shown = e.issues.len().min(MAX_ISSUES);
        self.push(Block::Heading(t.first_issues(shown, e.issues.len())));
        let rows = e
            .issues
            .iter()
            .take(MAX_ISSUES)
            .map(|i| {
                // Everything here but the kind comes from (or quotes) an input file.
                Row::Cells(vec![
                    cell(display_value(&t.location(
                        &i.file,
                        i.sheet.as_deref(),
                        i.line,
                    ))),
                    cell(display_value(&i.column)),
                    cell(t.code_name(i.code)),
                    cell(display_value(&i.value)),
                    cell(display_value(t.issue_message(&i.message_zh, &i.message_en))),
                ])
            })
            .collect();
        self.list_table(
            vec![
                t.col_location().to_string(),
                t.col_column().to_string(),
                t.col_kind().to_string(),
                t.col_raw_value().to_string(),
                t.col_message().to_string(),
            ],
            rows,
        );
        if e.issues.len() > MAX_ISSUES {
            self.push(Block::Note(t.more_issues(e.issues.len() - MAX_ISSUES)));
        }
    }

    /// Who has sent what: the table `clusterkpi status` prints, each county's state
    /// marked when the city has to act on it.
    fn arrivals(&mut self, a: &clusterkpi_model::arrivals::Arrivals) {
        let lang = self.eval.language;
        let sentence = match lang {
            Language::Zh => format!("{}。{}", a.title(lang), a.summary(lang)),
            Language::En => format!("{}. {}", a.title(lang), a.summary(lang)),
        };
        self.push(Block::Para(sentence));
        let rows = |table: clusterkpi_model::arrivals::Table, state_col: usize| -> Vec<Row> {
            table
                .rows
                .into_iter()
                .map(|r| {
                    let cells = r
                        .cells
                        .into_iter()
                        .enumerate()
                        .map(|(i, text)| {
                            // File names and counties are quoted as the counties wrote them.
                            let text = display_value(&text);
                            if i == state_col && r.alert && !text.is_empty() {
                                styled(text, Style::Flag)
                            } else if (1..3).contains(&i) && state_col == 3 {
                                num(text)
                            } else {
                                cell(text)
                            }
                        })
                        .collect();
                    Row::Cells(cells)
                })
                .collect()
        };
        let table = a.table(lang);
        let head = table.head.clone();
        self.table(self.t.arrivals_table(), None, head, rows(table, 3));
        if !a.others.is_empty() {
            self.push(Block::Heading(self.t.arrivals_others().to_string()));
            let table = a.others_table(lang);
            let head = table.head.clone();
            self.list_table(head, rows(table, 0));
        }
    }

    // ── method note ────────────────────────────────────────────────────────────

    fn method(&mut self) {
        let (e, t, d) = (self.eval, self.t, self.d);
        self.section("method", t.method_title());

        self.push(Block::Heading(t.definitions_title().to_string()));
        // The policy's amounts as the plan states them (in 万元: 0.005亿元 would hide
        // "500万元").
        let p = &e.plan.policy;
        let ten_k = |x: f64| t.ten_thousand_yuan(&plain(x));
        let share = format!("{}%", plain(p.tech_upgrade_subsidy_share * 100.0));
        let (cap, nat, prov) = (
            ten_k(p.tech_upgrade_subsidy_cap),
            ten_k(p.demo_reward_national),
            ten_k(p.demo_reward_provincial),
        );
        let definitions = e
            .indicators
            .iter()
            .map(|i| {
                Row::Cells(vec![
                    cell(t.name(i.name_in(t.lang()))),
                    cell(d.unit(ShownUnit::of(i))),
                    cell(
                        t.definition(&i.id, &share, &cap, &nat, &prov)
                            .unwrap_or_else(|| DASH.to_string()),
                    ),
                ])
            })
            .collect();
        self.list_table(
            vec![
                t.col_indicator().to_string(),
                t.col_unit().to_string(),
                t.col_definition().to_string(),
            ],
            definitions,
        );

        let (as_of, deadline) = (self.q(e.as_of), self.q(e.plan.deadline));
        self.push(Block::Heading(t.judged_title().to_string()));
        self.push(Block::Para(t.judged_text(self.is_final, &as_of, &deadline)));

        self.push(Block::Heading(t.status_rule_title().to_string()));
        self.push(Block::Para(t.status_rule_intro().to_string()));
        self.push(Block::Numbered(
            t.status_rule().iter().map(|s| s.to_string()).collect(),
        ));
        self.push(Block::Bullets(t.projection_notes(&deadline).to_vec()));

        self.push(Block::Heading(t.baseline_title().to_string()));
        self.push(Block::Para(t.baseline_text(&self.q(e.plan.baseline))));
        let late: Vec<String> = rows::kpis(e)
            .into_iter()
            .filter(|k| k.target.is_some() && rows::late_baseline(e, k))
            .map(|k| {
                format!(
                    "{} · {}{}{}",
                    self.scope_name(k.scope, &k.scope_id),
                    self.indicator_name(&k.indicator),
                    t.colon(),
                    k.judgement
                        .baseline_period
                        .map(|p| self.q(p))
                        .unwrap_or_default()
                )
            })
            .collect();
        if late.is_empty() {
            self.push(Block::Para(t.no_late_baselines().to_string()));
        } else {
            self.push(Block::Para(t.late_baselines().to_string()));
            let more = late.len().saturating_sub(MAX_LATE_BASELINES);
            let mut list: Vec<String> = late.into_iter().take(MAX_LATE_BASELINES).collect();
            if more > 0 {
                list.push(t.more_rows(more));
            }
            self.push(Block::Bullets(list));
        }

        self.push(Block::Heading(t.carry_title().to_string()));
        self.push(Block::Para(t.carry_text().to_string()));

        let in_doubt: Vec<String> = e
            .plan
            .targets
            .iter()
            .filter(|tg| tg.unit_in_doubt())
            .map(|tg| match t.lang() {
                Language::Zh => format!(
                    "“{}提升{}%”",
                    self.indicator_name(&tg.indicator),
                    plain(tg.amount)
                ),
                Language::En => format!(
                    "{} +{}%",
                    self.indicator_name(&tg.indicator),
                    plain(tg.amount)
                ),
            })
            .collect();
        if !in_doubt.is_empty() {
            self.push(Block::Heading(t.reading_title().to_string()));
            self.push(Block::Para(t.reading_text(&in_doubt.join(t.list_sep()))));
        }

        self.push(Block::Heading(t.choices_title().to_string()));
        self.push(Block::Bullets(t.choices(&self.digital_name())));
    }

    // ── annex ──────────────────────────────────────────────────────────────────

    /// The enterprises of the roster without a report: for the judged quarter (the
    /// deadline, in a final evaluation: those the verdicts carried forward) and for the
    /// as-of quarter. Credit codes and names are as the roster gives them (a credit code
    /// has letters).
    fn annex(&mut self) {
        let (e, t) = (self.eval, self.t);
        let mut quarters = vec![e.judged_quarter()];
        if e.as_of != e.judged_quarter() {
            quarters.push(e.as_of);
        }
        let titled: Vec<String> = quarters.iter().map(|p| self.q(*p)).collect();
        self.push(Block::Section {
            id: "annex".into(),
            title: t.annex_title(&titled.join(t.and_word())),
            page_break: true,
        });
        for p in quarters {
            if e.as_of != e.judged_quarter() {
                self.push(Block::Heading(self.q(p)));
            }
            self.annex_of(p);
        }
    }

    fn annex_of(&mut self, p: Period) {
        let (e, t) = (self.eval, self.t);
        let mut missing: Vec<&clusterkpi_model::Missing> = e.missing_at(p).collect();
        if missing.is_empty() {
            self.push(Block::Para(t.annex_none().to_string()));
            return;
        }
        self.push(Block::Para(
            t.annex_intro(&self.enterprises(missing.len() as u64)),
        ));
        missing.sort_by(|a, b| {
            (
                self.scope_name(Scope::Cluster, &a.cluster_id),
                &a.credit_code,
            )
                .cmp(&(
                    self.scope_name(Scope::Cluster, &b.cluster_id),
                    &b.credit_code,
                ))
        });
        let rows = missing
            .iter()
            .take(MAX_ANNEX)
            .map(|m| {
                Row::Cells(vec![
                    cell(self.scope_name(Scope::Cluster, &m.cluster_id)),
                    cell(display_value(&m.name)),
                    cell(display_value(&m.credit_code)),
                    cell(m.carried_from.map_or_else(
                        || t.not_counted().to_string(),
                        |p| t.carried_from(&self.q(p)),
                    )),
                ])
            })
            .collect();
        self.list_table(
            vec![
                t.col_cluster().to_string(),
                t.col_enterprise().to_string(),
                t.col_credit_code().to_string(),
                t.col_counted().to_string(),
            ],
            rows,
        );
        if missing.len() > MAX_ANNEX {
            self.push(Block::Note(t.more_rows(missing.len() - MAX_ANNEX)));
        }
    }
}

fn yes_no(t: Text, yes: bool) -> Cell {
    styled(
        t.yes_no(yes),
        if yes {
            Style::Status(Status::Achieved)
        } else {
            Style::Text
        },
    )
}

fn area_id(area: Area) -> &'static str {
    match area {
        Area::Digital => "digital",
        Area::Innovation => "innovation",
        Area::Ecology => "ecology",
        Area::Scale => "scale",
        Area::Policy => "policy",
        Area::Coverage => "coverage",
    }
}

/// The SVG element alone: an XML prologue, doctype or comment before `<svg` is not
/// valid inside HTML.
pub(crate) fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..]).trim_end()
}

/// The chart's PNG relative to the report folder (the chart stage ran in the staging
/// folder, so its absolute path is not where the report ends up).
fn png_ref(c: &Chart) -> String {
    let file = c.png_path.file_name().map_or_else(
        || format!("{}.png", c.id),
        |f| f.to_string_lossy().into_owned(),
    );
    format!("charts/{file}")
}
#[cfg(test)]
mod tests {
    use clusterkpi_model::{Code, Issue};

    use crate::fixture;

    /// The report text of the fixture with `issues` (HTML and Markdown).
    fn reports(issues: Vec<Issue>) -> (String, String) {
        let mut eval = fixture::evaluation(true);
        eval.issues = issues;
        let doc = super::document(&eval, &fixture::run("r1"), &[], "2022-07-20T08:00:00Z");
        (crate::html::render(&doc), crate::markdown::render(&doc))
    }

    fn issue(n: usize, value: &str) -> Issue {
        Issue {
            file: "inbox/xinji-2022Q2.csv".into(),
            sheet: None,
            line: n as u64 + 2,
            column: "营业收入(万元)".into(),
            code: Code::E_NUMBER,
            value: value.into(),
            message_zh: "不是数字".into(),
            message_en: "not a number".into(),
            period: None,
        }
    }

    #[test]
    fn the_issue_list_is_bounded_and_long_values_are_shortened() {
        let long = format!("\u{202E}{}", "长".repeat(40_000));
        let mut issues = vec![issue(0, &long)];
        issues.extend((1..75).map(|n| issue(n, &format!("v{n}"))));
        let (html, md) = reports(issues);
        for (what, report) in [("html", &html), ("md", &md)] {
            let shown = format!("\u{FFFD}{}…", "长".repeat(crate::text::MAX_SHOWN_CHARS - 1));
            assert!(report.contains(&shown), "{what}");
            assert!(
                !report.contains(&"长".repeat(crate::text::MAX_SHOWN_CHARS)),
                "{what}"
            );
            assert!(!report.contains('\u{202E}'), "{what}");
            assert!(report.contains("前50条问题（共75条）"), "{what}");
            assert!(report.contains("v49") && !report.contains("v50"), "{what}");
            assert!(
                report.contains("另有25行未列出，完整内容见随报告附带的校验明细表。"),
                "{what}"
            );
            assert!(report.len() < 200_000, "{what}: {} bytes", report.len());
        }
    }

    /// Every text a reader sees, block by block (not the SVG markup or file links).
    fn visible_text(doc: &super::Document) -> Vec<String> {
        use super::{Block, Row};
        let mut out = vec![doc.title.clone()];
        for b in &doc.blocks {
            match b {
                Block::Headline {
                    title,
                    subtitle,
                    facts,
                } => {
                    out.extend([title.clone(), subtitle.clone()]);
                    for (k, v, _) in facts {
                        out.extend([k.clone(), v.clone()]);
                    }
                }
                Block::Section { title, .. } => out.push(title.clone()),
                Block::Heading(s) | Block::Para(s) | Block::Note(s) => out.push(s.clone()),
                Block::Bullets(v) | Block::Numbered(v) => out.extend(v.iter().cloned()),
                Block::MainPoints { title, points } => {
                    out.push(title.clone());
                    out.extend(points.iter().cloned());
                }
                Block::Contents { title } => out.push(title.clone()),
                Block::PartialNote { text, .. } => out.push(text.clone()),
                Block::Chart { caption, .. } => out.push(caption.clone()),
                Block::Table(t) => {
                    out.extend(t.caption.iter().cloned());
                    out.extend(t.unit.iter().cloned());
                    out.extend(t.head.iter().cloned());
                    for r in &t.rows {
                        match r {
                            Row::Group(s) => out.push(s.clone()),
                            Row::Cells(c) => out.extend(c.iter().map(|c| c.text.clone())),
                        }
                    }
                }
            }
        }
        out
    }

    /// The Chinese report has no English word or code: no ASCII letter outside what
    /// it quotes from input files (cluster and enterprise names, credit codes, file
    /// names, columns, values and messages of the issues), which must be shown as the
    /// counties wrote them so they can be found and corrected.
    #[test]
    fn the_chinese_report_has_no_ascii_letters_of_its_own() {
        for as_of in [fixture::AS_OF, fixture::AFTER_DEADLINE] {
            for partial in [true, false] {
                let eval = fixture::evaluation_at(partial, as_of);
                let run = fixture::run("r1");
                let doc = super::document(&eval, &run, &[], "2026-12-01T12:50:48Z");
                let mut quoted: Vec<String> = Vec::new();
                for c in &eval.clusters {
                    quoted.push(c.name.clone());
                }
                for m in &eval.missing {
                    quoted.extend([m.name.clone(), m.credit_code.clone()]);
                }
                for f in eval.files.iter().chain(&run.inputs) {
                    quoted.push(f.path.clone());
                }
                if let Some(a) = &run.arrivals {
                    let files = a.counties.iter().flat_map(|c| &c.files);
                    quoted.extend(
                        files
                            .chain(a.others.iter().map(|(_, f)| f))
                            // Shown by file name, without the folder.
                            .map(|f| f.path.rsplit('/').next().unwrap_or(&f.path).to_string()),
                    );
                }
                for i in &eval.issues {
                    quoted.extend(i.sheet.iter().cloned());
                    quoted.extend([
                        i.file.clone(),
                        i.column.clone(),
                        i.value.clone(),
                        i.message_zh.clone(),
                    ]);
                }
                quoted.sort_by_key(|q| std::cmp::Reverse(q.len()));
                for text in visible_text(&doc) {
                    let mut rest = text.clone();
                    for q in &quoted {
                        rest = rest.replace(q.as_str(), "");
                    }
                    assert!(
                        !rest.chars().any(|c| c.is_ascii_alphabetic()),
                        "{as_of} partial={partial}: {text:?}"
                    );
                    for ascii in ['(', ')', '"', '\'', ';'] {
                        assert!(!rest.contains(ascii), "{as_of}: {ascii} in {text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_english_report_has_no_chinese_of_its_own() {
        let mut eval = fixture::evaluation_at(true, fixture::AFTER_DEADLINE);
        eval.language = clusterkpi_model::Language::En;
        let run = fixture::run("r1");
        let doc = super::document(&eval, &run, &[], "2026-12-01T12:50:48Z");
        let mut quoted: Vec<String> = eval.missing.iter().map(|m| m.name.clone()).collect();
        // County names come from the cluster list, which has no English ones.
        if let Some(a) = &run.arrivals {
            quoted.extend(a.counties.iter().map(|c| c.county.clone()));
        }
        for i in &eval.issues {
            quoted.extend([i.column.clone(), i.value.clone()]);
        }
        // Names from the plan file and the cluster list stay as given when no English
        // one is; the fixture gives English names for both.
        for text in visible_text(&doc) {
            let mut rest = text.clone();
            for q in &quoted {
                rest = rest.replace(q.as_str(), "");
            }
            assert!(
                !rest.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_xml_prologue_is_stripped() {
        let svg =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- x -->\n<svg width=\"1\"></svg>\n";
        assert_eq!(super::inline_svg(svg), "<svg width=\"1\"></svg>");
        assert_eq!(super::inline_svg("<svg/>"), "<svg/>");
    }
}
