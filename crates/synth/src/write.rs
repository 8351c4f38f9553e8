//! File writers: CSV in UTF-8 / GBK / GB18030 and `.xlsx`, one row at a time.
//!
//! CSV rows are built in a reusable line buffer and encoded as they are written, so a
//! file of any size needs memory for one line. An `.xlsx` workbook is necessarily
//! assembled in memory before it is zipped; callers keep xlsx files small (see
//! [`XLSX_MAX_ROWS`]). Workbook properties, including the creation time that
//! rust_xlsxwriter would otherwise take from the clock, are fixed, so the same rows
//! give the same bytes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use clusterkpi_model::Period;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use crate::SynthError;
use crate::forms::{CellSink, Container, Encoding, Look};

/// The most data rows written as `.xlsx`; a larger file from an xlsx-sending county
/// is written as UTF-8 CSV (with BOM, CRLF) instead. A workbook is built in memory;
/// 20 columns × 20,000 rows stays well under 100 MB and covers every xlsx county file
/// of runs up to about 35× the default size (鹿泉区 sends the largest, ~520 rows).
pub const XLSX_MAX_ROWS: usize = 20_000;

/// A file being written, whatever its container.
pub(crate) enum Writer {
    Csv(CsvWriter),
    /// Boxed: a workbook is large and there are few of them.
    Xlsx(Box<XlsxWriter>),
}

impl Writer {
    /// Creates the file at `path` (and its folder). `sent` is the day the county
    /// saved it, recorded in an xlsx file's properties.
    pub(crate) fn create(
        path: &Path,
        container: Container,
        author: &str,
        sent: Period,
    ) -> Result<Self, SynthError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SynthError::io(dir, e))?;
        }
        Ok(match container {
            Container::Csv {
                encoding,
                bom,
                crlf,
            } => Writer::Csv(CsvWriter::create(path, encoding, bom, crlf)?),
            Container::Xlsx => Writer::Xlsx(Box::new(XlsxWriter::new(path, author, sent))),
        })
    }

    /// Writes the header row.
    pub(crate) fn header<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), SynthError> {
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
    /// The current row, already encoded.
    line: Vec<u8>,
    /// Scratch space for formatting a number before quoting or widening it.
    cell: String,
    /// Encoded forms of the non-ASCII cells seen so far. They come from a small set
    /// (是/否, 国家级, 2024年第三季度, …), and encoding_rs's GBK/GB18030 encoder,
    /// built for size rather than speed, would otherwise dominate large runs.
    encoded: HashMap<String, Vec<u8>>,
    /// A cell the encoding cannot represent, reported at the end of its row.
    failed: Option<String>,
    row_started: bool,
}

/// Bound on [`CsvWriter::encoded`]: full-width numbers are mostly unique.
const ENCODED_CACHE_LIMIT: usize = 4096;

impl CsvWriter {
    pub(crate) fn create(
        path: &Path,
        encoding: Encoding,
        bom: bool,
        crlf: bool,
    ) -> Result<Self, SynthError> {
        let file = File::create(path).map_err(|e| SynthError::io(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        if bom {
            debug_assert_eq!(
                encoding,
                Encoding::Utf8,
                "only UTF-8 files carry a BOM here"
            );
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| SynthError::io(path, e))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            out,
            encoding,
            crlf,
            line: Vec::with_capacity(512),
            cell: String::with_capacity(32),
            encoded: HashMap::new(),
            failed: None,
            row_started: false,
        })
    }

    fn separator(&mut self) {
        if self.row_started {
            self.line.push(b',');
        }
        self.row_started = true;
    }

    /// Appends `s` in the file's encoding. ASCII is the same in all three.
    fn push_encoded(&mut self, s: &str) {
        if self.encoding == Encoding::Utf8 || s.is_ascii() {
            self.line.extend_from_slice(s.as_bytes());
            return;
        }
        if let Some(bytes) = self.encoded.get(s) {
            self.line.extend_from_slice(bytes);
            return;
        }
        let encoding = if self.encoding == Encoding::Gbk {
            encoding_rs::GBK
        } else {
            encoding_rs::GB18030
        };
        let (bytes, _, unmappable) = encoding.encode(s);
        if unmappable {
            // Remembered and reported at the end of the row (cells are infallible).
            self.failed.get_or_insert_with(|| s.to_string());
        }
        self.line.extend_from_slice(&bytes);
        if self.encoded.len() < ENCODED_CACHE_LIMIT {
            self.encoded.insert(s.to_string(), bytes.into_owned());
        }
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.separator();
        if s.contains([',', '"', '\n', '\r']) {
            let quoted = format!("\"{}\"", s.replace('"', "\"\""));
            self.push_encoded(&quoted);
        } else {
            self.push_encoded(s);
        }
    }

