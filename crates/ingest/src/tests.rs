//! Tests of whole-file processing: outcomes, quarantine records, thresholds.

use super::*;
use crate::value::credit_check_char;
use std::collections::HashMap;

const HEADER_ZH: &str = "统一社会信用代码,报告期,营业收入（万元）,工业总产值（万元）,从业人员数,是否中小企业,是否规上企业,专精特新,关键工序数,数控化关键工序数,应用业务信息系统,应用数字化研发设计工具,开展电子商务,工业设计中心,省级以上科技创新平台数,绿色工厂,技改设备购置额（万元）,技术创新示范企业,上市情况,攻克关键核心技术数";

pub(crate) fn code(n: u32) -> String {
    let first = format!("91130100MA{n:07}");
    format!("{first}{}", credit_check_char(&first).unwrap())
}

fn row(n: u32, period: &str, revenue: &str) -> String {
    format!(
        "{},{period},\"{revenue}\",\"1,200.5\",30,是,否,无,10,6,Y,N,√,无,1,省级,100,无,后备,0",
        code(n)
    )
}

fn opts() -> Options {
    Options {
        today: Date {
            year: 2026,
            month: 11,
            day: 29,
        },
        ..Options::default()
    }
}

fn refs(n: u32) -> References {
    References {
        roster: Some((0..n).map(code).collect()),
        ..References::default()
    }
}

/// A sink that holds the ingest to what it told: the rows to expect, before the
/// first, and no more rows than that.
#[derive(Default)]
struct Told {
    told: Option<usize>,
    rows: Vec<Record>,
}

impl Sink for Told {
    fn expect_rows(&mut self, rows: usize) {
        assert!(
            self.told.is_none() && self.rows.is_empty(),
            "told once, first"
        );
        self.told = Some(rows);
    }

    fn accept(&mut self, record: Record) -> std::io::Result<()> {
        let told = self.told.expect("told before the first row");
        assert!(self.rows.len() < told, "more rows than the {told} told");
        self.rows.push(record);
        Ok(())
    }
}

/// Processes a file as the ingest does, and again with none of its rows kept from
/// pass 1 (as a file too large to keep is read): both ways give the same outcome,
/// problems and records, and tell the sink as many rows to expect.
fn run(dir: &Path, name: &str, bytes: &[u8], refs: &References) -> (FileResult, Vec<Record>) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let each = |opts: &Options| {
        let mut sink = Told::default();
        let r = process(
            &p,
            name,
            opts,
            refs,
            &mut |_| PriorYtd::default(),
            &mut sink,
        );
        (r, sink.rows, sink.told)
    };
    let (kept, records, told) = each(&opts());
    let (streamed, streamed_records, streamed_told) = each(&Options {
        keep_bytes: 0,
        ..opts()
    });
    assert_eq!(told, streamed_told, "{name}");
    assert_eq!(format!("{kept:?}"), format!("{streamed:?}"), "{name}");
    assert_eq!(
        format!("{records:?}"),
        format!("{streamed_records:?}"),
        "{name}"
    );
    (kept, records)
}

fn codes(r: &FileResult) -> Vec<(u64, Code)> {
    r.issues.iter().map(|i| (i.line, i.code)).collect()
}

#[test]
fn a_gbk_file_with_chinese_headers_is_accepted_with_every_value_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER_ZH}\n{}\n{}\n",
        row(1, "2024年第三季度", "1,000"),
        row(2, "2024-09", "２０００")
    );
    let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
    let (r, recs) = run(dir.path(), "county.csv", &gbk, &refs(5));
    assert_eq!(r.outcome, Outcome::Accepted, "{:#?}", r.issues);
    assert_eq!((r.rows_read, r.rows_accepted), (2, 2));
    let Record::Report(first) = &recs[0] else {
        panic!()
    };
    assert_eq!(first.period.to_string(), "2024Q3");
    assert_eq!(first.revenue_ytd, 1000.0);
    assert_eq!(first.output_value_ytd, 1200.5);
    assert_eq!(
        (first.is_sme, first.above_scale, first.ecommerce),
        (true, false, true)
    );
    assert_eq!(
        (first.green_factory_level, first.listing_status),
        ("provincial", "reserve")
    );
    let Record::Report(second) = &recs[1] else {
        panic!()
    };
    assert_eq!(second.revenue_ytd, 2000.0);
}

