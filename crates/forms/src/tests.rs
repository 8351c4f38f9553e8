//! Workbooks written, read back (calamine for values, the xlsx XML for what calamine
//! does not read: validations, protection, comments, fills, print setup) and, for the
//! template, filled and ingested by the real validator.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use clusterkpi_ingest::{
    Collect, FileResult, InputKind, Options, Outcome, PriorYtd, Record, References, ReportRow,
};
use clusterkpi_model::{Code, Language, Period};

use crate::previous::Figures;
use crate::template::{self, Enterprise, PREFILLED, Template, form_columns};
use crate::{feedback, template::header};

/// A small synthetic city: its roster by county, cluster names as shown.
fn city(dir: &Path) -> (BTreeMap<String, Vec<Enterprise>>, HashSet<String>) {
    let opts = clusterkpi_synth::Options {
        enterprises: 120,
        from: Period::new(2025, 1).unwrap(),
        to: Period::new(2025, 1).unwrap(),
        ..clusterkpi_synth::Options::default()
    };
    clusterkpi_synth::generate(dir, &opts).unwrap();
    let read = |name: &str| {
        let mut sink = Collect::default();
        let p = dir.join("reference").join(name);
        let r = clusterkpi_ingest::process(
            &p,
            name,
            &Options::default(),
            &References::default(),
            &mut |_| PriorYtd::default(),
            &mut sink,
        );
        assert!(r.outcome.ingests_rows(), "{r:?}");
        sink.0
    };
    let names: HashMap<String, String> = read("clusters.csv")
        .into_iter()
        .filter_map(|r| match r {
            Record::Cluster(c) => Some((c.cluster_id, c.name)),
            _ => None,
        })
        .collect();
    let mut by_county: BTreeMap<String, Vec<Enterprise>> = BTreeMap::new();
    let mut codes = HashSet::new();
    for r in read("roster.csv") {
        if let Record::Roster(e) = r {
            codes.insert(e.credit_code.clone());
            by_county.entry(e.county).or_default().push(Enterprise {
                credit_code: e.credit_code,
                name: e.name,
                cluster: names[&e.cluster_id].clone(),
            });
        }
    }
    (by_county, codes)
}

fn report(code: &str, period: Period, i: usize) -> ReportRow {
    let levels = ["none", "provincial", "national"];
    ReportRow {
        credit_code: code.to_string(),
        period,
        revenue_ytd: 1000.5 + i as f64 * 10.25,
        output_value_ytd: 900.0 + i as f64,
        employees: (!i.is_multiple_of(3)).then_some(20 + i as i64),
        is_sme: i.is_multiple_of(2),
        above_scale: i.is_multiple_of(3),
        specialized_level: levels[i % 3],
        key_processes: 5 + (i % 4) as i64,
        key_processes_cnc: (i % 5) as i64,
        business_info_system: i % 2 == 1,
        digital_rnd_tools: true,
        ecommerce: false,
        design_center_level: ["none", "municipal", "provincial", "national"][i % 4],
        innovation_platforms: (i % 2) as i64,
        green_factory_level: levels[(i + 1) % 3],
        tech_upgrade_equipment_ytd: 12.75 * i as f64,
        innovation_demo_level: levels[(i + 2) % 3],
        listing_status: ["none", "reserve", "listed"][i % 3],
        core_tech_breakthroughs: (i % 3) as i64,
        line: 0,
    }
}

fn read_sheet(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    // Rows from A1, so row i of the vector is sheet row i + 1.
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut out = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut v = vec![Data::Empty; c0 as usize];
        v.extend(row.iter().cloned());
        out.push(v);
    }
    out
}

fn sheet_names(path: &Path) -> Vec<String> {
    let wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.sheet_names()
}