    pub(crate) fn number(&mut self, v: f64, decimals: usize, look: Look) {
        let mut cell = std::mem::take(&mut self.cell);
        cell.clear();
        format_fixed(&mut cell, v, decimals);
        match look {
            Look::Plain => {
                self.separator();
                self.line.extend_from_slice(cell.as_bytes());
            }
            Look::Thousands => {
                let grouped = clusterkpi_model::display::group_thousands(&cell);
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
        if let Some(text) = self.failed.take() {
            return Err(SynthError::Unencodable {
                path: self.path.clone(),
                encoding: if self.encoding == Encoding::Gbk {
                    "GBK"
                } else {
                    "gb18030"
                },
                text,
            });
        }
        self.line
            .extend_from_slice(if self.crlf { b"\r\n" } else { b"\n" });
        self.out
            .write_all(&self.line)
            .map_err(|e| SynthError::io(&self.path, e))?;
        self.line.clear();
        self.row_started = false;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), SynthError> {
        self.out.flush().map_err(|e| SynthError::io(&self.path, e))
    }
}

/// `v` with `decimals` (0 or 1) places, rounded half away from zero as the xlsx
/// cells are. Integer arithmetic: `{:.1}` formatting is exact and slow, and large runs
/// write tens of millions of numbers.
fn format_fixed(out: &mut String, v: f64, decimals: usize) {
    let scale = 10i64.pow(decimals as u32);
    let scaled = (v * scale as f64).round() as i64;
    if scaled < 0 {
        out.push('-');
    }
    let abs = scaled.unsigned_abs();
    let scale = scale as u64;
    write!(out, "{}", abs / scale).expect("writing to a String");
    if decimals > 0 {
        write!(out, ".{:0width$}", abs % scale, width = decimals).expect("writing to a String");
    }
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
            self.sheet
                .set_column_width(self.col, 16)
                .map_err(|e| SynthError::xlsx(&self.path, e))?;
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
        if let Err(e) = self
            .sheet
            .write_number(self.row, self.col, (v * scale).round() / scale)
        {
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
        self.sheet
            .set_name("企业季度报表")
            .map_err(|e| SynthError::xlsx(&self.path, e))?;
        self.sheet
            .set_freeze_panes(1, 0)
            .map_err(|e| SynthError::xlsx(&self.path, e))?;
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
        // The fastest deflate level: workbooks dominate a default run's time, and a
        // county's file is small either way.
        self.workbook.set_zip_compression_level(1);
        self.workbook.push_worksheet(self.sheet);
        self.workbook
            .save(&self.path)
            .map_err(|e| SynthError::xlsx(&self.path, e))
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
        assert_eq!(
            clusterkpi_model::display::group_thousands("1234567.5"),
            "1,234,567.5"
        );
        assert_eq!(clusterkpi_model::display::group_thousands("123.0"), "123.0");
        assert_eq!(clusterkpi_model::display::group_thousands("1000"), "1,000");
        assert_eq!(
            clusterkpi_model::display::group_thousands("-1234"),
            "-1,234"
        );
        let wide: String = "1234.5".chars().map(full_width).collect();
        assert_eq!(wide, "１２３４．５");
        assert_eq!(clusterkpi_model::text::to_half_width(&wide), "1234.5");
    }

    #[test]
    fn fixed_point_formatting() {
        let f = |v: f64, d: usize| {
            let mut s = String::new();
            format_fixed(&mut s, v, d);
            s
        };
        assert_eq!(f(1234.56, 1), "1234.6");
        assert_eq!(f(0.04, 1), "0.0");
        assert_eq!(f(7.0, 1), "7.0");
        assert_eq!(f(12.0, 0), "12");
        assert_eq!(f(-12.0, 0), "-12");
        assert_eq!(f(99.96, 1), "100.0");
    }

    #[test]
    fn send_date_is_after_the_quarter() {
        assert_eq!(send_date(Period::new(2024, 3).unwrap()), (2024, 10, 10));
        assert_eq!(send_date(Period::new(2024, 4).unwrap()), (2025, 1, 10));
    }
}
