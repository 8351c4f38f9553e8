//! The feedback workbook on one validated input file (`<file>.反馈.xlsx`), what the
//! city sends back to a county bureau:
//!
//! - 数据: the file's rows as read, each problem cell filled (errors and warnings in
//!   two colours of the shared palette) and carrying a comment with the code and the
//!   message; rows that were fine are left plain. It is the first sheet, with the
//!   file's header on the same row, so a county may fix the cells in this workbook and
//!   send it back as it is (ingestion reads the first visible sheet).
//! - 反馈摘要 (opened first): the outcome, the counts, how many of each problem, and
//!   what to do next.
//! - 问题清单: every problem as a list, for print and for problems of the file as a
//!   whole (a missing column has no cell to mark).
//!
//! The file is read again through the validator's own reader
//! ([`clusterkpi_ingest::source`]), so rows and lines are exactly those the problems
//! name, for CSV (any encoding) and workbooks alike.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use clusterkpi_ingest::source::{self, Cell, Format as SourceFormat, RawRow, ReadSettings, Stop};
use clusterkpi_ingest::{FileResult, InputKind, Options, Outcome};
use clusterkpi_model::display::{Display, palette};
use clusterkpi_model::{Code, Issue, Language, Status};
use rust_xlsxwriter::{
    Color, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};

use crate::template::rgb;
use crate::{FormsError, Result, display_width};

/// The most cells given a comment: beyond it (a file rejected for thousands of bad
/// rows, most likely the wrong template) the summary and the list still count every
/// problem, and the workbook stays small enough to open.
pub const MAX_NOTES: usize = 5_000;

/// The most lines of the file copied into the data sheet. A county's quarterly file has
/// hundreds to a few thousand rows (62,000 for the largest county at 100x the sample
/// city); a longer one is not a form a clerk corrects in a spreadsheet, and its copy
/// took 20 s for a million lines. Beyond it the problems are still all listed, with
/// their lines, and the summary says where the copy stops.
pub const DATA_ROWS: u64 = 100_000;

/// Rows of an xlsx sheet.
const SHEET_ROWS: u64 = 1_048_576;

/// The name of the feedback workbook of a file: `县报表.csv.反馈.xlsx` (in English
/// `县报表.csv.feedback.xlsx`).
#[must_use]
pub fn file_name(source: &Path, lang: Language) -> String {
    let name = source
        .file_name()
        .map_or_else(|| "input".to_string(), |n| n.to_string_lossy().into_owned());
    let suffix = match lang {
        Language::Zh => "反馈",
        Language::En => "feedback",
    };
    crate::safe_file_name(&format!("{name}.{suffix}.xlsx"))
}

fn pick(lang: Language, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
}

/// The outcome in words and its palette status (the colour of its cell).
#[must_use]
pub fn outcome_words(o: Outcome, lang: Language) -> (&'static str, Status) {
    match o {
        Outcome::Accepted => (pick(lang, "全部接收", "accepted"), Status::Achieved),
        Outcome::AcceptedWithWarnings => (
            pick(lang, "已接收，有警告", "accepted with warnings"),
            Status::OnTrack,
        ),
        Outcome::PartiallyAccepted => (
            pick(
                lang,
                "部分接收（有错误的行未接收）",
                "partially accepted (rows with errors were not)",
            ),
            Status::AtRisk,
        ),
        Outcome::Rejected => (
            pick(
                lang,
                "拒收（整份文件未接收）",
                "rejected (no row was accepted)",
            ),
            Status::Missed,
        ),
        Outcome::Duplicate => (
            pick(
                lang,
                "重复文件（与已接收的文件相同）",
                "duplicate (the same bytes were received before)",
            ),
            Status::NoData,
        ),
    }
}

