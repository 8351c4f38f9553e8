//! `kpis.xlsx`: the scorecard, the series and the validation issues as worksheets, for
//! planners who read, filter, print and re-use the figures in Excel or WPS.
//!
//! The workbook is for people; the CSVs are the contract for tools. So each sheet has
//! two header rows: the first names the columns in the report's language, the second
//! holds the contract's column ids (`value`, `status`, …; `scope_name`,
//! `indicator_name` for the readable names beside the ids), in small grey type, with the
//! filter buttons. A tool reads the sheet with the second row as its header (pandas
//! `header=1`) and finds every column under its CSV name; the id columns `scope_id` and
//! `indicator` are kept, in a collapsed group of extras at the right, as the keys to join on. Values a CSV
//! writes as codes are words here: statuses with their marker and palette fill
//! ("● 已完成"), scopes, roles, trends, quarters as 2025年四季度.
//!
//! Numbers are stored as numbers, unrounded, and *displayed* rounded by a number
//! format: rates are percent numbers (45.25 shows as 45.3%, by the format `0.0"%"`,
//! never scaled by 100), progress a fraction shown as a percentage or 超额完成, counts
//! whole. Money is stored in 万元 in the CSVs; here it is divided by 10,000 and the unit
//! column says 亿元 (a number format can scale only by thousands), shown with one
//! decimal, more when a comparison with the target or a small amount needs them — the
//! decimals [`Display`] would print.
//!
//! Every cell is set in an East Asian font, the default of Chinese Excel (等线,
//! GB2312 character set), so Chinese text does not fall back to a Latin font. Printing:
//! A4 landscape, one page wide, the header rows repeated, page numbers in the footer.
//!
//! Formula injection: a text cell is never evaluated by Excel, but re-editing it
//! would be. A text that would start a formula (`=`, `+`, `-`, `@` followed by more
//! than dashes) is marked with Excel's quote prefix, a cell *format*, so the cell's
//! text stays exactly what the input held: no `'` is added to any value ("—" or "-"
//! alone is left as it is). Numbers are written as numbers and never need it.
//!
//! The workbook must always be writable, whatever the input files held: issues stay in
//! the dataset, so one unwritable value would fail every later report too. Excel holds
//! at most 32,767 characters in a cell and 1,048,576 rows in a sheet, so every text
//! cell is cut to the cell limit with a visible marker ([`cell_text`]) and every sheet
//! lists at most [`MAX_SHEET_ROWS`] rows, then one row saying how many more its CSV
//! holds. The CSVs keep everything in full.

use std::borrow::Cow;
use std::rc::Rc;

use clusterkpi_model::display::{Display, ShownUnit, palette};
use clusterkpi_model::{Evaluation, Language, Period, Scope, Status, Trend};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::rows;
use crate::text::{Text, display_width};

/// A4 in Excel's paper-size codes.
const PAPER_A4: u8 = 9;

/// The East Asian font of every cell: Chinese Excel's default since 2016 (WPS and
/// LibreOffice substitute their CJK sans when it is absent), with the GB2312 character
/// set so Excel picks it for Chinese text.
const FONT: &str = "等线";
const FONT_CHARSET_GB2312: u8 = 134;
const FONT_SIZE: f64 = 11.0;

/// Excel's limit on the text of one cell: 32,767 characters, counted (as Excel and
/// rust_xlsxwriter count them) in UTF-16 code units.
const MAX_CELL_UNITS: usize = 32_767;

/// Rows a sheet lists at most, below Excel's 1,048,576 per sheet with room for the
/// two header rows and the closing "N more rows" row.
pub(crate) const MAX_SHEET_ROWS: usize = 1_000_000;
const _: () = assert!(
    MAX_SHEET_ROWS + 3 <= 1_048_576,
    "header rows + rows + closing row"
);

/// Rows above the data: the readable names, then the contract ids.
const HEADER_ROWS: u32 = 2;

/// The text of a cell as written: if longer than Excel allows, cut on a character
/// boundary and ended by `marker` (which names the CSV holding the full text). The one
/// way text reaches a cell.
fn cell_text<'a>(s: &'a str, marker: &str) -> Cow<'a, str> {
    if s.len() <= MAX_CELL_UNITS || s.encode_utf16().count() <= MAX_CELL_UNITS {
        // A UTF-8 string has at least as many bytes as UTF-16 units: short enough.
        return Cow::Borrowed(s);
    }
    let room = MAX_CELL_UNITS - marker.encode_utf16().count();
    let mut units = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > room {
            break;
        }
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}{marker}", &s[..end]))
}

