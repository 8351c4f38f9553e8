//! `kpis.xlsx`: the scorecard, the series and the validation issues as worksheets, for
//! planners who filter and re-use the figures in Excel.
//!
//! Each sheet has the columns of its CSV (same header ids, same order, so a script can
//! read either) plus readable names beside the ids. Numbers are stored as numbers in
//! full precision and only *displayed* rounded by a number format; text cells get the
//! same injection prefix as the CSVs.
//!
//! The workbook must always be writable, whatever the input files held: issues stay in
//! the dataset, so one unwritable value would fail every later report too. Excel holds
//! at most 32,767 characters in a cell and 1,048,576 rows in a sheet, so every text
//! cell is cut to the cell limit with a visible marker ([`cell_text`]) and every sheet
//! lists at most [`MAX_SHEET_ROWS`] rows, then one row saying how many more its CSV
//! holds. The CSVs keep everything in full.

use std::borrow::Cow;

use clusterkpi_model::{Evaluation, Status, Unit};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::csv_out::{self, Field, KPI_COLUMNS, SERIES_COLUMNS, VALIDATION_COLUMNS};
use crate::rows;
use crate::text::{Text, display_width};

/// A4 in Excel's paper-size codes.
const PAPER_A4: u8 = 9;

/// Excel's limit on the text of one cell: 32,767 characters, counted (as Excel and
/// rust_xlsxwriter count them) in UTF-16 code units.
const MAX_CELL_UNITS: usize = 32_767;

/// Rows a sheet lists at most, below Excel's 1,048,576 per sheet with room for the
/// header and the closing "N more rows" row.
pub(crate) const MAX_SHEET_ROWS: usize = 1_000_000;
const _: () = assert!(
    MAX_SHEET_ROWS + 2 <= 1_048_576,
    "header + rows + closing row"
);

/// The text of a cell as written: neutralised against formula injection, then, if
/// longer than Excel allows, cut on a character boundary and ended by `marker` (which
/// names the CSV holding the full text). The one way text reaches a cell.
fn cell_text<'a>(s: &'a str, marker: &str) -> Cow<'a, str> {
    let s = csv_out::neutralise(s);
    if s.len() <= MAX_CELL_UNITS || s.encode_utf16().count() <= MAX_CELL_UNITS {
        // A UTF-8 string has at least as many bytes as UTF-16 units: short enough.
        return s;
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

/// Formats shared by the sheets.
struct Formats {
    header: Format,
    text: Format,
    rate: Format,
    count: Format,
    money: Format,
    progress: Format,
    integer: Format,
}

impl Formats {
    fn new() -> Self {
        let header = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xDCE6F0))
            .set_border_bottom(FormatBorder::Thin);
        Self {
            header,
            text: Format::new(),
            rate: Format::new().set_num_format("0.0"),
            // Projections of counts can be fractional; one decimal shows that without
            // pretending to more precision than a count has.
            count: Format::new().set_num_format("#,##0.#"),
            money: Format::new().set_num_format("#,##0"),
            progress: Format::new().set_num_format("0.0%"),
            integer: Format::new().set_num_format("0"),
        }
    }

    fn for_unit(&self, unit: Unit) -> &Format {
        match unit {
            Unit::Percent => &self.rate,
            Unit::Count => &self.count,
            Unit::TenThousandYuan => &self.money,
        }
    }
}

/// Status colours (font), the same hues as the HTML report.
fn status_colour(s: Status) -> Color {
    Color::RGB(match s {
        Status::Achieved => 0x1A7F37,
        Status::OnTrack => 0x2DA44E,
        Status::AtRisk => 0x9A6700,
        Status::OffTrack => 0xBC4C00,
        Status::Missed => 0xCF222E,
        Status::NoData | Status::NoTarget => 0x6E7781,
    })
}

/// How many rows a sheet lists and what it says about the rest.
#[derive(Clone, Copy)]
struct Limits {
    /// Rows listed per sheet ([`MAX_SHEET_ROWS`]; smaller in tests).
    rows: usize,
    t: Text,
}

/// Writes one sheet row by row, tracking column widths.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    widths: Vec<usize>,
    row: u32,
    /// The CSV with this sheet's rows in full, named by the truncation marker and the
    /// closing row.
    csv: &'static str,
    marker: String,
    limits: Limits,
}

impl<'a> Sheet<'a> {
    fn new(
        ws: &'a mut Worksheet,
        name: &str,
        header: &[&str],
        csv: &'static str,
        limits: Limits,
        f: &Formats,
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        let mut sheet = Self {
            ws,
            widths: Vec::new(),
            row: 0,
            csv,
            marker: limits.t.truncated_marker(csv),
            limits,
        };
        for (c, h) in header.iter().enumerate() {
            sheet.text(c, h, &f.header)?;
        }
        Ok(sheet)
    }