/// What a problem is and how to fix it, per code.
#[must_use]
pub fn advice(code: Code, lang: Language) -> (&'static str, &'static str) {
    use Code::*;
    let (zh, en): ((&str, &str), (&str, &str)) = match code {
        E_ENCODING => (
            (
                "文字编码有误",
                "用 Excel 另存为 .xlsx，或另存为 UTF-8 编码的 CSV 后重新报送",
            ),
            (
                "the text encoding is broken",
                "save as .xlsx, or as UTF-8 CSV, and send again",
            ),
        ),
        E_FORMAT => (
            (
                "文件无法读取",
                "确认文件是 Excel（.xlsx）或 CSV 文件，扩展名与内容一致，重新导出后报送",
            ),
            (
                "the file cannot be read",
                "make sure it is an .xlsx or CSV file whose name matches its content; export it again",
            ),
        ),
        E_EMPTY => (
            ("文件没有表头", "使用下发的报表模板填报，第一行为表头"),
            (
                "the file has no header",
                "use the template sent out; the first row is the header",
            ),
        ),
        E_TOO_LARGE => (
            (
                "文件过大或问题过多",
                "确认报送的是本县本季度的报表；问题过多时多半用错了模板",
            ),
            (
                "the file is too large or has too many problems",
                "check it is this county's file for the quarter; so many problems usually mean a wrong template",
            ),
        ),
        E_KIND => (
            ("无法识别文件类型", "使用下发的报表模板，不要改动表头"),
            (
                "the kind of file is not recognised",
                "use the template sent out, headers unchanged",
            ),
        ),
        E_MISSING_COLUMN => (
            ("缺少必填列", "使用下发的报表模板，不要删除或改名任何列"),
            (
                "a required column is missing",
                "use the template sent out; delete or rename no column",
            ),
        ),
        E_DUPLICATE_COLUMN => (
            ("同一列出现两次", "删除重复的列，每列只保留一次"),
            ("a column is given twice", "keep each column once"),
        ),
        W_UNKNOWN_COLUMN => (
            (
                "多出未知列（已忽略）",
                "无需处理；如该列本应是某项指标，请按模板改正表头",
            ),
            (
                "an unknown column (ignored)",
                "nothing to do; if it was meant to be a metric, fix its header as in the template",
            ),
        ),
        E_RAGGED => (
            (
                "该行列数与表头不一致",
                "检查该行是否多了或少了分隔符（逗号），补齐或删去多余内容",
            ),
            (
                "the row has more or fewer fields than the header",
                "check for a missing or extra separator in the row",
            ),
        ),
        E_REQUIRED => (
            ("必填项为空", "填写该单元格"),
            ("a required value is empty", "fill in the cell"),
        ),
        E_TEXT => (
            ("文字不符合要求", "删去不可见字符或缩短文字"),
            (
                "the text is not acceptable",
                "remove invisible characters or shorten the text",
            ),
        ),
        E_NUMBER => (
            (
                "不是有效数字或为空",
                "填写数字，不要带单位、百分号或其他文字",
            ),
            (
                "not a number, or empty",
                "enter a number without unit, percent sign or words",
            ),
        ),
        E_RANGE => (
            (
                "数值超出允许范围",
                "核对数值：不能为负，个数须为整数，且不超过合理上限",
            ),
            (
                "the number is out of range",
                "check the figure: not negative, counts whole, below the plausible limit",
            ),
        ),
        E_BOOL => (
            ("不是“是/否”", "填写“是”或“否”"),
            ("not a yes/no value", "enter yes or no"),
        ),
        E_ENUM => (
            ("不是允许的等级", "从下拉列表或填报说明所列的取值中选择"),
            (
                "not an allowed level",
                "pick one of the values listed in the instructions",
            ),
        ),
        E_PERIOD => (
            ("报告期有误", "填写本季度，如 2025年四季度 或 2025Q4"),
            ("the quarter is not valid", "enter the quarter, e.g. 2025Q4"),
        ),
        E_CREDIT_CODE => (
            (
                "统一社会信用代码有误",
                "按营业执照核对18位代码（校验位不符多为抄错一位）",
            ),
            (
                "the credit code is not valid",
                "check the 18 characters against the business licence (a wrong check character is usually one mistyped character)",
            ),
        ),
        E_UNKNOWN_CLUSTER => (
            ("集群不在集群名录中", "按集群名录填写集群编码或名称"),
            (
                "the cluster is not on the cluster list",
                "use a cluster id or name from the list",
            ),
        ),
        E_UNKNOWN_ENTERPRISE => (
            (
                "企业不在企业名录中",
                "核对代码；新增企业请先报市局列入企业名录",
            ),
            (
                "the enterprise is not on the roster",
                "check the code; a new enterprise must first be added to the roster by the city",
            ),
        ),
        E_UNKNOWN_INDICATOR => (
            ("指标不是直报指标", "按直报指标名称填写"),
            (
                "not a directly reported indicator",
                "use the name of a directly reported indicator",
            ),
        ),
        E_CNC_EXCEEDS => (
            (
                "数控化关键工序数大于关键工序数",
                "核对两个数：数控化关键工序数不能大于关键工序数",
            ),
            (
                "CNC key processes exceed key processes",
                "check both: CNC key processes cannot exceed key processes",
            ),
        ),
        E_DUPLICATE_ROW => (
            ("同一企业同一季度出现多行", "只保留一行，删除重复的行"),
            (
                "the same enterprise and quarter appear more than once",
                "keep one row and delete the others",
            ),
        ),
        W_YTD_DECREASE => (
            (
                "本年累计数低于上一季度",
                "核对：本年累计数在同一年内不应下降；如上季度数有误，可照此报送作为更正",
            ),
            (
                "a year-to-date figure is below the previous quarter's",
                "check it: year-to-date figures do not fall within a year; if last quarter's was wrong, send this as the correction",
            ),
        ),
        E_NO_ROWS => (
            ("只有表头，没有数据", "填写各企业的数据后重新报送"),
            (
                "a header but no rows",
                "fill in the enterprises' rows and send again",
            ),
        ),
        W_BLANK_ROW => (
            (
                "该企业未填报任何数据（该行已跳过，按本期未报送计）",
                "如该企业本期有数据，补填后重新报送；确实未报送的无需处理",
            ),
            (
                "no figure was filled in for the enterprise (the row is skipped and it counts as not reporting)",
                "if the enterprise has figures for the quarter, fill them in and send again; otherwise nothing to do",
            ),
        ),
    };
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
}