/// Whether Excel would read this text, typed into a cell, as a formula (or turn it into
/// a number): it starts with `=`, `+`, `-` or `@` and is more than a run of dashes.
fn starts_formula(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('=' | '+' | '-' | '@'))
        && !chars.as_str().trim().is_empty()
        && !s.chars().all(|c| c == '-' || c.is_whitespace())
}

/// A format in the workbook's font.
fn base() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_charset(FONT_CHARSET_GB2312)
        .set_font_size(FONT_SIZE)
}

fn rgb(c: palette::Rgb) -> Color {
    Color::RGB((u32::from(c.0) << 16) | (u32::from(c.1) << 8) | u32::from(c.2))
}

/// The number format showing `decimals` places, grouped thousands, and a unit sign.
fn number_format(unit: ShownUnit, decimals: usize) -> String {
    let mut f = String::from("#,##0");
    if decimals > 0 {
        f.push('.');
        f.push_str(&"0".repeat(decimals));
    }
    if unit == ShownUnit::Percent {
        // A literal sign: the stored value is already in percent.
        f.push_str("\"%\"");
    }
    f
}

/// Decimals of a figure as [`Display::number`] writes it.
fn decimals_of(written: &str) -> usize {
    written.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Formats shared by the sheets.
struct Formats {
    header: Format,
    ids: Format,
    /// The default format ([`base`]) with the quote prefix, for a text that would
    /// start a formula.
    text_guarded: Format,
    integer: Format,
    progress: Format,
    note: Format,
}

impl Formats {
    fn new(lang: Language) -> Self {
        let exceeded = match lang {
            Language::Zh => "超额完成",
            Language::En => "exceeded",
        };
        Self {
            header: base()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xE8EEF5))
                .set_border_bottom(FormatBorder::Thin),
            ids: base()
                .set_font_size(8)
                .set_font_color(rgb(palette::MUTED))
                .set_border_bottom(FormatBorder::Thin),
            text_guarded: base().set_quote_prefix(),
            integer: base().set_num_format("#,##0"),
            // Progress is a fraction; above 100% (beyond the status rule's tolerance)
            // it reads 超额完成 as everywhere in the report, the figure kept in the cell.
            progress: base().set_num_format(format!("[>1.000000001]\"{exceeded}\";[<0]-0.0%;0.0%")),
            note: base().set_italic(),
        }
    }

    fn status(s: Status) -> Format {
        let fill = palette::status(s);
        if s == Status::NoTarget {
            return base().set_font_color(rgb(palette::MUTED));
        }
        base()
            .set_background_color(rgb(fill))
            .set_font_color(rgb(palette::ink_on(fill)))
            .set_bold()
    }
}

/// How many rows a sheet lists and what it says about the rest.
#[derive(Clone, Copy)]
struct Limits {
    /// Rows listed per sheet ([`MAX_SHEET_ROWS`]; smaller in tests).
    rows: usize,
    t: Text,
}

/// One column: its readable name in each language, its contract id, and whether it is
/// one of the extras a person rarely needs (ids, codes, what every row shares), set
/// last in a collapsed group: one click shows them, and print leaves them out.
struct Column {
    zh: &'static str,
    en: &'static str,
    id: &'static str,
    extra: bool,
}

const fn column(zh: &'static str, en: &'static str, id: &'static str) -> Column {
    Column {
        zh,
        en,
        id,
        extra: false,
    }
}

const fn extra(zh: &'static str, en: &'static str, id: &'static str) -> Column {
    Column {
        zh,
        en,
        id,
        extra: true,
    }
}

/// Writes one sheet row by row, tracking column widths.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    columns: &'a [Column],
    widths: Vec<usize>,
    row: u32,
    /// The CSV with this sheet's rows in full, named by the truncation marker and the
    /// closing row.
    csv: &'static str,
    marker: String,
    limits: Limits,
    /// The closing "N more rows" row, if written.
    closing: Option<u32>,
    /// The number formats of figures made so far, by shown unit and decimals: a
    /// sheet has a handful, made once instead of for each cell.
    figure_formats: Vec<((ShownUnit, usize), Rc<Format>)>,
    /// The rows with text wider than a column may grow, and the lines the widest
    /// wraps to there: each is made that tall ([`Sheet::finish`]).
    wrapped: Vec<(u32, usize)>,
}

/// The widest a column grows, in characters; longer text wraps.
const MAX_WIDTH: usize = 40;

/// The workbook's row height, in pixels (`set_default_format`).
const ROW_PIXELS: u32 = 20;