#[test]
fn bad_rows_are_quarantined_with_line_column_code_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER_ZH.to_string()];
    for n in 0..40 {
        lines.push(row(n, "2024Q3", "100"));
    }
    lines[3] = row(2, "2024Q3", "--"); // line 4: E_NUMBER
    lines[5] = lines[5].replace(",10,6,", ",5,6,"); // line 6: E_CNC_EXCEEDS
    // 2 bad rows of 40 is exactly 5%, which is allowed; 41 rows keeps it below.
    let mut lines2 = lines.clone();
    lines2.push(row(40, "2024Q3", "100"));
    let text = lines2.join("\n") + "\n";
    let (r, recs) = run(dir.path(), "g.csv", text.as_bytes(), &refs(41));
    assert_eq!(r.outcome, Outcome::PartiallyAccepted, "{:#?}", r.issues);
    assert_eq!(
        (r.rows_read, r.rows_accepted, r.rows_quarantined),
        (41, 39, 2)
    );
    assert_eq!(recs.len(), 39);
    assert_eq!(
        codes(&r),
        vec![(4, Code::E_NUMBER), (6, Code::E_CNC_EXCEEDS)]
    );
    let i = &r.issues[0];
    assert_eq!(
        (i.column.as_str(), i.value.as_str()),
        ("营业收入（万元）", "--")
    );
    assert!(i.message_zh.contains("不是有效数字") && i.message_en.contains("not a number"));
}

/// Blank lines (an Excel export's gaps, a clerk's spacing) are no rows, and a row after
/// them is named by its own line, CRLF or LF, quoted or not: the clerk opens the file
/// there.
#[test]
fn a_row_after_blank_lines_is_named_by_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = vec![HEADER_ZH.into()];
    lines.extend((0..40).map(|n| row(n, "2024Q3", "100")));
    lines.insert(3, String::new()); // lines 4 and 5 blank
    lines.insert(3, String::new());
    lines[5] = row(2, "2024Q3", "--"); // line 6
    lines.insert(20, "\n".into()); // lines 21 and 22 blank
    lines[21] = lines[21].replace(",10,6,", ",5,6,"); // line 23
    for end in ["\n", "\r\n"] {
        let text = lines.join(end) + end;
        let (r, recs) = run(dir.path(), "blank.csv", text.as_bytes(), &refs(40));
        assert_eq!((r.rows_read, recs.len()), (40, 38), "{:#?}", r.issues);
        assert_eq!(
            codes(&r),
            vec![(6, Code::E_NUMBER), (23, Code::E_CNC_EXCEEDS)],
            "{end:?}"
        );
    }
}

#[test]
fn threshold_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let file = |bad: u32| {
        let mut lines = vec![HEADER_ZH.to_string()];
        for n in 0..100 {
            lines.push(if n < bad {
                row(n, "2024Q3", "x")
            } else {
                row(n, "2024Q3", "1")
            });
        }
        lines.join("\n") + "\n"
    };
    for (bad, outcome) in [
        (4, Outcome::PartiallyAccepted),
        (5, Outcome::PartiallyAccepted),
        (6, Outcome::Rejected),
    ] {
        let (r, _) = run(dir.path(), "t.csv", file(bad).as_bytes(), &refs(100));
        assert_eq!(r.outcome, outcome, "{bad} bad rows of 100");
    }
}

