//! End-to-end tests of `generate`: layout, determinism, and that every file reads
//! back under the data contract's rules.
//!
//! The checks read the files the way an independent consumer would: encodings are
//! detected from the bytes, headers are matched through the contract's aliases, and
//! values are parsed in every form the contract allows. Nothing here uses the crate's
//! internals, so a form the generator writes but the contract does not allow fails.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use clusterkpi_model::Period;
use clusterkpi_model::text::to_half_width;
use clusterkpi_synth::{Options, Summary, generate};

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn options(from: &str, to: &str, defects: bool) -> Options {
    Options {
        enterprises: 2700,
        from: p(from),
        to: p(to),
        seed: 2021,
        defects,
        plain: false,
    }
}

fn run(opts: &Options) -> (tempfile::TempDir, Summary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), opts).unwrap();
    (dir, summary)
}

/// Every file under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// A small reader of the data contract, independent of the generator.
// ---------------------------------------------------------------------------

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_code_valid(code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let values: Option<Vec<usize>> = chars.iter().map(|&c| CHARSET.find(c)).collect();
    let Some(values) = values else { return false };
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    values[17] == (31 - sum % 31) % 31
}

/// The reports table: canonical name and Chinese aliases.
const COLUMNS: [(&str, &[&str]); 20] = [
    ("credit_code", &["统一社会信用代码"]),
    ("period", &["报告期"]),
    ("revenue_ytd", &["营业收入", "营业收入(本年累计)"]),
    ("output_value_ytd", &["工业总产值", "工业总产值(本年累计)"]),
    ("employees", &["从业人员", "从业人员数"]),
    ("is_sme", &["是否中小企业", "中小企业"]),
    ("above_scale", &["是否规上企业", "规上企业"]),
    ("specialized_level", &["专精特新", "专精特新等级"]),
    ("key_processes", &["关键工序数"]),
    ("key_processes_cnc", &["数控化关键工序数"]),
    (
        "business_info_system",
        &["应用业务信息系统", "业务信息系统"],
    ),
    (
        "digital_rnd_tools",
        &["应用数字化研发设计工具", "数字化研发设计工具"],
    ),
    ("ecommerce", &["开展电子商务", "电子商务"]),
    ("design_center_level", &["工业设计中心"]),
    ("innovation_platforms", &["省级以上科技创新平台数"]),
    ("green_factory_level", &["绿色工厂"]),
    (
        "tech_upgrade_equipment_ytd",
        &["技改设备购置额", "技术改造设备购置额"],
    ),
    ("innovation_demo_level", &["技术创新示范企业"]),
    ("listing_status", &["上市情况"]),
    ("core_tech_breakthroughs", &["攻克关键核心技术数"]),
];

/// Header matching as the contract says: whitespace, width and a trailing
/// parenthesised unit do not matter.
fn normalize_header(h: &str) -> String {
    let s = to_half_width(h).trim().to_string();
    match s.rfind('(') {
        Some(i) if i > 0 && s.ends_with(')') => s[..i].trim().to_string(),
        _ => s,
    }
}

fn canonical(header: &str) -> Option<&'static str> {
    let h = normalize_header(header);
    COLUMNS
        .iter()
        .find(|(name, aliases)| *name == h || aliases.iter().any(|a| normalize_header(a) == h))
        .map(|(name, _)| *name)
}

/// Decodes CSV bytes: a BOM or valid UTF-8 is UTF-8, anything else must be GB18030
/// (a superset of GBK) without a single invalid sequence.
fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).expect("UTF-8 after a BOM");
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .expect("valid GB18030")
        .into_owned()
}

/// A table as text cells: header and rows.
fn read_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rows: Vec<Vec<String>> = if path.extension().unwrap() == "xlsx" {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Float(f) => f.to_string(),
                        Data::Int(i) => i.to_string(),
                        Data::Empty => String::new(),
                        other => panic!("unexpected cell {other:?} in {}", path.display()),
                    })
                    .collect()
            })
            .collect()
    } else {
        let text = decode(&fs::read(path).unwrap());
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let header = rows.remove(0);
    (header, rows)
}