/// The height of a row of one line, in points (a pixel is ¾ point).
const LINE_HEIGHT: f64 = ROW_PIXELS as f64 * 0.75;

/// The lines text `width` characters wide wraps to in a column [`MAX_WIDTH`] wide,
/// counted a little short of the width, as wrapping breaks between words.
fn wrapped_lines(width: usize) -> usize {
    width.div_ceil(MAX_WIDTH - 4)
}

impl<'a> Sheet<'a> {
    fn new(
        ws: &'a mut Worksheet,
        name: &str,
        columns: &'a [Column],
        csv: &'static str,
        limits: Limits,
        f: &Formats,
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        let mut sheet = Self {
            ws,
            columns,
            widths: vec![0; columns.len()],
            row: 0,
            csv,
            marker: limits.t.truncated_marker(csv),
            limits,
            closing: None,
            figure_formats: Vec::new(),
            wrapped: Vec::new(),
        };
        let lang = limits.t.lang();
        for (c, column) in columns.iter().enumerate() {
            let name = match lang {
                Language::Zh => column.zh,
                Language::En => column.en,
            };
            sheet
                .ws
                .write_string_with_format(0, col(c), name, &f.header)?;
            sheet
                .ws
                .write_string_with_format(1, col(c), column.id, &f.ids)?;
            // Headers wrap, so they widen a column only up to a few characters.
            sheet.widen(c, display_width(name).min(10));
        }
        sheet.row = HEADER_ROWS - 1;
        Ok(sheet)
    }