    /// The rows of `items` this sheet lists; past the limit, writes the closing row
    /// saying how many more the CSV holds.
    fn listed<'i, T>(&mut self, items: &'i [T]) -> Result<&'i [T], XlsxError> {
        if items.len() <= self.limits.rows {
            return Ok(items);
        }
        let rest = items.len() - self.limits.rows;
        let note = self.limits.t.more_rows_in(rest, self.csv);
        let row = u32::try_from(self.limits.rows + 1).expect("below Excel's row limit");
        let text = cell_text(&note, &self.marker);
        self.ws
            .write_string_with_format(row, 0, text.as_ref(), &Format::new().set_italic())?;
        Ok(&items[..self.limits.rows])
    }

    fn next_row(&mut self) {
        self.row += 1;
    }

    fn text(&mut self, c: usize, s: &str, format: &Format) -> Result<(), XlsxError> {
        if !s.is_empty() {
            let s = cell_text(s, &self.marker);
            self.ws
                .write_string_with_format(self.row, col(c), s.as_ref(), format)?;
            self.widen(c, display_width(&s));
        }
        Ok(())
    }

    fn number(&mut self, c: usize, v: Option<f64>, format: &Format) -> Result<(), XlsxError> {
        if let Some(x) = v.filter(|x| x.is_finite()) {
            self.ws
                .write_number_with_format(self.row, col(c), x, format)?;
            // What the number format shows, roughly: digits, separators, a decimal.
            self.widen(c, crate::text::group_thousands(x).len() + 2);
        }
        Ok(())
    }

    fn field(
        &mut self,
        c: usize,
        field: &Field<'_>,
        number_format: &Format,
        f: &Formats,
    ) -> Result<(), XlsxError> {
        match field {
            Field::Text(s) => self.text(c, s, &f.text),
            Field::Number(v) => self.number(c, *v, number_format),
            Field::Integer(n) => self.number(c, Some(*n as f64), &f.integer),
        }
    }

    fn widen(&mut self, c: usize, w: usize) {
        if c >= self.widths.len() {
            self.widths.resize(c + 1, 0);
        }
        self.widths[c] = self.widths[c].max(w);
    }

    /// Frozen header, autofilter over the data (not the closing row), widths that fit
    /// the content (capped so one long message does not make a column a screen wide),
    /// A4 landscape printing.
    fn finish(self) -> Result<(), XlsxError> {
        let last_col = col(self.widths.len().saturating_sub(1));
        self.ws.set_freeze_panes(1, 0)?;
        self.ws.autofilter(0, 0, self.row, last_col)?;
        for (c, w) in self.widths.iter().enumerate() {
            self.ws
                .set_column_width(col(c), (*w).clamp(6, 60) as f64 + 2.0)?;
        }
        self.ws
            .set_landscape()
            .set_paper_size(PAPER_A4)
            .set_print_fit_to_pages(1, 0);
        self.ws.set_repeat_rows(0, 0)?;
        Ok(())
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).expect("sheets have a handful of columns")
}

/// The scorecard sheet: the `kpis.csv` columns with `scope_name` after `scope_id` and
/// `indicator_name` after `indicator`, then the relative reading where the plan's unit
/// is in doubt.
fn scorecard(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let t = limits.t;
    let mut header: Vec<&str> = Vec::new();
    for c in KPI_COLUMNS {
        header.push(c);
        match c {
            "scope_id" => header.push("scope_name"),
            "indicator" => header.push("indicator_name"),
            _ => {}
        }
    }
    header.extend(["relative_target_level", "relative_status"]);
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_scorecard(),
        &header,
        "kpis.csv",
        limits,
        f,
    )?;
    let kpis = rows::kpis(eval);
    for k in sheet.listed(&kpis)? {
        sheet.next_row();
        let unit_format = f.for_unit(k.unit);
        let mut c = 0;
        for (name, field) in KPI_COLUMNS.iter().zip(csv_out::kpi_fields(k)) {
            if *name == "status" {
                let coloured = Format::new().set_font_color(status_colour(k.judgement.status));
                sheet.text(c, k.judgement.status.as_str(), &coloured)?;
            } else {
                let number_format = if *name == "progress" {
                    &f.progress
                } else {
                    unit_format
                };
                sheet.field(c, &field, number_format, f)?;
            }
            c += 1;
            let readable = match *name {
                "scope_id" => Some(eval.scope_name(k.scope, &k.scope_id)),
                "indicator" => Some(
                    eval.indicator(&k.indicator)
                        .map_or(k.indicator.clone(), |i| i.name_in(t.lang()).to_string()),
                ),
                _ => None,
            };
            if let Some(readable) = readable {
                sheet.text(c, &readable, &f.text)?;
                c += 1;
            }
        }
        if let Some(rel) = k
            .relative_reading
            .as_ref()
            .filter(|_| k.target.as_ref().is_some_and(|t| t.unit_in_doubt()))
        {
            sheet.number(c, rel.target_level, unit_format)?;
            let fmt = Format::new().set_font_color(status_colour(rel.status));
            sheet.text(c + 1, rel.status.as_str(), &fmt)?;
        }
    }
    sheet.finish()
}