fn number(s: &str) -> Option<f64> {
    let t = to_half_width(s).trim().replace(',', "");
    t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

fn boolean(s: &str) -> Option<bool> {
    match to_half_width(s).trim().to_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" => Some(true),
        "否" | "n" | "no" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

fn level_ok(column: &str, s: &str) -> bool {
    let allowed: &[&str] = match column {
        "specialized_level" => &[
            "none",
            "无",
            "provincial",
            "省级",
            "national",
            "国家级",
            "小巨人",
            "国家级专精特新\"小巨人\"",
        ],
        "design_center_level" => &[
            "none",
            "无",
            "municipal",
            "市级",
            "provincial",
            "省级",
            "national",
            "国家级",
        ],
        "listing_status" => &[
            "none",
            "无",
            "reserve",
            "后备",
            "上市后备",
            "listed",
            "已上市",
        ],
        _ => &["none", "无", "provincial", "省级", "national", "国家级"],
    };
    allowed.contains(&s.trim())
}

/// A report file read back and checked against the contract.
struct Checked {
    period: Period,
    rows: usize,
    codes: Vec<String>,
    /// Data-contract error codes found, one per bad cell or row.
    errors: Vec<&'static str>,
}

fn check_report_file(path: &Path, roster: &HashSet<String>) -> Checked {
    let (header, rows) = read_table(path);
    let names: Vec<&str> = header
        .iter()
        .map(|h| canonical(h).unwrap_or_else(|| panic!("{h:?}")))
        .collect();
    assert_eq!(
        names.iter().collect::<HashSet<_>>().len(),
        20,
        "{}: all 20 columns once",
        path.display()
    );
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let period = p(&stem[stem.len() - 6..]);
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let mut codes = Vec::new();
    for row in &rows {
        assert_eq!(row.len(), 20, "{}: ragged row", path.display());
        let cell: HashMap<&str, &str> = names
            .iter()
            .copied()
            .zip(row.iter().map(String::as_str))
            .collect();
        let code = cell["credit_code"];
        codes.push(code.to_string());
        if !credit_code_valid(code) {
            errors.push("E_CREDIT_CODE");
        } else if !roster.contains(code) {
            errors.push("E_UNKNOWN_ENTERPRISE");
        }
        *seen.entry(code.to_string()).or_insert(0) += 1;
        assert_eq!(p(cell["period"]), period, "{}: period cell", path.display());
        for col in [
            "revenue_ytd",
            "output_value_ytd",
            "tech_upgrade_equipment_ytd",
        ] {
            if number(cell[col]).is_none() {
                errors.push("E_NUMBER");
            }
        }
        for col in [
            "employees",
            "key_processes",
            "key_processes_cnc",
            "innovation_platforms",
            "core_tech_breakthroughs",
        ] {
            let v = cell[col];
            if col == "employees" && v.trim().is_empty() {
                continue;
            }
            match number(v) {
                Some(x) if x.fract() == 0.0 => {}
                _ => errors.push("E_RANGE"),
            }
        }
        if let (Some(k), Some(c)) = (
            number(cell["key_processes"]),
            number(cell["key_processes_cnc"]),
        ) && c > k
        {
            errors.push("E_CNC_EXCEEDS");
        }
        for col in [
            "is_sme",
            "above_scale",
            "business_info_system",
            "digital_rnd_tools",
            "ecommerce",
        ] {
            if boolean(cell[col]).is_none() {
                errors.push("E_BOOL");
            }
        }
        for col in [
            "specialized_level",
            "design_center_level",
            "green_factory_level",
            "innovation_demo_level",
            "listing_status",
        ] {
            assert!(
                level_ok(col, cell[col]),
                "{}: {col} = {:?}",
                path.display(),
                cell[col]
            );
        }
    }
    for (_, n) in seen {
        if n > 1 {
            errors.push("E_DUPLICATE_ROW");
        }
    }
    Checked {
        period,
        rows: rows.len(),
        codes,
        errors,
    }
}

fn read_roster(root: &Path) -> (Vec<Vec<String>>, HashSet<String>) {
    let (header, rows) = read_table(&root.join("reference/roster.csv"));
    assert_eq!(
        header,
        ["统一社会信用代码", "企业名称", "所属集群", "所属县(市、区)"]
    );
    let codes = rows.iter().map(|r| r[0].clone()).collect();
    (rows, codes)
}

fn report_files(summary: &Summary) -> Vec<&PathBuf> {
    summary
        .files
        .iter()
        .filter(|f| f.parent().unwrap().parent().unwrap().ends_with("inbox"))
        .filter(|f| !f.parent().unwrap().ends_with("values"))
        .collect()
}

// ---------------------------------------------------------------------------

#[test]
fn same_options_give_byte_identical_files() {
    let opts = options("2020Q1", "2026Q3", true);
    let (a, sa) = run(&opts);
    let (b, sb) = run(&opts);
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert_eq!(ta, tb);
    assert!(ta.iter().any(|f| f.extension().unwrap() == "xlsx"));
    for f in &ta {
        assert!(
            fs::read(a.path().join(f)).unwrap() == fs::read(b.path().join(f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
    assert_eq!(
        (sa.report_files, sa.report_rows),
        (sb.report_files, sb.report_rows)
    );

    let other = run(&Options { seed: 7, ..opts }).0;
    let roster = |d: &Path| fs::read(d.join("reference/roster.csv")).unwrap();
    assert_ne!(
        roster(a.path()),
        roster(other.path()),
        "another seed, another city"
    );
}

#[test]
fn layout_file_names_and_counts() {
    let opts = options("2020Q1", "2024Q4", false);
    let (dir, summary) = run(&opts);
    let root = dir.path();
    assert_eq!(summary.clusters, 13);
    assert_eq!(summary.enterprises, 2700);
    assert_eq!(
        tree(root).len(),
        summary.files.len(),
        "every file is listed once"
    );

    let (header, clusters) = read_table(&root.join("reference/clusters.csv"));
    assert_eq!(
        header,
        [
            "集群编码",
            "集群名称",
            "英文名称",
            "所属县(市、区)",
            "主导产业",
            "认定时间"
        ]
    );
    assert_eq!(clusters.len(), 13);
    let established: HashMap<String, Period> =
        clusters.iter().map(|c| (c[0].clone(), p(&c[5]))).collect();
    assert_eq!(
        established.values().filter(|&&e| e <= p("2020Q4")).count(),
        11
    );
    assert!(clusters.iter().all(|c| {
        c[0].len() >= 2
            && c[0].len() <= 40
            && c[0]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }));

    let (roster, _) = read_roster(root);
    let mut per_cluster: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &roster {
        *per_cluster.entry(r[2].as_str()).or_default() += 1;
    }
    assert!(
        per_cluster.values().max().unwrap() >= &400 && per_cluster.values().min().unwrap() <= &80
    );

    // Without defects: every enterprise reports every quarter from its cluster's
    // establishment, and every file sits in its own quarter's folder.
    let expected_rows: u64 = opts
        .from
        .through(opts.to)
        .map(|q| {
            per_cluster
                .iter()
                .filter(|(c, _)| established[**c] <= q)
                .map(|(_, n)| *n as u64)
                .sum::<u64>()
        })
        .sum();
    assert_eq!(summary.report_rows, expected_rows);
    let reports = report_files(&summary);
    assert_eq!(reports.len(), summary.report_files);
    for f in &reports {
        let name = f.file_name().unwrap().to_str().unwrap();
        let (stem, ext) = name.rsplit_once('.').unwrap();
        assert!(ext == "csv" || ext == "xlsx", "{name}");
        let period = &stem[stem.len() - 6..];
        assert_eq!(
            f.parent().unwrap().file_name().unwrap().to_str().unwrap(),
            period,
            "{name}"
        );
    }
    // 12 sources; 赞皇 from 2022Q2 and 井陉 from 2023Q3.
    let files_in = |q: &str| {
        reports
            .iter()
            .filter(|f| f.parent().unwrap().ends_with(q))
            .count()
    };
    assert_eq!(files_in("2020Q1"), 10);
    assert_eq!(files_in("2022Q2"), 11);
    assert_eq!(files_in("2024Q4"), 12);
    assert_eq!(summary.report_files, 9 * 10 + 5 * 11 + 6 * 12);
    assert!(
        root.join("inbox/2024Q4/gaocheng-lantern-2024Q4.csv")
            .exists()
    );
    assert!(root.join("inbox/2024Q4/luquan-2024Q4.xlsx").exists());
    assert!(root.join("inbox/2022Q4/yuanshi-2022Q4.csv").exists());
    assert!(root.join("inbox/2023Q1/yuanshi-2023Q1.xlsx").exists());

    let (header, values) = read_table(&root.join("inbox/values/green-parks.csv"));
    assert_eq!(header, ["报告期", "范围", "范围编码", "指标", "数值"]);
    let values: Vec<(String, String)> = values
        .iter()
        .map(|r| (r[0].clone(), r[4].clone()))
        .collect();
    assert_eq!(
        values,
        [
            ("2020Q4".into(), "1".into()),
            ("2022Q4".into(), "2".into()),
            ("2024Q2".into(), "3".into())
        ]
    );
}

#[test]
fn file_counts_follow_the_formula() {
    // The hard-coded count above, restated: 10 sources before 赞皇 (2022Q2), 11 until
    // 井陉 (2023Q3), then 12.
    let count = |from: &str, to: &str| {
        p(from)
            .through(p(to))
            .map(|q| 10 + usize::from(q >= p("2022Q2")) + usize::from(q >= p("2023Q3")))
            .sum::<usize>()
    };
    let (_dir, summary) = run(&Options {
        enterprises: 300,
        ..options("2021Q3", "2023Q4", false)
    });
    assert_eq!(summary.report_files, count("2021Q3", "2023Q4"));
}

#[test]
fn credit_codes_and_names_are_valid_and_unique() {
    let (dir, _) = run(&options("2024Q1", "2024Q4", true));
    let (roster, codes) = read_roster(dir.path());
    assert_eq!(codes.len(), roster.len());
    let names: HashSet<&String> = roster.iter().map(|r| &r[1]).collect();
    assert_eq!(names.len(), roster.len());
    for r in &roster {
        assert!(credit_code_valid(&r[0]), "{}", r[0]);
        assert!(r[0].starts_with("911301"), "{}", r[0]);
        assert!(r[1].ends_with("公司") && r[1].chars().count() <= 200);
    }
}

#[test]
fn one_file_arrives_late_only_with_defects() {
    let late = |summary: &Summary| -> Vec<PathBuf> {
        report_files(summary)
            .into_iter()
            .filter(|f| {
                let stem = f.file_stem().unwrap().to_str().unwrap();
                let folder = f.parent().unwrap().file_name().unwrap().to_str().unwrap();
                folder != &stem[stem.len() - 6..]
            })
            .cloned()
            .collect()
    };
    let opts = options("2020Q1", "2026Q3", true);
    let (_d, summary) = run(&opts);
    let files = late(&summary);
    assert_eq!(files.len(), 1, "{files:?}");
    let stem = files[0].file_stem().unwrap().to_str().unwrap();
    let period = p(&stem[stem.len() - 6..]);
    let folder = p(files[0]
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap());
    assert_eq!(folder, period.next());
    assert!(
        period > opts.from && period < opts.to.prev(),
        "mid-series: {period}"
    );

    let (_d, clean) = run(&options("2020Q1", "2026Q3", false));
    assert!(late(&clean).is_empty());
}

#[test]
fn gbk_file_decodes_and_has_chinese_headers() {
    let (dir, _) = run(&options("2024Q1", "2024Q3", false));
    let bytes = fs::read(dir.path().join("inbox/2024Q3/xinji-2024Q3.csv")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "GBK, not UTF-8");
    let text = encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .expect("valid GBK");
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("统一社会信用代码,报告期,营业收入（万元）"),
        "{header}"
    );
    assert!(text.contains("2024年第三季度") && text.contains("\r\n"));
    assert!(text.contains(",是,") && text.contains(",否,"));
}

#[test]
fn the_latest_quarter_is_complete_and_clean_and_earlier_ones_are_not() {
    let opts = options("2020Q1", "2026Q3", true);
    let (dir, summary) = run(&opts);
    let (roster, codes) = read_roster(dir.path());
    let mut latest_codes = HashSet::new();
    let mut earlier_errors = Vec::new();
    let mut earlier_rows = 0;
    for f in report_files(&summary) {
        let checked = check_report_file(f, &codes);
        if checked.period == opts.to {
            assert!(
                checked.errors.is_empty(),
                "{}: {:?}",
                f.display(),
                checked.errors
            );
            latest_codes.extend(checked.codes);
        } else {
            earlier_errors.extend(checked.errors);
            earlier_rows += checked.rows;
        }
    }
    assert_eq!(
        latest_codes.len(),
        roster.len(),
        "everyone reports in the latest quarter"
    );

    let kinds: HashSet<&str> = earlier_errors.iter().copied().collect();
    for code in [
        "E_CNC_EXCEEDS",
        "E_NUMBER",
        "E_UNKNOWN_ENTERPRISE",
        "E_CREDIT_CODE",
        "E_DUPLICATE_ROW",
        "E_BOOL",
        "E_RANGE",
    ] {
        assert!(kinds.contains(code), "{code} missing from {kinds:?}");
    }
    assert!(
        earlier_errors.len() <= 10,
        "a handful, not {}",
        earlier_errors.len()
    );

    // A few percent of reports are missing before the latest quarter.
    let clean = run(&Options {
        defects: false,
        ..opts.clone()
    })
    .1;
    let clean_earlier = clean.report_rows - roster.len() as u64;
    let missing = 1.0 - earlier_rows as f64 / clean_earlier as f64;
    assert!((0.01..0.05).contains(&missing), "missing share {missing}");
}

#[test]
fn without_defects_every_file_is_clean() {
    let opts = options("2022Q1", "2024Q2", false);
    let (dir, summary) = run(&opts);
    let (_, codes) = read_roster(dir.path());
    let mut rows = 0;
    for f in report_files(&summary) {
        let checked = check_report_file(f, &codes);
        assert!(
            checked.errors.is_empty(),
            "{}: {:?}",
            f.display(),
            checked.errors
        );
        rows += checked.rows as u64;
    }
    assert_eq!(rows, summary.report_rows);
}

#[test]
fn plain_files_are_utf8_csv_with_the_english_header_and_the_same_rows() {
    let mixed = options("2022Q1", "2023Q2", false);
    let plain = Options {
        plain: true,
        ..mixed.clone()
    };
    let (dir, summary) = run(&plain);
    let (_, codes) = read_roster(dir.path());
    let header = "credit_code,period,revenue_ytd,output_value_ytd,employees,is_sme,above_scale,\
                  specialized_level,key_processes,key_processes_cnc,business_info_system,\
                  digital_rnd_tools,ecommerce,design_center_level,innovation_platforms,\
                  green_factory_level,tech_upgrade_equipment_ytd,innovation_demo_level,\
                  listing_status,core_tech_breakthroughs";
    for f in report_files(&summary) {
        assert_eq!(f.extension().unwrap(), "csv", "{}", f.display());
        let text = String::from_utf8(std::fs::read(f).unwrap()).expect("UTF-8");
        assert!(!text.starts_with('\u{FEFF}') && !text.contains('\r'));
        assert_eq!(text.lines().next().unwrap(), header, "{}", f.display());
        assert!(
            check_report_file(f, &codes).errors.is_empty(),
            "{}",
            f.display()
        );
    }
    // The same city, only written plainly.
    assert_eq!(summary.report_rows, run(&mixed).1.report_rows);
}

#[test]
fn clusters_recognised_after_to_do_not_exist_yet() {
    let (dir, summary) = run(&Options {
        enterprises: 500,
        ..options("2020Q1", "2021Q4", true)
    });
    assert_eq!(summary.clusters, 11);
    assert!(summary.enterprises < 500);
    let (_, clusters) = read_table(&dir.path().join("reference/clusters.csv"));
    assert!(clusters.iter().all(|c| p(&c[5]) <= p("2021Q4")));
    let (roster, _) = read_roster(dir.path());
    assert_eq!(roster.len(), summary.enterprises);
    // Only the 2020Q4 value is known by 2021Q4.
    let (_, values) = read_table(&dir.path().join("inbox/values/green-parks.csv"));
    assert_eq!(values.len(), 1);
}

#[test]
fn bad_options_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let reversed = options("2024Q4", "2024Q1", true);
    assert!(matches!(
        generate(dir.path(), &reversed),
        Err(clusterkpi_synth::SynthError::EmptyRange { .. })
    ));
    let tiny = Options {
        enterprises: 5,
        ..options("2024Q1", "2024Q1", true)
    };
    assert!(matches!(
        generate(dir.path(), &tiny),
        Err(clusterkpi_synth::SynthError::TooFewEnterprises { .. })
    ));
}
