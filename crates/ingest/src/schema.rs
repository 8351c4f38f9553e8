//! The four input kinds, their columns with Chinese aliases, header matching and kind
//! detection from a header row.

use std::collections::HashMap;

use clusterkpi_model::text::to_half_width;

use crate::value::{self, Levels};

pub use clusterkpi_model::ingested::InputKind;

/// The columns each input kind declares.
pub trait Declared {
    /// The kind's columns, in the order of its declaration.
    fn columns(self) -> &'static [Column];
}

impl Declared for InputKind {
    fn columns(self) -> &'static [Column] {
        match self {
            InputKind::Clusters => CLUSTERS,
            InputKind::Roster => ROSTER,
            InputKind::Reports => REPORTS,
            InputKind::Values => VALUES,
        }
    }
}

/// How a column's values are read. Numbers carry a plausibility bound (`E_RANGE`
/// beyond it): far above any real enterprise, far below where sums lose digits or
/// overflow.
#[derive(Debug, Clone, Copy)]
pub enum Type {
    Text(usize),
    ClusterId,
    CreditCode,
    Period,
    /// Any sign, absolute value at most the bound.
    Number(f64),
    NonNegative(f64),
    Count(f64),
    Bool,
    Level(Levels),
}

/// 万元: ten trillion yuan, above the revenue of the largest enterprise on earth.
const MONEY: f64 = 1e9;
/// 万元 of equipment purchases in one year.
const EQUIPMENT: f64 = 1e8;
/// People employed by one enterprise.
const PEOPLE: f64 = 1e7;
/// Key processes, platforms, breakthroughs of one enterprise.
const THINGS: f64 = 1e6;
/// A directly reported indicator value (counts, shares, money).
const REPORTED: f64 = 1e12;

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub ty: Type,
    pub required: bool,
    /// Whether the pipeline uses its values. A column only for the person filling the
    /// form ([`note`]) has its cells checked by their rule, and nothing read kept.
    pub kept: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], ty: Type) -> Column {
    Column {
        name,
        aliases,
        ty,
        required: true,
        kept: true,
    }
}

