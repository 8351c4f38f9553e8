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
    let catalogue = Catalogue::builtin();
    let plan = Plan::parse(PLAN, &catalogue).unwrap();
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

fn render(eval: &Evaluation) -> (tempfile::TempDir, Vec<crate::Chart>) {
    let dir = tempfile::tempdir().unwrap();
    let charts = render_all(eval, &dir.path().join("charts")).unwrap();
    if let Ok(out) = std::env::var("CLUSTERKPI_CHARTS_OUT") {
        let lang = format!("{:?}-{}", eval.language, eval.clusters.len()).to_lowercase();
        render_all(eval, &Path::new(&out).join(lang)).unwrap();
    }
    (dir, charts)
}

#[test]
fn every_chart_is_written_as_svg_and_print_resolution_png() {
    let eval = fixture(Language::Zh, 3);
    let (dir, charts) = render(&eval);
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    let mut expected = vec![
        "scorecard",
        "digital_gain_cnc_rate",
        "digital_gain_bis_rate",
        "digital_gain_rnd_tool_rate",
        "digital_gain_ecommerce_rate",
    ];
    let city_targets: Vec<String> = eval
        .plan
        .targets
        .iter()
        .filter(|t| t.scope == Scope::City)
        .map(|t| format!("series_{}", t.indicator))
        .collect();
    assert_eq!(city_targets.len(), 12);
    expected.extend(city_targets.iter().map(String::as_str));
    expected.extend(["revenue_cagr", "coverage"]);
    assert_eq!(ids, expected);

    let source = "数据来源：石家庄市县域特色产业集群企业季度报表，截至2022Q2";
    for chart in &charts {
        assert!(chart.svg_path.starts_with(dir.path()));
        assert_eq!(
            std::fs::read_to_string(&chart.svg_path).unwrap(),
            chart.svg,
            "{}",
            chart.id
        );
        assert!(png_width(&chart.png_path) >= 2400, "{}", chart.id);
        assert!(
            chart.svg.contains(&chart.title),
            "{}: title {:?} not drawn",
            chart.id,
            chart.title
        );
        assert!(
            chart
                .title
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}",
            chart.title
        );
        assert!(chart.svg.contains(source), "{}: no source line", chart.id);
        assert!(
            chart
                .svg
                .contains("font-family=\"WenQuanYi Micro Hei, 'Noto Sans CJK SC'"),
            "{}",
            chart.id
        );
        assert!(
            !chart.svg.contains("font-family=\"WenQuanYi Micro Hei\""),
            "{}",
            chart.id
        );
    }
    let by_id = |id: &str| charts.iter().find(|c| c.id == id).unwrap();
    assert_eq!(
        by_id("digital_gain_cnc_rate").title,
        "关键工序数控化率：各集群较基期提升"
    );
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
    // The null CNC rate of the late cluster is said, not drawn as zero.
    assert!(by_id("digital_gain_cnc_rate").svg.contains("无数据"));
    assert!(by_id("digital_gain_bis_rate").svg.contains("基期2021Q2"));
    assert!(by_id("coverage").svg.contains("46/50"));
}

#[test]
fn english_evaluation_gets_english_charts() {
    let eval = fixture(Language::En, 3);
    let (_dir, charts) = render(&eval);
    let source = "Source: county cluster enterprise quarterly reports, Shijiazhuang, as of 2022Q2";
    for chart in &charts {
        assert!(chart.svg.contains(source), "{}", chart.id);
        assert!(
            chart.svg.contains(&chart.title.replace('&', "&amp;")),
            "{}",
            chart.id
        );
    }
    assert_eq!(
        charts[1].title,
        "Key-process CNC rate: gain since baseline by cluster"
    );
}

#[test]
fn an_evaluation_without_clusters_or_targets_still_renders() {
    let eval = fixture(Language::Zh, 0);
    let (_dir, charts) = render(&eval);
    assert_eq!(charts.len(), 19);
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
}

#[test]
fn many_clusters_render() {
    let eval = fixture(Language::Zh, 24);
    let (_dir, charts) = render(&eval);
    assert_eq!(charts.len(), 19);
}

#[test]
fn no_text_is_clipped_or_overlaps_another() {
    let evaluations = [
        fixture(Language::Zh, 3),
        fixture(Language::En, 3),
        fixture(Language::Zh, 0),
        fixture(Language::Zh, 24),
        fixture(Language::En, 24),
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
        assert_eq!(charts.len(), 19);
        for chart in &charts {
            assert_well_formed_svg(&chart.id, &chart.svg);
            assert_eq!(std::fs::read_to_string(&chart.svg_path).unwrap(), chart.svg);
            assert!(png_width(&chart.png_path) >= 2400, "{}", chart.id);
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
