//! Reading a file as rows of cells, streaming: CSV through a strict decoder (UTF-8 with
//! or without BOM, GBK, GB18030; a malformed byte is an error naming its line, never a
//! replacement character) and workbooks cell by cell. Limits are checked before memory
//! is spent: file size up front, a workbook's uncompressed size from its zip directory.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xls, Xlsx};
use clusterkpi_model::Code;
use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};

use crate::value::Violation;

/// Resource limits for one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_uncompressed: u64,
    pub max_rows: u64,
    pub max_columns: u32,
    pub max_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 1 << 30,
            max_uncompressed: 2 << 30,
            max_rows: 10_000_000,
            max_columns: 256,
            max_cells: 200_000_000,
        }
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A workbook date (year, month, day).
    Date(i32, u32, u32),
}

impl Cell {
    /// The value as a person would read it in the file.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format!("{n}"),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Cell::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A row with its physical line (CSV) or sheet row number (workbooks), 1-based.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub cells: Vec<Cell>,
}

/// A problem with the file as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProblem {
    pub line: u64,
    pub violation: Violation,
}

impl FileProblem {
    pub(crate) fn new(line: u64, code: Code, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            line,
            violation: Violation::new(code, zh, en),
        }
    }
}

/// How a file is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    Csv {
        encoding: &'static Encoding,
        bom: bool,
    },
    Xlsx {
        sheet: String,
    },
    Xls {
        sheet: String,
    },
}

impl Format {
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Format::Csv { encoding, bom } => {
                format!(
                    "CSV {}{}",
                    encoding.name(),
                    if *bom { " (BOM)" } else { "" }
                )
            }
            Format::Xlsx { sheet } => format!("xlsx [{sheet}]"),
            Format::Xls { sheet } => format!("xls [{sheet}]"),
        }
    }

    #[must_use]
    pub fn sheet(&self) -> Option<&str> {
        match self {
            Format::Csv { .. } => None,
            Format::Xlsx { sheet } | Format::Xls { sheet } => Some(sheet),
        }
    }
}

/// Stop signal from a row visitor.
pub struct Stop;

/// Works out how to read a file: by its name, checked against its first bytes.
pub fn probe(
    path: &Path,
    encoding: Option<&'static Encoding>,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Format, FileProblem> {
    let io = |e: io::Error| {
        FileProblem::new(
            0,
            Code::E_FORMAT,
            format!("无法读取文件：{e}"),
            format!("cannot read the file: {e}"),
        )
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.max_bytes {
        return Err(FileProblem::new(
            0,
            Code::E_TOO_LARGE,
            format!(
                "文件大小 {} 字节超过上限 {} 字节",
                meta.len(),
                limits.max_bytes
            ),
            format!(
                "the file has {} bytes, above the limit of {}",
                meta.len(),
                limits.max_bytes
            ),
        ));
    }
    let mut head = [0u8; 8];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(io)?;
    let head = &head[..n];
    let is_zip = head.starts_with(b"PK\x03\x04");
    let is_ole = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" => {
            if !is_zip {
                return Err(FileProblem::new(
                    0,
                    Code::E_FORMAT,
                    "文件扩展名为 .xlsx，但内容不是 Excel 工作簿（可能是改了扩展名的 CSV）",
                    "named .xlsx but its bytes are not an Excel workbook (a renamed CSV?)",
                ));
            }
            check_zip_size(path, limits)?;
            let wb: Xlsx<_> =
                Xlsx::new(BufReader::new(File::open(path).map_err(io)?)).map_err(|e| broken(&e))?;
            Ok(Format::Xlsx {
                sheet: pick_sheet(wb.sheets_metadata(), sheet)?,
            })
        }
        "xls" => {
            if !is_ole {
                return Err(FileProblem::new(
                    0,
                    Code::E_FORMAT,
                    "文件扩展名为 .xls，但内容不是 Excel 97-2003 工作簿",
                    "named .xls but its bytes are not an Excel 97-2003 workbook",
                ));
            }
            let wb: Xls<_> =
                Xls::new(BufReader::new(File::open(path).map_err(io)?)).map_err(|e| broken(&e))?;
            Ok(Format::Xls {
                sheet: pick_sheet(wb.sheets_metadata(), sheet)?,
            })
        }
        _ => {
            if is_zip || is_ole {
                return Err(FileProblem::new(
                    0,
                    Code::E_FORMAT,
                    "文件内容是 Excel 工作簿，但扩展名不是 .xlsx/.xls",
                    "the bytes are an Excel workbook but the name does not end in .xlsx or .xls",
                ));
            }
            let (encoding, bom) = match encoding {
                Some(e) => (e, head.starts_with(b"\xEF\xBB\xBF")),
                None => detect_encoding(path).map_err(io)?,
            };
            Ok(Format::Csv { encoding, bom })
        }
    }
}

