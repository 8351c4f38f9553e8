//! Renders a small hand-built evaluation (the reference plan, three clusters with long
//! Chinese names, seven quarters, several status classes, null values, a cluster
//! recognised after the baseline) and checks the files and the layout of every chart.
//!
//! Set `CLUSTERKPI_CHARTS_OUT=<dir>` to keep the rendered charts for looking at them.

use std::path::Path;

use clusterkpi_model::status::judge;
use clusterkpi_model::{
    Catalogue, Cluster, Evaluation, KpiRow, Language, Period, Plan, Scope, SeriesRow,
};

use crate::scene::check::assert_clean_layout;
use crate::{figures, render_all};

const PLAN: &str = include_str!("../../../data/plans/sjz-county-clusters-2021-2025.toml");

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

/// Quarter `t` counted from the baseline 2020Q4.
fn quarter(t: i32) -> Period {
    Period::from_index(p("2020Q4").index() + t)
}

/// The value of `indicator` in a scope at quarter `t` (0 = 2020Q4 … 6 = 2022Q2).
fn value(scope_id: &str, indicator: &str, t: i32) -> Option<f64> {
    let t_f = f64::from(t);
    let late = scope_id == "zhengding-furniture";
    // The late cluster is recognised in 2021Q2 and reports from then on.
    if late && t < 2 {
        return None;
    }
    let v = match (scope_id, indicator) {
        ("shijiazhuang", "sme_count") => 2000.0 + 60.0 * t_f,
        ("shijiazhuang", "specialized_count") => 200.0 + 2.0 * t_f,
        ("shijiazhuang", "core_tech_count") => [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0][t as usize],
        ("shijiazhuang", "design_center_count") => 3.0,
        ("shijiazhuang", "innovation_platform_count") => 30.0 + 1.5 * t_f,
        ("shijiazhuang", "clusters_over_5b") => {
            if t >= 4 {
                1.0
            } else {
                0.0
            }
        }
        ("shijiazhuang", "clusters_over_10b") => return None,
        ("shijiazhuang", "green_factory_count") => 5.0 + t_f,
        ("shijiazhuang", "green_park_count") => [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0][t as usize],
        ("shijiazhuang", "digital_cluster_count") => 0.0,
        ("shijiazhuang", "new_cluster_count") => {
            if t >= 2 {
                1.0
            } else {
                0.0
            }
        }
        ("shijiazhuang", "revenue_cagr") => return (t >= 4).then_some(8.5),
        ("shijiazhuang", "reporting_rate") => 93.6,
        ("xinji-leather", "cnc_rate") => 40.0 + 0.5 * t_f,
        ("xinji-leather", "bis_rate") => 50.0 + 2.0 * t_f,
        ("xinji-leather", "rnd_tool_rate") => 20.0 + 0.2 * t_f,
        ("xinji-leather", "ecommerce_rate") => 35.0 + 1.5 * t_f,
        ("xinji-leather", "revenue_cagr") => return (t >= 4).then_some(12.0),
        ("xinji-leather", "reporting_rate") => 100.0,
        ("luquan-electronics", "cnc_rate") => 55.0 + 0.1 * t_f,
        ("luquan-electronics", "bis_rate") => 60.0 + 0.5 * t_f,
        ("luquan-electronics", "rnd_tool_rate") => 25.0 - 0.4 * t_f,
        ("luquan-electronics", "ecommerce_rate") => 40.0 + 3.0 * t_f,
        ("luquan-electronics", "revenue_cagr") => return (t >= 4).then_some(-2.5),
        ("luquan-electronics", "reporting_rate") => 92.0,
        // The late cluster's CNC rate is null at the as-of quarter.
        ("zhengding-furniture", "cnc_rate") => return (t < 6).then_some(30.0 + f64::from(t)),
        ("zhengding-furniture", "bis_rate") => 20.0 + t_f,
        ("zhengding-furniture", "rnd_tool_rate") => 10.0 + 2.5 * t_f,
        ("zhengding-furniture", "ecommerce_rate") => 15.0 + 0.5 * t_f,
        ("zhengding-furniture", "revenue_cagr") => return None,
        ("zhengding-furniture", "reporting_rate") => 75.0,
        // Annual output (万元, year to date): only Luquan passes 100亿元 by 2021.
        ("xinji-leather", "output_value_ytd") => 200_000.0 * f64::from(1 + (t + 3) % 4),
        ("luquan-electronics", "output_value_ytd") => 300_000.0 * f64::from(1 + (t + 3) % 4),
        ("zhengding-furniture", "output_value_ytd") => 50_000.0 * f64::from(1 + (t + 3) % 4),
        _ => return None,
    };
    Some(v)
}