const fn opt(name: &'static str, aliases: &'static [&'static str], ty: Type) -> Column {
    Column {
        name,
        aliases,
        ty,
        required: false,
        kept: true,
    }
}

/// An optional column for the person filling the form, not for the pipeline: its
/// cells are checked, and their values not kept. (A report's enterprise name and
/// cluster, which the reporting template fills in, were two strings made and dropped
/// a row.)
const fn note(name: &'static str, aliases: &'static [&'static str], ty: Type) -> Column {
    Column {
        kept: false,
        ..opt(name, aliases, ty)
    }
}

const CLUSTERS: &[Column] = &[
    col("cluster_id", &["集群编码"], Type::ClusterId),
    col("name", &["集群名称"], Type::Text(200)),
    opt("name_en", &["英文名称"], Type::Text(200)),
    col("county", &["所属县(市、区)", "所属县"], Type::Text(100)),
    col("industry", &["主导产业"], Type::Text(200)),
    col("established", &["认定时间"], Type::Period),
];

const ROSTER: &[Column] = &[
    col("credit_code", &["统一社会信用代码"], Type::CreditCode),
    col("name", &["企业名称"], Type::Text(200)),
    // An id or a cluster's name: resolved against the cluster list.
    col("cluster_id", &["集群编码", "所属集群"], Type::Text(200)),
    col("county", &["所属县(市、区)", "所属县"], Type::Text(100)),
];

pub(crate) const REPORTS: &[Column] = &[
    col("credit_code", &["统一社会信用代码"], Type::CreditCode),
    col("period", &["报告期"], Type::Period),
    col(
        "revenue_ytd",
        &["营业收入", "营业收入(本年累计)"],
        Type::NonNegative(MONEY),
    ),
    col(
        "output_value_ytd",
        &["工业总产值", "工业总产值(本年累计)"],
        Type::NonNegative(MONEY),
    ),
    opt(
        "employees",
        &["从业人员", "从业人员数"],
        Type::Count(PEOPLE),
    ),
    col("is_sme", &["是否中小企业", "中小企业"], Type::Bool),
    col("above_scale", &["是否规上企业", "规上企业"], Type::Bool),
    col(
        "specialized_level",
        &["专精特新", "专精特新等级"],
        Type::Level(value::SPECIALIZED),
    ),
    col("key_processes", &["关键工序数"], Type::Count(THINGS)),
    col(
        "key_processes_cnc",
        &["数控化关键工序数"],
        Type::Count(THINGS),
    ),
    col(
        "business_info_system",
        &["应用业务信息系统", "业务信息系统"],
        Type::Bool,
    ),
    col(
        "digital_rnd_tools",
        &["应用数字化研发设计工具", "数字化研发设计工具"],
        Type::Bool,
    ),
    col("ecommerce", &["开展电子商务", "电子商务"], Type::Bool),
    col(
        "design_center_level",
        &["工业设计中心"],
        Type::Level(value::DESIGN_CENTER),
    ),
    col(
        "innovation_platforms",
        &["省级以上科技创新平台数"],
        Type::Count(THINGS),
    ),
    col(
        "green_factory_level",
        &["绿色工厂"],
        Type::Level(value::GREEN_OR_DEMO),
    ),
    col(
        "tech_upgrade_equipment_ytd",
        &["技改设备购置额", "技术改造设备购置额"],
        Type::NonNegative(EQUIPMENT),
    ),
    col(
        "innovation_demo_level",
        &["技术创新示范企业"],
        Type::Level(value::GREEN_OR_DEMO),
    ),
    col("listing_status", &["上市情况"], Type::Level(value::LISTING)),
    col(
        "core_tech_breakthroughs",
        &["攻克关键核心技术数"],
        Type::Count(THINGS),
    ),
    // For the people filling the form, not for the pipeline: the reporting template
    // pre-fills them from the roster so a clerk sees whose row it is (a file without
    // them is as good; the roster alone decides cluster membership).
    note("enterprise_name", &["企业名称"], Type::Text(200)),
    note("cluster", &["所属集群"], Type::Text(200)),
];

/// What a column of the reports form means to the person filling it: unit, whether it
/// is a year-to-date figure, and its definition. The reporting template's headers and
/// its 填报说明 sheet are written from this beside the rules in [`REPORTS`], so the form
/// and the validator cannot disagree. One entry per column, in the same order.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDoc {
    /// The column documented (its canonical name).
    pub name: &'static str,
    /// The unit after the header, in the form's words ("" for words and codes).
    pub unit_zh: &'static str,
    pub unit_en: &'static str,
    /// A year-to-date figure (本年累计): January to the quarter's end.
    pub ytd: bool,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn doc(
    name: &'static str,
    unit: (&'static str, &'static str),
    ytd: bool,
    zh: &'static str,
    en: &'static str,
) -> ColumnDoc {
    ColumnDoc {
        name,
        unit_zh: unit.0,
        unit_en: unit.1,
        ytd,
        zh,
        en,
    }
}

const NO_UNIT: (&str, &str) = ("", "");
const WAN_YUAN: (&str, &str) = ("万元", "10k yuan");

/// The reports columns explained, in the order of [`REPORTS`].
pub const REPORT_DOCS: &[ColumnDoc] = &[
    doc(
        "credit_code",
        NO_UNIT,
        false,
        "企业的18位统一社会信用代码，按营业执照填写，须在企业名录中",
        "the enterprise's 18-character unified social credit code, as on its business licence; it must be on the roster",
    ),
    doc(
        "period",
        NO_UNIT,
        false,
        "本表所报的季度",
        "the quarter this row reports on",
    ),
    doc(
        "revenue_ytd",
        WAN_YUAN,
        true,
        "企业本年1月1日至本季度末的营业收入合计",
        "the enterprise's operating revenue from 1 January to the end of the quarter",
    ),
    doc(
        "output_value_ytd",
        WAN_YUAN,
        true,
        "企业本年1月1日至本季度末的工业总产值（现行价）合计",
        "gross industrial output value at current prices from 1 January to the end of the quarter",
    ),
    doc(
        "employees",
        ("人", "people"),
        false,
        "季度末从业人员人数（选填）",
        "people employed at the end of the quarter (optional)",
    ),
    doc(
        "is_sme",
        NO_UNIT,
        false,
        "是否属于中小企业（按国家中小企业划型标准）",
        "whether the enterprise is a small or medium-sized enterprise under the national classification",
    ),
    doc(
        "above_scale",
        NO_UNIT,
        false,
        "是否为规模以上工业企业（年主营业务收入2000万元及以上）",
        "whether the enterprise is an industrial enterprise above designated size (annual main revenue of 20 million yuan or more)",
    ),
    doc(
        "specialized_level",
        NO_UNIT,
        false,
        "已认定的专精特新最高等级：省级专精特新中小企业，或国家级专精特新“小巨人”",
        "the highest recognised specialised-and-innovative level: provincial, or national (little giant)",
    ),
    doc(
        "key_processes",
        ("个", "processes"),
        false,
        "季度末企业关键工序的总数",
        "the enterprise's key production processes at the end of the quarter",
    ),
    doc(
        "key_processes_cnc",
        ("个", "processes"),
        false,
        "关键工序中已实现数控化的个数，不能大于关键工序数",
        "key processes that are numerically controlled; at most the number of key processes",
    ),
    doc(
        "business_info_system",
        NO_UNIT,
        false,
        "季度末是否应用企业资源计划、生产执行等业务信息系统",
        "whether business information systems (ERP, MES and the like) are in use at the end of the quarter",
    ),
    doc(
        "digital_rnd_tools",
        NO_UNIT,
        false,
        "季度末是否应用数字化研发设计工具",
        "whether digital research and design tools are in use at the end of the quarter",
    ),
    doc(
        "ecommerce",
        NO_UNIT,
        false,
        "季度末是否开展电子商务（网上采购或销售）",
        "whether the enterprise buys or sells online at the end of the quarter",
    ),
    doc(
        "design_center_level",
        NO_UNIT,
        false,
        "已认定的工业设计中心最高等级",
        "the highest recognised level of the enterprise's industrial design centre",
    ),
    doc(
        "innovation_platforms",
        ("个", "platforms"),
        false,
        "季度末拥有的省级及以上科技创新平台（技术创新中心、重点实验室、企业技术中心等）个数",
        "provincial or national science and technology innovation platforms held at the end of the quarter",
    ),
    doc(
        "green_factory_level",
        NO_UNIT,
        false,
        "已认定的绿色工厂最高等级",
        "the highest recognised green factory level",
    ),
    doc(
        "tech_upgrade_equipment_ytd",
        WAN_YUAN,
        true,
        "本年1月1日至本季度末技术改造中购置设备的金额合计",
        "equipment bought for technical upgrading from 1 January to the end of the quarter",
    ),
    doc(
        "innovation_demo_level",
        NO_UNIT,
        false,
        "已认定的技术创新示范企业最高等级",
        "the highest recognised level as a technological innovation demonstration enterprise",
    ),
    doc(
        "listing_status",
        NO_UNIT,
        false,
        "季度末的上市情况：已上市，列入上市后备企业，或无",
        "listing at the end of the quarter: listed, on the listing reserve list, or none",
    ),
    doc(
        "core_tech_breakthroughs",
        ("项", "technologies"),
        false,
        "规划实施以来累计攻克的关键核心技术项数（自规划起始累计，不是本年累计）",
        "key core technologies mastered since the plan began (cumulative since the plan's start, not year to date)",
    ),
    doc(
        "enterprise_name",
        NO_UNIT,
        false,
        "企业名称，供填表人核对，不参与计算（以企业名录为准）",
        "the enterprise's name, for the person filling the form; not used in figures (the roster decides)",
    ),
    doc(
        "cluster",
        NO_UNIT,
        false,
        "企业所属产业集群，供填表人核对，不参与计算（以企业名录为准）",
        "the enterprise's cluster, for the person filling the form; not used in figures (the roster decides)",
    ),
];

/// The explanation of a reports column.
#[must_use]
pub fn report_doc(name: &str) -> Option<&'static ColumnDoc> {
    REPORT_DOCS.iter().find(|d| d.name == name)
}

const VALUES: &[Column] = &[
    col("period", &["报告期"], Type::Period),
    col("scope", &["范围"], Type::Level(value::SCOPES)),
    col("scope_id", &["范围编码"], Type::Text(100)),
    col("indicator", &["指标"], Type::Text(100)),
    col("value", &["数值"], Type::Number(REPORTED)),
];

/// The position of the column `name` in `cols`, found when compiling: a rule that
/// refers to a column by name fails the build if the declaration loses it.
const fn at(cols: &[Column], name: &str) -> usize {
    let mut i = 0;
    while i < cols.len() {
        let (a, b) = (cols[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such declared column")
}

/// The columns the cross-value rules of `validate.rs` refer to.
pub(crate) mod position {
    use super::{REPORTS, ROSTER, VALUES, at};

    pub(crate) const ROSTER_CLUSTER: usize = at(ROSTER, "cluster_id");
    pub(crate) const REPORTS_CREDIT_CODE: usize = at(REPORTS, "credit_code");
    pub(crate) const REPORTS_KEY_PROCESSES: usize = at(REPORTS, "key_processes");
    pub(crate) const REPORTS_KEY_PROCESSES_CNC: usize = at(REPORTS, "key_processes_cnc");
    pub(crate) const VALUES_SCOPE: usize = at(VALUES, "scope");
    pub(crate) const VALUES_SCOPE_ID: usize = at(VALUES, "scope_id");
    pub(crate) const VALUES_INDICATOR: usize = at(VALUES, "indicator");
}

/// Folds a header for matching: half-width forms, no surrounding space, lower case,
/// no quotes or inner whitespace.
fn fold(h: &str) -> String {
    to_half_width(h)
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '“' | '”'))
        .collect::<String>()
        .to_lowercase()
}

/// The forms a header may match in: as written, without its trailing parenthesised
/// unit, and without any parenthesised part. `营业收入（万元）` → `营业收入`.
fn candidates(h: &str) -> Vec<String> {
    // No alias is longer than a few dozen characters; a longer header is unknown, and
    // stripping parentheses from a 64 KiB one would take quadratic time.
    if h.chars().count() > 100 {
        return Vec::new();
    }
    let full = fold(h);
    let mut out = vec![full.clone()];
    let mut s = full.clone();
    while s.ends_with(')') {
        match s.rfind('(') {
            Some(i) => {
                s.truncate(i);
                out.push(s.clone());
            }
            None => break,
        }
    }
    let mut no_parens = String::new();
    let mut depth = 0;
    for c in full.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => no_parens.push(c),
            _ => {}
        }
    }
    out.push(no_parens);
    out.retain(|s| !s.is_empty());
    out
}