#[test]
fn duplicate_rows_both_quarantined_ragged_and_unknown_enterprise() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER_ZH.to_string()];
    for n in 0..50 {
        lines.push(row(n, "2024Q3", "1"));
    }
    lines.push(row(7, "2024-Q3", "2")); // line 52 duplicates line 9
    lines.push(format!("{},extra", row(60, "2024Q3", "1"))); // line 53 ragged
    lines.push(row(99, "2024Q3", "1")); // line 54 not in roster
    let text = lines.join("\n") + "\n";
    let mut o = opts();
    o.max_error_rate = 0.1;
    let p = dir.path().join("d.csv");
    std::fs::write(&p, text).unwrap();
    let r = process(
        &p,
        "d.csv",
        &o,
        &refs(60),
        &mut |_| PriorYtd::default(),
        &mut Discard,
    );
    assert_eq!(
        codes(&r),
        vec![
            (9, Code::E_DUPLICATE_ROW),
            (52, Code::E_DUPLICATE_ROW),
            (53, Code::E_RAGGED),
            (54, Code::E_UNKNOWN_ENTERPRISE)
        ]
    );
    assert_eq!(r.outcome, Outcome::PartiallyAccepted);
}

#[test]
fn header_problems_fail_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = HEADER_ZH.replace(",工业总产值（万元）", "");
    let (r, _) = run(
        dir.path(),
        "m.csv",
        format!("{missing}\n").as_bytes(),
        &refs(1),
    );
    assert_eq!(
        (r.outcome, r.issues[0].code),
        (Outcome::Rejected, Code::E_MISSING_COLUMN)
    );
    assert_eq!(r.issues[0].column, "output_value_ytd");
    let dup = format!("{HEADER_ZH},营业收入\n");
    let (r, _) = run(dir.path(), "d.csv", dup.as_bytes(), &refs(1));
    assert_eq!(r.issues[0].code, Code::E_DUPLICATE_COLUMN);
    let (r, _) = run(dir.path(), "e.csv", b"\n\n", &refs(1));
    assert_eq!(r.issues[0].code, Code::E_EMPTY);
    let (r, _) = run(
        dir.path(),
        "h.csv",
        format!("{HEADER_ZH}\n").as_bytes(),
        &refs(1),
    );
    assert_eq!(
        (r.outcome, r.issues[0].code),
        (Outcome::Rejected, Code::E_NO_ROWS)
    );
    let extra = format!("{HEADER_ZH},备注\n{},ok\n", row(0, "2024Q3", "1"));
    let (r, _) = run(dir.path(), "u.csv", extra.as_bytes(), &refs(1));
    assert_eq!(
        (r.outcome, r.issues[0].code),
        (Outcome::AcceptedWithWarnings, Code::W_UNKNOWN_COLUMN)
    );
}

/// What a reports file's scan tells the caller asking for earlier figures: how many
/// enterprises, which years, whether a quarter after the first. The caller answers
/// with `prior`.
type Asked = (usize, BTreeSet<i32>, bool);

/// Processes `rows` under the Chinese header, answering the scan with `prior`.
fn process_asking(rows: &[String], prior: PriorYtd) -> (Option<Asked>, FileResult) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("y.csv");
    std::fs::write(&p, format!("{HEADER_ZH}\n{}\n", rows.join("\n"))).unwrap();
    let mut asked = None;
    let r = process(
        &p,
        "y.csv",
        &opts(),
        &refs(5),
        &mut |scan: &KeyScan| {
            asked = Some((
                scan.credit_codes.len(),
                scan.years.clone(),
                scan.after_first_quarter,
            ));
            prior.clone()
        },
        &mut Discard,
    );
    (asked, r)
}

