//! A generated city through the whole pipeline: every output file of the contract.

use std::collections::HashSet;

use crate::support::*;

const INDICATORS: usize = 26;

fn png_width(path: &std::path::Path) -> u32 {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[1..4], b"PNG", "{}", path.display());
    u32::from_be_bytes([b[16], b[17], b[18], b[19]])
}

/// Pixels per metre recorded in a PNG's `pHYs` chunk (x axis), if any.
fn png_pixels_per_metre(path: &std::path::Path) -> Option<u32> {
    let b = std::fs::read(path).unwrap();
    let at = b.windows(4).position(|w| w == b"pHYs")?;
    let d = &b[at + 4..at + 8];
    Some(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

#[test]
fn a_generated_city_gives_every_output_of_the_contract() {
    let w = Work::new();
    w.generate(".", 400, "2020Q1", "2023Q2", true);
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap()]);
    assert!(r.code == 0 || r.code == 3, "{r:?}");
    let dir = w.path("reports/2023Q2");

    // kpis.csv: the contract's columns, BOM, one row per (scope, scope_id, indicator).
    let bytes = std::fs::read(dir.join("kpis.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "kpis.csv starts with a BOM for Excel"
    );
    let (h, rows) = read_csv(&dir.join("kpis.csv"));
    assert_eq!(
        h.join(","),
        "period,scope,scope_id,indicator,value,unit,baseline_period,baseline_value,target_rule,target_amount,target_level,projected,progress,status,trend,judged_period,judged_value,role,carried_forward,reporting,expected"
    );
    let (_, clusters) = read_csv(&w.path("reference/clusters.csv"));
    let keys: HashSet<_> = rows
        .iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(keys.len(), rows.len(), "no duplicate rows");
    let city_rows = rows.iter().filter(|r| r[1] == "city").count();
    assert_eq!(city_rows, INDICATORS, "every indicator for the city");
    let per_cluster = rows.iter().filter(|r| r[1] == "cluster").count() / clusters.len();
    assert_eq!(
        per_cluster * clusters.len(),
        rows.iter().filter(|r| r[1] == "cluster").count()
    );
    assert_eq!(
        per_cluster,
        INDICATORS - 5,
        "cluster-scope indicators for every cluster"
    );
    let statuses: HashSet<&str> = rows.iter().map(|r| r[13].as_str()).collect();
    for s in &statuses {
        assert!(
            [
                "achieved",
                "on_track",
                "at_risk",
                "off_track",
                "missed",
                "no_data",
                "no_target"
            ]
            .contains(s),
            "{s}"
        );
    }
    assert!(rows.iter().all(|r| r[0] == "2023Q2"));

    // series.csv: every indicator for every quarter from the earliest with data.
    let (h, series) = read_csv(&dir.join("series.csv"));
    assert_eq!(
        h.join(","),
        "period,scope,scope_id,indicator,value,unit,reporting,expected,carried_forward"
    );
    let quarters: HashSet<&str> = series.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(quarters.len(), 14, "2020Q1..2023Q2");
    assert_eq!(series.len(), rows.len() * 14);

    // kpis.xlsx opens and holds the scorecard and the series.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(dir.join("kpis.xlsx")).unwrap();
    let sheets = wb.sheet_names().to_vec();
    assert!(sheets.len() >= 2, "{sheets:?}");
    let first = wb.worksheet_range(&sheets[0]).unwrap();
    assert!(first.height() > rows.len(), "scorecard rows + header");

    // manifest.json names what the report was built from.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["period"], "2023Q2");
    assert!(m["dataset_version"].as_u64().unwrap() > 0);
    assert_eq!(m["plan"]["sha256"].as_str().unwrap().len(), 64);
    assert!(m["inputs"].as_array().unwrap().len() > 10);
    assert!(m["stages"].as_array().is_some_and(|s| !s.is_empty()));

    // validation.csv exists (with the generator's deliberate defects).
    let (h, issues) = read_csv(&dir.join("validation.csv"));
    assert!(
        h.contains(&"code".to_string()) && h.contains(&"line".to_string()),
        "{h:?}"
    );
    assert!(
        !issues.is_empty(),
        "the generator injects defects in earlier quarters"
    );

    // Charts: the five kinds, SVG and PNG for a 156 mm text block at 300 dpi, the
    // resolution recorded in the file.
    let charts = dir.join("charts");
    for id in [
        "scorecard",
        "digital_gain_cnc_rate",
        "series_sme_count",
        "revenue_cagr",
        "coverage",
    ] {
        assert!(charts.join(format!("{id}.svg")).exists(), "{id}.svg");
        let png = charts.join(format!("{id}.png"));
        assert!(png_width(&png) >= 1843, "{id}.png");
        assert_eq!(
            png_pixels_per_metre(&png),
            Some(11_811),
            "{id}.png: 300 dpi"
        );
    }
    let svg = std::fs::read_to_string(charts.join("coverage.svg")).unwrap();
    assert!(
        svg.contains("xml:lang=\"zh-CN\""),
        "the SVG declares its language"
    );
    assert!(
        svg.contains("资料来源") && svg.contains("截至2023年二季度"),
        "source line in Chinese, kept as text in the SVG's description"
    );

    // report.docx: a Word package with the report in it.
    let docx = std::fs::read(dir.join("report.docx")).unwrap();
    assert!(docx.starts_with(b"PK"), "a zip package");
    assert!(docx.windows(17).any(|w| w == b"word/document.xml"));

    // report.html: self-contained, the plan's name, the targets.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("石家庄市县域特色产业提质升级工作方案"));
    assert!(html.contains("<svg"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no network"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    // Lines quoting input files' names (as the counties wrote them) aside.
    let own: Vec<&str> = md
        .lines()
        .filter(|l| !l.contains(".csv") && !l.contains(".xlsx"))
        .collect();
    assert!(
        md.contains("2023年二季度") && !own.iter().any(|l| l.contains("2023Q2")),
        "quarters in Chinese"
    );

    // Running again is idempotent: every file a duplicate, the same figures.
    let again = w.run(&["run", p.to_str().unwrap()]);
    assert_eq!(again.code, r.code, "{again:?}");
    assert!(again.stdout.contains(" 0 rows ingested"), "{again:?}");
    let (_, rows2) = read_csv(&dir.join("kpis.csv"));
    let changed: Vec<_> = rows
        .iter()
        .zip(&rows2)
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert!(
        changed.is_empty() && rows.len() == rows2.len(),
        "a re-run changed the scorecard: {changed:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(w.path("reports"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders left behind");
}

#[test]
fn english_reports_on_request() {
    let w = Work::new();
    w.generate(".", 150, "2021Q1", "2021Q4", false);
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--language", "en"]);
    assert_eq!(r.code, 0, "{r:?}");
    let svg = std::fs::read_to_string(w.path("reports/2021Q4/charts/coverage.svg")).unwrap();
    assert!(svg.contains("Source"), "English source line");
}