fn skipped_words(s: &str, lang: Language) -> String {
    let (zh, en) = if s.starts_with("E_UNKNOWN_ENTERPRISE") {
        (
            "未核对企业是否在企业名录中（没有企业名录）",
            "whether enterprises are on the roster (no roster given)",
        )
    } else if s.starts_with("E_UNKNOWN_CLUSTER") {
        (
            "未核对集群是否在集群名录中（没有集群名录）",
            "whether clusters are on the cluster list (no list given)",
        )
    } else {
        (
            "未核对范围编码（没有集群名录或规划）",
            "scope ids against the cluster list and plan (not given)",
        )
    };
    pick(lang, zh, en).to_string()
}

/// How the file was read, in words.
fn read_as(format: &SourceFormat, lang: Language) -> String {
    match (format, lang) {
        (SourceFormat::Csv { encoding, .. }, Language::Zh) => {
            format!("CSV 文件（{} 编码）", encoding.name().to_uppercase())
        }
        (SourceFormat::Csv { encoding, .. }, Language::En) => {
            format!("CSV file ({} encoding)", encoding.name().to_uppercase())
        }
        (SourceFormat::Workbook { sheet, .. }, Language::Zh) => match sheet {
            Some(s) => format!("Excel 工作簿，工作表“{s}”"),
            None => "Excel 工作簿".into(),
        },
        (SourceFormat::Workbook { sheet, .. }, Language::En) => match sheet {
            Some(s) => format!("Excel workbook, sheet \"{s}\""),
            None => "Excel workbook".into(),
        },
    }
}