fn roster(scope_id: &str) -> (u64, u64) {
    match scope_id {
        "xinji-leather" => (50, 50),
        "luquan-electronics" => (46, 50),
        "zhengding-furniture" => (30, 40),
        _ => (126, 140),
    }
}

/// The three cluster patterns of [`value`]: id, Chinese name, English name, recognised.
const CLUSTERS: [(&str, &str, &str, &str); 3] = [
    (
        "xinji-leather",
        "辛集市皮革皮具产业集群",
        "Xinji leather and leather goods",
        "2019Q1",
    ),
    (
        "luquan-electronics",
        "鹿泉区电子信息（光电与智能制造）特色产业集群",
        "Luquan electronic information (optoelectronics and intelligent manufacturing)",
        "2018Q4",
    ),
    (
        "zhengding-furniture",
        "正定县板材家具产业集群",
        "Zhengding panel furniture",
        "2021Q2",
    ),
];

/// The fixture with `clusters` clusters: the three patterns, repeated under new ids and
/// numbered names beyond three (for the layout of long lists).
pub(crate) fn fixture(language: Language, clusters: usize) -> Evaluation {
    fixture_with(language, clusters, None)
}

/// The fixture, with the plan's deadline moved to `deadline` (before the as-of quarter
/// 2022Q2: the final evaluation).
pub(crate) fn fixture_with(
    language: Language,
    clusters: usize,
    deadline: Option<Period>,
) -> Evaluation {
    let catalogue = Catalogue::builtin();
    let mut plan = Plan::parse(PLAN, &catalogue).unwrap();
    if let Some(d) = deadline {
        plan.deadline = d;
    }
    let as_of = quarter(6);
    let clusters: Vec<Cluster> = (0..clusters)
        .map(|k| {
            let (id, name, name_en, established) = CLUSTERS[k % 3];
            let round = k / 3;
            let suffix = |s: &str| {
                if round == 0 {
                    s.to_string()
                } else {
                    format!("{s}{}", round + 1)
                }
            };
            Cluster {
                id: suffix(id),
                name: suffix(name),
                name_en: Some(suffix(name_en)),
                county: "县".into(),
                industry: "产业".into(),
                established: p(established),
            }
        })
        .collect();
    let scopes: Vec<(Scope, String)> = std::iter::once((Scope::City, plan.city.clone()))
        .chain(clusters.iter().map(|c| (Scope::Cluster, c.id.clone())))
        .collect();

    let mut series = Vec::new();
    let mut kpis = Vec::new();
    for indicator in catalogue.iter() {
        for (scope, scope_id) in &scopes {
            if !indicator.has_scope(*scope) {
                continue;
            }
            let (reporting, expected) = roster(
                CLUSTERS
                    .iter()
                    .map(|c| c.0)
                    .find(|c| scope_id.starts_with(c))
                    .unwrap_or(scope_id),
            );
            // Repeated clusters follow the pattern of the cluster they copy.
            let pattern = CLUSTERS
                .iter()
                .map(|c| c.0)
                .find(|c| scope_id.starts_with(c))
                .unwrap_or(scope_id);
            let points: Vec<(Period, Option<f64>)> = (0..=6)
                .map(|t| (quarter(t), value(pattern, &indicator.id, t)))
                .collect();
            for (period, v) in &points {
                series.push(SeriesRow {
                    period: *period,
                    scope: *scope,
                    scope_id: scope_id.clone(),
                    indicator: indicator.id.clone(),
                    value: *v,
                    unit: indicator.unit,
                    reporting,
                    expected,
                    carried_forward: indicator.carry_forward.then_some(0),
                });
            }
            let target = plan.target(&indicator.id, *scope);
            kpis.push(KpiRow {
                period: as_of,
                scope: *scope,
                scope_id: scope_id.clone(),
                indicator: indicator.id.clone(),
                unit: indicator.unit,
                target: target.cloned(),
                judgement: judge(
                    &points,
                    as_of,
                    plan.baseline,
                    plan.deadline,
                    indicator,
                    target,
                ),
                relative_reading: None,
                reporting,
                expected,
                carried_forward: indicator.carry_forward.then_some(0),
            });
        }
    }
    Evaluation {
        plan,
        plan_path: "plan.toml".into(),
        plan_sha256: String::new(),
        indicators: catalogue.iter().cloned().collect(),
        as_of,
        language,
        dataset_version: 1,
        clusters,
        kpis,
        series,
        files: Vec::new(),
        issues: Vec::new(),
        rows_per_period: Vec::new(),
        missing: Vec::new(),
        quarantined_for_period: 0,
    }
}

