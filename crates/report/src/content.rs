//! What the report says, independent of how it is written: a flat list of blocks that
//! [`crate::html`] and [`crate::markdown`] both render, so the two reports can never
//! disagree on content or order.
//!
//! Order (outputs.md): headline, partial-data banner, summary of targets, scorecard,
//! one section per area, data quality, method note.

use std::collections::BTreeMap;

use clusterkpi_charts::Chart;
use clusterkpi_model::{Area, Code, Evaluation, KpiRow, Scope, Status, Trend};

use crate::RunInfo;
use crate::rows;
use crate::text::{self, DASH, PARTIAL_BANNER, TARGET_STATUSES, Text, display_value};

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
const MAX_MISSING_PER_CLUSTER: usize = 12;
const MAX_LATE_BASELINES: usize = 30;

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
    /// The partial-data banner: reasons, then missing enterprises grouped by cluster
    /// as (cluster label with its colon, names).
    Banner {
        title: &'static str,
        reasons_label: String,
        reasons: Vec<String>,
        missing_label: String,
        missing: Vec<(String, String)>,
    },
    /// A numbered top-level section; every one but the first starts a printed page.
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
    /// Target counts by status.
    Tiles(Vec<(Status, String, usize)>),
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
    Trend(Option<Trend>),
    /// A figure that needs attention (coverage below 100%).
    Alert,
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

fn status_cell(t: Text, s: Status) -> Cell {
    Cell {
        text: t.status(s).to_string(),
        style: Style::Status(s),
    }
}

/// Builds the report's content.
pub(crate) fn document(
    eval: &Evaluation,
    run: &RunInfo,
    charts: &[Chart],
    generated_at: &str,
) -> Document {
    let t = Text::new(eval.language);
    let mut b = Builder {
        eval,
        t,
        blocks: Vec::new(),
        section: 0,
    };
    b.headline(run, generated_at);
    if eval.is_partial() {
        b.banner();
    }
    b.summary();
    b.scorecard(charts);
    for area in AREAS {
        b.area(area, charts);
    }
    b.quality(run, charts);
    b.method();
    b.blocks.push(Block::Note(t.footer(&run.tool_version)));
    Document {
        lang_attr: t.html_lang(),
        colon: t.colon(),
        title: format!(
            "{} · {}",
            t.plan_name(&eval.plan),
            t.as_of(&eval.as_of.to_string())
        ),
        blocks: b.blocks,
    }
}

struct Builder<'a> {
    eval: &'a Evaluation,
    t: Text,
    blocks: Vec<Block>,
    section: usize,
}

