//! The county loop as a new user goes round it: `template` for one county, the form
//! filled with two rows wrong, `validate --feedback`, the feedback read, the rows
//! fixed, `ingest` accepts the file as it is.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use clusterkpi_forms::template::{PREFILLED, form_columns};

use crate::support::*;

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "{name} starts at A1");
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    d.to_string()
}

/// Fills the form as a clerk would, from the 上期数据 sheet (year-to-date figures a
/// quarter further on); `wrong` changes cells of some rows.
fn fill(template: &Path, out: &Path, wrong: &dyn Fn(usize, &str) -> Option<&'static str>) {
    let form = sheet(template, "企业季度报表");
    let prev = sheet(template, "上期数据");
    let head = prev
        .iter()
        .position(|r| text(&r[0]) == "统一社会信用代码")
        .expect("header of 上期数据");
    let prev_col: HashMap<String, usize> = prev[head]
        .iter()
        .enumerate()
        .map(|(i, h)| (text(h), i))
        .collect();
    let prev_row: HashMap<String, &Vec<Data>> =
        prev[head + 1..].iter().map(|r| (text(&r[0]), r)).collect();
    let cols = form_columns();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in form[0].iter().enumerate() {
        ws.write_string(0, c as u16, text(h)).unwrap();
    }
    for (r, row) in form.iter().enumerate().skip(1) {
        let code = text(&row[0]);
        for (c, v) in row.iter().enumerate().take(PREFILLED) {
            ws.write_string(r as u32, c as u16, text(v)).unwrap();
        }
        for (c, col) in cols.iter().enumerate().skip(PREFILLED) {
            let (r32, c16) = (r as u32, c as u16);
            if let Some(v) = wrong(r, col.name) {
                ws.write_string(r32, c16, v).unwrap();
                continue;
            }
            let last = |name: &str| match prev_row[&code][prev_col[&text(&form[0][c])]] {
                Data::Float(x) => x,
                ref other => panic!("{name}: {other:?}"),
            };
            match col.name {
                "revenue_ytd" | "output_value_ytd" | "tech_upgrade_equipment_ytd" => ws
                    .write_number(
                        r32,
                        c16,
                        (last(col.name) * 1.25 * 100.0).round() / 100.0 + 10.0,
                    ),
                "employees" => ws.write_number(r32, c16, 50.0),
                "key_processes" => ws.write_number(r32, c16, 10.0),
                "key_processes_cnc" => ws.write_number(r32, c16, 4.0),
                "innovation_platforms" | "core_tech_breakthroughs" => {
                    ws.write_number(r32, c16, 1.0)
                }
                "is_sme" | "business_info_system" | "ecommerce" => ws.write_string(r32, c16, "是"),
                "above_scale" | "digital_rnd_tools" => ws.write_string(r32, c16, "否"),
                "specialized_level" | "green_factory_level" => ws.write_string(r32, c16, "省级"),
                _ => ws.write_string(r32, c16, "无"),
            }
            .unwrap();
        }
    }
    wb.save(out).unwrap();
}