    /// The rows of `items` this sheet lists; past the limit, writes the closing row
    /// saying how many more the CSV holds.
    fn listed<'i, T>(&mut self, items: &'i [T], f: &Formats) -> Result<&'i [T], XlsxError> {
        if items.len() <= self.limits.rows {
            return Ok(items);
        }
        let rest = items.len() - self.limits.rows;
        let note = self.limits.t.more_rows_in(rest, self.csv);
        let row = HEADER_ROWS + u32::try_from(self.limits.rows).expect("below Excel's row limit");
        let text = cell_text(&note, &self.marker);
        self.ws
            .write_string_with_format(row, 0, text.as_ref(), &f.note)?;
        self.closing = Some(row);
        Ok(&items[..self.limits.rows])
    }

    fn next_row(&mut self) {
        self.row += 1;
    }

    /// A text cell; guarded against formula injection only where it would start one.
    /// The columns that name a row: quarter, scope and indicator, as ids and as words.
    fn key(
        &mut self,
        eval: &Evaluation,
        period: Period,
        scope: Scope,
        scope_id: &str,
        indicator: &str,
        f: &Formats,
    ) -> Result<(), XlsxError> {
        let (lang, d) = (eval.language, Display::new(eval.language));
        self.text("period", &d.quarter(period), f)?;
        self.text("scope", scope_word(scope, lang), f)?;
        self.text("scope_id", scope_id, f)?;
        self.text("scope_name", &eval.scope_name(scope, scope_id), f)?;
        self.text("indicator", indicator, f)?;
        let name = eval
            .indicator(indicator)
            .map_or(indicator, |i| i.name_in(lang));
        self.text("indicator_name", name, f)
    }

    fn text(&mut self, id: &str, s: &str, f: &Formats) -> Result<(), XlsxError> {
        // Plain text is written without a format: it takes the workbook's default,
        // which is [`base`]. The writer hashes a cell's format to find its style, and
        // a series row is mostly text: at 10x the sample city, looking up the same
        // format for every text cell was a third of building the workbook.
        let format = starts_formula(s).then_some(&f.text_guarded);
        self.cell_text(id, s, format)
    }

    fn text_with(&mut self, id: &str, s: &str, format: &Format) -> Result<(), XlsxError> {
        self.cell_text(id, s, Some(format))
    }

    fn cell_text(&mut self, id: &str, s: &str, format: Option<&Format>) -> Result<(), XlsxError> {
        let c = self.at(id);
        if !s.is_empty() {
            let s = cell_text(s, &self.marker);
            match format {
                Some(format) => {
                    self.ws
                        .write_string_with_format(self.row, col(c), s.as_ref(), format)?
                }
                None => self.ws.write_string(self.row, col(c), s.as_ref())?,
            };
            let width = display_width(&s);
            if width > MAX_WIDTH {
                let lines = wrapped_lines(width);
                match self.wrapped.last_mut() {
                    Some((row, most)) if *row == self.row => *most = (*most).max(lines),
                    _ => self.wrapped.push((self.row, lines)),
                }
            }
            self.widen(c, width);
        }
        Ok(())
    }

    fn number(&mut self, id: &str, v: Option<f64>, format: &Format) -> Result<(), XlsxError> {
        let c = self.at(id);
        if let Some(x) = v.filter(|x| x.is_finite()) {
            self.ws
                .write_number_with_format(self.row, col(c), x, format)?;
            // What the number format shows, roughly: digits, separators, a decimal.
            let digits = integer_digits(x);
            self.widen(c, digits + digits / 3 + 4);
        }
        Ok(())
    }

    /// A stored figure in its shown unit, with the decimals [`Display`] would print.
    fn figure(
        &mut self,
        id: &str,
        v: Option<f64>,
        unit: ShownUnit,
        decimals: Option<usize>,
        d: Display,
    ) -> Result<(), XlsxError> {
        let Some(x) = v.filter(|x| x.is_finite()) else {
            return Ok(());
        };
        let decimals = match decimals {
            Some(n) if !unit.is_count() => n,
            _ => decimals_of(&d.number(x, unit)),
        };
        let key = (unit, decimals);
        let format = match self.figure_formats.iter().find(|(k, _)| *k == key) {
            Some((_, format)) => Rc::clone(format),
            None => {
                let format = Rc::new(base().set_num_format(number_format(unit, decimals)));
                self.figure_formats.push((key, Rc::clone(&format)));
                format
            }
        };
        self.number(id, Some(unit.scale(x)), &format)
    }

    /// The position of the column with contract id `id`.
    fn at(&self, id: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.id == id)
            .unwrap_or_else(|| panic!("no column {id} in this sheet"))
    }

    fn widen(&mut self, c: usize, w: usize) {
        if c < self.widths.len() {
            self.widths[c] = self.widths[c].max(w);
        }
    }

    /// Frozen header rows, filter buttons on the id row over the data (not the closing
    /// row), widths that fit the content (capped so one long message does not make a
    /// column a screen wide; longer text wraps), extras grouped and collapsed, and the print setup:
    /// A4 landscape, one page wide, header rows on every page, centred, gridlines,
    /// page numbers.
    fn finish(self) -> Result<(), XlsxError> {
        let last_col = col(self.columns.len().saturating_sub(1));
        self.ws.set_freeze_panes(HEADER_ROWS, 0)?;
        self.ws
            .autofilter(HEADER_ROWS - 1, 0, self.row.max(HEADER_ROWS - 1), last_col)?;
        for (c, w) in self.widths.iter().enumerate() {
            if *w > MAX_WIDTH {
                self.ws.set_column_format(col(c), &base().set_text_wrap())?;
            }
            self.ws
                .set_column_width(col(c), (*w).clamp(6, MAX_WIDTH) as f64 + 1.5)?;
        }
        // A row whose text wraps is as tall as its lines: a reader that keeps the
        // heights a file gives (LibreOffice does for xlsx) otherwise prints a long
        // file path or message over the rows below it.
        for &(row, lines) in &self.wrapped {
            self.ws.set_row_height(row, LINE_HEIGHT * lines as f64)?;
        }
        if let Some(first) = self.columns.iter().position(|c| c.extra) {
            debug_assert!(self.columns[first..].iter().all(|c| c.extra), "extras last");
            self.ws.group_columns_collapsed(col(first), last_col)?;
            self.ws.group_symbols_to_left(true);
        }
        // Two lines for the names, which wrap in narrow columns.
        self.ws.set_row_height(0, 30)?;
        if let Some(row) = self.closing {
            // The note is longer than its column: let it run across the empty row.
            self.ws.set_row_format(row, &base().set_italic())?;
        }
        let footer = match self.limits.t.lang() {
            Language::Zh => "&C第 &P 页，共 &N 页",
            Language::En => "&CPage &P of &N",
        };
        self.ws
            .set_landscape()
            .set_paper_size(PAPER_A4)
            .set_print_fit_to_pages(1, 0)
            .set_print_center_horizontally(true)
            .set_print_gridlines(true)
            .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
            .set_header("&L&A")
            .set_footer(footer);
        self.ws.set_repeat_rows(0, HEADER_ROWS - 1)?;
        Ok(())
    }
}

/// Digits of `x` rounded to a whole number, as `format!("{:.0}", x.abs())` writes
/// them, without making the string below 10^15.
fn integer_digits(x: f64) -> usize {
    let r = x.abs().round();
    if r < 1e15 {
        (r as u64).checked_ilog10().map_or(1, |d| d as usize + 1)
    } else {
        format!("{r:.0}").len()
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).expect("sheets have a handful of columns")
}

