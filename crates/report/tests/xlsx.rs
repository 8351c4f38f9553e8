//! `kpis.xlsx` as a person and a tool read it: readable headers over the contract ids,
//! status words with their markers, figures in the units of the report (亿元, %), the
//! East Asian font, the print setup, and the injection guard as a format rather than
//! an added character. Read back with calamine (values) and from the package's XML
//! (formats and print settings, which calamine does not expose).

mod fixture;

use std::fs;
use std::io::{Cursor, Read as _};
use std::path::PathBuf;

use calamine::{Data, DataType, Reader, Xlsx};
use clusterkpi_model::Language;
use clusterkpi_report::{RunInfo, write_report};

/// The report folder of the fixture (partial data) in `lang`, and the workbook's bytes.
fn workbook(lang: Language) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let mut eval = fixture::evaluation(true);
    eval.language = lang;
    let dir = tempfile::tempdir().unwrap();
    let folder = write_report(&eval, &fixture::run("run-1"), dir.path()).unwrap();
    let bytes = fs::read(folder.join("kpis.xlsx")).unwrap();
    (dir, folder, bytes)
}

fn rows(bytes: &[u8], sheet: &str) -> Vec<Vec<Data>> {
    let mut wb = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a readable workbook");
    let range = wb.worksheet_range(sheet).expect("the sheet");
    range.rows().map(<[Data]>::to_vec).collect()
}

/// One part of the xlsx package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn strings(row: &[Data]) -> Vec<String> {
    row.iter().map(ToString::to_string).collect()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// The first line of a CSV of the folder, as column ids.
fn csv_header(folder: &std::path::Path, name: &str) -> Vec<String> {
    let text = fs::read_to_string(folder.join(name)).unwrap();
    let line = text.trim_start_matches('\u{FEFF}').lines().next().unwrap();
    line.split(',').map(str::to_string).collect()
}

#[test]
fn headers_are_in_the_report_language_over_the_contract_ids() {
    let (_dir, folder, bytes) = workbook(Language::Zh);
    for (sheet, csv) in [("记分卡", "kpis.csv"), ("序列", "series.csv")] {
        let rows = rows(&bytes, sheet);
        let names = strings(&rows[0]);
        let ids = strings(&rows[1]);
        assert_eq!(names.len(), ids.len());
        assert!(names.iter().all(|n| has_cjk(n)), "{sheet}: {names:?}");
        // Every column of the CSV is there under its id, in the CSV's order.
        let csv_ids = csv_header(&folder, csv);
        let positions: Vec<usize> = csv_ids
            .iter()
            .map(|id| {
                ids.iter()
                    .position(|i| i == id)
                    .unwrap_or_else(|| panic!("{sheet}: {id} in {ids:?}"))
            })
            .collect();
        // The ids a person rarely needs are last, in a collapsed group.
        let extras = ["scope_id", "indicator"].map(|id| ids.iter().position(|i| i == id).unwrap());
        assert!(
            extras.iter().all(|e| *e >= names.len() - 5),
            "{sheet}: {ids:?}"
        );
        assert!(positions.len() == csv_ids.len());
        if sheet == "记分卡" {
            assert_eq!(
                names[ids.iter().position(|i| i == "status").unwrap()],
                "状态"
            );
        }
    }
    let validation = rows(&bytes, "数据质量");
    assert_eq!(
        strings(&validation[1]),
        [
            "file",
            "sheet",
            "line",
            "column",
            "code",
            "severity",
            "value",
            "message_zh"
        ]
    );

    let (_dir, _folder, bytes) = workbook(Language::En);
    let rows = rows(&bytes, "Scorecard");
    let names = strings(&rows[0]);
    assert!(names.iter().all(|n| !has_cjk(n)), "{names:?}");
    assert_eq!(names[0], "Name");
    let validation = self::rows(&bytes, "Validation");
    assert_eq!(strings(&validation[1])[7], "message_en");
}

#[test]
fn statuses_are_words_with_markers_and_figures_are_in_the_report_units() {
    let (_dir, _folder, bytes) = workbook(Language::Zh);
    let rows = rows(&bytes, "记分卡");
    let ids = strings(&rows[1]);
    let col = |id: &str| ids.iter().position(|i| i == id).unwrap();
    let find = |scope_id: &str, indicator: &str| {
        rows.iter()
            .skip(2)
            .find(|r| {
                r[col("scope_id")].as_string().as_deref() == Some(scope_id)
                    && r[col("indicator")].as_string().as_deref() == Some(indicator)
            })
            .unwrap_or_else(|| panic!("{scope_id} {indicator}"))
    };
    let words = [
        "● 已完成",
        "○ 进度正常",
        "△ 存在风险",
        "▼ 进度滞后",
        "× 未完成",
        "□ 无数据",
        "无目标",
    ];
    for r in rows.iter().skip(2) {
        let status = r[col("status")].to_string();
        assert!(words.contains(&status.as_str()), "status {status:?}");
    }
    // Every scorecard row under the two header rows; every series row likewise.
    let eval = fixture::evaluation(true);
    assert_eq!(rows.len() - 2, eval.kpis.len());
    assert_eq!(self::rows(&bytes, "序列").len() - 2, eval.series.len());
    let c02 = find("c02", "cnc_rate");
    assert_eq!(c02[col("status")].to_string(), "▼ 进度滞后");
    assert_eq!(c02[col("relative_status")].to_string(), "○ 进度正常");
    assert_eq!(c02[col("scope")].to_string(), "集群");
    assert_eq!(c02[col("unit")].to_string(), "%");
    assert_eq!(c02[col("period")].to_string(), "2022年二季度");
    assert_eq!(
        c02[col("scope_name")].to_string(),
        "辛集市皮革<皮衣>产业集群 & Co"
    );
    // A negative rate is a number, unguarded.
    let yoy = find("c01", "revenue_yoy");
    assert_eq!(yoy[col("value")], Data::Float(-5.0));

    // Money: 万元 in the CSV, 亿元 here, unrounded.
    let money = eval
        .kpis
        .iter()
        .find(|k| k.unit == clusterkpi_model::Unit::TenThousandYuan && k.judgement.value.is_some())
        .expect("a money figure in the fixture");
    let r = find(&money.scope_id, &money.indicator);
    assert_eq!(r[col("unit")].to_string(), "亿元");
    assert_eq!(
        r[col("value")],
        Data::Float(money.judgement.value.unwrap() / 10_000.0)
    );

    // The number formats: rates as percent numbers with a literal sign (45.25 shows
    // 45.3%, not 4525.0%), progress as a percentage or 超额完成, money and counts
    // grouped.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"#,##0.0&quot;%&quot;\""),
        "{styles}"
    );
    assert!(styles.contains("[&gt;1.000000001]&quot;超额完成&quot;;[&lt;0]-0.0%;0.0%"));
    assert!(styles.contains("formatCode=\"#,##0\""));
}