/// What the county should do next, for this result.
#[must_use]
pub fn next_steps(r: &FileResult, max_error_rate: f64, lang: Language) -> Vec<String> {
    let zh = lang == Language::Zh;
    let bad_rows = r.rows_quarantined;
    let mut out = Vec::new();
    match r.outcome {
        Outcome::Accepted => out.push(pick(lang, "文件已全部接收，无需处理。", "The file was accepted; nothing to do.").into()),
        Outcome::AcceptedWithWarnings => out.push(pick(
            lang,
            "文件已全部接收。请核对标为橙色的单元格（警告）：数据无误则无需处理；有误则改正后重新报送整份文件，新报送的行将替换原数据。",
            "The file was accepted. Check the cells marked orange (warnings): if the figures are right, nothing to do; if not, fix them and send the whole file again, and the new rows replace the old.",
        ).into()),
        Outcome::PartiallyAccepted => out.push(if zh {
            format!("无误的 {} 行已接收；标为深红色的单元格所在的 {bad_rows} 行未接收。请按批注改正这些单元格后，重新报送（可只报送改正后的行，也可报送整份文件，已接收的行再次报送会按原值更正，不会重复计算）。", r.rows_accepted)
        } else {
            format!("{} rows without errors were accepted; rows with dark red cells were not ({bad_rows}). Fix those cells as their comments say and send again (the fixed rows alone, or the whole file: rows sent again replace the earlier ones and are not counted twice).", r.rows_accepted)
        }),
        Outcome::Rejected => {
            if let Some(i) = r.issues.iter().find(|i| i.code.is_file_level()) {
                let (what, fix) = advice(i.code, lang);
                let msg = if zh { &i.message_zh } else { &i.message_en };
                out.push(if zh {
                    format!("整份文件未接收：{what}（{msg}）。{fix}。")
                } else {
                    format!("The file was rejected: {what} ({msg}). Fix: {fix}.")
                });
            } else {
                let limit = clusterkpi_model::display::fixed(max_error_rate * 100.0, 1);
                let bad = r
                    .issues
                    .iter()
                    .filter(|i| !i.is_warning())
                    .map(|i| i.line)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                let share = Display::new(lang).share(bad as u64, r.rows_read);
                out.push(if zh {
                    format!("整份文件未接收：{} 行中有 {bad} 行有错误（{share}），超过 {limit}% 的上限，多半用错了模板或整列填错。请按批注改正标为深红色的单元格后重新报送整份文件。", r.rows_read)
                } else {
                    format!("The file was rejected: {bad} of {} rows have errors ({share}), above the {limit}% limit — most likely a wrong template or a whole column filled wrongly. Fix the dark red cells as their comments say and send the whole file again.", r.rows_read)
                });
            }
        }
        Outcome::Duplicate => out.push(pick(lang, "与此前已接收的文件完全相同，未重复处理，无需处理。", "The same bytes were received before; nothing was done and nothing is to do.").into()),
    }
    if r.issues
        .iter()
        .any(|i| i.line > 0 && !i.code.is_file_level())
    {
        out.push(pick(
            lang,
            "改正方法：在“数据”表中找到标色的单元格，鼠标移到单元格上可看到批注（问题代码和说明）。可在原文件中改正后报送，也可直接在本工作簿的“数据”表中改正、保存后报送本工作簿。",
            "How: in the Data sheet, hover over each coloured cell to read its comment (code and message). Fix the original file and send it, or fix the cells in this workbook's Data sheet and send this workbook.",
        ).into());
    }
    out
}