/// The words of the codes a CSV writes, in the report's language.
fn scope_word(scope: Scope, lang: Language) -> &'static str {
    match (scope, lang) {
        (Scope::City, Language::Zh) => "全市",
        (Scope::Cluster, Language::Zh) => "集群",
        (Scope::City, Language::En) => "city",
        (Scope::Cluster, Language::En) => "cluster",
    }
}

fn trend_word(trend: Trend, lang: Language) -> &'static str {
    match (trend, lang) {
        (Trend::Improving, Language::Zh) => "↑ 向好",
        (Trend::Flat, Language::Zh) => "→ 持平",
        (Trend::Worsening, Language::Zh) => "↓ 变差",
        (Trend::Improving, Language::En) => "↑ improving",
        (Trend::Flat, Language::En) => "→ flat",
        (Trend::Worsening, Language::En) => "↓ worsening",
    }
}

fn role_word(criterion: bool, lang: Language) -> &'static str {
    match (criterion, lang) {
        (false, Language::Zh) => "规划目标",
        (true, Language::Zh) => "认定条件",
        (false, Language::En) => "plan target",
        (true, Language::En) => "criterion",
    }
}

/// The scorecard's columns: every `kpis.csv` column, the readable names of the scope
/// and indicator, and the relative reading where the plan's unit is in doubt; ordered
/// as a person reads a row (what, from where, to what, how far), the extras last.
const SCORECARD: [Column; 25] = [
    column("名称", "Name", "scope_name"),
    column("指标", "Indicator", "indicator_name"),
    column("单位", "Unit", "unit"),
    column("基期", "Baseline quarter", "baseline_period"),
    column("基期值", "Baseline value", "baseline_value"),
    column("目标要求", "Target", "target_rule"),
    column("目标值", "Target level", "target_level"),
    column("判定值", "Judged value", "judged_value"),
    column("预测值", "Projected", "projected"),
    column("进度", "Progress", "progress"),
    column("状态", "Status", "status"),
    column("趋势", "Trend", "trend"),
    column("类别", "Role", "role"),
    column(
        "相对口径目标值",
        "Relative target level",
        "relative_target_level",
    ),
    column("相对口径状态", "Relative status", "relative_status"),
    column("最新值", "Latest value", "value"),
    column("报送企业数", "Reporting", "reporting"),
    column("应报企业数", "Expected", "expected"),
    extra("季度", "Quarter", "period"),
    extra("判定季度", "Judged quarter", "judged_period"),
    extra("范围", "Scope", "scope"),
    extra("范围代码", "Scope id", "scope_id"),
    extra("指标代码", "Indicator id", "indicator"),
    extra("目标数", "Target amount", "target_amount"),
    extra("结转企业数", "Carried forward", "carried_forward"),
];

/// The scorecard sheet.
fn scorecard(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let t = limits.t;
    let lang = t.lang();
    let d = Display::new(lang);
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_scorecard(),
        &SCORECARD,
        "kpis.csv",
        limits,
        f,
    )?;
    let quarter = |p: Option<Period>| p.map(|p| d.quarter(p)).unwrap_or_default();
    let kpis = rows::kpis(eval);
    for k in sheet.listed(&kpis, f)? {
        sheet.next_row();
        let j = &k.judgement;
        let target = k.target.as_ref();
        let indicator = eval.indicator(&k.indicator);
        let unit = indicator.map_or(ShownUnit::from_parts(k.unit, None), ShownUnit::of);
        // The judged value beside its target level, with the decimals that make their
        // comparison visible; the latest value and the projection alike.
        let compared = match (target.and(j.judged_value), target.and(j.target_level)) {
            (Some(v), Some(l)) => Some(d.decimals_to_compare(v, l, unit)),
            _ => None,
        };
        sheet.key(eval, k.period, k.scope, &k.scope_id, &k.indicator, f)?;
        sheet.figure("value", j.value, unit, compared, d)?;
        sheet.text("unit", d.unit(unit), f)?;
        sheet.text("baseline_period", &quarter(j.baseline_period), f)?;
        sheet.figure("baseline_value", j.baseline_value, unit, compared, d)?;
        if let Some(target) = target {
            sheet.text("target_rule", &d.target(target, unit), f)?;
            let relative = target.unit == clusterkpi_model::plan::GainUnit::Relative;
            if relative
                || (target.rule == clusterkpi_model::Rule::Gain && unit == ShownUnit::Percent)
            {
                // Percentage points or percent of the baseline: a plain amount.
                sheet.number(
                    "target_amount",
                    Some(target.amount),
                    &base().set_num_format("0.##"),
                )?;
            } else {
                sheet.figure("target_amount", Some(target.amount), unit, None, d)?;
            }
            sheet.figure("target_level", j.target_level, unit, compared, d)?;
            sheet.figure("projected", j.projected, unit, compared, d)?;
            sheet.number("progress", j.progress, &f.progress)?;
            sheet.text("judged_period", &quarter(j.judged_period), f)?;
            sheet.figure("judged_value", j.judged_value, unit, compared, d)?;
            sheet.text("role", role_word(!target.is_plan_target(), lang), f)?;
        } else {
            sheet.figure("projected", j.projected, unit, None, d)?;
        }
        sheet.text_with(
            "status",
            d.status_marked(j.status).trim_start(),
            &Formats::status(j.status),
        )?;
        if let Some(trend) = j.trend {
            sheet.text("trend", trend_word(trend, lang), f)?;
        }
        sheet.number(
            "carried_forward",
            k.carried_forward.map(|c| c as f64),
            &f.integer,
        )?;
        sheet.number("reporting", Some(k.reporting as f64), &f.integer)?;
        sheet.number("expected", Some(k.expected as f64), &f.integer)?;
        if let Some(rel) = k
            .relative_reading
            .as_ref()
            .filter(|_| target.is_some_and(|t| t.unit_in_doubt()))
        {
            sheet.figure("relative_target_level", rel.target_level, unit, compared, d)?;
            sheet.text_with(
                "relative_status",
                d.status_marked(rel.status).trim_start(),
                &Formats::status(rel.status),
            )?;
        }
    }
    sheet.finish()
}