fn broken(e: &dyn std::fmt::Display) -> FileProblem {
    FileProblem::new(
        0,
        Code::E_FORMAT,
        format!("工作簿已损坏或无法读取：{e}"),
        format!("the workbook is broken or unreadable: {e}"),
    )
}

fn pick_sheet(sheets: &[calamine::Sheet], wanted: Option<&str>) -> Result<String, FileProblem> {
    if let Some(w) = wanted {
        return sheets
            .iter()
            .find(|s| s.name == w)
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                FileProblem::new(
                    0,
                    Code::E_FORMAT,
                    format!("工作簿中没有名为“{w}”的工作表"),
                    format!("the workbook has no sheet named {w:?}"),
                )
            });
    }
    sheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            FileProblem::new(
                0,
                Code::E_EMPTY,
                "工作簿中没有可见的工作表",
                "the workbook has no visible worksheet",
            )
        })
}

/// Sums the uncompressed sizes in the zip directory before anything is inflated.
fn check_zip_size(path: &Path, limits: &Limits) -> Result<(), FileProblem> {
    let file = File::open(path).map_err(|e| broken(&e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| broken(&e))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| broken(&e))?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_uncompressed {
        return Err(FileProblem::new(
            0,
            Code::E_TOO_LARGE,
            format!(
                "工作簿解压后 {total} 字节，超过上限 {} 字节",
                limits.max_uncompressed
            ),
            format!(
                "the workbook inflates to {total} bytes, above the limit of {}",
                limits.max_uncompressed
            ),
        ));
    }
    Ok(())
}

/// BOM first; otherwise UTF-8 if the whole file is valid UTF-8, else GB18030 (whose
/// decoder also reads GBK). Checking the whole file, streamed, avoids the trap of an
/// ASCII header followed by GBK names further down.
fn detect_encoding(path: &Path) -> io::Result<(&'static Encoding, bool)> {
    let mut f = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let n = f.read(&mut buf)?;
        if first {
            first = false;
            if buf[..n].starts_with(b"\xEF\xBB\xBF") {
                return Ok((UTF_8, true));
            }
        }
        if n == 0 {
            return Ok((if carry.is_empty() { UTF_8 } else { GB18030 }, false));
        }
        carry.extend_from_slice(&buf[..n]);
        match std::str::from_utf8(&carry) {
            Ok(_) => carry.clear(),
            Err(e) if e.error_len().is_none() => {
                // An incomplete sequence at the chunk end: keep it for the next chunk.
                let keep = carry.split_off(e.valid_up_to());
                carry = keep;
            }
            Err(_) => return Ok((GB18030, false)),
        }
    }
}

/// Decodes bytes to UTF-8 as they are read, failing at the first malformed sequence
/// with the line it is on.
struct StrictDecoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    newlines: u64,
    pending_cr: bool,
}

