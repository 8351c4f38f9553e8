//! The reporting workbook of one county for one quarter (企业季度报表), what the city
//! sends out and the county fills:
//!
//! - sheet 1, the form: one row per enterprise of the county's roster (credit code,
//!   name, cluster and quarter pre-filled and locked), the metric columns under the
//!   data contract's own Chinese headers with their units, and an Excel data validation
//!   on every input cell (dropdowns for yes/no and levels, whole or decimal numbers in
//!   the validator's ranges, CNC key processes not above key processes), with input and
//!   error messages. The sheet is protected without a password so only input cells
//!   change; header row and names are frozen; A4 landscape with the header repeated.
//! - 填报说明: every column explained from [`clusterkpi_ingest::schema`] — the rules the
//!   validator applies and the
//!   [`clusterkpi_ingest::schema::REPORT_DOCS`] beside them.
//! - 上期数据: each enterprise's accepted figures of the previous quarter.
//!
//! The form is the first sheet because ingestion reads the first visible sheet, and
//! its header is the first row because ingestion takes the first non-empty row as the
//! header: a filled template is ingested as it is.

use std::path::{Path, PathBuf};

use clusterkpi_ingest::ReportRow;
use clusterkpi_ingest::schema::{Column, ColumnDoc, Declared, InputKind, Type, report_doc};
use clusterkpi_ingest::value::Levels;
use clusterkpi_model::display::{Display, palette, plain};
use clusterkpi_model::{Language, Period};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign,
    FormatBorder, Formula, ProtectionOptions, Workbook, Worksheet, XlsxError,
    column_number_to_name,
};

use crate::previous::Figures;
use crate::{FormsError, Result};

/// An enterprise of the roster, as the form names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub credit_code: String,
    pub name: String,
    /// The cluster as a person reads it (its name).
    pub cluster: String,
}

/// What one reporting workbook is for.
#[derive(Debug, Clone)]
pub struct Template<'a> {
    pub county: &'a str,
    pub period: Period,
    /// The county's enterprises, in the order of the form.
    pub enterprises: &'a [Enterprise],
    /// Accepted figures of the previous quarter by credit code; None when there is no
    /// dataset to read them from.
    pub previous: Option<&'a Figures>,
    pub language: Language,
}

/// A paper size code of the xlsx print setup: A4.
const A4: u8 = 9;

/// The columns of the form, in order: the four that name a row (pre-filled), then the
/// metrics as the contract lists them.
#[must_use]
pub fn form_columns() -> Vec<&'static Column> {
    let cols = InputKind::Reports.columns();
    let by = |n: &str| cols.iter().find(|c| c.name == n).expect("a reports column");
    let named = ["credit_code", "enterprise_name", "cluster", "period"];
    let mut out: Vec<&'static Column> = named.iter().map(|n| by(n)).collect();
    out.extend(cols.iter().filter(|c| !named.contains(&c.name)));
    out
}

/// How many leading columns of the form are pre-filled and locked.
pub const PREFILLED: usize = 4;

fn doc(c: &Column) -> &'static ColumnDoc {
    report_doc(c.name).expect("every reports column is explained (schema test)")
}

fn pick(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
}

/// The header a column is written under: the contract's Chinese alias (the year-to-date
/// one for cumulative figures) with its unit, e.g. `营业收入(本年累计)（万元）`; in
/// English the canonical name, e.g. `revenue_ytd (10k yuan)`. Ingestion strips the
/// parenthesised unit when it matches headers.
#[must_use]
pub fn header(c: &Column, lang: Language) -> String {
    let d = doc(c);
    match lang {
        Language::Zh => {
            let alias = if d.ytd {
                c.aliases
                    .iter()
                    .find(|a| a.contains("本年累计"))
                    .unwrap_or(&c.aliases[0])
            } else {
                &c.aliases[0]
            };
            // Full-width brackets throughout, as the unit's: `营业收入（本年累计）（万元）`
            // (ingestion matches headers ignoring width).
            let alias = alias.replace('(', "（").replace(')', "）");
            if d.unit_zh.is_empty() {
                alias
            } else {
                format!("{alias}（{}）", d.unit_zh)
            }
        }
        Language::En => {
            if d.unit_en.is_empty() {
                c.name.to_string()
            } else {
                format!("{} ({})", c.name, d.unit_en)
            }
        }
    }
}