struct Formats {
    error: Format,
    warning: Format,
    /// The same, top-aligned beside wrapped text.
    error_top: Format,
    warning_top: Format,
    top: Format,
    header: Format,
    title: Format,
    key: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        // Wine red and orange: apart in hue and in lightness, so errors and warnings
        // stay distinct for colour-blind readers and in greyscale print.
        let error_fill = palette::status(Status::Missed);
        let warning_fill = palette::ATTENTION;
        let grid = Color::RGB(rgb(palette::GRID));
        let error = Format::new()
            .set_background_color(Color::RGB(rgb(error_fill)))
            .set_font_color(Color::RGB(rgb(palette::ink_on(error_fill))))
            .set_bold();
        let warning = Format::new()
            .set_background_color(Color::RGB(rgb(warning_fill)))
            .set_font_color(Color::RGB(rgb(palette::ink_on(warning_fill))));
        Self {
            error_top: error.clone().set_align(FormatAlign::Top),
            warning_top: warning.clone().set_align(FormatAlign::Top),
            top: Format::new().set_align(FormatAlign::Top),
            error: Format::new()
                .set_background_color(Color::RGB(rgb(error_fill)))
                .set_font_color(Color::RGB(rgb(palette::ink_on(error_fill))))
                .set_bold(),
            warning: Format::new()
                .set_background_color(Color::RGB(rgb(warning_fill)))
                .set_font_color(Color::RGB(rgb(palette::ink_on(warning_fill)))),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(grid)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter),
            title: Format::new().set_bold().set_font_size(14),
            key: Format::new()
                .set_bold()
                .set_align(FormatAlign::Top)
                .set_background_color(grid),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// Writes the feedback workbook of `source` (as processed into `result`, read with
/// the same `opts`) into `dir`; returns its path. The file is read again; a file that
/// cannot be read (the reason it was rejected) gets a summary and an empty data sheet.
pub fn write(
    dir: &Path,
    source: &Path,
    result: &FileResult,
    opts: &Options,
    lang: Language,
) -> Result<PathBuf> {
    write_rows(dir, source, result, opts, lang, DATA_ROWS)
}

/// [`write`], the data sheet holding the file's first `data_rows` lines.
pub(crate) fn write_rows(
    dir: &Path,
    source: &Path,
    result: &FileResult,
    opts: &Options,
    lang: Language,
    data_rows: u64,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| FormsError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let path = dir.join(file_name(source, lang));
    let xlsx = |e| FormsError::Xlsx {
        path: path.clone(),
        source: e,
    };
    let f = Formats::new();
    let mut wb = Workbook::new();
    // The data sheet's rows go to an unnamed temporary file beside the workbook: the
    // system's temporary folder may be in memory.
    wb.set_tempdir(dir).map_err(xlsx)?;
    // The sheet the problems name, else the one asked for, else the first visible one.
    let sheet = result
        .issues
        .iter()
        .find_map(|i| i.sheet.clone())
        .or_else(|| opts.sheet.clone());
    let format = source::probe(source, opts.encoding, sheet.as_deref(), &opts.limits).ok();
    let copied = {
        // Written a row at a time, each row to a file as the next one starts ("low
        // memory": shared strings are still kept, so the workbook is as small as in
        // memory): in memory, a file of 2.1 million rows, rejected for its size, took
        // 5.5 GB and 20 s (its first 1,048,576 rows), where the whole ingest holds
        // under 1 GiB.
        let ws = wb.add_worksheet_with_low_memory().map_err(xlsx)?;
        data_sheet(
            ws,
            source,
            format.as_ref(),
            result,
            opts,
            lang,
            &f,
            data_rows,
        )
        .map_err(xlsx)?
    };
    {
        let ws = wb.add_worksheet();
        summary_sheet(ws, source, format.as_ref(), result, opts, lang, &copied, &f)
            .map_err(xlsx)?;
    }
    {
        let ws = wb.add_worksheet();
        list_sheet(ws, result, lang, &f).map_err(xlsx)?;
    }
    wb.save(&path).map_err(xlsx)?;
    Ok(path)
}

/// A CSV field written as a number only when it reads back the same (so a code with
/// leading zeros or 18 digits stays text).
fn as_number(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && format!("{v}") == s).then_some(v)
}