/// The series sheet: the `series.csv` columns with readable names beside the ids.
fn series(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let t = limits.t;
    let header = [
        "period",
        "scope",
        "scope_id",
        "scope_name",
        "indicator",
        "indicator_name",
        "value",
        "unit",
        "reporting",
        "expected",
        "carried_forward",
    ];
    debug_assert!(SERIES_COLUMNS.iter().all(|c| header.contains(c)));
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_series(),
        &header,
        "series.csv",
        limits,
        f,
    )?;
    let series = rows::series(eval);
    for s in sheet.listed(&series)? {
        sheet.next_row();
        let name = eval
            .indicator(&s.indicator)
            .map_or(s.indicator.as_str(), |i| i.name_in(t.lang()));
        sheet.text(0, &s.period.to_string(), &f.text)?;
        sheet.text(1, s.scope.as_str(), &f.text)?;
        sheet.text(2, &s.scope_id, &f.text)?;
        sheet.text(3, &eval.scope_name(s.scope, &s.scope_id), &f.text)?;
        sheet.text(4, &s.indicator, &f.text)?;
        sheet.text(5, name, &f.text)?;
        sheet.number(6, s.value, f.for_unit(s.unit))?;
        sheet.text(7, s.unit.as_str(), &f.text)?;
        sheet.number(8, Some(s.reporting as f64), &f.integer)?;
        sheet.number(9, Some(s.expected as f64), &f.integer)?;
        sheet.number(10, s.carried_forward.map(|c| c as f64), &f.integer)?;
    }
    sheet.finish()
}

/// The validation sheet: the issues as in `validation.csv` (up to the row limit).
fn validation(
    wb: &mut Workbook,
    eval: &Evaluation,
    limits: Limits,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        limits.t.sheet_validation(),
        &VALIDATION_COLUMNS,
        "validation.csv",
        limits,
        f,
    )?;
    for i in sheet.listed(&eval.issues)? {
        sheet.next_row();
        for (c, field) in csv_out::issue_fields(i).iter().enumerate() {
            sheet.field(c, field, &f.integer, f)?;
        }
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
    let f = Formats::new();
    let mut wb = Workbook::new();
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
    fn a_value_longer_than_an_excel_cell_is_cut_with_a_marker() {
        let mut eval: Evaluation = fixture::evaluation(true);
        // 40,000 characters, and one emoji (two UTF-16 units) right at the cut.
        let long: String = "值".repeat(32_700) + "🙂" + &"x".repeat(7_299);
        assert_eq!(long.chars().count(), 40_000);
        eval.issues = vec![issue(0, long.clone())];
        let rows = sheet(workbook(&eval).unwrap(), "数据质量");
        assert_eq!(rows.len(), 2);
        let value = text(&rows[1][6]);
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
        assert_eq!(text(&rows[1][4]), "E_NUMBER");
        assert_eq!(text(&rows[1][7]), "不是数字");
        // The CSV keeps the value whole.
        let csv = String::from_utf8(csv_out::validation(&eval)).unwrap();
        assert!(csv.contains(&long));
    }

    #[test]
    fn cell_text_counts_utf16_units_and_cuts_on_a_character_boundary() {
        let marker = "…(cut)";
        assert_eq!(cell_text("short", marker), "short");
        assert_eq!(cell_text("=1+2", marker), "'=1+2");
        let exact = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(cell_text(&exact, marker), exact);
        // Neutralising adds a character: one over, so cut.
        let formula = format!("={}", "a".repeat(MAX_CELL_UNITS - 1));
        let cut = cell_text(&formula, marker);
        assert!(cut.starts_with("'=") && cut.ends_with(marker));
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
        // Header, ten issues, the closing row.
        assert_eq!(rows.len(), 1 + cap + 1);
        assert_eq!(text(&rows[1][6]), "v0");
        assert_eq!(text(&rows[cap][6]), "v9");
        assert_eq!(
            text(&rows[cap + 1][0]),
            "另有 15 行未列出，完整内容见 validation.csv。"
        );
        // The series sheet is capped the same way and points at its own CSV.
        let series = sheet(bytes.clone(), "序列");
        assert_eq!(series.len(), 1 + cap + 1);
        let more = eval.series.len() - cap;
        assert_eq!(
            text(&series[cap + 1][0]),
            format!("另有 {more} 行未列出，完整内容见 series.csv。")
        );
        let scorecard = sheet(bytes, "记分卡");
        assert!(text(&scorecard[cap + 1][0]).ends_with("kpis.csv。"));

        // Under the cap nothing is added; in English the note is in English.
        eval.issues.truncate(cap);
        eval.language = Language::En;
        let rows = sheet(workbook_with(&eval, cap).unwrap(), "Validation");
        assert_eq!(rows.len(), 1 + cap);
        eval.issues.push(issue(99, "x".into()));
        let rows = sheet(workbook_with(&eval, cap).unwrap(), "Validation");
        assert_eq!(
            text(&rows[cap + 1][0]),
            "1 more rows are not listed here; validation.csv has them all."
        );
    }
}