/// Width from the PNG header: the IHDR chunk's first field, bytes 16..20.
fn png_width(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    u32::from_be_bytes(bytes[16..20].try_into().unwrap())
}

/// The pHYs chunk of a PNG: pixels per unit across and down, and the unit (1: metre).
fn png_phys(path: &Path) -> Option<(u32, u32, u8)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        if kind == b"pHYs" {
            let x = u32::from_be_bytes(data[0..4].try_into().unwrap());
            let y = u32::from_be_bytes(data[4..8].try_into().unwrap());
            return Some((x, y, data[8]));
        }
        if kind == b"IDAT" {
            return None;
        }
        at += 12 + len;
    }
    None
}

fn render(eval: &Evaluation) -> (tempfile::TempDir, Vec<crate::Chart>) {
    let dir = tempfile::tempdir().unwrap();
    let charts = render_all(eval, &dir.path().join("charts")).unwrap();
    if let Ok(out) = std::env::var("CLUSTERKPI_CHARTS_OUT") {
        let lang = format!(
            "{:?}-{}{}",
            eval.language,
            eval.clusters.len(),
            if eval.is_final() { "-final" } else { "" }
        )
        .to_lowercase();
        render_all(eval, &Path::new(&out).join(lang)).unwrap();
    }
    (dir, charts)
}

/// Checks every file property of the charts: SVG as written, valid, with `xml:lang`
/// and no text left to a font; PNG 300 dpi at 156 mm, recorded in the file.
fn assert_files(charts: &[crate::Chart], lang: &str) {
    for (i, chart) in charts.iter().enumerate() {
        assert_eq!(chart.number, i + 1, "{}", chart.id);
        assert_eq!(
            std::fs::read_to_string(&chart.svg_path).unwrap(),
            chart.svg,
            "{}",
            chart.id
        );
        assert_well_formed_svg(&chart.id, &chart.svg);
        assert!(
            chart.svg.contains(&format!("xml:lang=\"{lang}\"")),
            "{}",
            chart.id
        );
        assert!(
            !chart.svg.contains("<text"),
            "{}: text left to a font",
            chart.id
        );
        assert!(!chart.svg.contains("font-family"), "{}", chart.id);
        assert!(chart.svg.contains("<use xlink:href=\"#"), "{}", chart.id);
        assert!(
            chart.svg.len() < 400_000,
            "{}: {} bytes",
            chart.id,
            chart.svg.len()
        );
        let width = png_width(&chart.png_path);
        assert!((1843..1900).contains(&width), "{}: {width} px", chart.id);
        assert_eq!(
            png_phys(&chart.png_path),
            Some((11_811, 11_811, 1)),
            "{}: no 300 dpi pHYs chunk",
            chart.id
        );
        // 156 mm at the recorded resolution.
        let mm = f64::from(width) / 11_811.0 * 1000.0;
        assert!((mm - 156.0).abs() < 0.2, "{}: {mm} mm", chart.id);
    }
}