const SERIES: [Column; 11] = [
    column("季度", "Quarter", "period"),
    column("名称", "Name", "scope_name"),
    column("指标", "Indicator", "indicator_name"),
    column("数值", "Value", "value"),
    column("单位", "Unit", "unit"),
    column("报送企业数", "Reporting", "reporting"),
    column("应报企业数", "Expected", "expected"),
    column("结转企业数", "Carried forward", "carried_forward"),
    extra("范围", "Scope", "scope"),
    extra("范围代码", "Scope id", "scope_id"),
    extra("指标代码", "Indicator id", "indicator"),
];

/// The series sheet: the `series.csv` columns with the readable names, extras last.
fn series(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let t = limits.t;
    let lang = t.lang();
    let d = Display::new(lang);
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_series(),
        &SERIES,
        "series.csv",
        limits,
        f,
    )?;
    let series = rows::series(eval);
    for s in sheet.listed(&series, f)? {
        sheet.next_row();
        let indicator = eval.indicator(&s.indicator);
        let unit = indicator.map_or(ShownUnit::from_parts(s.unit, None), ShownUnit::of);
        sheet.key(eval, s.period, s.scope, &s.scope_id, &s.indicator, f)?;
        sheet.figure("value", s.value, unit, None, d)?;
        sheet.text("unit", d.unit(unit), f)?;
        sheet.number("reporting", Some(s.reporting as f64), &f.integer)?;
        sheet.number("expected", Some(s.expected as f64), &f.integer)?;
        sheet.number(
            "carried_forward",
            s.carried_forward.map(|c| c as f64),
            &f.integer,
        )?;
    }
    sheet.finish()
}

/// The validation columns: those of `validation.csv`, with the message in the report's
/// language only (the CSV has both).
fn validation_columns(lang: Language) -> [Column; 8] {
    [
        column("文件", "File", "file"),
        column("工作表", "Sheet", "sheet"),
        column("行号", "Line", "line"),
        column("列", "Column", "column"),
        column("代码", "Code", "code"),
        column("级别", "Severity", "severity"),
        column("值", "Value", "value"),
        match lang {
            Language::Zh => column("说明", "Message", "message_zh"),
            Language::En => column("说明", "Message", "message_en"),
        },
    ]
}

/// The validation sheet: the issues as in `validation.csv` (up to the row limit).
fn validation(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let t = limits.t;
    let columns = validation_columns(t.lang());
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_validation(),
        &columns,
        "validation.csv",
        limits,
        f,
    )?;
    for i in sheet.listed(&eval.issues, f)? {
        sheet.next_row();
        sheet.text("file", &i.file, f)?;
        sheet.text("sheet", i.sheet.as_deref().unwrap_or(""), f)?;
        sheet.number("line", Some(i.line as f64), &f.integer)?;
        sheet.text("column", &i.column, f)?;
        sheet.text("code", i.code.as_str(), f)?;
        sheet.text("severity", t.severity(i.is_warning()), f)?;
        sheet.text("value", &i.value, f)?;
        sheet.text(
            columns[7].id,
            t.issue_message(&i.message_zh, &i.message_en),
            f,
        )?;
    }
    sheet.finish()
}

