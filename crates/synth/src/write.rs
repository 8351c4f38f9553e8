//! File writers: CSV in UTF-8 / GBK / GB18030 and `.xlsx`, one row at a time.
//!
//! CSV rows are built in a reusable line buffer and encoded as they are written, so a
//! file of any size needs memory for one line. An `.xlsx` workbook is necessarily
//! assembled in memory before it is zipped; callers keep xlsx files small (see
//! [`XLSX_MAX_ROWS`]). Workbook properties, including the creation time that
//! rust_xlsxwriter would otherwise take from the clock, are fixed, so the same rows
//! give the same bytes.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use clusterkpi_model::Period;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use crate::SynthError;
use crate::forms::{CellSink, Container, Encoding, Look};

/// The most data rows written as `.xlsx`; a larger file from an xlsx-sending county
/// is written as UTF-8 CSV (with BOM) instead. A workbook is built in memory, and
/// ~20 columns × 20,000 rows stays well under 100 MB while covering every county
/// file of a run up to about 50× the default size.
pub const XLSX_MAX_ROWS: usize = 20_000;

/// A file being written, whatever its container.
pub(crate) enum Writer {
    Csv(CsvWriter),
    Xlsx(XlsxWriter),
}

impl Writer {
    /// Creates the file at `path` (and its folder). `sent` is the day the county
    /// saved it, recorded in an xlsx file's properties.
    pub(crate) fn create(path: &Path, container: Container, author: &str, sent: Period) -> Result<Self, SynthError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SynthError::io(dir, e))?;
        }
        Ok(match container {
            Container::Csv { encoding, bom, crlf } => Writer::Csv(CsvWriter::create(path, encoding, bom, crlf)?),
            Container::Xlsx => Writer::Xlsx(XlsxWriter::new(path, author, sent)),
        })
    }

    /// Writes the header row.
    pub(crate) fn header<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> Result<(), SynthError> {
        match self {
            Writer::Csv(w) => {
                for name in names {
                    w.text(name);
                }
                w.end_row()
            }
            Writer::Xlsx(w) => w.header(names),
        }
    }

    pub(crate) fn end_row(&mut self) -> Result<(), SynthError> {
        match self {
            Writer::Csv(w) => w.end_row(),
            Writer::Xlsx(w) => w.end_row(),
        }
    }

    pub(crate) fn finish(self) -> Result<(), SynthError> {
        match self {
            Writer::Csv(w) => w.finish(),
            Writer::Xlsx(w) => w.finish(),
        }
    }
}

impl CellSink for Writer {
    fn text(&mut self, s: &str) {
        match self {
            Writer::Csv(w) => w.text(s),
            Writer::Xlsx(w) => w.text(s),
        }
    }

    fn number(&mut self, v: f64, decimals: usize, look: Look) {
        match self {
            Writer::Csv(w) => w.number(v, decimals, look),
            Writer::Xlsx(w) => w.number(v, decimals, look),
        }
    }

    fn blank(&mut self) {
        match self {
            Writer::Csv(w) => w.blank(),
            Writer::Xlsx(w) => w.blank(),
        }
    }
}

/// A CSV file (RFC 4180 quoting) in one of the contract's encodings.
pub(crate) struct CsvWriter {
    path: PathBuf,
    out: BufWriter<File>,
    encoding: Encoding,
    crlf: bool,
    line: String,
    /// Scratch space for formatting a number before quoting or widening it.
    cell: String,
    row_started: bool,
}