/// The word the form uses for a level: its first Chinese form, or its English word.
#[must_use]
pub fn level_word(levels: Levels, canonical: &str, lang: Language) -> &'static str {
    let (c, forms) = levels
        .iter()
        .find(|(c, _)| *c == canonical)
        .unwrap_or(&levels[0]);
    pick(lang, forms[0], c)
}

/// The yes/no words of the form.
#[must_use]
pub fn yes_no(b: bool, lang: Language) -> &'static str {
    match (b, lang) {
        (true, Language::Zh) => "是",
        (false, Language::Zh) => "否",
        (true, Language::En) => "yes",
        (false, Language::En) => "no",
    }
}

fn choices(levels: Levels, lang: Language) -> Vec<&'static str> {
    levels.iter().map(|(c, f)| pick(lang, f[0], c)).collect()
}

/// A bound or figure in the messages: thousands grouped, no needless decimals.
fn number(x: f64) -> String {
    plain(x)
}

/// What a cell of the column may hold, in words (for the 填报说明 and the messages).
#[must_use]
pub fn allowed(c: &Column, lang: Language) -> String {
    let zh = lang == Language::Zh;
    match c.ty {
        Type::CreditCode => pick(
            lang,
            "18位，数字和大写字母，符合国家标准 GB 32100-2015（含校验码）",
            "18 characters, digits and capital letters, per GB 32100-2015 with its check character",
        )
        .into(),
        Type::Period => pick(
            lang,
            "季度，如 2025年四季度、2025Q4；已预填",
            "a quarter, e.g. 2025Q4; pre-filled",
        )
        .into(),
        Type::Text(max) => {
            if zh {
                format!("文字，不超过 {max} 个字")
            } else {
                format!("text, at most {max} characters")
            }
        }
        Type::ClusterId => pick(lang, "集群编码", "a cluster id").into(),
        Type::Number(max) => {
            if zh {
                format!("数字，绝对值不超过 {}", number(max))
            } else {
                format!("a number, at most {} in absolute value", number(max))
            }
        }
        Type::NonNegative(max) => {
            if zh {
                format!("不小于 0 的数，可带小数，不超过 {}", number(max))
            } else {
                format!("a number from 0 to {}, decimals allowed", number(max))
            }
        }
        Type::Count(max) => {
            let cnc = c.name == "key_processes_cnc";
            match (zh, cnc) {
                (true, false) => format!("不小于 0 的整数，不超过 {}", number(max)),
                (true, true) => "不小于 0 的整数，且不大于关键工序数".to_string(),
                (false, false) => format!("a whole number from 0 to {}", number(max)),
                (false, true) => {
                    "a whole number from 0 up to the number of key processes".to_string()
                }
            }
        }
        Type::Bool => pick(
            lang,
            "是 或 否（从下拉列表选择）",
            "yes or no (pick from the list)",
        )
        .into(),
        Type::Level(levels) => {
            let words = choices(levels, lang);
            if zh {
                format!("{}（从下拉列表选择）", words.join("、"))
            } else {
                format!("{} (pick from the list)", words.join(", "))
            }
        }
    }
}

/// Cuts a message to Excel's limit for validation texts (255 UTF-16 units).
fn cut(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for ch in s.chars() {
        n += ch.len_utf16();
        if n > max {
            out.pop();
            out.push('…');
            break;
        }
        out.push(ch);
    }
    out
}

/// The file name of a county's workbook: `辛集市_2025年四季度_企业季度报表.xlsx`.
#[must_use]
pub fn file_name(county: &str, period: Period, lang: Language) -> String {
    let d = Display::new(lang);
    let name = match lang {
        Language::Zh => format!("{county}_{}_企业季度报表.xlsx", d.quarter(period)),
        Language::En => format!("{county}_{period}_quarterly_report.xlsx"),
    };
    crate::safe_file_name(&name)
}

struct Formats {
    header: Format,
    locked: Format,
    input: Format,
    title: Format,
    wrap: Format,
    wrap_bold: Format,
}

impl Formats {
    fn new() -> Self {
        let grid = Color::RGB(rgb(palette::GRID));
        let base = Format::new()
            .set_font_size(10.5)
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(rgb(palette::MUTED)))
            .set_align(FormatAlign::VerticalCenter);
        Self {
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(grid),
            locked: base.clone().set_background_color(grid).set_num_format("@"),
            input: base.clone().set_unlocked(),
            title: Format::new().set_bold().set_font_size(14),
            wrap: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            wrap_bold: base
                .set_text_wrap()
                .set_bold()
                .set_align(FormatAlign::Top)
                .set_background_color(grid),
        }
    }
}