#[test]
fn every_chart_is_written_as_svg_and_print_resolution_png() {
    let eval = fixture(Language::Zh, 3);
    let (dir, charts) = render(&eval);
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "scorecard",
            "digital_qualify",
            // 数字化转型: the city target, then the four criteria.
            "series_digital_cluster_count",
            "digital_gain_cnc_rate",
            "digital_gain_bis_rate",
            "digital_gain_rnd_tool_rate",
            "digital_gain_ecommerce_rate",
            // 创新发展
            "series_sme_count",
            "series_specialized_count",
            "series_core_tech_count",
            "series_design_center_count",
            "series_innovation_platform_count",
            // 产业生态
            "series_clusters_over_5b",
            "series_clusters_over_10b",
            "series_green_factory_count",
            "series_green_park_count",
            // 规模与增长
            "series_revenue_cagr",
            "series_new_cluster_count",
            "revenue_cagr",
            "coverage",
        ]
    );
    assert_files(&charts, "zh-CN");

    let source = "资料来源：石家庄市县域特色产业集群企业季度报表（截至2022年二季度）";
    for chart in &charts {
        assert!(chart.svg_path.starts_with(dir.path()));
        assert!(
            chart
                .svg
                .contains(&format!("图{}\u{3000}{}", chart.number, chart.title)),
            "{}: title {:?} not in the SVG",
            chart.id,
            chart.title
        );
        assert!(chart.svg.contains(source), "{}: no source line", chart.id);
        // No English codes in Chinese charts: quarters are written 2022年二季度.
        assert!(!chart.svg.contains("2022Q2"), "{}", chart.id);
    }
    let by_id = |id: &str| charts.iter().find(|c| c.id == id).unwrap();
    assert_eq!(
        by_id("digital_gain_cnc_rate").area,
        Some(clusterkpi_model::Area::Digital)
    );
    assert_eq!(
        by_id("series_sme_count").area,
        Some(clusterkpi_model::Area::Innovation)
    );
    assert_eq!(
        by_id("revenue_cagr").area,
        Some(clusterkpi_model::Area::Scale)
    );
    assert_eq!(by_id("scorecard").area, None);
    assert_eq!(by_id("coverage").area, None);
    // The criteria are not among the scorecard's targets.
    assert!(!by_id("scorecard").svg.contains("关键工序数控化率"));
    // The null CNC rate of the late cluster is said, not drawn as zero.
    assert!(by_id("digital_gain_cnc_rate").svg.contains("无数据"));
    assert!(
        by_id("digital_gain_bis_rate")
            .svg
            .contains("基期为2021年二季度")
    );
    assert!(by_id("coverage").svg.contains("46/50家"));
    // Snapshot of what a reader sees first: the numbers and the findings.
    let list: Vec<String> = charts
        .iter()
        .map(|c| format!("图{} {}  [{}]", c.number, c.title, c.id))
        .collect();
    insta::assert_snapshot!("chart_titles_zh", list.join("\n"));
}

#[test]
fn after_the_deadline_the_verdict_is_the_one_at_the_deadline() {
    // Deadline 2021Q4, data through 2022Q2: the SME count was 2,240 at the deadline
    // (missed), later quarters are still drawn, and the chart says 终期评估.
    let eval = fixture_with(Language::Zh, 3, Some(p("2021Q4")));
    assert!(eval.is_final());
    let (_dir, charts) = render(&eval);
    assert_files(&charts, "zh-CN");
    let sme = charts.iter().find(|c| c.id == "series_sme_count").unwrap();
    assert_eq!(
        sme.title,
        "集群中小企业数2021年末为2,240家，未达到2,500家的目标"
    );
    assert!(sme.svg.contains("终期评估"), "{}", sme.svg);
    assert!(sme.svg.contains("2021年四季度"));
    assert!(!sme.svg.contains("状态：● 已完成"));
    let list: Vec<String> = charts
        .iter()
        .map(|c| format!("图{} {}  [{}]", c.number, c.title, c.id))
        .collect();
    insta::assert_snapshot!("chart_titles_zh_final", list.join("\n"));
    for figure in figures(&eval) {
        assert_clean_layout(&figure.scene);
    }
}