impl<R: Read> StrictDecoder<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; 1 << 16],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            out: vec![0; 3 * (1 << 16) + 16],
            out_pos: 0,
            out_len: 0,
            newlines: 0,
            pending_cr: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        while self.out_pos == self.out_len {
            if self.raw_start == self.raw_end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.raw_start = 0;
                self.raw_end = n;
                self.eof = n == 0;
            }
            if self.raw_start == self.raw_end && self.eof {
                let (res, _, written) =
                    self.decoder
                        .decode_to_utf8_without_replacement(&[], &mut self.out, true);
                self.out_pos = 0;
                self.out_len = written;
                if std::mem::take(&mut self.pending_cr) {
                    self.out[written] = b'\r';
                    self.out_len += 1;
                }
                if let DecoderResult::Malformed(..) = res {
                    return Err(self.malformed());
                }
                return Ok(());
            }
            let (res, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_start..self.raw_end],
                &mut self.out,
                false,
            );
            self.raw_start += read;
            self.out_pos = 0;
            self.out_len = self.fold_crlf(written);
            self.newlines += self.out[..self.out_len]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            if let DecoderResult::Malformed(..) = res {
                return Err(self.malformed());
            }
        }
        Ok(())
    }

    /// Turns CRLF into LF in the first `len` decoded bytes, in place; returns the new
    /// length. The CSV reader counts a CRLF record's start on the line before, so line
    /// numbers of Windows files would be off by one (and a header skipped twice).
    /// A CR at the end of a chunk is held back until the next byte is known.
    fn fold_crlf(&mut self, len: usize) -> usize {
        if std::mem::take(&mut self.pending_cr) && (len == 0 || self.out[0] != b'\n') {
            // The held CR was not part of a CRLF: put it back in front.
            self.out.copy_within(0..len, 1);
            self.out[0] = b'\r';
            return self.fold_crlf_from(len + 1, 1);
        }
        self.fold_crlf_from(len, 0)
    }

    fn fold_crlf_from(&mut self, len: usize, start: usize) -> usize {
        let mut w = start;
        let mut i = start;
        while i < len {
            let b = self.out[i];
            if b == b'\r' {
                if i + 1 == len && !self.eof {
                    self.pending_cr = true;
                    i += 1;
                    continue;
                }
                if i + 1 < len && self.out[i + 1] == b'\n' {
                    i += 1;
                    continue;
                }
            }
            self.out[w] = b;
            w += 1;
            i += 1;
        }
        w
    }

    fn malformed(&self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, MalformedAt(self.newlines + 1))
    }
}

#[derive(Debug)]
struct MalformedAt(u64);

impl std::fmt::Display for MalformedAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed byte sequence on line {}", self.0)
    }
}

impl std::error::Error for MalformedAt {}

impl<R: Read> Read for StrictDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.fill()?;
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Calls `visit` for every row of the file, in order.
pub fn visit_rows(
    path: &Path,
    format: &Format,
    limits: &Limits,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    match format {
        Format::Csv { encoding, .. } => visit_csv(path, encoding, limits, visit),
        Format::Xlsx { sheet } => visit_xlsx(path, sheet, limits, visit),
        Format::Xls { sheet } => visit_xls(path, sheet, limits, visit),
    }
}

fn too_many_rows(line: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        line,
        Code::E_TOO_LARGE,
        format!("行数超过上限 {}", limits.max_rows),
        format!("more rows than the limit of {}", limits.max_rows),
    )
}

fn visit_csv(
    path: &Path,
    encoding: &'static Encoding,
    limits: &Limits,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let file = File::open(path).map_err(|e| {
        FileProblem::new(
            0,
            Code::E_FORMAT,
            format!("无法读取文件：{e}"),
            format!("cannot read the file: {e}"),
        )
    })?;
    let decoded = StrictDecoder::new(BufReader::with_capacity(1 << 16, file), encoding);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                rows += 1;
                if rows > limits.max_rows {
                    return Err(too_many_rows(line, limits));
                }
                if record.len() as u64 > u64::from(limits.max_columns) {
                    return Err(FileProblem::new(
                        line,
                        Code::E_TOO_LARGE,
                        "列数超过上限",
                        "more columns than the limit",
                    ));
                }
                let cells = record.iter().map(|s| Cell::Text(s.to_string())).collect();
                if visit(RawRow { line, cells }).is_err() {
                    return Ok(());
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                if let csv::ErrorKind::Io(io) = e.kind()
                    && let Some(m) = io.get_ref().and_then(|r| r.downcast_ref::<MalformedAt>())
                {
                    return Err(FileProblem::new(
                        m.0,
                        Code::E_ENCODING,
                        format!("第 {} 行含有 {} 编码中无效的字节", m.0, encoding.name()),
                        format!(
                            "line {} has bytes that are invalid in {}",
                            m.0,
                            encoding.name()
                        ),
                    ));
                }
                return Err(FileProblem::new(
                    line,
                    Code::E_FORMAT,
                    format!("CSV 格式错误：{e}"),
                    format!("malformed CSV: {e}"),
                ));
            }
        }
    }
}