/// A palette colour as the u32 rust_xlsxwriter takes.
pub(crate) fn rgb(c: palette::Rgb) -> u32 {
    (u32::from(c.0) << 16) | (u32::from(c.1) << 8) | u32::from(c.2)
}

/// Writes the workbook to `dir`, named by [`file_name`]; returns its path.
pub fn write(t: &Template<'_>, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|source| FormsError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(file_name(t.county, t.period, t.language));
    let xlsx = |source| FormsError::Xlsx {
        path: path.clone(),
        source,
    };
    let mut wb = Workbook::new();
    let f = Formats::new();
    // Their rows go to unnamed temporary files beside the workbook: the system's
    // temporary folder may be in memory.
    wb.set_tempdir(dir).map_err(xlsx)?;
    // The two sheets of a row per enterprise are written a row at a time, each row to a
    // file as the next one starts (rust_xlsxwriter's low-memory mode, which keeps the
    // shared strings): held in memory, the templates of 100x the sample city (counties
    // of up to 62,000 enterprises, two at a time) peaked at 1.9 GB.
    form_sheet(wb.add_worksheet_with_low_memory().map_err(xlsx)?, t, &f).map_err(xlsx)?;
    guide_sheet(wb.add_worksheet(), t, &f).map_err(xlsx)?;
    previous_sheet(wb.add_worksheet_with_low_memory().map_err(xlsx)?, t, &f).map_err(xlsx)?;
    wb.save(&path).map_err(xlsx)?;
    Ok(path)
}

fn title_of(t: &Template<'_>) -> String {
    let d = Display::new(t.language);
    match t.language {
        Language::Zh => format!("{} {} 企业季度报表", t.county, d.quarter(t.period)),
        Language::En => format!(
            "{} {} quarterly enterprise report",
            t.county,
            d.quarter(t.period)
        ),
    }
}

fn print_setup(ws: &mut Worksheet, t: &Template<'_>, repeat_header: bool) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(A4);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_header(format!("&C{}", title_of(t).replace('&', "&&")));
    ws.set_footer(pick(t.language, "&C第 &P 页，共 &N 页", "&CPage &P of &N"));
    if repeat_header {
        ws.set_repeat_rows(0, 0)?;
    }
    Ok(())
}

/// Protection without a password (the 填报说明 says how to lift it): it keeps the
/// header and the names from being typed over by mistake, not from a determined user.
fn protect(ws: &mut Worksheet) {
    let opts = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    };
    ws.protect_with_options(&opts);
}

fn form_sheet(ws: &mut Worksheet, t: &Template<'_>, f: &Formats) -> Result<(), XlsxError> {
    let lang = t.language;
    let d = Display::new(lang);
    ws.set_name(pick(lang, "企业季度报表", "Quarterly report"))?;
    let cols = form_columns();
    for (i, c) in cols.iter().enumerate() {
        let col = i as u16;
        ws.write_string_with_format(0, col, header(c, lang), &f.header)?;
        ws.set_column_width(col, width(c, lang))?;
    }
    ws.set_row_height(0, 72)?;
    let period = match lang {
        Language::Zh => d.quarter(t.period),
        Language::En => t.period.to_string(),
    };
    let n = t.enterprises.len() as u32;
    for (r, e) in t.enterprises.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string_with_format(row, 0, &e.credit_code, &f.locked)?;
        ws.write_string_with_format(row, 1, &e.name, &f.locked)?;
        ws.write_string_with_format(row, 2, &e.cluster, &f.locked)?;
        ws.write_string_with_format(row, 3, &period, &f.locked)?;
        for col in PREFILLED..cols.len() {
            ws.write_blank(row, col as u16, &f.input)?;
        }
    }
    if n > 0 {
        for (i, c) in cols.iter().enumerate().skip(PREFILLED) {
            validate_column(ws, t, &cols, i, c, n)?;
        }
    }
    ws.set_freeze_panes(1, 2)?;
    print_setup(ws, t, true)?;
    // Two pages across at about full size, code and name repeated on the second.
    ws.set_repeat_columns(0, 1)?;
    ws.set_print_fit_to_pages(2, 0);
    ws.set_active(true);
    protect(ws);
    Ok(())
}