impl Builder<'_> {
    fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    fn section(&mut self, id: &str, title: &str) {
        self.section += 1;
        let page_break = self.section > 1;
        self.push(Block::Section {
            id: id.to_string(),
            title: format!("{}. {title}", self.section),
            page_break,
        });
    }

    fn chart(&mut self, c: &Chart) {
        self.push(Block::Chart {
            caption: c.title.clone(),
            title: c.title.clone(),
            svg: inline_svg(&c.svg).to_string(),
            png: png_ref(c),
        });
    }

    fn indicator_name(&self, id: &str) -> String {
        self.eval
            .indicator(id)
            .map_or_else(|| id.to_string(), |i| i.name_in(self.t.lang()).to_string())
    }

    fn headline(&mut self, run: &RunInfo, generated_at: &str) {
        let (e, t) = (self.eval, self.t);
        let period = e.as_of.to_string();
        let partial = e.is_partial();
        let facts = vec![
            (t.as_of_label().to_string(), period.clone(), false),
            (
                t.plan_period().to_string(),
                format!("{} → {}", e.plan.baseline, e.plan.deadline),
                false,
            ),
            (
                t.dataset_version().to_string(),
                e.dataset_version.to_string(),
                false,
            ),
            (
                t.data_status().to_string(),
                if partial {
                    t.data_partial()
                } else {
                    t.data_complete()
                }
                .to_string(),
                partial,
            ),
            (
                t.generated_at().to_string(),
                generated_at.to_string(),
                false,
            ),
            (t.run_id().to_string(), run.run_id.clone(), false),
        ];
        self.push(Block::Headline {
            title: t.plan_name(&e.plan),
            subtitle: format!("{} · {}", t.report_kind(), t.as_of(&period)),
            facts,
        });
    }

    fn banner(&mut self) {
        let (e, t) = (self.eval, self.t);
        // Grouped by cluster id, the order of the other tables.
        let mut groups: BTreeMap<&str, Vec<&clusterkpi_model::Missing>> = BTreeMap::new();
        for m in &e.missing {
            groups.entry(m.cluster_id.as_str()).or_default().push(m);
        }
        let missing = groups
            .into_iter()
            .map(|(cluster, list)| {
                let label = format!(
                    "{} ({}){}",
                    e.scope_name(Scope::Cluster, cluster),
                    list.len(),
                    t.colon()
                );
                let mut names: Vec<String> = list
                    .iter()
                    .take(MAX_MISSING_PER_CLUSTER)
                    .map(|m| {
                        if m.name.is_empty() {
                            display_value(&m.credit_code)
                        } else {
                            display_value(&m.name)
                        }
                    })
                    .collect();
                if list.len() > MAX_MISSING_PER_CLUSTER {
                    names.push(t.and_more(list.len() - MAX_MISSING_PER_CLUSTER));
                }
                (label, names.join(t.list_sep()))
            })
            .collect();
        self.push(Block::Banner {
            title: PARTIAL_BANNER,
            reasons_label: t.banner_reasons().to_string(),
            reasons: e.partial_reasons(),
            missing_label: t.banner_missing(&e.as_of.to_string(), e.missing.len()),
            missing,
        });
    }

    fn summary(&mut self) {
        let (e, t) = (self.eval, self.t);
        self.section("summary", t.summary_title());
        let targeted: Vec<&KpiRow> = e.kpis.iter().filter(|k| k.target.is_some()).collect();
        if targeted.is_empty() {
            self.push(Block::Para(t.no_targets().to_string()));
            return;
        }
        let city = targeted.iter().filter(|k| k.scope == Scope::City).count();
        self.push(Block::Para(t.summary_total(
            targeted.len(),
            city,
            targeted.len() - city,
        )));
        let tiles = TARGET_STATUSES
            .iter()
            .map(|s| {
                (
                    *s,
                    t.status(*s).to_string(),
                    targeted.iter().filter(|k| k.judgement.status == *s).count(),
                )
            })
            .collect();
        self.push(Block::Tiles(tiles));
    }

    fn scorecard(&mut self, charts: &[Chart]) {
        let (e, t) = (self.eval, self.t);
        self.section("scorecard", t.scorecard_title());
        self.push(Block::Para(t.scorecard_intro().to_string()));
        // The scorecard chart, and any chart the chart stage did not file under an area.
        for c in charts
            .iter()
            .filter(|c| c.area.is_none() && c.id != "coverage")
        {
            self.chart(c);
        }
        let head = vec![
            t.col_scope().to_string(),
            t.col_indicator().to_string(),
            t.col_value().to_string(),
            t.col_baseline().to_string(),
            t.col_target().to_string(),
            t.col_target_level().to_string(),
            t.col_projected(&e.plan.deadline.to_string()),
            t.col_progress().to_string(),
            t.col_status().to_string(),
            t.col_trend().to_string(),
        ];
        let mut any_late = false;
        let rows: Vec<Row> = rows::kpis(e)
            .into_iter()
            .filter_map(|k| {
                let target = k.target.as_ref()?;
                let j = &k.judgement;
                any_late |= rows::late_baseline(e, k);
                Some(Row::Cells(vec![
                    cell(e.scope_name(k.scope, &k.scope_id)),
                    cell(self.indicator_name(&k.indicator)),
                    num(t.value(j.value, k.unit)),
                    num(self.baseline(k)),
                    cell(t.target(target, k.unit)),
                    num(t.value(j.target_level, k.unit)),
                    num(t.value(j.projected, k.unit)),
                    num(text::progress(j.progress)),
                    status_cell(t, j.status),
                    Cell {
                        text: t.trend(j.trend).to_string(),
                        style: Style::Trend(j.trend),
                    },
                ]))
            })
            .collect();
        if rows.is_empty() {
            self.push(Block::Para(t.no_targets().to_string()));
            return;
        }
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head,
            rows,
        }));
        if any_late {
            self.push(Block::Note(
                t.late_baseline_note(&e.plan.baseline.to_string()),
            ));
        }
    }

    fn baseline(&self, k: &KpiRow) -> String {
        let j = &k.judgement;
        let period = j.baseline_period.map(|p| p.to_string());
        self.t.baseline(
            j.baseline_value,
            k.unit,
            period.as_deref(),
            rows::late_baseline(self.eval, k),
        )
    }

    /// One area: its charts and a table of its indicators for the city and every
    /// cluster, grouped by indicator.
    fn area(&mut self, area: Area, charts: &[Chart]) {
        let (e, t) = (self.eval, self.t);
        let title = match t.lang() {
            clusterkpi_model::Language::Zh => area.name_zh(),
            clusterkpi_model::Language::En => area.name_en(),
        };
        self.section(&format!("area-{}", area_id(area)), title);
        let period = e.as_of.to_string();
        self.push(Block::Para(t.area_intro(&period)));
        for c in charts.iter().filter(|c| c.area == Some(area)) {
            self.chart(c);
        }

        let indicators: Vec<&clusterkpi_model::Indicator> =
            e.indicators.iter().filter(|i| i.area == area).collect();
        let in_doubt = e.kpis.iter().any(|k| {
            indicators.iter().any(|i| i.id == k.indicator)
                && k.target.as_ref().is_some_and(|t| t.unit_in_doubt())
        });
        let mut head = vec![
            t.col_scope().to_string(),
            t.col_value().to_string(),
            t.col_baseline().to_string(),
            t.col_target().to_string(),
            t.col_target_level().to_string(),
            t.col_status().to_string(),
        ];
        if in_doubt {
            head.push(t.col_relative_level().to_string());
            head.push(t.col_relative_status().to_string());
        }
        let mut table_rows = Vec::new();
        let mut any_late = false;
        for ind in indicators {
            let kpis = rows::kpis_of(e, &ind.id);
            if kpis.is_empty() {
                continue;
            }
            table_rows.push(Row::Group(t.with_unit(ind.name_in(t.lang()), ind.unit)));
            for k in kpis {
                let j = &k.judgement;
                any_late |= k.target.is_some() && rows::late_baseline(e, k);
                let mut cells = vec![
                    cell(e.scope_name(k.scope, &k.scope_id)),
                    num(t.value(j.value, k.unit)),
                    num(self.baseline(k)),
                    cell(
                        k.target
                            .as_ref()
                            .map_or_else(|| DASH.to_string(), |tg| t.target(tg, k.unit)),
                    ),
                    num(t.value(j.target_level, k.unit)),
                    if k.target.is_some() {
                        status_cell(t, j.status)
                    } else {
                        cell(DASH)
                    },
                ];
                if in_doubt {
                    let rel = k
                        .relative_reading
                        .as_ref()
                        .filter(|_| k.target.as_ref().is_some_and(|t| t.unit_in_doubt()));
                    match rel {
                        Some(r) => {
                            cells.push(num(t.value(r.target_level, k.unit)));
                            cells.push(status_cell(t, r.status));
                        }
                        None => cells.extend([cell(DASH), cell(DASH)]),
                    }
                }
                table_rows.push(Row::Cells(cells));
            }
        }
        if table_rows.is_empty() {
            return;
        }
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head,
            rows: table_rows,
        }));
        if in_doubt {
            self.push(Block::Note(t.in_doubt_note().to_string()));
        }
        if any_late {
            self.push(Block::Note(
                t.late_baseline_note(&e.plan.baseline.to_string()),
            ));
        }
    }

    fn quality(&mut self, run: &RunInfo, charts: &[Chart]) {
        let (e, t) = (self.eval, self.t);
        let period = e.as_of.to_string();
        self.section("quality", t.quality_title());

        // Reporting coverage per scope: the city, then every cluster.
        self.push(Block::Heading(t.coverage_title(&period)));
        for c in charts
            .iter()
            .filter(|c| c.area == Some(Area::Coverage) || (c.area.is_none() && c.id == "coverage"))
        {
            self.chart(c);
        }
        // Every row of a scope carries that scope's coverage, so its first row serves.
        let mut seen = std::collections::HashSet::new();
        let coverage_rows: Vec<Row> = rows::kpis(e)
            .into_iter()
            .filter(|k| seen.insert((k.scope, k.scope_id.clone())))
            .map(|k| {
                let short = k.reporting < k.expected;
                Row::Cells(vec![
                    cell(e.scope_name(k.scope, &k.scope_id)),
                    Cell {
                        text: format!("{} / {}", k.reporting, k.expected),
                        style: if short { Style::Alert } else { Style::Number },
                    },
                    Cell {
                        text: text::rate(k.reporting, k.expected),
                        style: if short { Style::Alert } else { Style::Number },
                    },
                ])
            })
            .collect();
        if !coverage_rows.is_empty() {
            self.push(Block::Table(Table {
                caption: None,
                unit: None,
                head: vec![
                    t.col_scope().to_string(),
                    t.col_reporting().to_string(),
                    t.col_rate().to_string(),
                ],
                rows: coverage_rows,
            }));
        }

        // Files by outcome.
        self.push(Block::Heading(t.files_title().to_string()));
        let mut outcomes: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
        for f in &e.files {
            let o = outcomes.entry(f.outcome.as_str()).or_default();
            o[0] += 1;
            o[1] += f.rows_accepted;
            o[2] += f.rows_quarantined;
            o[3] += f.warnings;
        }
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head: vec![
                t.col_outcome().to_string(),
                t.col_files().to_string(),
                t.col_rows_accepted().to_string(),
                t.col_rows_quarantined().to_string(),
                t.col_warnings().to_string(),
            ],
            rows: outcomes
                .iter()
                .map(|(o, n)| {
                    Row::Cells(vec![
                        cell(*o),
                        num(n[0].to_string()),
                        num(n[1].to_string()),
                        num(n[2].to_string()),
                        num(n[3].to_string()),
                    ])
                })
                .collect(),
        }));
        let quarantined: u64 = e.files.iter().map(|f| f.rows_quarantined).sum();
        self.push(Block::Para(t.quarantined_total(
            quarantined,
            e.quarantined_for_period,
            &period,
        )));

        if !run.inputs.is_empty() {
            self.push(Block::Heading(t.run_inputs_title().to_string()));
            self.push(Block::Table(files_table(t, &run.inputs)));
            if run.inputs.len() > MAX_FILES {
                self.push(Block::Note(t.more_rows(run.inputs.len() - MAX_FILES)));
            }
        }

        // Issues: counts by code, then the first ones in full.
        self.push(Block::Heading(t.issues_title().to_string()));
        if e.issues.is_empty() {
            self.push(Block::Para(t.no_issues().to_string()));
            return;
        }
        let mut by_code: BTreeMap<Code, usize> = BTreeMap::new();
        for i in &e.issues {
            *by_code.entry(i.code).or_default() += 1;
        }
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head: vec![
                t.col_code().to_string(),
                t.col_severity().to_string(),
                t.col_count().to_string(),
            ],
            rows: by_code
                .iter()
                .map(|(c, n)| {
                    Row::Cells(vec![
                        cell(c.as_str()),
                        cell(t.severity(c.is_warning())),
                        num(n.to_string()),
                    ])
                })
                .collect(),
        }));
        let shown = e.issues.len().min(MAX_ISSUES);
        self.push(Block::Heading(t.first_issues(shown, e.issues.len())));
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head: vec![
                t.col_location().to_string(),
                t.col_column().to_string(),
                t.col_code().to_string(),
                t.col_raw_value().to_string(),
                t.col_message().to_string(),
            ],
            rows: e
                .issues
                .iter()
                .take(MAX_ISSUES)
                .map(|i| {
                    // Everything here comes from (or quotes) an input file.
                    Row::Cells(vec![
                        cell(display_value(&i.location())),
                        cell(display_value(&i.column)),
                        cell(i.code.as_str()),
                        cell(display_value(&i.value)),
                        cell(display_value(t.issue_message(&i.message_zh, &i.message_en))),
                    ])
                })
                .collect(),
        }));
        if e.issues.len() > MAX_ISSUES {
            self.push(Block::Note(
                t.more_rows_in(e.issues.len() - MAX_ISSUES, "validation.csv"),
            ));
        }
    }

    fn method(&mut self) {
        let (e, t) = (self.eval, self.t);
        self.section("method", t.method_title());

        self.push(Block::Heading(t.definitions_title().to_string()));
        let definitions = e
            .indicators
            .iter()
            .map(|i| {
                Row::Cells(vec![
                    cell(i.name_in(t.lang())),
                    cell(t.unit(i.unit)),
                    cell(
                        t.definition(&i.id, &e.plan)
                            .unwrap_or_else(|| DASH.to_string()),
                    ),
                ])
            })
            .collect();
        self.push(Block::Table(Table {
            caption: None,
            unit: None,
            head: vec![
                t.col_indicator().to_string(),
                t.col_unit().to_string(),
                t.col_definition().to_string(),
            ],
            rows: definitions,
        }));

        self.push(Block::Heading(t.status_rule_title().to_string()));
        self.push(Block::Para(t.status_rule_intro().to_string()));
        self.push(Block::Numbered(
            t.status_rule().iter().map(|s| s.to_string()).collect(),
        ));
        self.push(Block::Bullets(
            t.projection_notes(&e.plan.deadline.to_string()).to_vec(),
        ));

        self.push(Block::Heading(t.baseline_title().to_string()));
        self.push(Block::Para(t.baseline_text(&e.plan.baseline.to_string())));
        let late: Vec<String> = rows::kpis(e)
            .into_iter()
            .filter(|k| k.target.is_some() && rows::late_baseline(e, k))
            .map(|k| {
                format!(
                    "{} · {}{}{}",
                    e.scope_name(k.scope, &k.scope_id),
                    self.indicator_name(&k.indicator),
                    t.colon(),
                    k.judgement
                        .baseline_period
                        .map(|p| p.to_string())
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

        self.push(Block::Heading(t.reading_title().to_string()));
        self.push(Block::Para(t.reading_text().to_string()));

        self.push(Block::Heading(t.choices_title().to_string()));
        self.push(Block::Bullets(
            t.choices().iter().map(|s| s.to_string()).collect(),
        ));
    }
}

fn files_table(t: Text, files: &[clusterkpi_model::FileRecord]) -> Table {
    Table {
        caption: None,
        unit: None,
        head: vec![
            t.col_file().to_string(),
            t.col_outcome().to_string(),
            t.col_rows_accepted().to_string(),
            t.col_rows_quarantined().to_string(),
            t.col_warnings().to_string(),
        ],
        rows: files
            .iter()
            .take(MAX_FILES)
            .map(|f| {
                Row::Cells(vec![
                    cell(display_value(&f.path)),
                    cell(f.outcome.clone()),
                    num(f.rows_accepted.to_string()),
                    num(f.rows_quarantined.to_string()),
                    num(f.warnings.to_string()),
                ])
            })
            .collect(),
    }
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
            let shown = format!("\u{FFFD}{}…", "长".repeat(super::text::MAX_SHOWN_CHARS - 1));
            assert!(report.contains(&shown), "{what}");
            assert!(
                !report.contains(&"长".repeat(super::text::MAX_SHOWN_CHARS)),
                "{what}"
            );
            assert!(!report.contains('\u{202E}'), "{what}");
            assert!(report.contains("前 50 条问题（共 75 条）"), "{what}");
            assert!(report.contains("v49") && !report.contains("v50"), "{what}");
            assert!(
                report.contains("另有 25 行未列出，完整内容见 validation.csv。"),
                "{what}"
            );
            assert!(report.len() < 200_000, "{what}: {} bytes", report.len());
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