#[test]
fn ytd_decrease_against_history_and_within_the_file_is_a_warning() {
    let mut prior = PriorYtd::default();
    let y = Ytd {
        revenue: 600.0,
        output_value: 1.0,
        tech_upgrade_equipment: 1.0,
    };
    prior.insert(&code(1), Period::new(2023, 4).unwrap(), y);
    let (asked, r) = process_asking(&[row(1, "2024Q1", "500"), row(1, "2024Q2", "400")], prior);
    assert_eq!(asked, Some((1, BTreeSet::from([2024]), true)));
    assert_eq!(r.outcome, Outcome::AcceptedWithWarnings);
    assert_eq!(
        codes(&r),
        vec![(3, Code::W_YTD_DECREASE)],
        "2023Q4 is another year; 2024Q1 500 > 2024Q2 400"
    );
    assert_eq!(r.rows_accepted, 2);
}

/// Each row is judged by its own enterprise's roster membership and earlier figures,
/// which it finds by its code's place in the file's list: enterprises in a scrambled
/// order, some unknown to the roster, some reporting less than in the quarter before.
/// The same whether the rows are kept from pass 1 or read again, the roster walked
/// beside the file's codes or searched for each (a roster many times larger), and the
/// earlier figures given for the file's list or for another.
#[test]
fn each_row_is_judged_by_its_own_enterprise_kept_or_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.csv");
    let enterprises: Vec<u32> = (0..40).map(|i| (i * 17 + 5) % 40).collect();
    let unknown = |n: u32| n % 7 == 3;
    let mut prior = PriorYtd::default();
    let mut lines = vec![HEADER_ZH.to_string()];
    let mut expected = Vec::new();
    for (i, &n) in enterprises.iter().enumerate() {
        let revenue = if n % 5 == 0 { 1000.0 } else { 0.5 };
        let y = Ytd {
            revenue,
            output_value: 1.0,
            tech_upgrade_equipment: 1.0,
        };
        prior.insert(&code(n), Period::new(2024, 1).unwrap(), y);
        lines.push(row(n, "2024Q2", "1"));
        let line = i as u64 + 2;
        if unknown(n) {
            expected.push((line, Code::E_UNKNOWN_ENTERPRISE));
        } else if n % 5 == 0 {
            expected.push((line, Code::W_YTD_DECREASE));
        }
    }
    // Earlier figures of an enterprise the file does not name.
    prior.insert(
        &code(77),
        Period::new(2024, 1).unwrap(),
        Ytd {
            revenue: 5.0,
            output_value: 5.0,
            tech_upgrade_equipment: 5.0,
        },
    );
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let known = (0..40).filter(|n| !unknown(*n));
    let small = References {
        roster: Some(known.clone().map(code).collect()),
        ..References::default()
    };
    let large = References {
        roster: Some(known.chain(1_000..3_000).map(code).collect()),
        ..References::default()
    };
    for keep_bytes in [0, opts().keep_bytes] {
        for roster in [&small, &large] {
            for for_the_list in [false, true] {
                let o = Options {
                    keep_bytes,
                    max_error_rate: 1.0,
                    ..opts()
                };
                let r = process(
                    &p,
                    "m.csv",
                    &o,
                    roster,
                    &mut |scan: &KeyScan| {
                        if for_the_list {
                            prior.for_codes(&scan.credit_codes)
                        } else {
                            prior.clone()
                        }
                    },
                    &mut Discard,
                );
                assert_eq!(codes(&r), expected, "{keep_bytes} {for_the_list}");
                assert_eq!(r.rows_accepted, 40 - 6, "{keep_bytes}");
            }
        }
    }
}

/// A file of first quarters only says so: none of its rows has an earlier quarter of
/// its year, so the caller need not look any up (it is still asked, so that it knows
/// which enterprises the file touches).
#[test]
fn a_file_of_first_quarters_says_it_needs_no_earlier_quarters() {
    let (asked, r) = process_asking(
        &[row(1, "2024Q1", "500"), row(2, "2025Q1", "400")],
        PriorYtd::default(),
    );
    assert_eq!(asked, Some((2, BTreeSet::from([2024, 2025]), false)));
    assert_eq!(r.outcome, Outcome::Accepted);
}