fn note_text(issues: &[&Issue], lang: Language) -> String {
    issues
        .iter()
        .map(|i| match lang {
            Language::Zh => format!("{}：{}", i.code, i.message_zh),
            Language::En => format!("{}: {}", i.code, i.message_en),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the data sheet holds of the file.
struct Copied {
    /// Cells given a comment (at most [`MAX_NOTES`]).
    noted: usize,
    /// The lines copied, when the file has more ([`DATA_ROWS`]).
    cut: Option<u64>,
}

#[allow(clippy::too_many_arguments)]
fn data_sheet(
    ws: &mut Worksheet,
    source: &Path,
    format: Option<&SourceFormat>,
    result: &FileResult,
    opts: &Options,
    lang: Language,
    f: &Formats,
    data_rows: u64,
) -> Result<Copied, XlsxError> {
    ws.set_name(pick(lang, "数据", "Data"))?;
    let Some(format) = format else {
        ws.write_string(
            0,
            0,
            pick(
                lang,
                "文件无法读取，问题见“反馈摘要”。",
                "The file cannot be read; see the Summary sheet.",
            ),
        )?;
        return Ok(Copied {
            noted: 0,
            cut: None,
        });
    };
    // Problems by line; the cell of each is found once the header is known.
    let mut by_line: HashMap<u64, Vec<&Issue>> = HashMap::new();
    for i in &result.issues {
        if i.line > 0 && !i.code.is_file_level() {
            by_line.entry(i.line).or_default().push(i);
        }
    }
    let mut header: Option<(u64, HashMap<String, u16>)> = None;
    let mut widths: Vec<usize> = Vec::new();
    let mut error: Option<XlsxError> = None;
    let mut noted = 0usize;
    let mut cut = None;
    let mut visit = |row: RawRow| -> std::result::Result<(), Stop> {
        if row.line > data_rows {
            cut = Some(data_rows);
            return Err(Stop);
        }
        if row.line == 0 {
            return Err(Stop);
        }
        let r = (row.line - 1) as u32;
        if header.is_none() && !row.cells.iter().all(Cell::is_empty) {
            let cols = row
                .cells
                .iter()
                .enumerate()
                .rev()
                .map(|(c, cell)| (clusterkpi_ingest::value::shown(&cell.display()), c as u16))
                .collect();
            header = Some((row.line, cols));
        }
        // The cell each problem of this line belongs to: its column, or the first
        // cell for a problem of the row as a whole.
        let mut marks: BTreeMap<u16, Vec<&Issue>> = BTreeMap::new();
        if let Some(issues) = by_line.get(&row.line) {
            for i in issues {
                let col = header
                    .as_ref()
                    .and_then(|(_, cols)| cols.get(&i.column).copied())
                    .unwrap_or(0);
                marks.entry(col).or_default().push(i);
            }
        }
        let is_header = header.as_ref().is_some_and(|(l, _)| *l == row.line);
        if is_header && let Err(e) = ws.set_row_height(r, 60) {
            error = Some(e);
            return Err(Stop);
        }
        let last = row
            .cells
            .len()
            .max(marks.keys().next_back().map_or(0, |c| *c as usize + 1));
        let res = (|| -> std::result::Result<(), XlsxError> {
            for c in 0..last.min(16_384) {
                let cell = row.cells.get(c).unwrap_or(&Cell::Empty);
                let col = c as u16;
                let mark = marks.get(&col);
                let fmt = match mark {
                    Some(is) if is.iter().any(|i| !i.is_warning()) => Some(&f.error),
                    Some(_) => Some(&f.warning),
                    None if is_header => Some(&f.header),
                    None => None,
                };
                let text = cell.display();
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                widths[c] = widths[c].max(display_width(&text) / if is_header { 4 } else { 1 });
                match (cell, fmt) {
                    (Cell::Empty, Some(fm)) => ws.write_blank(r, col, fm).map(|_| ())?,
                    (Cell::Empty, None) => {}
                    (Cell::Number(n), Some(fm)) => {
                        ws.write_number_with_format(r, col, *n, fm).map(|_| ())?
                    }
                    (Cell::Number(n), None) => ws.write_number(r, col, *n).map(|_| ())?,
                    (Cell::Bool(b), Some(fm)) => {
                        ws.write_boolean_with_format(r, col, *b, fm).map(|_| ())?
                    }
                    (Cell::Bool(b), None) => ws.write_boolean(r, col, *b).map(|_| ())?,
                    (Cell::Text(s), fm) if !is_header && as_number(s).is_some() => {
                        let n = as_number(s).expect("checked");
                        match fm {
                            Some(fm) => ws.write_number_with_format(r, col, n, fm).map(|_| ())?,
                            None => ws.write_number(r, col, n).map(|_| ())?,
                        }
                    }
                    (_, Some(fm)) => ws.write_string_with_format(r, col, &text, fm).map(|_| ())?,
                    (_, None) => ws.write_string(r, col, &text).map(|_| ())?,
                }
                if let Some(is) = mark
                    && noted < MAX_NOTES
                {
                    let note = Note::new(note_text(is, lang))
                        .add_author_prefix(false)
                        .set_width(300)
                        .set_height(40 + 40 * is.len() as u32);
                    ws.insert_note(r, col, &note)?;
                    noted += 1;
                }
            }
            Ok(())
        })();
        if let Err(e) = res {
            error = Some(e);
            return Err(Stop);
        }
        Ok(())
    };
    let settings = ReadSettings {
        limits: &opts.limits,
        workbooks: &opts.workbooks,
    };
    // A file that fails part way (the reason it was rejected) keeps the rows read.
    let _ = source::visit_rows(source, format, settings, &mut visit);
    if let Some(e) = error {
        return Err(e);
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 1.0).clamp(6.0, 40.0))?;
    }
    if let Some((line, _)) = header {
        let r = (line - 1) as u32;
        ws.set_freeze_panes(r + 1, 0)?;
        ws.set_repeat_rows(r, r)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(2, 0);
    Ok(Copied { noted, cut })
}

#[allow(clippy::too_many_arguments)]
fn summary_sheet(
    ws: &mut Worksheet,
    source: &Path,
    format: Option<&SourceFormat>,
    r: &FileResult,
    opts: &Options,
    lang: Language,
    copied: &Copied,
    f: &Formats,
) -> Result<(), XlsxError> {
    let noted = copied.noted;
    let d = Display::new(lang);
    ws.set_name(pick(lang, "反馈摘要", "Summary"))?;
    ws.set_active(true);
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 8)?;
    ws.set_column_width(3, 60)?;
    let name = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    ws.write_string_with_format(
        0,
        0,
        pick(lang, "数据报送反馈", "Feedback on a submitted file"),
        &f.title,
    )?;
    let (outcome, status) = outcome_words(r.outcome, lang);
    let fill = palette::status(status);
    let outcome_fmt = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(rgb(fill)))
        .set_font_color(Color::RGB(rgb(palette::ink_on(fill))));
    let kind = match (r.kind, lang) {
        (Some(k), Language::Zh) => k.name_zh().to_string(),
        (Some(InputKind::Reports), Language::En) => "quarterly enterprise reports".into(),
        (Some(InputKind::Roster), Language::En) => "enterprise roster".into(),
        (Some(InputKind::Clusters), Language::En) => "cluster list".into(),
        (Some(InputKind::Values), Language::En) => "directly reported values".into(),
        (None, _) => pick(lang, "无法识别", "not recognised").into(),
    };
    let quarters = if r.periods.is_empty() {
        clusterkpi_model::display::DASH.to_string()
    } else {
        r.periods
            .iter()
            .map(|p| d.quarter(*p))
            .collect::<Vec<_>>()
            .join(pick(lang, "、", ", "))
    };
    let count = |n: u64| n.to_string();
    let mut facts: Vec<(&str, String, Option<&Format>)> = vec![
        (pick(lang, "文件", "File"), name, None),
        (pick(lang, "类型", "Kind"), kind, None),
        (
            pick(lang, "读取方式", "Read as"),
            format.map_or_else(
                || pick(lang, "无法读取", "unreadable").into(),
                |fm| read_as(fm, lang),
            ),
            None,
        ),
        (
            pick(lang, "处理结果", "Outcome"),
            outcome.into(),
            Some(&outcome_fmt),
        ),
        (
            pick(lang, "数据行数", "Rows read"),
            count(r.rows_read),
            None,
        ),
        (
            pick(lang, "接收行数", "Rows accepted"),
            count(r.rows_accepted),
            None,
        ),
        (
            pick(lang, "未接收行数", "Rows not accepted"),
            count(r.rows_quarantined),
            None,
        ),
        (pick(lang, "警告", "Warnings"), count(r.warnings), None),
        (
            pick(lang, "接收的季度", "Quarters accepted"),
            quarters,
            None,
        ),
        (
            pick(lang, "检查时间", "Checked"),
            d.time(&clusterkpi_model::now_rfc3339()),
            None,
        ),
    ];
    for s in &r.skipped_checks {
        facts.push((
            pick(lang, "未做的检查", "Not checked"),
            skipped_words(s, lang),
            None,
        ));
    }
    let mut row = 2u32;
    for (k, v, fm) in facts {
        ws.write_string_with_format(row, 0, k, &f.key)?;
        match fm {
            Some(fm) => ws.write_string_with_format(row, 1, v, fm)?,
            None => ws.write_string(row, 1, v)?,
        };
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, pick(lang, "下一步", "What to do next"), &f.title)?;
    row += 1;
    for step in next_steps(r, opts.max_error_rate, lang) {
        ws.merge_range(row, 0, row, 3, &step, &f.wrap)?;
        // The four merged columns are 130 wide; a margin for where words break.
        let lines = display_width(&step) / 100 + 1;
        ws.set_row_height(row, 16.0 * lines as f64)?;
        row += 1;
    }
    // The problems in the lines copied (the others have no cell in the data sheet).
    let in_copy = r
        .issues
        .iter()
        .filter(|i| i.line > 0 && !i.code.is_file_level())
        .filter(|i| copied.cut.is_none_or(|lines| i.line <= lines))
        .count();
    if noted < in_copy {
        let s = match lang {
            Language::Zh => {
                format!("问题过多，“数据”表只为前 {noted} 个单元格加了批注；全部问题见“问题清单”。")
            }
            Language::En => format!(
                "Too many problems: only the first {noted} cells carry a comment in the Data sheet; the Problems sheet lists them all."
            ),
        };
        ws.merge_range(row, 0, row, 3, &s, &f.wrap)?;
        row += 1;
    }
    if let Some(lines) = copied.cut {
        let s = match lang {
            Language::Zh => format!(
                "文件较长，“数据”表只抄录了前 {lines} 行，其后各行的问题不在其中：全部问题及其行号见“问题清单”，请在原文件中改正。"
            ),
            Language::En => format!(
                "The file is long: the Data sheet copies its first {lines} lines only, without the problems of the lines after them; the Problems sheet lists every problem with its line, to be corrected in the file itself."
            ),
        };
        ws.merge_range(row, 0, row, 3, &s, &f.wrap)?;
        ws.set_row_height(row, 32)?;
        row += 1;
    }
    row += 1;
    if !r.issues.is_empty() {
        ws.write_string_with_format(row, 0, pick(lang, "问题统计", "Problems by kind"), &f.title)?;
        row += 1;
        let heads = match lang {
            Language::Zh => ["代码", "问题", "处数", "怎么改"],
            Language::En => ["Code", "Problem", "Count", "How to fix"],
        };
        for (i, h) in heads.iter().enumerate() {
            ws.write_string_with_format(row, i as u16, *h, &f.header)?;
        }
        row += 1;
        let mut counts: BTreeMap<Code, u64> = BTreeMap::new();
        for i in &r.issues {
            *counts.entry(i.code).or_default() += 1;
        }
        for (code, n) in counts {
            let (what, fix) = advice(code, lang);
            let fm = if code.is_warning() {
                &f.warning_top
            } else {
                &f.error_top
            };
            ws.write_string_with_format(row, 0, code.as_str(), fm)?;
            ws.write_string_with_format(row, 1, what, &f.wrap)?;
            ws.write_number_with_format(row, 2, n as f64, &f.top)?;
            ws.write_string_with_format(row, 3, fix, &f.wrap)?;
            let lines = (display_width(fix) / 58).max(display_width(what) / 38) + 1;
            ws.set_row_height(row, 16.0 * lines as f64)?;
            row += 1;
        }
        row += 1;
        ws.write_string_with_format(row, 0, pick(lang, "标色说明", "Colours"), &f.title)?;
        row += 1;
        ws.write_string_with_format(row, 0, pick(lang, "错误", "Error"), &f.error)?;
        ws.write_string(
            row,
            1,
            pick(
                lang,
                "该行未接收，请改正后重新报送",
                "the row was not accepted; fix it and send again",
            ),
        )?;
        row += 1;
        ws.write_string_with_format(row, 0, pick(lang, "警告", "Warning"), &f.warning)?;
        ws.write_string(
            row,
            1,
            pick(
                lang,
                "该行已接收，请核对",
                "the row was accepted; please check it",
            ),
        )?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn list_sheet(
    ws: &mut Worksheet,
    r: &FileResult,
    lang: Language,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(pick(lang, "问题清单", "Problems"))?;
    let heads = match lang {
        Language::Zh => ["行号", "列", "代码", "值", "说明"],
        Language::En => ["Line", "Column", "Code", "Value", "Message"],
    };
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &f.header)?;
    }
    for (w, c) in [8.0, 22.0, 22.0, 22.0, 70.0].iter().zip(0u16..) {
        ws.set_column_width(c, *w)?;
    }
    for (n, i) in r.issues.iter().enumerate() {
        let row = n as u32 + 1;
        if u64::from(row) >= SHEET_ROWS {
            break;
        }
        if i.line > 0 {
            ws.write_number(row, 0, i.line as f64)?;
        } else {
            ws.write_string(row, 0, pick(lang, "整个文件", "file"))?;
        }
        ws.write_string(row, 1, &i.column)?;
        let fm = if i.is_warning() { &f.warning } else { &f.error };
        ws.write_string_with_format(row, 2, i.code.as_str(), fm)?;
        ws.write_string(row, 3, &i.value)?;
        ws.write_string_with_format(
            row,
            4,
            if lang == Language::Zh {
                &i.message_zh
            } else {
                &i.message_en
            },
            &f.wrap,
        )?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