/// Column widths (characters). A Chinese metric header is split into lines of equal
/// length (at most eight characters each), so no line holds a lone bracket or unit
/// (`从业人员（人` over `）`); an English one wraps at its spaces.
fn width(c: &Column, lang: Language) -> f64 {
    match c.name {
        "credit_code" => 20.0,
        "enterprise_name" => 26.0,
        "cluster" => 20.0,
        "period" => 12.0,
        _ => match lang {
            Language::Zh => {
                // A Chinese character (or full-width bracket) takes about 1.7
                // characters of column width in the sheet's font.
                let n = header(c, lang).chars().count();
                let per_line = n.div_ceil(n.div_ceil(8));
                (per_line as f64 * 1.7 + 1.2).max(9.5)
            }
            Language::En => {
                (crate::display_width(&header(c, lang)) as f64 / 3.0 + 3.0).clamp(9.5, 14.0)
            }
        },
    }
}

fn col_name(cols: &[&Column], name: &str) -> String {
    let i = cols
        .iter()
        .position(|c| c.name == name)
        .expect("form column");
    column_number_to_name(i as u16)
}

fn messages(
    dv: DataValidation,
    c: &Column,
    lang: Language,
    allowed: &str,
) -> Result<DataValidation, XlsxError> {
    let d = doc(c);
    let title = cut(&header(c, lang), 32);
    let definition = pick(lang, d.zh, d.en);
    let required = match (c.required, lang) {
        (true, Language::Zh) => "必填。",
        (false, Language::Zh) => "选填。",
        (true, Language::En) => "Required. ",
        (false, Language::En) => "Optional. ",
    };
    let sep = pick(lang, "。", ". ");
    let input = cut(&format!("{definition}{sep}{required}{allowed}"), 255);
    let error = match lang {
        Language::Zh => format!("输入有误：应为{allowed}。"),
        Language::En => format!("Not accepted: {allowed}."),
    };
    dv.set_input_title(title.clone())?
        .set_input_message(input)?
        .set_error_title(cut(pick(lang, "输入有误", "Not accepted"), 32))?
        .set_error_message(cut(&error, 255))
}

fn validate_column(
    ws: &mut Worksheet,
    t: &Template<'_>,
    cols: &[&Column],
    i: usize,
    c: &Column,
    n: u32,
) -> Result<(), XlsxError> {
    let lang = t.language;
    let col = i as u16;
    let words = allowed(c, lang);
    let dv = match c.ty {
        Type::Bool => {
            DataValidation::new().allow_list_strings(&[yes_no(true, lang), yes_no(false, lang)])?
        }
        Type::Level(levels) => DataValidation::new().allow_list_strings(&choices(levels, lang))?,
        Type::Count(max) => {
            // Excel re-anchors the relative references of a custom rule for each row
            // of the range: row 2's formula names row 2's cells.
            let all = format!("{}2", col_name(cols, "key_processes"));
            let cnc = format!("{}2", col_name(cols, "key_processes_cnc"));
            let whole = |x: &str| format!("ISNUMBER({x}),{x}=INT({x}),{x}>=0,{x}<={max}");
            match c.name {
                "key_processes_cnc" => DataValidation::new().allow_custom(Formula::new(format!(
                    "=AND({},OR(ISBLANK({all}),{cnc}<={all}))",
                    whole(&cnc)
                ))),
                "key_processes" => DataValidation::new().allow_custom(Formula::new(format!(
                    "=AND({},OR(ISBLANK({cnc}),{all}>={cnc}))",
                    whole(&all)
                ))),
                _ => DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(0, max as i32)),
            }
        }
        Type::NonNegative(max) => {
            let d = doc(c);
            // Within a year a cumulative figure does not fall: each enterprise's cell
            // warns below what was accepted for the previous quarter (W_YTD_DECREASE
            // is a warning in ingestion too: a correction may lower it).
            let prev = t
                .previous
                .filter(|p| t.enterprises.iter().any(|e| p.contains_key(&e.credit_code)));
            if let (true, Some(prev)) = (d.ytd && t.period.quarter() > 1, prev) {
                for (r, e) in t.enterprises.iter().enumerate() {
                    let row = r as u32 + 1;
                    let floor = prev.get(&e.credit_code).map_or(0.0, |p| ytd_of(p, c.name));
                    let mut dv = DataValidation::new()
                        .allow_decimal_number(DataValidationRule::Between(floor, max));
                    if floor > 0.0 {
                        let words = match lang {
                            Language::Zh => {
                                format!("{words}；本年累计数不应低于上期已接收的 {}", number(floor))
                            }
                            Language::En => format!(
                                "{words}; a year-to-date figure should not be below the {} accepted for the previous quarter",
                                number(floor)
                            ),
                        };
                        dv = messages(dv, c, lang, &words)?
                            .set_error_style(DataValidationErrorStyle::Warning);
                    } else {
                        dv = messages(dv, c, lang, &words)?;
                    }
                    ws.add_data_validation(row, col, row, col, &dv)?;
                }
                return Ok(());
            }
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, max))
        }
        Type::Number(max) => {
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(-max, max))
        }
        Type::Text(max) => {
            DataValidation::new().allow_text_length(DataValidationRule::Between(0, max as u32))
        }
        Type::Period | Type::CreditCode | Type::ClusterId => return Ok(()),
    };
    let dv = messages(dv, c, lang, &words)?;
    ws.add_data_validation(1, col, n, col, &dv)?;
    Ok(())
}