#[test]
fn reports_in_xlsx_with_typed_cells() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER_ZH.split(',').enumerate() {
        ws.write(0, c as u16, h).unwrap();
    }
    let values: Vec<String> = row(3, "2024Q2", "1")
        .replace("\"1,200.5\"", "1200.5")
        .replace('"', "")
        .split(',')
        .map(str::to_string)
        .collect();
    for (c, v) in values.iter().enumerate() {
        ws.write(1, c as u16, v.as_str()).unwrap();
    }
    ws.write(1, 2, 1234.5).unwrap();
    ws.write(1, 3, 99.0).unwrap();
    ws.write(1, 5, true).unwrap();
    wb.save(&p).unwrap();
    let mut sink = Collect::default();
    let r = process(
        &p,
        "r.xlsx",
        &opts(),
        &refs(5),
        &mut |_| PriorYtd::default(),
        &mut sink,
    );
    assert_eq!(r.outcome, Outcome::Accepted, "{:#?}", r.issues);
    let Record::Report(rec) = &sink.0[0] else {
        panic!()
    };
    assert_eq!(
        (rec.revenue_ytd, rec.output_value_ytd, rec.is_sme),
        (1234.5, 99.0, true)
    );
    assert_eq!(r.format.as_deref(), Some("xlsx [Sheet1]"));
}

#[test]
fn reference_lists_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let clusters = "集群编码,集群名称,所属县（市、区）,主导产业,认定时间\nxinji-leather,辛集皮革,辛集市,皮革,2019年第四季度\nxinji-leather,重复,辛集市,皮革,2019Q4\nwuji,无极皮革,无极县,皮革,2022-06\n";
    let mut o = opts();
    o.max_error_rate = 0.9;
    let p = dir.path().join("c.csv");
    std::fs::write(&p, clusters).unwrap();
    let mut sink = Collect::default();
    let r = process(
        &p,
        "c.csv",
        &o,
        &References::default(),
        &mut |_| PriorYtd::default(),
        &mut sink,
    );
    assert_eq!(r.kind, Some(InputKind::Clusters));
    assert_eq!(
        codes(&r),
        vec![(2, Code::E_DUPLICATE_ROW), (3, Code::E_DUPLICATE_ROW)]
    );
    assert_eq!(sink.0.len(), 1);

    let values = "报告期,范围,范围编码,指标,数值\n2024Q2,city,shijiazhuang,省级绿色园区数,3\n2024Q2,cluster,nowhere,green_park_count,1\n2024Q2,city,shijiazhuang,sme_count,1\n";
    let p = dir.path().join("v.csv");
    std::fs::write(&p, values).unwrap();
    let refs = References {
        clusters: Some(HashMap::from([("wuji".to_string(), "wuji".to_string())])),
        city: Some("shijiazhuang".into()),
        reported_indicators: Some(HashMap::from([
            (
                "green_park_count".to_string(),
                "green_park_count".to_string(),
            ),
            ("省级绿色园区数".to_string(), "green_park_count".to_string()),
        ])),
        ..References::default()
    };
    let r = process(
        &p,
        "v.csv",
        &o,
        &refs,
        &mut |_| PriorYtd::default(),
        &mut Discard,
    );
    assert_eq!(r.kind, Some(InputKind::Values));
    assert_eq!(
        codes(&r),
        vec![(3, Code::E_UNKNOWN_CLUSTER), (4, Code::E_UNKNOWN_INDICATOR)]
    );
}

#[test]
fn a_roster_may_name_its_cluster_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let roster = format!(
        "统一社会信用代码,企业名称,所属集群,所属县\n{},甲,辛集皮革集群,辛集市\n{},乙,nowhere,辛集市\n",
        code(1),
        code(2)
    );
    let p = dir.path().join("r.csv");
    std::fs::write(&p, roster).unwrap();
    let refs = References {
        clusters: Some(HashMap::from([
            ("xinji".to_string(), "xinji".to_string()),
            ("辛集皮革集群".to_string(), "xinji".to_string()),
        ])),
        ..References::default()
    };
    let mut o = opts();
    o.max_error_rate = 1.0;
    let mut sink = Collect::default();
    let r = process(
        &p,
        "r.csv",
        &o,
        &refs,
        &mut |_| PriorYtd::default(),
        &mut sink,
    );
    let Record::Roster(first) = &sink.0[0] else {
        panic!()
    };
    assert_eq!(first.cluster_id, "xinji");
    assert_eq!(codes(&r), vec![(3, Code::E_UNKNOWN_CLUSTER)]);
}