/// A part of the xlsx package as text.
fn part(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The `<xf>` of `<cellXfs>` a cell uses.
fn cell_xf(path: &Path, sheet: &str, cell: &str) -> String {
    let xml = part(path, sheet);
    let at = xml.find(&format!("<c r=\"{cell}\"")).expect("cell written");
    let tag = &xml[at..at + xml[at..].find('>').unwrap()];
    let s: usize = tag
        .split(" s=\"")
        .nth(1)
        .map_or(0, |t| t[..t.find('"').unwrap()].parse().unwrap());
    let styles = part(path, "xl/styles.xml");
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let mut rest = &xfs[xfs.find('>').unwrap() + 1..];
    let mut n = 0;
    loop {
        let start = rest.find("<xf ").unwrap();
        rest = &rest[start..];
        let end = if rest[..rest.find('>').unwrap()].ends_with('/') {
            rest.find('>').unwrap() + 1
        } else {
            rest.find("</xf>").unwrap() + 5
        };
        if n == s {
            return rest[..end].to_string();
        }
        rest = &rest[end..];
        n += 1;
    }
}

/// The fill colour (RRGGBB) of a fill id in styles.xml.
fn fill_colour(path: &Path, xf: &str) -> Option<String> {
    let id: usize = xf
        .split("fillId=\"")
        .nth(1)?
        .split('"')
        .next()?
        .parse()
        .ok()?;
    let styles = part(path, "xl/styles.xml");
    let fills = &styles[styles.find("<fills").unwrap()..styles.find("</fills>").unwrap()];
    let fill = fills.split("<fill>").nth(id + 1)?;
    let rgb = fill.split("fgColor rgb=\"").nth(1)?;
    Some(rgb[2..8].to_string())
}

fn q(y: i32, n: u8) -> Period {
    Period::new(y, n).unwrap()
}

/// The county with the most enterprises.
fn biggest(by_county: &BTreeMap<String, Vec<Enterprise>>) -> (&String, &Vec<Enterprise>) {
    by_county.iter().max_by_key(|(_, v)| v.len()).unwrap()
}

/// Writes a filled copy of a template: the pre-filled cells as read back, and each
/// enterprise's inputs as a county would type them (numbers as numbers).
fn fill(
    template: &Path,
    out: &Path,
    rows: &[ReportRow],
    lang: Language,
    edit: &dyn Fn(usize, &mut Vec<String>),
) {
    let form = &sheet_names(template)[0];
    let cells = read_sheet(template, form);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in cells.iter().enumerate() {
        for (c, v) in row
            .iter()
            .enumerate()
            .take(PREFILLED.max(if r == 0 { row.len() } else { 0 }))
        {
            if let Data::String(s) = v {
                ws.write_string(r as u32, c as u16, s).unwrap();
            }
        }
        if r == 0 {
            continue;
        }
        let mut inputs = template::inputs_of(&rows[r - 1], lang);
        edit(r, &mut inputs);
        for (k, v) in inputs.iter().enumerate() {
            let c = (PREFILLED + k) as u16;
            match v.parse::<f64>() {
                Ok(n) => ws.write_number(r as u32, c, n).unwrap(),
                Err(_) if v.is_empty() => ws,
                Err(_) => ws.write_string(r as u32, c, v).unwrap(),
            };
        }
    }
    wb.save(out).unwrap();
}

fn ingest(path: &Path, codes: &HashSet<String>) -> FileResult {
    let refs = References {
        roster: Some(codes.iter().cloned().collect()),
        ..References::default()
    };
    clusterkpi_ingest::process(
        path,
        &path.display().to_string(),
        &Options::default(),
        &refs,
        &mut |_| PriorYtd::default(),
        &mut Collect::default(),
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    county: String,
    enterprises: Vec<Enterprise>,
    /// Every enterprise of the city (a file large enough for two bad rows to stay
    /// under the rejection threshold).
    everyone: Vec<Enterprise>,
    codes: HashSet<String>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let (by_county, codes) = city(&root.join("city"));
    let (county, enterprises) = biggest(&by_county);
    Fixture {
        everyone: by_county.values().flatten().cloned().collect(),
        county: county.clone(),
        enterprises: enterprises.clone(),
        codes,
        root,
        _dir: dir,
    }
}

fn previous_of(f: &Fixture, period: Period) -> Figures {
    f.enterprises
        .iter()
        .enumerate()
        .skip(1) // the first enterprise did not report last quarter
        .map(|(i, e)| {
            let mut r = report(&e.credit_code, period, i);
            r.revenue_ytd /= 2.0;
            (e.credit_code.clone(), r)
        })
        .collect()
}

#[test]
fn a_filled_template_is_accepted_without_a_warning() {
    let f = fixture();
    let period = q(2025, 3);
    for lang in [Language::Zh, Language::En] {
        let prev = previous_of(&f, period.prev());
        let t = Template {
            county: &f.county,
            period,
            enterprises: &f.enterprises,
            previous: Some(&prev),
            language: lang,
        };
        let path = template::write(&t, &f.root.join(format!("{lang:?}"))).unwrap();
        let rows: Vec<ReportRow> = f
            .enterprises
            .iter()
            .enumerate()
            .map(|(i, e)| report(&e.credit_code, period, i))
            .collect();
        let filled = f.root.join(format!("filled-{lang:?}.xlsx"));
        fill(&path, &filled, &rows, lang, &|_, _| {});
        let r = ingest(&filled, &f.codes);
        assert_eq!(r.kind, Some(InputKind::Reports), "{lang:?}");
        assert_eq!(r.outcome, Outcome::Accepted, "{lang:?}: {:#?}", r.issues);
        assert_eq!(r.warnings, 0);
        assert_eq!(r.rows_accepted, f.enterprises.len() as u64);
        assert_eq!(r.periods.iter().copied().collect::<Vec<_>>(), vec![period]);
    }
}

/// Enterprises that did not report keep their rows as sent out (only the pre-filled
/// cells): the file is accepted with a warning per row, not rejected; a template sent
/// back untouched reports nothing and is rejected saying so.
#[test]
fn a_template_with_rows_left_blank_is_accepted_with_warnings() {
    let f = fixture();
    assert!(
        f.enterprises.len() >= 3,
        "the fixture's county is large enough"
    );
    let period = q(2025, 3);
    let t = Template {
        county: &f.county,
        period,
        enterprises: &f.enterprises,
        previous: None,
        language: Language::Zh,
    };
    let path = template::write(&t, &f.root.join("blank")).unwrap();
    let rows: Vec<ReportRow> = f
        .enterprises
        .iter()
        .enumerate()
        .map(|(i, e)| report(&e.credit_code, period, i))
        .collect();
    let filled = f.root.join("blank-rows.xlsx");
    // Sheet rows 2 and 3 (the first two enterprises) left as sent out.
    fill(&path, &filled, &rows, Language::Zh, &|r, inputs| {
        if r <= 2 {
            inputs.iter_mut().for_each(String::clear);
        }
    });
    let r = ingest(&filled, &f.codes);
    assert_eq!(r.outcome, Outcome::AcceptedWithWarnings, "{:#?}", r.issues);
    assert_eq!(r.rows_accepted, f.enterprises.len() as u64 - 2);
    assert_eq!((r.rows_quarantined, r.warnings), (0, 2));
    let blank: Vec<(u64, &str)> = r
        .issues
        .iter()
        .map(|i| (i.line, i.value.as_str()))
        .collect();
    assert_eq!(
        blank,
        vec![
            (2, f.enterprises[0].credit_code.as_str()),
            (3, f.enterprises[1].credit_code.as_str())
        ]
    );
    assert!(r.issues.iter().all(|i| i.code == Code::W_BLANK_ROW));

    let untouched = ingest(&path, &f.codes);
    assert_eq!(untouched.outcome, Outcome::Rejected);
    assert_eq!(untouched.rows_read, 0);
    assert_eq!(untouched.warnings, f.enterprises.len() as u64);
    assert_eq!(untouched.issues.last().unwrap().code, Code::E_NO_ROWS);
}

#[test]
fn the_template_names_every_enterprise_under_the_contracts_headers() {
    let f = fixture();
    let t = Template {
        county: &f.county,
        period: q(2025, 4),
        enterprises: &f.enterprises,
        previous: None,
        language: Language::Zh,
    };
    let path = template::write(&t, &f.root).unwrap();
    assert_eq!(
        path.file_name().unwrap().to_string_lossy(),
        format!("{}_2025年四季度_企业季度报表.xlsx", f.county)
    );
    assert_eq!(sheet_names(&path), ["企业季度报表", "填报说明", "上期数据"]);
    let rows = read_sheet(&path, "企业季度报表");
    let head: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(
        &head[..4],
        ["统一社会信用代码", "企业名称", "所属集群", "报告期"]
    );
    assert!(
        head.contains(&"营业收入（本年累计）（万元）".to_string()),
        "{head:?}"
    );
    assert!(head.contains(&"从业人员（人）".to_string()), "{head:?}");
    for h in &head {
        assert!(
            clusterkpi_ingest::schema::match_header(InputKind::Reports, h).is_some(),
            "{h}"
        );
    }
    assert_eq!(rows.len(), f.enterprises.len() + 1);
    for (row, e) in rows[1..].iter().zip(&f.enterprises) {
        assert_eq!(row[0].to_string(), e.credit_code);
        assert_eq!(row[1].to_string(), e.name);
        assert_eq!(row[2].to_string(), e.cluster);
        assert_eq!(row[3].to_string(), "2025年四季度");
    }
    // Every form column is explained on the 填报说明 sheet, under the same header.
    let guide = read_sheet(&path, "填报说明");
    let explained: Vec<String> = guide
        .iter()
        .filter_map(|r| r.first())
        .map(ToString::to_string)
        .collect();
    for c in form_columns() {
        assert!(explained.contains(&header(c, Language::Zh)), "{}", c.name);
    }
    let text: String = guide.iter().flatten().map(ToString::to_string).collect();
    assert!(text.contains("无、省级、国家级"), "levels listed");
    assert!(
        text.contains("本年累计（2025年全年）"),
        "year-to-date meaning"
    );
    // No dataset: the previous-quarter sheet says so.
    let prev: String = read_sheet(&path, "上期数据")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert!(prev.contains("没有找到数据集"), "{prev}");
}

#[test]
fn the_form_validates_every_input_cell_and_locks_the_rest() {
    let f = fixture();
    let n = f.enterprises.len();
    let t = Template {
        county: &f.county,
        period: q(2025, 2),
        enterprises: &f.enterprises,
        previous: Some(&HashMap::new()),
        language: Language::Zh,
    };
    let path = template::write(&t, &f.root).unwrap();
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    // One validation per input column over every enterprise's row, with messages.
    let inputs = form_columns().len() - PREFILLED;
    let validations: Vec<&str> = sheet.split("<dataValidation ").skip(1).collect();
    assert_eq!(validations.len(), inputs, "{sheet}");
    let last = rust_xlsxwriter::column_number_to_name((form_columns().len() - 1) as u16);
    for v in &validations {
        assert!(
            v.contains("promptTitle=") && v.contains("errorTitle="),
            "{v}"
        );
        assert!(
            v.contains("2:") && v.contains(&format!("{}\"", n + 1)),
            "{v}"
        );
    }
    assert!(sheet.contains("<formula1>\"是,否\"</formula1>"));
    assert!(sheet.contains("<formula1>\"无,省级,国家级\"</formula1>"));
    assert!(sheet.contains("<formula1>\"无,后备,已上市\"</formula1>"));
    assert!(sheet.contains("type=\"decimal\""));
    assert!(sheet.contains("type=\"whole\""));
    let cnc = validations
        .iter()
        .find(|v| v.contains("数控化关键工序数"))
        .unwrap();
    assert!(
        cnc.contains("type=\"custom\"") && cnc.contains("&lt;="),
        "{cnc}"
    );
    // Protected without a password; frozen below the header; A4 landscape, header repeated.
    assert!(sheet.contains("<sheetProtection") && !sheet.contains("password"));
    assert!(sheet.contains("state=\"frozen\""));
    assert!(sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""));
    assert!(part(&path, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
    // Header and pre-filled cells locked, input cells open.
    assert!(!cell_xf(&path, "xl/worksheets/sheet1.xml", "A1").contains("locked=\"0\""));
    assert!(!cell_xf(&path, "xl/worksheets/sheet1.xml", "B2").contains("locked=\"0\""));
    assert!(cell_xf(&path, "xl/worksheets/sheet1.xml", "E2").contains("locked=\"0\""));
    assert!(
        cell_xf(
            &path,
            "xl/worksheets/sheet1.xml",
            &format!("{last}{}", n + 1)
        )
        .contains("locked=\"0\"")
    );
}

#[test]
fn last_quarters_figures_are_shown_and_bound_the_year_to_date() {
    let f = fixture();
    let period = q(2025, 3);
    let prev = previous_of(&f, period.prev());
    let t = Template {
        county: &f.county,
        period,
        enterprises: &f.enterprises,
        previous: Some(&prev),
        language: Language::Zh,
    };
    let path = template::write(&t, &f.root).unwrap();
    let rows = read_sheet(&path, "上期数据");
    let head = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| *c == "统一社会信用代码"))
        .unwrap();
    let revenue = rows[head]
        .iter()
        .position(|c| c.to_string().starts_with("营业收入"))
        .unwrap();
    let first = &rows[head + 1];
    assert_eq!(first[0].to_string(), f.enterprises[0].credit_code);
    assert_eq!(first[2].to_string(), "未报送");
    let second = &rows[head + 2];
    assert_eq!(second[2].to_string(), "2025年二季度");
    assert_eq!(
        second[revenue],
        Data::Float(prev[&f.enterprises[1].credit_code].revenue_ytd)
    );
    // The revenue cell of the second enterprise warns below last quarter's figure.
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    let col = rust_xlsxwriter::column_number_to_name(
        form_columns()
            .iter()
            .position(|c| c.name == "revenue_ytd")
            .unwrap() as u16,
    );
    let v = sheet
        .split("<dataValidation ")
        .find(|v| v.contains(&format!("sqref=\"{col}3\"")))
        .expect("a validation of its own");
    assert!(v.contains("errorStyle=\"warning\""), "{v}");
    let floor = prev[&f.enterprises[1].credit_code].revenue_ytd;
    assert!(v.contains(&format!("<formula1>{floor}</formula1>")), "{v}");
}

/// A county's 2025Q3 file as a CSV with the form's Chinese headers, a row per
/// enterprise of the fixture filled with its report, `wrong` changing row i's inputs.
fn county_csv(f: &Fixture, wrong: impl Fn(usize, &mut Vec<String>)) -> String {
    let period = q(2025, 3);
    let mut csv = form_columns()
        .iter()
        .map(|c| header(c, Language::Zh))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for (i, e) in f.everyone.iter().enumerate() {
        let mut inputs = template::inputs_of(&report(&e.credit_code, period, i), Language::Zh);
        wrong(i, &mut inputs);
        csv.push_str(&format!(
            "{},{},{},2025年三季度,{}\n",
            e.credit_code,
            e.name,
            e.cluster,
            inputs.join(",")
        ));
    }
    csv
}

/// The feedback workbook (in Chinese, its data sheet holding `data_rows` lines) on the
/// file `name` of `bytes`, which ingestion accepts in part.
fn partial_feedback(f: &Fixture, name: &str, bytes: &[u8], data_rows: u64) -> PathBuf {
    let src = f.root.join(name);
    std::fs::write(&src, bytes).unwrap();
    let r = ingest(&src, &f.codes);
    assert_eq!(r.outcome, Outcome::PartiallyAccepted, "{:#?}", r.issues);
    let fb = f.root.join("fb");
    feedback::write_rows(&fb, &src, &r, &Options::default(), Language::Zh, data_rows).unwrap()
}

/// A county's GBK CSV with two rows filled wrongly (a negative revenue, a yes/no typed as
/// 有) and one warning-free row otherwise: the feedback marks exactly those cells.
#[test]
fn feedback_marks_the_bad_cells_of_a_csv() {
    let f = fixture();
    let csv = county_csv(&f, |i, inputs| {
        if i == 3 {
            inputs[0] = "-5".into(); // revenue
        }
        if i == 7 {
            inputs[3] = "有".into(); // is_sme
        }
    });
    // In GBK, as many county offices still save CSV.
    let out = partial_feedback(
        &f,
        "县报表.csv",
        &encoding_rs::GBK.encode(&csv).0,
        feedback::DATA_ROWS,
    );
    assert_eq!(
        out.file_name().unwrap().to_string_lossy(),
        "县报表.csv.反馈.xlsx"
    );
    assert_eq!(sheet_names(&out), ["数据", "反馈摘要", "问题清单"]);
    // Rows as in the file, on the same lines.
    let data = read_sheet(&out, "数据");
    assert_eq!(data[0][0].to_string(), "统一社会信用代码");
    assert_eq!(data[5][0].to_string(), f.everyone[4].credit_code);
    assert_eq!(data[4][PREFILLED], Data::Float(-5.0));
    assert_eq!(
        data[5][1].to_string(),
        f.everyone[4].name,
        "decoded from GBK"
    );
    // Comments on exactly the two cells, with code and message.
    let comments = part(&out, "xl/comments1.xml");
    let refs: Vec<&str> = comments
        .split("<comment ref=\"")
        .skip(1)
        .map(|c| &c[..c.find('"').unwrap()])
        .collect();
    let sme = rust_xlsxwriter::column_number_to_name((PREFILLED + 3) as u16);
    assert_eq!(refs, vec!["E5".to_string(), format!("{sme}9")]);
    assert!(
        comments.contains("E_RANGE：") && comments.contains("E_BOOL："),
        "{comments}"
    );
    // The two cells in the error colour; a fine cell plain.
    let error =
        clusterkpi_model::display::palette::status(clusterkpi_model::Status::Missed).bare_hex();
    assert_eq!(
        fill_colour(&out, &cell_xf(&out, "xl/worksheets/sheet1.xml", "E5")),
        Some(error.clone())
    );
    assert_eq!(
        fill_colour(
            &out,
            &cell_xf(&out, "xl/worksheets/sheet1.xml", &format!("{sme}9"))
        ),
        Some(error)
    );
    assert_eq!(
        fill_colour(&out, &cell_xf(&out, "xl/worksheets/sheet1.xml", "E6")),
        None
    );
    // The summary: outcome, counts per code, what to do.
    let summary: Vec<String> = read_sheet(&out, "反馈摘要")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    for want in [
        "部分接收（有错误的行未接收）",
        "E_RANGE",
        "E_BOOL",
        "下一步",
        "问题统计",
    ] {
        assert!(
            summary.iter().any(|s| s.contains(want)),
            "{want}: {summary:?}"
        );
    }
    assert!(
        summary.iter().any(|s| s.contains("行未接收")),
        "{summary:?}"
    );
    // A Chinese summary has no English word (codes and format names aside).
    for s in &summary {
        let words = s
            .split(|c: char| !c.is_ascii_alphabetic() && c != '_')
            .filter(|w| w.len() > 1 && !w.starts_with("E_") && !w.starts_with("W_"))
            .filter(|w| !["CSV", "UTF", "GB", "GBK", "Excel", "xlsx", "csv"].contains(w))
            .collect::<Vec<_>>();
        assert!(words.is_empty(), "{s}");
    }
}

/// A file longer than the data sheet's copy: the sheet holds its first lines, the
/// summary says where the copy stops, and a problem beyond it is still listed with its
/// line.
#[test]
fn feedback_on_a_long_file_copies_its_first_lines() {
    let f = fixture();
    let csv = county_csv(&f, |i, inputs| {
        if i == 7 {
            inputs[0] = "-5".into(); // revenue, on line 9
        }
    });
    let out = partial_feedback(&f, "长文件.csv", csv.as_bytes(), 5);
    let data = read_sheet(&out, "数据");
    assert_eq!(data.len(), 5, "{data:?}");
    assert_eq!(data[0][0].to_string(), "统一社会信用代码");
    assert_eq!(data[4][0].to_string(), f.everyone[3].credit_code);
    // The header row as tall as in a whole copy, though written before the rest.
    let sheet = part(&out, "xl/worksheets/sheet1.xml");
    let first_row = &sheet[sheet.find("<row r=\"1\"").unwrap()..];
    let first_row = &first_row[..first_row.find('>').unwrap()];
    assert!(first_row.contains("ht=\"60\""), "{first_row}");
    let summary: Vec<String> = read_sheet(&out, "反馈摘要")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert!(
        summary.iter().any(|s| s.contains("只抄录了前 5 行")),
        "{summary:?}"
    );
    // The problem beyond the copy is not one of "too many" left without a comment.
    assert!(
        !summary.iter().any(|s| s.contains("问题过多")),
        "{summary:?}"
    );
    let problems = read_sheet(&out, "问题清单");
    assert!(
        problems
            .iter()
            .any(|row| row[0] == Data::Float(9.0) && row[2].to_string() == "E_RANGE"),
        "{problems:?}"
    );
}

#[test]
fn feedback_on_a_workbook_in_english() {
    let f = fixture();
    let period = q(2025, 3);
    let t = Template {
        county: &f.county,
        period,
        enterprises: &f.enterprises,
        previous: None,
        language: Language::Zh,
    };
    let path = template::write(&t, &f.root).unwrap();
    let rows: Vec<ReportRow> = f
        .enterprises
        .iter()
        .enumerate()
        .map(|(i, e)| report(&e.credit_code, period, i))
        .collect();
    let filled = f.root.join("filled.xlsx");
    let kp = form_columns()
        .iter()
        .position(|c| c.name == "key_processes")
        .unwrap()
        - PREFILLED;
    fill(&path, &filled, &rows, Language::Zh, &|r, inputs| {
        if r == 2 {
            inputs[kp + 1] = "99".into(); // CNC above key processes
        }
    });
    let r = ingest(&filled, &f.codes);
    assert_eq!(r.outcome, Outcome::PartiallyAccepted, "{:#?}", r.issues);
    let out = feedback::write(
        &f.root.join("fb"),
        &filled,
        &r,
        &Options::default(),
        Language::En,
    )
    .unwrap();
    assert_eq!(
        out.file_name().unwrap().to_string_lossy(),
        "filled.xlsx.feedback.xlsx"
    );
    assert_eq!(sheet_names(&out), ["Data", "Summary", "Problems"]);
    let comments = part(&out, "xl/comments1.xml");
    let cnc = rust_xlsxwriter::column_number_to_name((PREFILLED + kp + 1) as u16);
    assert!(
        comments.contains(&format!("<comment ref=\"{cnc}3\"")),
        "{comments}"
    );
    assert!(comments.contains("E_CNC_EXCEEDS: CNC key processes 99 exceed key processes"));
    let summary: String = read_sheet(&out, "Summary")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert!(summary.contains("partially accepted"));
    assert!(
        !summary
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{summary}"
    );
    // The feedback's data sheet is the file as sent: fixed, it is a reports file again.
    let again = ingest(&out, &f.codes);
    assert_eq!(again.kind, Some(InputKind::Reports));
    assert_eq!(again.rows_read, r.rows_read);
}

#[test]
fn feedback_on_an_unreadable_file_explains_the_rejection() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("报表.xlsx");
    std::fs::write(&src, "统一社会信用代码,报告期\n").unwrap();
    let r = ingest(&src, &HashSet::new());
    assert_eq!(r.outcome, Outcome::Rejected);
    let out = feedback::write(dir.path(), &src, &r, &Options::default(), Language::Zh).unwrap();
    let summary: String = read_sheet(&out, "反馈摘要")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert!(
        summary.contains("拒收") && summary.contains("文件无法读取"),
        "{summary}"
    );
    let list: String = read_sheet(&out, "问题清单")
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert!(
        list.contains("E_FORMAT") && list.contains("整个文件"),
        "{list}"
    );
}