fn part(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn a_county_fills_its_template_gets_feedback_fixes_it_and_it_is_accepted() {
    let w = Work::new();
    w.generate("city", 120, "2025Q1", "2025Q2", false);
    w.write(
        "pipeline.toml",
        "[pipeline]\nclusters = \"city/reference/clusters.csv\"\nroster = \"city/reference/roster.csv\"\nlake = \"lake\"\nout = \"reports\"\n",
    );
    let mut files = vec![
        "city/reference/clusters.csv".to_string(),
        "city/reference/roster.csv".to_string(),
    ];
    for q in ["2025Q1", "2025Q2"] {
        for e in std::fs::read_dir(w.path(&format!("city/inbox/{q}"))).unwrap() {
            files.push(e.unwrap().path().display().to_string());
        }
    }
    let mut args = vec!["ingest", "--pipeline", "pipeline.toml", "-q"];
    args.extend(files.iter().map(String::as_str));
    let r = w.run(&args);
    assert_eq!(r.code, 0, "{r:?}");

    let r = w.run(&[
        "template",
        "--pipeline",
        "pipeline.toml",
        "--period",
        "2025Q3",
        "--county",
        "辛集市",
        "--out",
        "forms",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let template = w.path("forms/辛集市_2025年三季度_企业季度报表.xlsx");
    assert!(
        r.stdout.contains("with figures accepted for 2025 Q2"),
        "{r:?}"
    );

    // Two rows filled wrongly: a negative revenue, a level the column does not have.
    let cols = form_columns();
    let at = |name: &str| cols.iter().position(|c| c.name == name).unwrap();
    let wrong = |r: usize, name: &str| match (r, name) {
        (3, "revenue_ytd") => Some("-5"),
        (6, "specialized_level") => Some("市级"),
        _ => None,
    };
    let filled = w.path("辛集市2025Q3.xlsx");
    fill(&template, &filled, &wrong);
    let r = w.run(&[
        "validate",
        "--pipeline",
        "pipeline.toml",
        "--feedback",
        "feedback",
        filled.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 65, "{r:?}");
    let feedback = w.path("feedback/辛集市2025Q3.xlsx.反馈.xlsx");
    assert!(
        r.stdout
            .contains("feedback: feedback/辛集市2025Q3.xlsx.反馈.xlsx"),
        "{r:?}"
    );
    let comments = part(&feedback, "xl/comments1.xml");
    let cell = |col: usize, row: u32| {
        format!(
            "{}{row}",
            rust_xlsxwriter::column_number_to_name(col as u16)
        )
    };
    let refs: Vec<&str> = comments
        .split("<comment ref=\"")
        .skip(1)
        .map(|c| &c[..c.find('"').unwrap()])
        .collect();
    assert_eq!(
        refs,
        vec![cell(at("revenue_ytd"), 4), cell(at("specialized_level"), 7)]
    );
    assert!(
        comments.contains("E_RANGE：") && comments.contains("E_ENUM："),
        "{comments}"
    );
    let summary: String = sheet(&feedback, "反馈摘要")
        .iter()
        .flatten()
        .map(text)
        .collect();
    // Two of 28 rows is above the 5% a file may have: the whole file comes back.
    assert!(
        summary.contains("拒收") && summary.contains("行有错误"),
        "{summary}"
    );

    // Fixed, the same file is accepted as it is, with no warning.
    fill(&template, &filled, &|_, _| None);
    let r = w.run(&[
        "ingest",
        "--pipeline",
        "pipeline.toml",
        filled.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("1 accepted, 0 with warnings"), "{r:?}");
    assert_eq!(
        w.sql_value("SELECT COUNT(*) FROM reports WHERE period = '2025Q3'"),
        "28"
    );
}

/// A scheduled `run` with one county's file wrong writes that file's feedback beside
/// the report folders, where the next run's publishing of the report leaves it, with
/// the bad cell noted; files accepted get none.
#[test]
fn a_run_writes_feedback_on_the_file_it_rejects() {
    let w = Work::new();
    w.generate(".", 150, "2025Q1", "2025Q4", false);
    // The English-headed UTF-8 file of 栾城区: its second row's revenue made negative.
    let name = "luancheng-2025Q4.csv";
    let csv = w.read(&format!("inbox/2025Q4/{name}"));
    assert!(csv.starts_with("credit_code,period,revenue_ytd,"), "{csv}");
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[2].split(',').collect();
    cells[2] = "-5";
    lines[2] = cells.join(",");
    w.write(&format!("inbox/2025Q4/{name}"), lines.join("\n") + "\n");
    let p = w.pipeline();
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2025Q4"]);
    assert_eq!(
        r.code, 65,
        "one row of seven is above the 5% a file may have: {r:?}"
    );
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("feedback for 1 file: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(line.ends_with("reports/feedback/2025Q4"), "{line}");
    let written: Vec<String> = std::fs::read_dir(w.path("reports/feedback/2025Q4"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, vec![format!("{name}.反馈.xlsx")]);
    let feedback = w.path(&format!("reports/feedback/2025Q4/{name}.反馈.xlsx"));
    let comments = part(&feedback, "xl/comments1.xml");
    let refs: Vec<&str> = comments
        .split("<comment ref=\"")
        .skip(1)
        .map(|c| &c[..c.find('"').unwrap()])
        .collect();
    // Column C (revenue_ytd) of the file's third line, as in the file.
    assert_eq!(refs, vec!["C3"], "{comments}");
    assert!(comments.contains("E_RANGE："), "{comments}");
    let data = sheet(&feedback, "数据");
    assert_eq!(text_of(&data[2][2]), "-5");
    let summary: String = sheet(&feedback, "反馈摘要")
        .iter()
        .flatten()
        .map(text)
        .collect();
    assert!(summary.contains("拒收"), "{summary}");

    // The next run leaves it (the rejected file is not read again) and publishes the
    // report over the quarter's folder as before.
    let r = w.run(&["run", p.to_str().unwrap(), "--period", "2025Q4"]);
    assert_eq!(r.code, 65, "{r:?}");
    assert!(feedback.exists());
    assert!(w.path("reports/2025Q4/report.html").exists());
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Float(x) => x.to_string(),
        other => other.to_string(),
    }
}