/// Each header's [`candidates`].
fn candidates_of(headers: &[String]) -> Vec<Vec<String>> {
    headers.iter().map(|h| candidates(h)).collect()
}

/// Which column of `kind` a header names, if any.
#[must_use]
pub fn match_header(kind: InputKind, header: &str) -> Option<usize> {
    match_candidates(kind, &candidates(header))
}

/// [`match_header`] of a header's [`candidates`]: exact forms first, so
/// `所属县(市、区)` is not stripped to `所属县` needlessly and `营业收入(本年累计)` wins
/// over `营业收入`; a form two columns share names the first of them.
fn match_candidates(kind: InputKind, cands: &[String]) -> Option<usize> {
    let columns = folded_names(kind);
    cands
        .iter()
        .find_map(|cand| columns.get(cand.as_str()).copied())
}

/// Each folded name and alias of `kind`'s columns → the first column it names, once
/// per process. Folding them again for every header of every file against every kind
/// was 5% of a 10x ingest; looking a header's forms up in a map instead of comparing
/// them with every name, and folding each header once for all four kinds
/// ([`detect`]), took detecting a file's kind from its header from 384,000
/// instructions to 150,000 (each file's header is read twice: 4% of a 1x ingest).
fn folded_names(kind: InputKind) -> &'static HashMap<String, usize> {
    static FOLDED: [std::sync::OnceLock<HashMap<String, usize>>; 4] =
        [const { std::sync::OnceLock::new() }; 4];
    let at = InputKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("one of the kinds");
    FOLDED[at].get_or_init(|| {
        let mut names = HashMap::new();
        for (i, c) in kind.columns().iter().enumerate() {
            for name in std::iter::once(c.name).chain(c.aliases.iter().copied()) {
                names.entry(fold(name)).or_insert(i);
            }
        }
        names
    })
}