fn ytd_of(r: &ReportRow, name: &str) -> f64 {
    match name {
        "revenue_ytd" => r.revenue_ytd,
        "output_value_ytd" => r.output_value_ytd,
        "tech_upgrade_equipment_ytd" => r.tech_upgrade_equipment_ytd,
        _ => 0.0,
    }
}

/// A report row's value of a column as the form writes it.
enum Shown {
    Number(f64),
    Text(&'static str),
    Blank,
}

fn shown(r: &ReportRow, c: &Column, lang: Language) -> Shown {
    let level = |levels: Levels, v: &str| Shown::Text(level_word(levels, v, lang));
    let levels = match c.ty {
        Type::Level(l) => Some(l),
        _ => None,
    };
    match c.name {
        "revenue_ytd" => Shown::Number(r.revenue_ytd),
        "output_value_ytd" => Shown::Number(r.output_value_ytd),
        "employees" => r
            .employees
            .map_or(Shown::Blank, |e| Shown::Number(e as f64)),
        "is_sme" => Shown::Text(yes_no(r.is_sme, lang)),
        "above_scale" => Shown::Text(yes_no(r.above_scale, lang)),
        "specialized_level" => level(levels.expect("level"), r.specialized_level),
        "key_processes" => Shown::Number(r.key_processes as f64),
        "key_processes_cnc" => Shown::Number(r.key_processes_cnc as f64),
        "business_info_system" => Shown::Text(yes_no(r.business_info_system, lang)),
        "digital_rnd_tools" => Shown::Text(yes_no(r.digital_rnd_tools, lang)),
        "ecommerce" => Shown::Text(yes_no(r.ecommerce, lang)),
        "design_center_level" => level(levels.expect("level"), r.design_center_level),
        "innovation_platforms" => Shown::Number(r.innovation_platforms as f64),
        "green_factory_level" => level(levels.expect("level"), r.green_factory_level),
        "tech_upgrade_equipment_ytd" => Shown::Number(r.tech_upgrade_equipment_ytd),
        "innovation_demo_level" => level(levels.expect("level"), r.innovation_demo_level),
        "listing_status" => level(levels.expect("level"), r.listing_status),
        "core_tech_breakthroughs" => Shown::Number(r.core_tech_breakthroughs as f64),
        _ => Shown::Blank,
    }
}

/// The values a row of the form holds for a report row, in form column order from
/// the first input column: what a county would type. For tests and examples.
#[must_use]
pub fn inputs_of(r: &ReportRow, lang: Language) -> Vec<String> {
    form_columns()
        .iter()
        .skip(PREFILLED)
        .map(|c| match shown(r, c, lang) {
            Shown::Number(x) => format!("{x}"),
            Shown::Text(s) => s.to_string(),
            Shown::Blank => String::new(),
        })
        .collect()
}

fn guide_sheet(ws: &mut Worksheet, t: &Template<'_>, f: &Formats) -> Result<(), XlsxError> {
    let lang = t.language;
    let d = Display::new(lang);
    ws.set_name(pick(lang, "填报说明", "Instructions"))?;
    ws.write_string_with_format(0, 0, title_of(t), &f.title)?;
    let q = d.quarter(t.period);
    let ytd = d.year_to_date(t.period);
    let prev = d.quarter(t.period.prev());
    let form = pick(lang, "企业季度报表", "Quarterly report");
    let notes: Vec<String> = match lang {
        Language::Zh => vec![
            format!("本工作簿用于报送{}各企业{q}数据。“{form}”表中每家企业一行，统一社会信用代码、企业名称、所属集群和报告期已预填（灰色，已锁定），请在白色单元格中填写。", t.county),
            "是/否和等级类列请从下拉列表中选择；数值列只能填写规定范围内的数字，填错时会弹出提示。单位见表头括号。".into(),
            format!("表头带“本年累计”的金额为本年1月1日至本季度末的累计数（本期即{ytd}），单位万元。同一年内累计数不应低于上一季度（{prev}）已接收的数，见“上期数据”表。"),
            "数控化关键工序数不能大于关键工序数；请先填关键工序数。".into(),
            "请勿修改、增删或移动表头和列，也不要在表格上方插入标题行：系统按第一行表头识别各列。".into(),
            "本期确实无法报送的企业，请删除整行（未填写的行会被判为错误）。删除行需先撤销工作表保护：审阅 → 撤销工作表保护，没有密码。".into(),
            "填好后保存为 .xlsx 文件报送；如退回“反馈”工作簿，请按其中标色单元格的批注改正后重新报送。".into(),
        ],
        Language::En => vec![
            format!("This workbook collects {q} figures of the enterprises of {}. The \"{form}\" sheet has one row per enterprise; credit code, name, cluster and quarter are pre-filled (grey, locked). Fill in the white cells.", t.county),
            "Pick yes/no and levels from the drop-down list; number columns take numbers in the stated range only, and a wrong entry is refused with a message. Units are in the header's brackets.".into(),
            format!("Figures marked _ytd are year to date: 1 January to the end of the quarter (here {ytd}), in 10k yuan. Within a year they should not fall below what was accepted for the previous quarter ({prev}); see the \"Previous quarter\" sheet."),
            "CNC key processes may not exceed key processes; fill in key processes first.".into(),
            "Do not change, add, remove or move the header or columns, and insert no title above it: columns are recognised by the first row.".into(),
            "Delete the row of an enterprise that cannot report this quarter (an empty row is an error). Deleting rows needs the sheet unprotected: Review → Unprotect Sheet, no password.".into(),
            "Save as .xlsx and send it. If a feedback workbook comes back, fix the highlighted cells as their comments say and send the file again.".into(),
        ],
    };
    let mut row = 2u32;
    let note_format = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (i, note) in notes.iter().enumerate() {
        let text = format!("{}. {note}", i + 1);
        ws.merge_range(row, 0, row, 5, &text, &note_format)?;
        // The six merged columns are 141 wide.
        let lines = (crate::display_width(&text) / 135 + 1) as f64;
        ws.set_row_height(row, 16.0 * lines)?;
        row += 1;
    }
    row += 1;
    let heads: [&str; 6] = match lang {
        Language::Zh => ["列（表头）", "含义", "单位", "填写要求", "必填", "口径"],
        Language::En => [
            "Column (header)",
            "Meaning",
            "Unit",
            "Allowed values",
            "Required",
            "Basis",
        ],
    };
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &f.header)?;
    }
    ws.set_repeat_rows(row, row)?;
    row += 1;
    for c in form_columns() {
        let dc = doc(c);
        let basis = match (dc.ytd, c.name, lang) {
            (true, _, Language::Zh) => format!("本年累计（{ytd}）"),
            (true, _, Language::En) => format!("year to date ({ytd})"),
            (false, "core_tech_breakthroughs", _) => {
                pick(lang, "自规划起始累计", "cumulative since the plan's start").into()
            }
            (false, "period" | "credit_code" | "enterprise_name" | "cluster", _) => {
                pick(lang, "已预填", "pre-filled").into()
            }
            (false, _, _) => pick(lang, "季度末状态", "state at the quarter's end").into(),
        };
        let required = if c.required {
            pick(lang, "是", "yes")
        } else {
            pick(lang, "否", "no")
        };
        ws.write_string_with_format(row, 0, header(c, lang), &f.wrap_bold)?;
        ws.write_string_with_format(row, 1, pick(lang, dc.zh, dc.en), &f.wrap)?;
        ws.write_string_with_format(row, 2, pick(lang, dc.unit_zh, dc.unit_en), &f.wrap)?;
        ws.write_string_with_format(row, 3, allowed(c, lang), &f.wrap)?;
        ws.write_string_with_format(row, 4, required, &f.wrap)?;
        ws.write_string_with_format(row, 5, basis, &f.wrap)?;
        // Lines the wrapped cells take: the meaning in a column of 44, the allowed
        // values in one of 34 (a Chinese character is two wide).
        let lines = (crate::display_width(pick(lang, dc.zh, dc.en)) / 42)
            .max(crate::display_width(&allowed(c, lang)) / 32)
            + 1;
        ws.set_row_height(row, 15.0 * lines as f64)?;
        row += 1;
    }
    for (i, w) in [24.0, 44.0, 8.0, 34.0, 9.0, 22.0].iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    print_setup(ws, t, false)?;
    ws.set_print_fit_to_pages(1, 0);
    protect(ws);
    Ok(())
}

