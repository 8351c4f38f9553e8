//! The report folder through the public API: every file, the CSV and manifest
//! contracts, injection safety, the partial-data line, the HTML's self-containment,
//! re-runs, snapshots of `report.md` and of the main points and plan targets before
//! and after the plan's deadline.

mod fixture;

use std::fs;
use std::path::{Path, PathBuf};

use clusterkpi_model::Language;
use clusterkpi_report::{RunInfo, write_report};

fn write(partial: bool, lang: Language) -> (tempfile::TempDir, PathBuf) {
    write_at(partial, lang, fixture::AS_OF)
}

fn write_at(partial: bool, lang: Language, as_of: &str) -> (tempfile::TempDir, PathBuf) {
    let mut eval = fixture::evaluation_at(partial, as_of);
    eval.language = lang;
    let dir = tempfile::tempdir().unwrap();
    let folder = write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    (dir, folder)
}

fn read(folder: &Path, name: &str) -> String {
    fs::read_to_string(folder.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// CSV records without the BOM; fields split naively (the test data has no quoted
/// commas in the columns this is used on).
fn csv_lines(text: &str) -> Vec<&str> {
    text.trim_start_matches('\u{FEFF}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_file_of_the_contract_is_written_and_nothing_else_is_left() {
    let (dir, folder) = write(true, Language::Zh);
    assert_eq!(folder, dir.path().join(fixture::AS_OF));
    for name in [
        "report.html",
        "report.md",
        "kpis.csv",
        "kpis.xlsx",
        "series.csv",
        "validation.csv",
        "manifest.json",
    ] {
        let meta = fs::metadata(folder.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(meta.len() > 0, "{name} is empty");
    }
    let charts: Vec<String> = fs::read_dir(folder.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for id in ["scorecard", "coverage"] {
        assert!(
            charts.contains(&format!("{id}.svg")),
            "{id}.svg in {charts:?}"
        );
        assert!(
            charts.contains(&format!("{id}.png")),
            "{id}.png in {charts:?}"
        );
    }
    let root: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(root, [fixture::AS_OF]);
}

#[test]
fn kpis_csv_follows_the_contract() {
    let (_dir, folder) = write(true, Language::Zh);
    let text = read(&folder, "kpis.csv");
    assert!(text.starts_with('\u{FEFF}'), "BOM");
    let lines = csv_lines(&text);
    assert_eq!(
        lines[0],
        "period,scope,scope_id,indicator,value,unit,baseline_period,baseline_value,target_rule,target_amount,\
         target_level,projected,progress,status,trend,judged_period,judged_value,role,carried_forward,\
         reporting,expected"
    );
    let eval = fixture::evaluation(true);
    assert_eq!(lines.len() - 1, eval.kpis.len());

    let row = |scope_id: &str, indicator: &str| -> Vec<&str> {
        lines
            .iter()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f[2] == scope_id && f[3] == indicator)
            .unwrap_or_else(|| panic!("{scope_id} {indicator}"))
    };
    // Full precision, no rounding.
    assert_eq!(row("c02", "tech_upgrade_subsidy")[4], "0.3333333333333333");
    // A negative number is a number, not a neutralised text.
    assert_eq!(row("c01", "revenue_yoy")[4], "-5");
    assert!(!text.contains("'-5"));
    // A target row: rule, amount, level, status, trend.
    let cnc = row("c01", "cnc_rate");
    assert_eq!(&cnc[6..10], ["2020Q4", "40", "gain", "5"]);
    assert_eq!(cnc[10], "45");
    assert_eq!((cnc[13], cnc[14]), ("on_track", "improving"));
    // The late cluster names its own baseline quarter.
    assert_eq!(&row("c02", "cnc_rate")[6..8], ["2021Q3", "30"]);
    // No target: empty target columns, baseline kept, no projection or trend.
    let untargeted = row("c01", "sme_count");
    assert_eq!(&untargeted[8..15], ["", "", "", "", "", "no_target", ""]);
    assert_eq!(untargeted[6], "2020Q4");
    // No data.
    assert_eq!(row(fixture::CITY, "specialized_count")[13], "no_data");
    assert_eq!(row(fixture::CITY, "specialized_count")[4], "");
    // Thousands are never grouped.
    assert_eq!(row(fixture::CITY, "sme_count")[10], "2500");
    // Coverage columns.
    assert_eq!(&row("c02", "reporting_rate")[19..], ["8", "10"]);
    // The gains are criteria of the digital-cluster target, judged at the as-of quarter.
    assert_eq!(&cnc[15..18], ["2022Q2", "41.5", "criterion"]);
    assert_eq!(row(fixture::CITY, "sme_count")[17], "target");
    // Stock counts say how many enterprises were carried forward.
    assert_eq!(row("c02", "sme_count")[18], "1");
}

#[test]
fn series_csv_has_one_row_per_period_scope_and_indicator() {
    let (_dir, folder) = write(true, Language::Zh);
    let text = read(&folder, "series.csv");
    assert!(text.starts_with('\u{FEFF}'));
    let lines = csv_lines(&text);
    assert_eq!(
        lines[0],
        "period,scope,scope_id,indicator,value,unit,reporting,expected,carried_forward"
    );
    assert_eq!(lines.len() - 1, fixture::evaluation(true).series.len());
    assert!(
        lines.contains(&"2020Q4,cluster,c01,cnc_rate,40,%,10,10,"),
        "{:?}",
        &lines[..5]
    );
    assert!(lines.contains(&"2020Q4,cluster,c02,cnc_rate,,%,0,0,"));
    assert!(lines.contains(&"2020Q4,cluster,c02,sme_count,,count,0,0,0"));
}

#[test]
fn validation_csv_neutralises_formulas_and_quotes_fields() {
    let (_dir, folder) = write(true, Language::Zh);
    let text = read(&folder, "validation.csv");
    assert!(text.starts_with('\u{FEFF}'));
    let lines = csv_lines(&text);
    assert_eq!(
        lines[0],
        "file,sheet,line,column,code,severity,value,message_zh,message_en"
    );
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[1],
        "inbox/xinji-2022Q2.csv,,12,营业收入(万元),E_NUMBER,error,'=1+2,不是数字,not a number"
    );
    // A text value starting with '-' is neutralised (it is text, not a number); a
    // field with a comma or quotes is quoted with the quotes doubled.
    assert_eq!(
        lines[2],
        "inbox/gaocheng-2022Q2.xlsx,Sheet1,5,revenue_ytd,W_YTD_DECREASE,warning,'-3,\
         \"本年累计值比上季度小，\"\"营业收入\"\"\",\"year-to-date value decreased, \"\"revenue\"\"\""
    );
}

#[test]
fn the_manifest_says_what_the_report_was_built_from() {
    let (_dir, folder) = write(true, Language::Zh);
    let m: serde_json::Value = serde_json::from_str(&read(&folder, "manifest.json")).unwrap();
    assert_eq!(m["run_id"], "run-1");
    assert_eq!(m["started_at"], "2022-07-10T08:00:00Z");
    assert!(m["generated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["tool_version"], "0.1.0");
    assert_eq!(m["plan"]["id"], "fixture-plan");
    assert_eq!(m["plan"]["path"], "data/plans/fixture-plan.toml");
    assert_eq!(m["plan"]["sha256"].as_str().unwrap().len(), 64);
    assert!(m["plan"]["name"].as_str().unwrap().starts_with("石家庄市"));
    assert_eq!(m["period"], fixture::AS_OF);
    assert_eq!(m["dataset_version"], 7);
    assert_eq!(m["partial"], true);
    assert_eq!(m["partial_reasons"].as_array().unwrap().len(), 2);
    assert_eq!(m["missing_enterprises"], 2);

    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    for key in [
        "path",
        "sha256",
        "outcome",
        "rows_accepted",
        "rows_quarantined",
    ] {
        assert!(inputs.iter().all(|i| !i[key].is_null()), "{key}");
    }
    assert_eq!(inputs[1]["rows_quarantined"], 1);
    let run_inputs = m["run_inputs"].as_array().unwrap();
    assert_eq!(run_inputs.len(), 4);
    assert_eq!(run_inputs[3]["outcome"], "duplicate");

    assert_eq!(m["rows_per_period"]["2022Q2"], 20);
    assert_eq!(m["rows_per_period"].as_object().unwrap().len(), 7);
    assert_eq!(m["issues"]["errors"], 2);
    assert_eq!(m["issues"]["warnings"], 1);

    let stages: Vec<&str> = m["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["ingest", "evaluate", "report"]);
    assert!(m["stages"][2]["seconds"].as_f64().unwrap() >= 0.0);

    // Every file the manifest references exists, with its size.
    let outputs = m["outputs"].as_array().unwrap();
    assert!(outputs.len() >= 8, "{outputs:?}");
    for o in outputs {
        let path = folder.join(o["path"].as_str().unwrap());
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            o["bytes"].as_u64().unwrap(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_partial_report_says_so_in_one_line_and_lists_the_missing_in_the_annex() {
    let (_dir, folder) = write(true, Language::Zh);
    let html = read(&folder, "report.html");
    let note = html
        .find("<p class=\"partial-note\"")
        .expect("the partial-data line");
    assert!(
        note < html.find("id=\"targets\"").unwrap(),
        "on the first page"
    );
    assert!(html.contains("href=\"#quality\""));
    assert!(!html.contains("PARTIAL DATA") && !html.contains("partial-banner"));
    // The names are in the annex, after the data-quality section.
    let name = html
        .find("辛集市某皮革有限公司")
        .expect("missing enterprise listed");
    assert!(name > html.find("id=\"annex\"").unwrap());
    assert!(html.contains("按2022年一季度报表结转计入"));
    assert!(html.contains("未计入（近四个季度均未报送）"));
    let md = read(&folder, "report.md");
    assert!(
        md.contains("[数据不完整：2022年二季度名录企业20家中2家未报送"),
        "{md}"
    );
}

#[test]
fn a_complete_report_has_no_partial_line() {
    let (_dir, folder) = write(false, Language::Zh);
    let html = read(&folder, "report.html");
    assert!(!html.contains("<p class=\"partial-note\""));
    assert!(!read(&folder, "report.md").contains("[数据不完整"));
    assert!(html.contains("名录企业均已报送。"));
}

#[test]
fn the_html_is_self_contained_escaped_and_in_order() {
    let (_dir, folder) = write(true, Language::Zh);
    let html = read(&folder, "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("@page { size: A4; margin: 15mm; }"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<?xml"));
    // No reference leaves the file except the SVG namespace names.
    let without_ns = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("@import"));
    // Names from input files are escaped.
    assert!(html.contains("辛集市皮革&lt;皮衣&gt;产业集群 &amp; Co"));
    assert!(!html.contains("<皮衣>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The areas in the plan's order, then data quality and the method note.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    let order = [
        "main-points",
        "id=\"targets\"",
        "id=\"clusters\"",
        "id=\"area-digital\"",
        "id=\"area-innovation\"",
        "id=\"area-ecology\"",
        "id=\"area-scale\"",
        "id=\"area-policy\"",
        "id=\"quality\"",
        "id=\"method\"",
        "id=\"annex\"",
    ];
    assert!(
        order.windows(2).all(|w| at(w[0]) < at(w[1])),
        "sections out of order"
    );
    // The relative reading beside the percentage-point one, the stretch target, and a
    // late baseline with its quarter.
    assert!(html.contains("+1.5个百分点（相对+3.8%）"));
    assert!(html.contains("不少于1个（力争2个）"));
    assert!(html.contains("关键工序数控化率：2021年三季度"));
}

#[test]
fn an_english_evaluation_gives_an_english_report() {
    let (_dir, folder) = write(false, Language::En);
    let html = read(&folder, "report.html");
    assert!(html.contains("<html lang=\"en\">"));
    for s in [
        "Main points",
        "The plan&#39;s targets",
        "Digital transformation",
        "Data quality",
        "Method",
        "Xinji leather &lt;coats&gt; &amp; Co",
    ] {
        assert!(html.contains(s), "{s}");
    }
    assert!(!html.contains("主要结论"));
}

#[test]
fn a_second_run_replaces_the_report_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let eval = fixture::evaluation(true);
    write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    let mut later = fixture::evaluation(false);
    later.dataset_version = 8;
    let folder = write_report(
        &later,
        &RunInfo {
            run_id: "run-2".into(),
            ..fixture::run("")
        },
        dir.path(),
    )
    .unwrap();
    let m: serde_json::Value = serde_json::from_str(&read(&folder, "manifest.json")).unwrap();
    assert_eq!(
        (m["run_id"].as_str(), m["dataset_version"].as_u64()),
        (Some("run-2"), Some(8))
    );
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [fixture::AS_OF]);
}

/// `report.md` with the generation time and run id masked, and chart titles too: they
/// are the chart stage's wording, and its snapshots pin them.
fn assert_md_snapshot(name: &str, md: &str) {
    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[time]"),
        // The generation time as readers see it, in China Standard Time.
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} CST \(UTC\+8\)", "[time]"),
        (r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}（北京时间）", "[time]"),
        (r"run-\d+", "[run]"),
        (r"!\[[^\]\n]*\]\(charts/", "![[chart title]](charts/"),
    ]}, {
        insta::assert_snapshot!(name, md);
    });
}

#[test]
fn report_md_snapshot() {
    let (_dir, folder) = write(true, Language::Zh);
    assert_md_snapshot("report_md_zh_partial", &read(&folder, "report.md"));
}

#[test]
fn report_md_snapshot_en_complete() {
    let (_dir, folder) = write(false, Language::En);
    assert_md_snapshot("report_md_en_complete", &read(&folder, "report.md"));
}

/// The first page's substance: the main points and the plan-targets table, from
/// `report.md` (up to the clusters section).
fn first_page(md: &str) -> &str {
    let start = md
        .find("## 主要结论")
        .or_else(|| md.find("## Main points"))
        .unwrap();
    let end = md.find("<a id=\"clusters\">").unwrap();
    &md[start..end]
}

#[test]
fn main_points_before_the_deadline() {
    let (_dir, folder) = write_at(true, Language::Zh, fixture::AS_OF);
    assert_md_snapshot(
        "main_points_zh_2022q2",
        first_page(&read(&folder, "report.md")),
    );
}

#[test]
fn main_points_after_the_deadline_judge_at_the_deadline() {
    let (_dir, folder) = write_at(true, Language::Zh, fixture::AFTER_DEADLINE);
    let md = read(&folder, "report.md");
    let page = first_page(&md);
    // Judged at 2025Q4 (2,500 is not more than 2,500), the 2026Q3 value beside it.
    assert!(
        page.contains("| 集群中小企业数 | 2,000家（2020年四季度） | 超过2,500家 | 2,500家 |"),
        "{page}"
    );
    assert!(page.contains("2026年三季度（参考）"));
    assert!(md.contains("终期评估报告（数据截至2026年三季度）"));
    // The criteria are not counted among the plan's targets.
    assert!(page.contains("规划7项目标中"), "{page}");
    assert_md_snapshot("main_points_zh_2026q3", page);
}

#[test]
fn main_points_after_the_deadline_in_english() {
    let (_dir, folder) = write_at(false, Language::En, fixture::AFTER_DEADLINE);
    assert_md_snapshot(
        "main_points_en_2026q3",
        first_page(&read(&folder, "report.md")),
    );
}