/// The header of a file mapped to one kind's columns.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    pub kind: InputKind,
    /// For each field of the file, the column it feeds (None: unknown, ignored).
    pub fields: Vec<Option<usize>>,
    /// For each column of the kind, the field holding it.
    pub position: Vec<Option<usize>>,
    pub headers: Vec<String>,
    pub unknown: Vec<String>,
    pub missing: Vec<&'static str>,
    pub duplicated: Vec<&'static str>,
}

impl HeaderMap {
    #[must_use]
    pub fn new(kind: InputKind, headers: &[String]) -> Self {
        Self::of_candidates(kind, headers, &candidates_of(headers))
    }

    /// [`HeaderMap::new`] with each header's [`candidates`] given, so that [`detect`]
    /// folds a header once for the four kinds.
    fn of_candidates(kind: InputKind, headers: &[String], cands: &[Vec<String>]) -> Self {
        let cols = kind.columns();
        let mut fields = Vec::with_capacity(headers.len());
        let mut position = vec![None; cols.len()];
        let mut unknown = Vec::new();
        let mut duplicated = Vec::new();
        for (f, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                fields.push(None);
                continue;
            }
            let m = match_candidates(kind, &cands[f]);
            if let Some(c) = m {
                if position[c].is_some() {
                    if !duplicated.contains(&cols[c].name) {
                        duplicated.push(cols[c].name);
                    }
                } else {
                    position[c] = Some(f);
                }
            } else {
                unknown.push(h.clone());
            }
            fields.push(m);
        }
        let missing = cols
            .iter()
            .zip(&position)
            .filter(|(c, p)| c.required && p.is_none())
            .map(|(c, _)| c.name)
            .collect();
        Self {
            kind,
            fields,
            position,
            headers: headers.to_vec(),
            unknown,
            missing,
            duplicated,
        }
    }

    fn score(&self) -> (bool, usize, usize) {
        let matched = self.position.iter().filter(|p| p.is_some()).count();
        (
            self.missing.is_empty(),
            matched,
            usize::MAX - self.kind.columns().len(),
        )
    }

    /// The header as written for column `c`.
    #[must_use]
    pub fn header_of(&self, c: usize) -> &str {
        self.position[c].map_or(self.kind.columns()[c].name, |f| self.headers[f].as_str())
    }
}