/// A county leaves the rows of enterprises that did not report as the template sent
/// them out: only the identifying cells filled. Those rows are skipped with a
/// warning each, not counted as rows read, so a small county's file is accepted.
#[test]
fn rows_left_blank_are_skipped_with_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let header = format!("{HEADER_ZH},企业名称,所属集群");
    let blank = |n: u32| format!("{},2024Q3{},某某企业{n},某集群", code(n), ",".repeat(18));
    let text = [
        header.clone(),
        format!("{},某某企业0,某集群", row(0, "2024Q3", "100")),
        blank(1),
        // A cell of only spaces is as empty as no cell.
        blank(2).replacen(",,", ", ,", 1),
        format!("{},某某企业3,某集群", row(3, "2024Q3", "300")),
    ]
    .join("\n");
    let (r, recs) = run(dir.path(), "county.csv", text.as_bytes(), &refs(5));
    assert_eq!(r.outcome, Outcome::AcceptedWithWarnings, "{:#?}", r.issues);
    assert_eq!(
        (r.rows_read, r.rows_accepted, r.rows_quarantined, r.warnings),
        (2, 2, 0, 2)
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(
        codes(&r),
        vec![(3, Code::W_BLANK_ROW), (4, Code::W_BLANK_ROW)]
    );
    let i = &r.issues[0];
    assert_eq!(i.value, code(1));
    assert_eq!(i.period.map(|p| p.to_string()).as_deref(), Some("2024Q3"));
    assert!(i.message_zh.contains("未填报") && i.message_en.contains("no figure"));

    // One figure filled in makes it a report again, checked as any other: the
    // missing required figures are errors.
    let one = blank(1).replacen(",2024Q3,", ",2024Q3,100,", 1);
    let one = one.replacen(",,", ",", 1);
    let text = [header.clone(), one].join("\n");
    let (r, _) = run(dir.path(), "one.csv", text.as_bytes(), &refs(5));
    assert_eq!(r.outcome, Outcome::Rejected);
    assert!(codes(&r).contains(&(2, Code::E_NUMBER)), "{:#?}", r.issues);
    assert!(codes(&r).contains(&(2, Code::E_BOOL)), "{:#?}", r.issues);
    assert!(!codes(&r).iter().any(|(_, c)| *c == Code::W_BLANK_ROW));

    // Every row blank: nothing was reported, the file is rejected saying so.
    let text = [header, blank(1), blank(2)].join("\n");
    let (r, _) = run(dir.path(), "none.csv", text.as_bytes(), &refs(5));
    assert_eq!(r.outcome, Outcome::Rejected);
    assert_eq!(r.rows_read, 0);
    let last = r.issues.last().unwrap();
    assert_eq!(last.code, Code::E_NO_ROWS);
    assert!(
        last.message_zh.contains("2 行都未填报"),
        "{}",
        last.message_zh
    );
}

