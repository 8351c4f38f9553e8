//! `kpis.xlsx`: the scorecard, the series and the validation issues as worksheets, for
//! planners who filter and re-use the figures in Excel.
//!
//! Each sheet has the columns of its CSV (same header ids, same order, so a script can
//! read either) plus readable names beside the ids. Numbers are stored as numbers in
//! full precision and only *displayed* rounded by a number format; text cells get the
//! same injection prefix as the CSVs.

use clusterkpi_model::{Evaluation, Status, Unit};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::csv_out::{self, Field, KPI_COLUMNS, SERIES_COLUMNS, VALIDATION_COLUMNS};
use crate::rows;
use crate::text::{Text, display_width};

/// A4 in Excel's paper-size codes.
const PAPER_A4: u8 = 9;

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

/// Writes one sheet row by row, tracking column widths.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    widths: Vec<usize>,
    row: u32,
}

impl<'a> Sheet<'a> {
    fn new(
        ws: &'a mut Worksheet,
        name: &str,
        header: &[&str],
        f: &Formats,
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, col(c), *h, &f.header)?;
        }
        let widths = header.iter().map(|h| display_width(h)).collect();
        Ok(Self { ws, widths, row: 0 })
    }

    fn next_row(&mut self) {
        self.row += 1;
    }

    fn text(&mut self, c: usize, s: &str, format: &Format) -> Result<(), XlsxError> {
        if !s.is_empty() {
            let s = csv_out::neutralise(s);
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

    /// Frozen header, autofilter over the data, widths that fit the content (capped so
    /// one long message does not make a column a screen wide), A4 landscape printing.
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
fn scorecard(wb: &mut Workbook, eval: &Evaluation, t: Text, f: &Formats) -> Result<(), XlsxError> {
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
    let mut sheet = Sheet::new(wb.add_worksheet(), t.sheet_scorecard(), &header, f)?;
    for k in rows::kpis(eval) {
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
fn series(wb: &mut Workbook, eval: &Evaluation, t: Text, f: &Formats) -> Result<(), XlsxError> {
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
    ];
    debug_assert!(SERIES_COLUMNS.iter().all(|c| header.contains(c)));
    let mut sheet = Sheet::new(wb.add_worksheet(), t.sheet_series(), &header, f)?;
    for s in rows::series(eval) {
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
    }
    sheet.finish()
}

/// The validation sheet: every issue, as in `validation.csv`.
fn validation(wb: &mut Workbook, eval: &Evaluation, t: Text, f: &Formats) -> Result<(), XlsxError> {
    let mut sheet = Sheet::new(
        wb.add_worksheet(),
        t.sheet_validation(),
        &VALIDATION_COLUMNS,
        f,
    )?;
    for i in &eval.issues {
        sheet.next_row();
        for (c, field) in csv_out::issue_fields(i).iter().enumerate() {
            sheet.field(c, field, &f.integer, f)?;
        }
    }
    sheet.finish()
}

/// The workbook as bytes, so it is written and fsynced like every other file.
pub(crate) fn workbook(eval: &Evaluation) -> Result<Vec<u8>, XlsxError> {
    let t = Text::new(eval.language);
    let f = Formats::new();
    let mut wb = Workbook::new();
    scorecard(&mut wb, eval, t, &f)?;
    series(&mut wb, eval, t, &f)?;
    validation(&mut wb, eval, t, &f)?;
    wb.save_to_buffer()
}