impl CsvWriter {
    pub(crate) fn create(path: &Path, encoding: Encoding, bom: bool, crlf: bool) -> Result<Self, SynthError> {
        let file = File::create(path).map_err(|e| SynthError::io(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        if bom {
            debug_assert_eq!(encoding, Encoding::Utf8, "only UTF-8 files carry a BOM here");
            out.write_all(b"\xEF\xBB\xBF").map_err(|e| SynthError::io(path, e))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            out,
            encoding,
            crlf,
            line: String::with_capacity(512),
            cell: String::with_capacity(32),
            row_started: false,
        })
    }

    fn separator(&mut self) {
        if self.row_started {
            self.line.push(',');
        }
        self.row_started = true;
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.separator();
        if s.contains([',', '"', '\n', '\r']) {
            self.line.push('"');
            for c in s.chars() {
                if c == '"' {
                    self.line.push('"');
                }
                self.line.push(c);
            }
            self.line.push('"');
        } else {
            self.line.push_str(s);
        }
    }

    pub(crate) fn number(&mut self, v: f64, decimals: usize, look: Look) {
        let mut cell = std::mem::take(&mut self.cell);
        cell.clear();
        write!(cell, "{v:.decimals$}").expect("writing to a String");
        match look {
            Look::Plain => {
                self.separator();
                self.line.push_str(&cell);
            }
            Look::Thousands => {
                let grouped = group_thousands(&cell);
                self.text(&grouped);
            }
            Look::FullWidth => {
                let wide: String = cell.chars().map(full_width).collect();
                self.text(&wide);
            }
        }
        self.cell = cell;
    }

    pub(crate) fn blank(&mut self) {
        self.separator();
    }

    pub(crate) fn end_row(&mut self) -> Result<(), SynthError> {
        self.line.push_str(if self.crlf { "\r\n" } else { "\n" });
        let result = match self.encoding {
            Encoding::Utf8 => self.out.write_all(self.line.as_bytes()),
            Encoding::Gbk | Encoding::Gb18030 => {
                let encoding =
                    if self.encoding == Encoding::Gbk { encoding_rs::GBK } else { encoding_rs::GB18030 };
                let (bytes, _, unmappable) = encoding.encode(&self.line);
                if unmappable {
                    return Err(SynthError::Unencodable {
                        path: self.path.clone(),
                        encoding: encoding.name(),
                        line: self.line.trim_end().to_string(),
                    });
                }
                self.out.write_all(&bytes)
            }
        };
        result.map_err(|e| SynthError::io(&self.path, e))?;
        self.line.clear();
        self.row_started = false;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), SynthError> {
        self.out.flush().map_err(|e| SynthError::io(&self.path, e))
    }
}

/// `1234567.5` → `1,234,567.5`.
fn group_thousands(plain: &str) -> String {
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(plain.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// ASCII digits, point and minus in their full-width forms (U+FF10…, U+FF0E, U+FF0D).
fn full_width(c: char) -> char {
    match c {
        '0'..='9' | '.' | '-' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// An `.xlsx` workbook with one sheet, header on the first row.
pub(crate) struct XlsxWriter {
    path: PathBuf,
    workbook: Workbook,
    sheet: Worksheet,
    author: String,
    sent: Period,
    row: u32,
    col: u16,
    /// The first failed cell write, reported at the end of its row (the cell sink
    /// interface is infallible so CSV and xlsx share one row renderer).
    failed: Option<rust_xlsxwriter::XlsxError>,
}

impl XlsxWriter {
    fn new(path: &Path, author: &str, sent: Period) -> Self {
        Self {
            path: path.to_path_buf(),
            workbook: Workbook::new(),
            sheet: Worksheet::new(),
            author: author.to_string(),
            sent,
            row: 0,
            col: 0,
            failed: None,
        }
    }

    fn header<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> Result<(), SynthError> {
        let bold = Format::new().set_bold();
        for name in names {
            self.sheet
                .write_string_with_format(self.row, self.col, name, &bold)
                .map_err(|e| SynthError::xlsx(&self.path, e))?;
            self.sheet.set_column_width(self.col, 16).map_err(|e| SynthError::xlsx(&self.path, e))?;
            self.col += 1;
        }
        self.end_row()
    }

    fn text(&mut self, s: &str) {
        if let Err(e) = self.sheet.write_string(self.row, self.col, s) {
            self.failed.get_or_insert(e);
        }
        self.col += 1;
    }

    /// Numbers are numeric cells (rounded as the CSV text would be); looks are a
    /// property of typed text and do not apply.
    fn number(&mut self, v: f64, decimals: usize, _look: Look) {
        let scale = 10f64.powi(decimals as i32);
        if let Err(e) = self.sheet.write_number(self.row, self.col, (v * scale).round() / scale) {
            self.failed.get_or_insert(e);
        }
        self.col += 1;
    }

    fn blank(&mut self) {
        self.col += 1;
    }

    fn end_row(&mut self) -> Result<(), SynthError> {
        if let Some(e) = self.failed.take() {
            return Err(SynthError::xlsx(&self.path, e));
        }
        self.row += 1;
        self.col = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.sheet.set_name("企业季度报表").map_err(|e| SynthError::xlsx(&self.path, e))?;
        self.sheet.set_freeze_panes(1, 0).map_err(|e| SynthError::xlsx(&self.path, e))?;
        let (y, m, d) = send_date(self.sent);
        let created = ExcelDateTime::from_ymd(y, m, d)
            .and_then(|dt| dt.and_hms(9, 30, 0))
            .map_err(|e| SynthError::xlsx(&self.path, e))?;
        let properties = DocProperties::new()
            .set_title("企业季度报表")
            .set_author(&self.author)
            .set_company(&self.author)
            .set_creation_datetime(&created);
        self.workbook.set_properties(&properties);
        self.workbook.push_worksheet(self.sheet);
        self.workbook.save(&self.path).map_err(|e| SynthError::xlsx(&self.path, e))
    }
}

/// The tenth day of the month after `delivery` ends, when bureaus send their files.
fn send_date(delivery: Period) -> (u16, u8, u8) {
    let next = delivery.next();
    (next.year() as u16, (next.quarter() - 1) * 3 + 1, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_full_width() {
        assert_eq!(group_thousands("1234567.5"), "1,234,567.5");
        assert_eq!(group_thousands("123.0"), "123.0");
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(group_thousands("-1234"), "-1,234");
        let wide: String = "1234.5".chars().map(full_width).collect();
        assert_eq!(wide, "１２３４．５");
        assert_eq!(clusterkpi_model::text::to_half_width(&wide), "1234.5");
    }

    #[test]
    fn send_date_is_after_the_quarter() {
        assert_eq!(send_date(Period::new(2024, 3).unwrap()), (2024, 10, 10));
        assert_eq!(send_date(Period::new(2024, 4).unwrap()), (2025, 1, 10));
    }
}