/// A report's enterprise name and cluster are for the person filling the form: not
/// kept, but checked as any text is (a control character or a name over 200
/// characters quarantines the row; blank is fine, the columns are optional).
#[test]
fn the_columns_for_the_person_filling_the_form_are_checked_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let header = format!("{HEADER_ZH},企业名称,所属集群");
    let long = "企".repeat(201);
    let text = format!(
        "{header}\n{},某企业,某集群\n{},  ,\n{},坏\u{7}名,某集群\n{},{long},某集群\n{},某企业,坏\u{1b}集群\n",
        row(0, "2024Q1", "100"),
        row(1, "2024Q1", "100"),
        row(2, "2024Q1", "100"),
        row(3, "2024Q1", "100"),
        row(4, "2024Q1", "100"),
    );
    let (r, records) = run(dir.path(), "notes.csv", text.as_bytes(), &refs(5));
    assert_eq!(
        codes(&r),
        vec![(4, Code::E_TEXT), (5, Code::E_TEXT), (6, Code::E_TEXT)],
        "{:?}",
        r.issues
    );
    let columns: Vec<&str> = r.issues.iter().map(|i| i.column.as_str()).collect();
    assert_eq!(columns, ["企业名称", "企业名称", "所属集群"]);
    assert_eq!(records.len(), 2);
}

/// A file peeked at is read as its peek found it, unless it changed since: then it is
/// probed again (here a county's UTF-8 file replaced by its GBK copy).
#[test]
fn a_file_changed_after_its_peek_is_probed_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("county.csv");
    let text = format!("{HEADER_ZH}\n{}\n", row(0, "2024Q1", "100"));
    std::fs::write(&p, &text).unwrap();
    let peeked = peek(&p, &opts()).unwrap();
    assert_eq!(peeked.kind, InputKind::Reports);
    let read = |peeked: &Peeked| {
        let mut sink = Collect::default();
        let r = process_probed(
            &p,
            Some(peeked),
            "county.csv",
            &opts(),
            &refs(1),
            &mut |_| PriorYtd::default(),
            &mut sink,
            &mut RowBuffers::default(),
        );
        (r, sink.0)
    };
    let (r, records) = read(&peeked);
    assert_eq!(r.outcome, Outcome::Accepted, "{:?}", r.issues);
    assert_eq!(r.format.as_deref(), Some("CSV UTF-8"));
    assert_eq!(records.len(), 1);

    std::fs::write(&p, encoding_rs::GBK.encode(&text).0).unwrap();
    let (r, again) = read(&peeked);
    assert_eq!(r.outcome, Outcome::Accepted, "{:?}", r.issues);
    assert_eq!(r.format.as_deref(), Some("CSV gb18030"));
    assert_eq!(format!("{again:?}"), format!("{records:?}"));
}

/// Hashing a file gives its SHA-256, and the peek that follows uses what the hash's
/// read learnt of its encoding only while the file is unchanged: a GBK file is
/// detected as before, and a file rewritten since is read again.
#[test]
fn hashing_a_file_tells_its_peek_whether_it_is_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options::default();
    let utf8 = dir.path().join("reports-utf8.csv");
    std::fs::write(&utf8, "credit_code,period\n91130100MA0000001X,2024Q1\n").unwrap();
    let gbk = dir.path().join("reports-gbk.csv");
    let (text, _, _) =
        encoding_rs::GBK.encode("统一社会信用代码,报告期\n91130100MA0000001X,2024Q1\n");
    std::fs::write(&gbk, &text).unwrap();
    for path in [&utf8, &gbk] {
        let hashed = hash_file(path).unwrap();
        assert_eq!(hashed.sha256, sha256_file(path).unwrap());
        let told = peek_hashed(path, &opts, &hashed).map(|p| p.format);
        assert!(told.is_some(), "{}", path.display());
        assert_eq!(
            told,
            peek(path, &opts).map(|p| p.format),
            "{}",
            path.display()
        );
    }
    let hashed = hash_file(&utf8).unwrap();
    assert_eq!(hashed.utf8, Some(false));
    let (text, _, _) =
        encoding_rs::GBK.encode("统一社会信用代码,报告期\n91130100MA0000001X,2024年1季度\n");
    std::fs::write(&utf8, &text).unwrap();
    let again = peek_hashed(&utf8, &opts, &hashed).map(|p| p.format);
    assert!(
        matches!(again, Some(Format::Csv { encoding, .. }) if encoding == encoding_rs::GB18030),
        "changed since its hash: {again:?}"
    );
}