fn data_cell(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(i32::from(y), u32::from(m), u32::from(d))
        }
        DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn owned_cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(i32::from(y), u32::from(m), u32::from(d))
        }
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn visit_xlsx(
    path: &Path,
    sheet: &str,
    limits: &Limits,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let file = File::open(path).map_err(|e| broken(&e))?;
    let mut wb: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(|e| broken(&e))?;
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(|e| broken(&e))?;
    let dims = cells.dimensions();
    let declared = (u64::from(dims.end.0.saturating_sub(dims.start.0)) + 1)
        * (u64::from(dims.end.1.saturating_sub(dims.start.1)) + 1);
    if declared > limits.max_cells {
        return Err(FileProblem::new(
            0,
            Code::E_TOO_LARGE,
            "工作表单元格数超过上限",
            format!(
                "the sheet declares {declared} cells, above the limit of {}",
                limits.max_cells
            ),
        ));
    }
    let mut current: Option<RawRow> = None;
    let mut rows = 0u64;
    loop {
        let next = cells.next_cell().map_err(|e| broken(&e))?;
        let Some(cell) = next else { break };
        let (r, c) = cell.get_position();
        if c >= limits.max_columns {
            return Err(FileProblem::new(
                u64::from(r) + 1,
                Code::E_TOO_LARGE,
                format!("第 {} 行有超出上限的列", r + 1),
                format!(
                    "row {} has a cell beyond column {}",
                    r + 1,
                    limits.max_columns
                ),
            ));
        }
        let line = u64::from(r) + 1;
        if current.as_ref().is_some_and(|row| row.line != line) {
            let done = current.take().expect("checked");
            if visit(done).is_err() {
                return Ok(());
            }
        }
        let row = current.get_or_insert_with(|| {
            rows += 1;
            RawRow {
                line,
                cells: Vec::new(),
            }
        });
        if rows > limits.max_rows {
            return Err(too_many_rows(line, limits));
        }
        let c = c as usize;
        if row.cells.len() <= c {
            row.cells.resize(c + 1, Cell::Empty);
        }
        row.cells[c] = data_cell(cell.get_value());
    }
    if let Some(row) = current {
        let _ = visit(row);
    }
    Ok(())
}