#[test]
fn bars_are_sorted_and_start_at_zero() {
    use crate::hbar::{Bar, sorted};
    let bar = |v: Option<f64>| Bar {
        name: String::new(),
        value: v,
        text: String::new(),
        colour: crate::style::DATA,
    };
    let bars = [bar(Some(3.0)), bar(None), bar(Some(10.0)), bar(Some(-2.0))];
    let order: Vec<Option<f64>> = sorted(&bars).iter().map(|b| b.value).collect();
    assert_eq!(order, [Some(10.0), Some(3.0), Some(-2.0), None]);

    // In every bar chart of the fixture: bars run from the zero line, longest first.
    crate::font::ensure_registered().unwrap();
    for figure in figures(&fixture(Language::Zh, 24)) {
        if !["digital_gain", "revenue_cagr", "coverage"]
            .iter()
            .any(|p| figure.id.starts_with(p))
        {
            continue;
        }
        let rects: Vec<(f64, f64)> = figure
            .scene
            .items
            .iter()
            .filter_map(|i| match i {
                crate::scene::Item::Rect { x0, y0, x1, y1, .. }
                    if (y1 - y0 - 30.0).abs() < 1e-6 =>
                {
                    Some((*x0, *x1))
                }
                _ => None,
            })
            .collect();
        assert!(!rects.is_empty(), "{}", figure.id);
        // The root: the edge most bars share.
        let edges: Vec<f64> = rects.iter().flat_map(|(x0, x1)| [*x0, *x1]).collect();
        let zero = edges
            .iter()
            .copied()
            .max_by_key(|e| edges.iter().filter(|o| (*o - e).abs() < 1e-6).count())
            .unwrap();
        // Signed lengths from the shared root, never increasing down the chart.
        let root = rects
            .iter()
            .filter(|(x0, _)| (x0 - zero).abs() < 1e-6)
            .count();
        assert!(
            root >= rects.len() / 2,
            "{}: bars do not share a root",
            figure.id
        );
        let lengths: Vec<f64> = rects
            .iter()
            .map(|(x0, x1)| {
                if (x0 - zero).abs() < 1e-6 {
                    x1 - x0
                } else {
                    -(x1 - x0)
                }
            })
            .collect();
        assert!(
            lengths.windows(2).all(|w| w[0] >= w[1] - 1e-6),
            "{}: {lengths:?}",
            figure.id
        );
        // The tick at the root reads 0.
        assert!(
            figure.scene.items.iter().any(|i| matches!(
                i,
                crate::scene::Item::Text { text, x, .. } if text == "0" && (x - zero).abs() < 1.0
            )),
            "{}: axis does not start at 0",
            figure.id
        );
    }
}

#[test]
fn english_evaluation_gets_english_charts() {
    let eval = fixture(Language::En, 3);
    let (_dir, charts) = render(&eval);
    let source =
        "Source: county cluster enterprise quarterly reports, Shijiazhuang, through 2022 Q2";
    for chart in &charts {
        assert!(chart.svg.contains(source), "{}", chart.id);
        assert!(
            chart
                .svg
                .contains(&clusterkpi_model::text::escape_markup(&chart.title)),
            "{}",
            chart.id
        );
    }
    assert_files(&charts, "en");
    for chart in &charts {
        assert!(
            !chart
                .svg
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: Chinese in an English chart",
            chart.id
        );
    }
    let list: Vec<String> = charts
        .iter()
        .map(|c| format!("Figure {} {}  [{}]", c.number, c.title, c.id))
        .collect();
    insta::assert_snapshot!("chart_titles_en", list.join("\n"));
}