/// The workbook as bytes, so it is written and fsynced like every other file.
pub(crate) fn workbook(eval: &Evaluation) -> Result<Vec<u8>, XlsxError> {
    workbook_with(eval, MAX_SHEET_ROWS)
}

/// [`workbook`] listing at most `max_rows` rows per sheet.
fn workbook_with(eval: &Evaluation, max_rows: usize) -> Result<Vec<u8>, XlsxError> {
    let limits = Limits {
        rows: max_rows.min(MAX_SHEET_ROWS),
        t: Text::new(eval.language),
    };
    let f = Formats::new(eval.language);
    let mut wb = Workbook::new();
    // Deflate at level 3, as the writer's documentation advises for speed: the
    // series sheet is 3 MB of XML at 10x the sample city, and the default level 6
    // compressed it in about a third of building the workbook (10x: the workbook in
    // 239-273 ms against 341-393, 445 KB against 382 KB; level 1, 638 KB for no more
    // time saved). The workbook is built beside the charts, on the same two cores.
    wb.set_zip_compression_level(3);
    // Empty cells and new ones typed by the reader use the East Asian font too.
    wb.set_default_format(&base(), ROW_PIXELS, 64)?;
    scorecard(&mut wb, eval, limits, &f)?;
    series(&mut wb, eval, limits, &f)?;
    validation(&mut wb, eval, limits, &f)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use clusterkpi_model::{Code, Evaluation, Issue, Language};

    use super::*;
    use crate::fixture;

    fn issue(n: usize, value: String) -> Issue {
        Issue {
            file: "inbox/xinji-2022Q2.csv".into(),
            sheet: None,
            line: n as u64 + 2,
            column: "营业收入(万元)".into(),
            code: Code::E_NUMBER,
            value,
            message_zh: "不是数字".into(),
            message_en: "not a number".into(),
            period: None,
        }
    }

    /// Every cell of a sheet of `bytes`, as calamine reads it back.
    fn sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<Data>> {
        let mut wb = Xlsx::new(Cursor::new(bytes)).expect("a readable workbook");
        let range = wb.worksheet_range(name).expect("the sheet");
        range.rows().map(<[Data]>::to_vec).collect()
    }

    fn text(d: &Data) -> String {
        d.to_string()
    }

    #[test]
    fn integer_digits_count_what_the_rounded_number_writes() {
        for x in [
            0.0,
            0.4,
            0.5,
            -0.5,
            9.49,
            9.5,
            99.5,
            12_345.678,
            -1e14,
            999_999_999_999_999.4,
            1e15,
            -2.5e17,
            1e300,
        ] {
            assert_eq!(integer_digits(x), format!("{:.0}", x.abs()).len(), "{x}");
        }
    }

    #[test]
    fn a_value_longer_than_an_excel_cell_is_cut_with_a_marker() {
        let mut eval: Evaluation = fixture::evaluation(true);
        // 40,000 characters, and one emoji (two UTF-16 units) right at the cut.
        let long: String = "值".repeat(32_700) + "🙂" + &"x".repeat(7_299);
        assert_eq!(long.chars().count(), 40_000);
        eval.issues = vec![issue(0, long.clone())];
        let rows = sheet(workbook(&eval).unwrap(), "数据质量");
        assert_eq!(rows.len(), 3);
        let value = text(&rows[2][6]);
        let marker = "…（已截断，完整内容见 validation.csv）";
        assert!(
            value.ends_with(marker),
            "{}",
            value.chars().rev().take(60).collect::<String>()
        );
        assert!(value.encode_utf16().count() <= MAX_CELL_UNITS);
        let kept = value.strip_suffix(marker).unwrap();
        assert!(long.starts_with(kept));
        assert!(kept.chars().count() > 32_000);
        // The other cells of the row are intact.
        assert_eq!(text(&rows[2][4]), "E_NUMBER");
        assert_eq!(text(&rows[2][7]), "不是数字");
        // The CSV keeps the value whole.
        let csv = String::from_utf8(crate::csv_out::validation(&eval)).unwrap();
        assert!(csv.contains(&long));
    }

    /// The attributes of each `<row>` of a sheet of `bytes`, by row number.
    fn row_tags(bytes: Vec<u8>, sheet: usize) -> Vec<(u32, String)> {
        use std::io::Read as _;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml.split("<row ")
            .skip(1)
            .map(|r| {
                let tag = r[..r.find('>').unwrap()].to_string();
                let n = tag["r=\"".len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                (n, tag)
            })
            .collect()
    }

    #[test]
    fn a_row_whose_text_wraps_is_as_tall_as_its_lines() {
        let mut eval: Evaluation = fixture::evaluation(true);
        let path = format!(
            "/srv/clusterkpi/inbox/2026Q3/{}-2026Q3.csv",
            "gaocheng".repeat(8)
        );
        let message = "数控化关键工序数大于关键工序数".repeat(6);
        eval.issues = vec![
            issue(0, "1".into()),
            Issue {
                file: path.clone(),
                ..issue(1, "2".into())
            },
            Issue {
                message_zh: message.clone(),
                ..issue(2, "3".into())
            },
        ];
        let rows = row_tags(workbook(&eval).unwrap(), 3);
        let height = |n: u32| -> Option<f64> {
            let (_, tag) = rows.iter().find(|(r, _)| *r == n)?;
            let at = tag.find(" ht=\"")? + " ht=\"".len();
            tag[at..].split('"').next()?.parse().ok()
        };
        // Sheet rows count from 1: two header rows, then the issues.
        assert_eq!(height(3), None, "{rows:?}");
        let lines = |w: usize| wrapped_lines(w) as f64;
        assert_eq!(height(4), Some(LINE_HEIGHT * lines(path.len())));
        assert!(lines(path.len()) >= 3.0);
        // A Chinese character is two columns wide.
        assert_eq!(
            height(5),
            Some(LINE_HEIGHT * lines(2 * message.chars().count()))
        );
        // And what is read back is the text as written.
        let cells = sheet(workbook(&eval).unwrap(), "数据质量");
        assert_eq!(text(&cells[3][0]), path);
        assert_eq!(text(&cells[4][7]), message);
    }

    #[test]
    fn cell_text_counts_utf16_units_and_cuts_on_a_character_boundary() {
        let marker = "…(cut)";
        assert_eq!(cell_text("short", marker), "short");
        // The guard is a format, not a character: the text is kept as it is.
        assert_eq!(cell_text("=1+2", marker), "=1+2");
        let exact = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(cell_text(&exact, marker), exact);
        let over = format!("={}", "a".repeat(MAX_CELL_UNITS));
        let cut = cell_text(&over, marker);
        assert!(cut.starts_with('=') && cut.ends_with(marker));
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_UNITS);
        // Emoji are two units each: fewer than 32,767 of them overflow the cell.
        let emoji = "🙂".repeat(20_000);
        let cut = cell_text(&emoji, marker);
        assert!(cut.encode_utf16().count() <= MAX_CELL_UNITS);
        assert!(cut.trim_end_matches(marker).chars().all(|c| c == '🙂'));
    }

    #[test]
    fn a_sheet_longer_than_the_cap_ends_with_a_row_counting_the_rest() {
        let mut eval = fixture::evaluation(true);
        eval.issues = (0..25).map(|n| issue(n, format!("v{n}"))).collect();
        let cap = 10;
        let bytes = workbook_with(&eval, cap).unwrap();

        let rows = sheet(bytes.clone(), "数据质量");
        // Two header rows, ten issues, the closing row.
        assert_eq!(rows.len(), 2 + cap + 1);
        assert_eq!(text(&rows[2][6]), "v0");
        assert_eq!(text(&rows[cap + 1][6]), "v9");
        assert_eq!(
            text(&rows[cap + 2][0]),
            "另有 15 行未列出，完整内容见 validation.csv。"
        );
        // The series sheet is capped the same way and points at its own CSV.
        let series = sheet(bytes.clone(), "序列");
        assert_eq!(series.len(), 2 + cap + 1);
        let more = eval.series.len() - cap;
        assert_eq!(
            text(&series[cap + 2][0]),
            format!("另有 {more} 行未列出，完整内容见 series.csv。")
        );
        let scorecard = sheet(bytes, "记分卡");
        assert!(text(&scorecard[cap + 2][0]).ends_with("kpis.csv。"));

        // Under the cap nothing is added; in English the note is in English.
        eval.issues.truncate(cap);
        eval.language = Language::En;
        let rows = sheet(workbook_with(&eval, cap).unwrap(), "Validation");
        assert_eq!(rows.len(), 2 + cap);
        eval.issues.push(issue(99, "x".into()));
        let rows = sheet(workbook_with(&eval, cap).unwrap(), "Validation");
        assert_eq!(
            text(&rows[cap + 2][0]),
            "1 more rows are not listed here; validation.csv has them all."
        );
    }
}