fn visit_xls(
    path: &Path,
    sheet: &str,
    limits: &Limits,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let file = File::open(path).map_err(|e| broken(&e))?;
    let mut wb: Xls<_> = Xls::new(BufReader::new(file)).map_err(|e| broken(&e))?;
    let range = wb.worksheet_range(sheet).map_err(|e| broken(&e))?;
    let (h, w) = range.get_size();
    if (h as u64) > limits.max_rows || (h as u64) * (w as u64) > limits.max_cells {
        return Err(too_many_rows(0, limits));
    }
    let top = range.start().map_or(0, |s| s.0);
    for (i, row) in range.rows().enumerate() {
        let cells = row.iter().map(owned_cell).collect();
        if visit(RawRow {
            line: u64::from(top) + i as u64 + 1,
            cells,
        })
        .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// Maps an encoding label given on the command line (`utf-8`, `gbk`, `gb18030`).
#[must_use]
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(path: &Path) -> Result<(Format, Vec<RawRow>), FileProblem> {
        let limits = Limits::default();
        let f = probe(path, None, None, &limits)?;
        let mut rows = Vec::new();
        visit_rows(path, &f, &limits, &mut |r| {
            rows.push(r);
            Ok(())
        })?;
        Ok((f, rows))
    }

    fn texts(r: &RawRow) -> Vec<String> {
        r.cells.iter().map(Cell::display).collect()
    }

    #[test]
    fn utf8_with_and_without_bom_gbk_and_gb18030() {
        let dir = tempfile::tempdir().unwrap();
        let text = "集群编码,集群名称\nxinji,辛集皮革\n";
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("u.csv", text.as_bytes().to_vec(), "UTF-8"),
            (
                "b.csv",
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                "UTF-8",
            ),
            (
                "g.csv",
                encoding_rs::GBK.encode(text).0.into_owned(),
                "gb18030",
            ),
            ("h.csv", GB18030.encode(text).0.into_owned(), "gb18030"),
        ];
        for (name, bytes, enc) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let (f, rows) = rows_of(&p).unwrap();
            assert!(
                f.describe().to_lowercase().contains(&enc.to_lowercase()),
                "{name}: {}",
                f.describe()
            );
            assert_eq!(
                texts(&rows[0]),
                vec!["集群编码", "集群名称"],
                "{name}: BOM must not leak"
            );
            assert_eq!(texts(&rows[1]), vec!["xinji", "辛集皮革"]);
            assert_eq!(rows[1].line, 2);
        }
    }

    #[test]
    fn windows_line_ends_keep_line_numbers_right() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("crlf.csv");
        let mut text = String::from("a,b\r\n");
        for i in 0..30_000 {
            text.push_str(&format!("{i},\"x\r\ny\"\r\n"));
        }
        std::fs::write(&p, &text).unwrap();
        let (_, rows) = rows_of(&p).unwrap();
        assert_eq!(rows.len(), 30_001);
        assert_eq!(
            (rows[1].line, texts(&rows[1])),
            (2, vec!["0".to_string(), "x\ny".to_string()])
        );
        assert_eq!(
            rows[30_000].line, 60_000,
            "a quoted line break counts as a line"
        );
    }

    #[test]
    fn a_bad_byte_is_an_encoding_error_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.csv");
        let mut bytes = "a,b\n1,2\n3,".as_bytes().to_vec();
        bytes.extend_from_slice(&[0xEF, 0xBB]); // truncated UTF-8 sequence
        bytes.extend_from_slice(b"\n");
        std::fs::write(&p, &bytes).unwrap();
        let limits = Limits::default();
        let f = Format::Csv {
            encoding: UTF_8,
            bom: false,
        };
        let err = visit_rows(&p, &f, &limits, &mut |_| Ok(())).unwrap_err();
        assert_eq!((err.violation.code, err.line), (Code::E_ENCODING, 3));
        // Invalid in GB18030: a lead byte followed by an invalid trail byte.
        std::fs::write(&p, b"a,b\n\x81\x20,2\n").unwrap();
        let f = Format::Csv {
            encoding: GB18030,
            bom: false,
        };
        let err = visit_rows(&p, &f, &limits, &mut |_| Ok(())).unwrap_err();
        assert_eq!((err.violation.code, err.line), (Code::E_ENCODING, 2));
    }

    #[test]
    fn csv_bytes_named_xlsx_and_broken_zips_are_format_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        assert_eq!(
            probe(&p, None, None, &Limits::default())
                .unwrap_err()
                .violation
                .code,
            Code::E_FORMAT
        );
        std::fs::write(&p, b"PK\x03\x04garbage").unwrap();
        assert_eq!(
            probe(&p, None, None, &Limits::default())
                .unwrap_err()
                .violation
                .code,
            Code::E_FORMAT
        );
    }

    #[test]
    fn size_limit_is_checked_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        let limits = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(
            probe(&p, None, None, &limits).unwrap_err().violation.code,
            Code::E_TOO_LARGE
        );
        let limits = Limits {
            max_rows: 1,
            ..Limits::default()
        };
        let f = probe(&p, None, None, &limits).unwrap();
        let err = visit_rows(&p, &f, &limits, &mut |_| Ok(())).unwrap_err();
        assert_eq!(err.violation.code, Code::E_TOO_LARGE);
    }

    #[test]
    fn xlsx_first_visible_sheet_numbers_dates_and_zip_bomb_limit() {
        use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.xlsx");
        let mut wb = Workbook::new();
        let hidden = wb.add_worksheet();
        hidden.set_name("hidden").unwrap();
        hidden.write(0, 0, "nope").unwrap();
        hidden.set_hidden(true);
        let ws = wb.add_worksheet();
        ws.set_name("报表").unwrap();
        ws.set_active(true);
        ws.write(1, 0, "报告期").unwrap();
        ws.write(1, 1, "数值").unwrap();
        let date = ExcelDateTime::from_ymd(2024, 9, 30).unwrap();
        ws.write_datetime_with_format(2, 0, &date, &XFormat::new().set_num_format("yyyy-mm-dd"))
            .unwrap();
        ws.write(2, 1, 12.5).unwrap();
        wb.save(&p).unwrap();
        let (f, rows) = rows_of(&p).unwrap();
        assert_eq!(
            f,
            Format::Xlsx {
                sheet: "报表".into()
            }
        );
        assert_eq!(rows[0].line, 2, "sheet row numbers are kept");
        assert_eq!(
            rows[1].cells,
            vec![Cell::Date(2024, 9, 30), Cell::Number(12.5)]
        );
        let limits = Limits {
            max_uncompressed: 100,
            ..Limits::default()
        };
        assert_eq!(
            probe(&p, None, None, &limits).unwrap_err().violation.code,
            Code::E_TOO_LARGE
        );
    }
}