fn previous_sheet(ws: &mut Worksheet, t: &Template<'_>, f: &Formats) -> Result<(), XlsxError> {
    let lang = t.language;
    let d = Display::new(lang);
    ws.set_name(pick(lang, "上期数据", "Previous quarter"))?;
    let prev = t.period.prev();
    let pq = d.quarter(prev);
    let title = match lang {
        Language::Zh => format!("上期数据：{pq}已接收的数据（只读，供核对）"),
        Language::En => {
            format!("Previous quarter: figures accepted for {pq} (read only, for checking)")
        }
    };
    ws.write_string_with_format(0, 0, title, &f.title)?;
    let basis = match (lang, t.period.quarter()) {
        (Language::Zh, 1) => format!("本期为一季度：本年累计数从1月重新累计，不与{pq}比较。"),
        (Language::Zh, _) => format!("同一年内，本期的本年累计数不应低于{pq}的数。"),
        (Language::En, 1) => format!(
            "This is a first quarter: year-to-date figures start again in January and are not compared with {pq}."
        ),
        (Language::En, _) => format!(
            "Within a year, this quarter's year-to-date figures should not be below those of {pq}."
        ),
    };
    ws.write_string(1, 0, basis)?;
    let cols: Vec<&Column> = form_columns()
        .into_iter()
        .filter(|c| c.name != "cluster")
        .collect();
    let head = 3u32;
    for (i, c) in cols.iter().enumerate() {
        ws.write_string_with_format(head, i as u16, header(c, lang), &f.header)?;
        ws.set_column_width(i as u16, width(c, lang))?;
    }
    ws.set_row_height(head, 72)?;
    let empty = t.previous.is_none_or(|p| p.is_empty());
    if empty {
        let why = match (t.previous.is_some(), lang) {
            (true, Language::Zh) => format!("数据集中没有{pq}已接收的数据。"),
            (true, Language::En) => format!("The dataset holds no accepted figures for {pq}."),
            (false, Language::Zh) => "没有找到数据集，无法提供上期数据。".to_string(),
            (false, Language::En) => {
                "No dataset was found, so there are no previous figures.".to_string()
            }
        };
        ws.write_string(head + 1, 0, why)?;
    }
    let prev_words = match lang {
        Language::Zh => pq.clone(),
        Language::En => prev.to_string(),
    };
    if !empty {
        let figures = t.previous.expect("not empty");
        for (r, e) in t.enterprises.iter().enumerate() {
            let row = head + 1 + r as u32;
            ws.write_string_with_format(row, 0, &e.credit_code, &f.locked)?;
            ws.write_string_with_format(row, 1, &e.name, &f.locked)?;
            let Some(p) = figures.get(&e.credit_code) else {
                ws.write_string_with_format(row, 2, pick(lang, "未报送", "not reported"), &f.wrap)?;
                continue;
            };
            ws.write_string_with_format(row, 2, &prev_words, &f.wrap)?;
            for (i, c) in cols.iter().enumerate().skip(3) {
                let col = i as u16;
                match shown(p, c, lang) {
                    Shown::Number(x) => ws.write_number_with_format(row, col, x, &f.wrap)?,
                    Shown::Text(s) => ws.write_string_with_format(row, col, s, &f.wrap)?,
                    Shown::Blank => ws.write_blank(row, col, &f.wrap)?,
                };
            }
        }
    }
    ws.set_freeze_panes(head + 1, 2)?;
    print_setup(ws, t, false)?;
    ws.set_repeat_rows(head, head)?;
    ws.set_repeat_columns(0, 1)?;
    ws.set_print_fit_to_pages(2, 0);
    protect(ws);
    Ok(())
}