#[test]
fn every_cell_is_in_an_east_asian_font() {
    let (_dir, _folder, bytes) = workbook(Language::Zh);
    let styles = part(&bytes, "xl/styles.xml");
    let fonts = &styles[styles.find("<fonts").unwrap()..styles.find("</fonts>").unwrap()];
    let n = fonts.matches("<font>").count() + fonts.matches("<font ").count();
    assert!(n > 0);
    assert_eq!(fonts.matches("<name val=\"等线\"/>").count(), n, "{fonts}");
    assert_eq!(
        fonts.matches("<charset val=\"134\"/>").count(),
        n,
        "{fonts}"
    );
}

#[test]
fn sheets_print_on_a4_landscape_one_page_wide_with_their_headers_repeated() {
    let (_dir, _folder, bytes) = workbook(Language::Zh);
    let workbook_xml = part(&bytes, "xl/workbook.xml");
    for (i, sheet) in ["记分卡", "序列", "数据质量"].iter().enumerate() {
        assert!(
            workbook_xml.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">'{sheet}'!$1:$2</definedName>"
            )) || workbook_xml.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">{sheet}!$1:$2</definedName>"
            )),
            "{workbook_xml}"
        );
        let xml = part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 1));
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
        assert!(xml.contains("paperSize=\"9\""), "{sheet}");
        assert!(xml.contains("orientation=\"landscape\""), "{sheet}");
        assert!(xml.contains("fitToHeight=\"0\""), "{sheet}");
        assert!(
            xml.contains("<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>"),
            "{sheet}"
        );
        // Both header rows stay in view.
        assert!(xml.contains("ySplit=\"2\""), "{sheet}");
    }
}

#[test]
fn only_text_that_would_start_a_formula_is_guarded_and_no_value_gains_a_quote() {
    let (_dir, _folder, bytes) = workbook(Language::Zh);
    for sheet in ["记分卡", "序列", "数据质量"] {
        for row in rows(&bytes, sheet) {
            for cell in row {
                if let Data::String(s) = cell {
                    assert!(!s.starts_with('\''), "{sheet}: {s:?}");
                }
            }
        }
    }
    // The values of the input as they were; the formula-like ones carry the quote
    // prefix in their format.
    let validation = rows(&bytes, "数据质量");
    let values: Vec<String> = validation
        .iter()
        .skip(2)
        .map(|r| r[6].to_string())
        .collect();
    assert_eq!(values, ["=1+2", "-3", "<script>alert(1)</script>"]);
    assert_eq!(validation[2][2], Data::Float(12.0));
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""));
    // The guarded cells use that format, the others do not.
    let xml = part(&bytes, "xl/worksheets/sheet3.xml");
    // A cell's style index (none: the default format, 0).
    let style_of = |cell: &str| -> usize {
        let at = xml.find(&format!("<c r=\"{cell}\"")).unwrap();
        let tag = &xml[at..at + xml[at..].find('>').unwrap()];
        tag.find(" s=\"").map_or(0, |i| {
            let s = &tag[i + 4..];
            s[..s.find('"').unwrap()].parse().unwrap()
        })
    };
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let xf = |i: usize| xfs.split("<xf ").nth(i + 1).unwrap().to_string();
    assert!(xf(style_of("G3")).contains("quotePrefix=\"1\""));
    assert!(xf(style_of("G4")).contains("quotePrefix=\"1\""));
    assert!(!xf(style_of("G5")).contains("quotePrefix"));
}

/// Keeps the fixture's workbook and report for a person to open, when asked:
/// `CLUSTERKPI_KEEP_REPORT=/tmp/out cargo test -p clusterkpi-report --test xlsx`.
#[test]
fn keep_the_report_when_asked() {
    let Some(out) = std::env::var_os("CLUSTERKPI_KEEP_REPORT") else {
        return;
    };
    for lang in [Language::Zh, Language::En] {
        let mut eval = fixture::evaluation(true);
        eval.language = lang;
        let dest = PathBuf::from(&out).join(format!("{lang:?}"));
        let _ = fs::remove_dir_all(&dest);
        fs::create_dir_all(&dest).unwrap();
        write_report(&eval, &fixture::run("keep"), &dest).unwrap();
    }
}