/// Detects the kind of a file from its header: the kind whose required columns are all
/// present (and most columns matched); failing that, the closest kind, whose missing
/// columns are then reported.
#[must_use]
pub fn detect(headers: &[String]) -> HeaderMap {
    let cands = candidates_of(headers);
    InputKind::ALL
        .iter()
        .map(|k| HeaderMap::of_candidates(*k, headers, &cands))
        .max_by_key(HeaderMap::score)
        .expect("four kinds")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn headers_match_ignoring_width_space_and_unit() {
        let k = InputKind::Reports;
        assert_eq!(match_header(k, " 营业收入（万元） "), Some(2));
        assert_eq!(match_header(k, "营业收入(本年累计)(万元)"), Some(2));
        assert_eq!(match_header(k, "REVENUE_YTD"), Some(2));
        assert_eq!(match_header(k, "\u{feff}统一社会信用代码"), Some(0));
        assert_eq!(match_header(k, "从业人员数（人）"), Some(4));
        assert_eq!(match_header(k, "专精特新等级"), Some(7));
        assert_eq!(
            match_header(InputKind::Clusters, "所属县（市、区）"),
            Some(3)
        );
        assert_eq!(match_header(k, "备注"), None);
    }

    /// The map of folded names finds, for every header, the column the search of
    /// every column's names in order found: every name and alias of every kind, as
    /// written, upper-cased, with a unit, spaced and full-width, and headers of other
    /// kinds.
    #[test]
    fn headers_match_as_a_search_of_every_name_matches() {
        let linear = |kind: InputKind, header: &str| {
            let columns: Vec<Vec<String>> = kind
                .columns()
                .iter()
                .map(|c| {
                    std::iter::once(c.name)
                        .chain(c.aliases.iter().copied())
                        .map(fold)
                        .collect()
                })
                .collect();
            candidates(header)
                .into_iter()
                .find_map(|cand| columns.iter().position(|names| names.contains(&cand)))
        };
        let mut headers = vec![String::new(), "备注".to_string(), "(万元)".to_string()];
        for kind in InputKind::ALL {
            for c in kind.columns() {
                for name in std::iter::once(c.name).chain(c.aliases.iter().copied()) {
                    headers.push(name.to_string());
                    headers.push(name.to_uppercase());
                    headers.push(format!(" {name}（万元） "));
                    headers.push(format!("{name}(本年累计)(万元)"));
                    headers.push(to_full_width(name));
                }
            }
        }
        let mut found = 0;
        for kind in InputKind::ALL {
            for h in &headers {
                let expected = linear(kind, h);
                assert_eq!(match_header(kind, h), expected, "{kind:?} {h:?}");
                found += usize::from(expected.is_some());
            }
        }
        assert!(found > headers.len(), "{found}");
    }

    /// ASCII letters, digits and brackets in their full-width forms.
    fn to_full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
                c => c,
            })
            .collect()
    }

    #[test]
    fn kinds_are_detected_from_headers() {
        assert_eq!(
            detect(&h(&[
                "集群编码",
                "集群名称",
                "所属县(市、区)",
                "主导产业",
                "认定时间"
            ]))
            .kind,
            InputKind::Clusters
        );
        assert_eq!(
            detect(&h(&["统一社会信用代码", "企业名称", "所属集群", "所属县"])).kind,
            InputKind::Roster
        );
        assert_eq!(
            detect(&h(&["period", "scope", "scope_id", "indicator", "value"])).kind,
            InputKind::Values
        );
        let mut reports: Vec<String> = REPORTS.iter().map(|c| c.aliases[0].to_string()).collect();
        assert_eq!(detect(&reports).kind, InputKind::Reports);
        reports.remove(3);
        let m = detect(&reports);
        assert_eq!(
            (m.kind, m.missing.clone()),
            (InputKind::Reports, vec!["output_value_ytd"])
        );
    }

    #[test]
    fn every_reports_column_is_explained_in_order() {
        let docs: Vec<&str> = REPORT_DOCS.iter().map(|d| d.name).collect();
        let cols: Vec<&str> = REPORTS.iter().map(|c| c.name).collect();
        assert_eq!(docs, cols);
    }

    #[test]
    fn a_reports_file_with_names_and_clusters_is_still_a_reports_file() {
        let mut h: Vec<String> = REPORTS.iter().map(|c| c.aliases[0].to_string()).collect();
        h.push("备注".into());
        let m = detect(&h);
        assert_eq!(m.kind, InputKind::Reports);
        assert_eq!(m.unknown, vec!["备注".to_string()]);
    }

    #[test]
    fn duplicates_and_unknown_columns() {
        let m = HeaderMap::new(
            InputKind::Values,
            &h(&[
                "报告期",
                "period",
                "范围",
                "范围编码",
                "指标",
                "数值",
                "备注",
            ]),
        );
        assert_eq!(m.duplicated, vec!["period"]);
        assert_eq!(m.unknown, vec!["备注".to_string()]);
    }
}