#[test]
fn an_evaluation_without_clusters_or_targets_still_renders() {
    let eval = fixture(Language::Zh, 0);
    let (_dir, charts) = render(&eval);
    assert_eq!(charts.len(), 20);
    assert!(
        charts
            .iter()
            .find(|c| c.id == "coverage")
            .unwrap()
            .svg
            .contains("无集群")
    );

    let mut eval = fixture(Language::Zh, 0);
    eval.plan.targets.clear();
    let (_dir, charts) = render(&eval);
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["scorecard", "revenue_cagr", "coverage"]);
    assert_eq!(
        charts.iter().map(|c| c.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn many_clusters_render() {
    let eval = fixture(Language::Zh, 24);
    let (_dir, charts) = render(&eval);
    assert_eq!(charts.len(), 20);
}

#[test]
fn no_text_is_clipped_or_overlaps_another() {
    let evaluations = [
        fixture(Language::Zh, 3),
        fixture(Language::En, 3),
        fixture(Language::Zh, 0),
        fixture(Language::Zh, 24),
        fixture(Language::En, 24),
        fixture_with(Language::Zh, 3, Some(p("2021Q4"))),
        fixture_with(Language::En, 24, Some(p("2021Q4"))),
    ];
    for eval in evaluations {
        crate::font::ensure_registered().unwrap();
        for figure in figures(&eval) {
            assert_clean_layout(&figure.scene);
        }
    }
}

/// Whether `c` may appear in an XML 1.0 document (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A small well-formedness check of an SVG document: only XML characters, no
/// bidirectional or C1 control, every `<` starting markup and every element closed in
/// order (enough for the flat documents plotters writes).
fn assert_well_formed_svg(id: &str, svg: &str) {
    for c in svg.chars() {
        assert!(
            xml_char(c),
            "{id}: U+{:04X} is not an XML character",
            c as u32
        );
        assert!(
            !c.is_control() || matches!(c, '\t' | '\n' | '\r'),
            "{id}: control U+{:04X}",
            c as u32
        );
        assert!(
            !matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
            "{id}: bidi control U+{:04X}",
            c as u32
        );
    }
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..]
            .find('>')
            .map(|j| i + j)
            .unwrap_or_else(|| panic!("{id}: unclosed tag"));
        let tag = &rest[i + 1..end];
        assert!(!tag.contains('<'), "{id}: '<' inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name.trim()), "{id}: mismatched </{name}>");
        } else if !(tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/')) {
            open.push(tag.split_whitespace().next().unwrap_or(""));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "{id}: unclosed elements {open:?}");
}

#[test]
fn names_with_control_and_bidi_characters_render_as_valid_svg() {
    for language in [Language::Zh, Language::En] {
        let mut eval = fixture(language, 3);
        for c in &mut eval.clusters {
            c.name = format!(
                "辛集\u{1}市\u{202E}皮革\u{7F}\u{85}\u{2066}集群\u{FFFF}{}",
                c.name
            );
            c.name_en = c
                .name_en
                .as_ref()
                .map(|n| format!("Xin\u{1}ji \u{202E}{n}\u{200F}"));
        }
        eval.plan.city_name = format!("石家\u{0}庄\u{202D}市{}", "\u{61C}");
        eval.plan.city_name_en = "Shi\u{1B}jia\u{202E}zhuang\tcity".into();
        let (_dir, charts) = render(&eval);
        assert_eq!(charts.len(), 20);
        for chart in &charts {
            assert_well_formed_svg(&chart.id, &chart.svg);
            assert_eq!(std::fs::read_to_string(&chart.svg_path).unwrap(), chart.svg);
            assert!(png_width(&chart.png_path) >= 1843, "{}", chart.id);
            assert!(
                chart.title.chars().all(|c| !c.is_control()),
                "{}",
                chart.title
            );
        }
        // The names are drawn, without the characters that were dropped.
        let coverage = &charts.iter().find(|c| c.id == "coverage").unwrap().svg;
        match language {
            Language::Zh => assert!(coverage.contains("辛集市皮革集群"), "{coverage}"),
            Language::En => assert!(coverage.contains("Xinji"), "{coverage}"),
        }
        for figure in figures(&eval) {
            assert_clean_layout(&figure.scene);
        }
    }
}

#[test]
fn a_plan_spanning_millennia_draws_a_bounded_clean_quarter_axis() {
    // A deadline typed as 9999Q4 (or a baseline as 0001Q1) is a quarter axis of tens
    // of thousands of quarters: labels must still never touch, and the unlabelled
    // quarter ticks, less than a pixel apart, are left out instead of drawn one by one.
    crate::font::ensure_registered().unwrap();
    let mut eval = fixture(Language::Zh, 3);
    eval.plan.deadline = p("9999Q4");
    let normal = figures(&fixture(Language::Zh, 3));
    for (figure, usual) in figures(&eval).iter().zip(&normal) {
        assert_clean_layout(&figure.scene);
        assert!(
            figure.scene.items.len() <= usual.scene.items.len() + 100,
            "{} items, {} with the usual plan",
            figure.scene.items.len(),
            usual.scene.items.len()
        );
    }
    eval.plan.baseline = p("0001Q1");
    for figure in figures(&eval) {
        assert_clean_layout(&figure.scene);
        assert!(
            figure.scene.items.len() < 1_000,
            "{}",
            figure.scene.items.len()
        );
    }
    let (_dir, charts) = render(&eval);
    for chart in &charts {
        assert!(
            chart.svg.len() < 200_000,
            "{}: {} bytes",
            chart.id,
            chart.svg.len()
        );
    }
}

#[test]
fn quarter_labels_keep_apart_at_any_density() {
    for per_quarter in [40.0, 7.0, 1.0, 0.3, 0.05, 1e-3, 1e-6, 1e-12] {
        let step = crate::series::label_step(per_quarter, 60.0);
        assert!(step >= 1);
        assert!(
            f64::from(step) * per_quarter >= 60.0 || step == i32::MAX,
            "{per_quarter}: step {step}"
        );
    }
}

#[test]
fn a_cluster_recognised_after_the_base_year_is_not_applicable_not_missing() {
    // zhengding-furniture was recognised in 2021Q2, after the 2020Q4 baseline: it has no
    // average growth since the base year, which is not a gap in the data.
    let eval = fixture(Language::Zh, 3);
    let (_dir, charts) = render(&eval);
    for id in ["scorecard", "revenue_cagr"] {
        let svg = &charts.iter().find(|c| c.id == id).unwrap().svg;
        assert!(svg.contains("不适用"), "{id}");
    }
    let growth = &charts.iter().find(|c| c.id == "revenue_cagr").unwrap().svg;
    assert!(growth.contains("不适用（2021年二季度认定）"));
}

#[test]
fn charts_drawn_in_parallel_keep_report_order_and_the_first_error() {
    let eval = fixture(Language::Zh, 3);
    let (_dir, once) = render(&eval);
    let (_again, twice) = render(&eval);
    let ids = |c: &[crate::Chart]| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&once), ids(&twice));
    for (a, b) in once.iter().zip(&twice) {
        assert_eq!(a.svg, b.svg, "{}", a.id);
        assert_eq!(
            std::fs::read(&a.png_path).unwrap(),
            std::fs::read(&b.png_path).unwrap(),
            "{}",
            a.id
        );
    }
    // A chart that cannot be written (its SVG name taken by a folder) is the error,
    // whichever thread drew it.
    let dir = tempfile::tempdir().unwrap();
    let charts = dir.path().join("charts");
    std::fs::create_dir_all(charts.join("digital_qualify.svg")).unwrap();
    match render_all(&eval, &charts) {
        Err(crate::ChartError::Write { path, .. }) => {
            assert!(path.ends_with("digital_qualify.svg"), "{}", path.display());
        }
        other => panic!("expected the write error, got {:?}", other.map(|c| c.len())),
    }
}
