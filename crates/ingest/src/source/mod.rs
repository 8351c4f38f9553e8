//! Reading a file as rows of cells, streaming, whatever its bytes.
//!
//! ```text
//!  path ─open_regular─▶ File (regular files only, opened without blocking)
//!       ─probe─▶ Format: CSV + encoding (delimited.rs) | workbook (workbook.rs)
//!       ─visit_lent─▶ (line, Lent: cells where the reader holds them)… to the visitor
//!       ─visit_rows─▶ RawRow (cells kept)… to the visitor
//! ```
//!
//! Every limit is checked before memory is spent on it: the file size up front; for
//! CSV the bytes of one field and one record as they are decoded; for workbooks the zip
//! directory (entries, uncompressed size) before anything is inflated, then the parse
//! itself in a child process with its own memory and time limits (`isolate.rs`),
//! because the workbook library allocates what a file declares and a failed allocation
//! aborts the process. A file beyond a limit is `E_TOO_LARGE`; one that cannot be read
//! as what it claims to be is `E_FORMAT`; nothing panics.

mod delimited;
pub mod isolate;
mod workbook;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use clusterkpi_model::Code;
use encoding_rs::Encoding;

use crate::value::Violation;

pub use delimited::{Fields, Utf8Check};
pub use isolate::{Isolation, WorkbookReader};

/// Resource limits for one file. The defaults suit a county's quarterly file with a
/// wide margin (a city's whole quarter is about 3,000 rows) while keeping the memory
/// one hostile file can claim well under a gigabyte.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Bytes of the file on disk.
    pub max_bytes: u64,
    /// Bytes a workbook inflates to (the sum over its zip directory).
    pub max_uncompressed: u64,
    /// Entries in a workbook's zip directory (a real workbook has a few dozen).
    pub max_zip_entries: u64,
    pub max_rows: u64,
    pub max_columns: u32,
    /// Cells a worksheet may declare.
    pub max_cells: u64,
    /// Bytes of one field (cell) as decoded.
    pub max_field_bytes: u64,
    /// Bytes of one record (row) as decoded.
    pub max_record_bytes: u64,
    /// Problems (errors and warnings) recorded for one file; beyond it the file is
    /// rejected with a count.
    pub max_problems: u64,
    /// Address space of the child process that parses a workbook.
    pub reader_memory: u64,
    /// Seconds one parse of a workbook may take.
    pub reader_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 1 << 30,
            max_uncompressed: 512 << 20,
            max_zip_entries: 10_000,
            max_rows: 2_000_000,
            max_columns: 256,
            max_cells: 20_000_000,
            max_field_bytes: 64 << 10,
            max_record_bytes: 1 << 20,
            max_problems: 100_000,
            reader_memory: 1 << 30,
            reader_seconds: 60,
        }
    }
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Held in place up to 24 bytes (see the crate's `compact_str` dependency).
    Text(compact_str::CompactString),
    Number(f64),
    Bool(bool),
    /// A workbook date (year, month, day).
    Date(i32, u32, u32),
}

impl Cell {
    /// The cell as lent ([`CellRef`]), whose methods these are.
    #[must_use]
    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(s) => CellRef::Text(s),
            Cell::Number(n) => CellRef::Number(*n),
            Cell::Bool(b) => CellRef::Bool(*b),
            Cell::Date(y, m, d) => CellRef::Date(*y, *m, *d),
        }
    }

    /// See [`CellRef::text`].
    #[must_use]
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        self.as_ref().text()
    }

    /// See [`CellRef::display`].
    #[must_use]
    pub fn display(&self) -> String {
        self.as_ref().display()
    }

    /// See [`CellRef::len`].
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }

    /// See [`CellRef::is_empty`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_ref().is_empty()
    }
}

/// One cell as the reader lends it: a CSV field is the text where the reader holds
/// it, not a copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// A workbook date (year, month, day).
    Date(i32, u32, u32),
}

impl<'a> CellRef<'a> {
    /// [`CellRef::display`] without copying a text cell: every CSV cell is one, and
    /// the copy was most of reading it.
    #[must_use]
    pub fn text(self) -> std::borrow::Cow<'a, str> {
        match self {
            CellRef::Text(s) => std::borrow::Cow::Borrowed(s),
            c => std::borrow::Cow::Owned(c.display()),
        }
    }

    /// The value as a person would read it in the file.
    #[must_use]
    pub fn display(self) -> String {
        match self {
            CellRef::Empty => String::new(),
            CellRef::Text(s) => s.to_string(),
            CellRef::Number(n) => format!("{n}"),
            CellRef::Bool(b) => if b { "TRUE" } else { "FALSE" }.into(),
            CellRef::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }

    /// About the bytes the cell holds, for memory accounting: the text's length, or
    /// a fixed size for the other kinds (no copy is made to find out).
    #[must_use]
    pub fn len(self) -> usize {
        match self {
            CellRef::Text(s) => s.len(),
            CellRef::Empty => 0,
            _ => 24,
        }
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        match self {
            CellRef::Empty => true,
            // Asked of every cell, twice: a cell that starts with a visible ASCII
            // character (nearly all) is settled without trimming.
            CellRef::Text(s) => match s.as_bytes().first() {
                None => true,
                Some(b) if b.is_ascii_graphic() => false,
                Some(_) => s.trim().is_empty(),
            },
            _ => false,
        }
    }

    /// The cell kept: a copy of its text.
    #[must_use]
    pub fn to_owned(self) -> Cell {
        match self {
            CellRef::Empty => Cell::Empty,
            CellRef::Text(s) => Cell::Text(s.into()),
            CellRef::Number(n) => Cell::Number(n),
            CellRef::Bool(b) => Cell::Bool(b),
            CellRef::Date(y, m, d) => Cell::Date(y, m, d),
        }
    }
}

/// A row's cells as the reader lends them to a visitor ([`visit_lent`]).
#[derive(Debug, Clone, Copy)]
pub enum Lent<'a> {
    /// A CSV record's fields, where the reader holds them: a row a visitor reads and
    /// does not keep is never copied into cells (building them was 6% of an ingest's
    /// instructions).
    Fields(Fields<'a>),
    /// A worksheet row's cells.
    Cells(&'a [Cell]),
}

impl<'a> Lent<'a> {
    #[must_use]
    pub fn len(self) -> usize {
        match self {
            Lent::Fields(r) => r.len(),
            Lent::Cells(c) => c.len(),
        }
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Cell `i`, if the row has it. Inlined: asked for every cell of every row, and
    /// called, its result went through memory, where the caller's read of it stalled
    /// (the hottest instruction of reading a row, in `perf annotate`).
    #[must_use]
    #[inline(always)]
    pub fn get(self, i: usize) -> Option<CellRef<'a>> {
        match self {
            Lent::Fields(r) => r.get(i).map(CellRef::Text),
            Lent::Cells(c) => c.get(i).map(Cell::as_ref),
        }
    }

    /// About the bytes the row's cells would hold kept: 32 a cell and its
    /// [`CellRef::len`]. A CSV record's in one step, its fields' text being one
    /// slice (summed cell by cell, this looked up every cell of every row once more
    /// than reading it did).
    #[must_use]
    pub fn kept_bytes(self) -> usize {
        match self {
            Lent::Fields(r) => 32 * r.len() + r.bytes(),
            Lent::Cells(c) => c.iter().map(|c| 32 + c.as_ref().len()).sum(),
        }
    }

    /// Every cell, in order.
    pub fn iter(self) -> impl Iterator<Item = CellRef<'a>> {
        (0..self.len()).map(move |i| self.get(i).unwrap_or(CellRef::Empty))
    }

    /// The cells kept.
    #[must_use]
    pub fn to_cells(self) -> Vec<Cell> {
        self.iter().map(CellRef::to_owned).collect()
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

/// Which workbook format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WorkbookKind {
    Xlsx,
    Xls,
}

impl WorkbookKind {
    fn as_str(self) -> &'static str {
        match self {
            WorkbookKind::Xlsx => "xlsx",
            WorkbookKind::Xls => "xls",
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
    /// A workbook; `sheet` is the sheet asked for, or, once read, the one that was
    /// (None before the first read: the first visible worksheet).
    Workbook {
        kind: WorkbookKind,
        sheet: Option<String>,
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
            Format::Workbook { kind, sheet } => {
                format!("{} [{}]", kind.as_str(), sheet.as_deref().unwrap_or(""))
            }
        }
    }

    #[must_use]
    pub fn sheet(&self) -> Option<&str> {
        match self {
            Format::Csv { .. } => None,
            Format::Workbook { sheet, .. } => sheet.as_deref(),
        }
    }

    /// After a read: the sheet that was read, so later reads take the same one.
    pub(crate) fn resolve_sheet(&mut self, read: Option<String>) {
        if let (Format::Workbook { sheet, .. }, Some(name)) = (self, read) {
            *sheet = Some(name);
        }
    }
}

/// Stop signal from a row visitor.
pub struct Stop;

/// How files are opened and parsed.
#[derive(Debug, Clone, Copy)]
pub struct ReadSettings<'a> {
    pub limits: &'a Limits,
    pub workbooks: &'a WorkbookReader,
}

pub(crate) fn cannot_read(e: &io::Error) -> FileProblem {
    FileProblem::new(
        0,
        Code::E_FORMAT,
        format!("无法读取文件：{e}"),
        format!("cannot read the file: {e}"),
    )
}

/// Opens a file for reading only if it is a regular file, without ever blocking: a
/// FIFO, a device or a folder is refused (`E_FORMAT`) instead of hanging the run while
/// it holds the dataset lock. The check is made on the opened file, so the path cannot
/// be swapped between the check and the read.
pub fn open_regular(path: &Path) -> Result<File, FileProblem> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| cannot_read(&e))?;
    let meta = file.metadata().map_err(|e| cannot_read(&e))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            ("文件夹", "a folder")
        } else if ft.is_fifo() {
            ("命名管道（FIFO）", "a FIFO")
        } else if ft.is_char_device() || ft.is_block_device() {
            ("设备文件", "a device")
        } else if ft.is_socket() {
            ("套接字", "a socket")
        } else {
            ("特殊文件", "a special file")
        };
        return Err(FileProblem::new(
            0,
            Code::E_FORMAT,
            format!("不是普通文件，而是{}，不予读取", what.0),
            format!("not a regular file but {}; not read", what.1),
        ));
    }
    Ok(file)
}

fn too_large_file(len: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        0,
        Code::E_TOO_LARGE,
        format!("文件大小 {len} 字节超过上限 {} 字节", limits.max_bytes),
        format!(
            "the file has {len} bytes, above the limit of {}",
            limits.max_bytes
        ),
    )
}

/// Works out how to read a file: by its name, checked against its first bytes. Reads
/// at most the first bytes and, for CSV without a given encoding, the file once to
/// detect its encoding; never parses a workbook.
pub fn probe(
    path: &Path,
    encoding: Option<&'static Encoding>,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Format, FileProblem> {
    probe_known(path, encoding, sheet, limits, None)
}

/// [`probe`], told already that the file's bytes are UTF-8 throughout (`Some(bom)`,
/// as [`Utf8Check::finish`] gives it, from the read that hashed them): a CSV file is
/// then not read again to detect its encoding.
pub fn probe_known(
    path: &Path,
    encoding: Option<&'static Encoding>,
    sheet: Option<&str>,
    limits: &Limits,
    utf8: Option<bool>,
) -> Result<Format, FileProblem> {
    let mut file = open_regular(path)?;
    let len = file.metadata().map_err(|e| cannot_read(&e))?.len();
    if len > limits.max_bytes {
        return Err(too_large_file(len, limits));
    }
    let mut head = [0u8; 8];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot_read(&e)),
        }
    }
    let head = &head[..n];
    let is_zip = head.starts_with(b"PK\x03\x04");
    let is_ole = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let workbook = |kind| Format::Workbook {
        kind,
        sheet: sheet.map(str::to_string),
    };
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
            Ok(workbook(WorkbookKind::Xlsx))
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
            Ok(workbook(WorkbookKind::Xls))
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
            let (encoding, bom) = match (encoding, utf8) {
                (Some(e), _) => (e, head.starts_with(b"\xEF\xBB\xBF")),
                (None, Some(bom)) => (encoding_rs::UTF_8, bom),
                (None, None) => delimited::detect_encoding(open_regular(path)?)?,
            };
            Ok(Format::Csv { encoding, bom })
        }
    }
}

/// Calls `visit` for every row of the file, in order, with the row's cells kept.
/// Returns the sheet that was read, for workbooks.
pub fn visit_rows(
    path: &Path,
    format: &Format,
    settings: ReadSettings<'_>,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<Option<String>, FileProblem> {
    visit_lent(path, format, settings, &mut |line, cells| {
        visit(RawRow {
            line,
            cells: cells.to_cells(),
        })
    })
}

/// Calls `visit` for every row of the file, in order, with its line and its cells as
/// the reader holds them ([`Lent`]). Returns the sheet that was read, for workbooks.
pub fn visit_lent(
    path: &Path,
    format: &Format,
    settings: ReadSettings<'_>,
    visit: &mut dyn FnMut(u64, Lent<'_>) -> Result<(), Stop>,
) -> Result<Option<String>, FileProblem> {
    let file = open_regular(path)?;
    let len = file.metadata().map_err(|e| cannot_read(&e))?.len();
    if len > settings.limits.max_bytes {
        return Err(too_large_file(len, settings.limits));
    }
    let mut kept = |row: RawRow| visit(row.line, Lent::Cells(&row.cells));
    match format {
        Format::Csv { encoding, .. } => {
            delimited::visit_csv(file, encoding, settings.limits, visit).map(|()| None)
        }
        Format::Workbook { kind, sheet } => match settings.workbooks {
            WorkbookReader::InProcess => {
                let mut name = None;
                workbook::read(
                    file,
                    *kind,
                    sheet.as_deref(),
                    settings.limits,
                    &mut |n| name = Some(n.to_string()),
                    &mut kept,
                )?;
                Ok(name)
            }
            WorkbookReader::Isolated(iso) => isolate::read(
                iso,
                file,
                *kind,
                sheet.as_deref(),
                settings.limits,
                &mut kept,
            ),
        },
    }
}

pub(crate) fn too_many_rows(line: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        line,
        Code::E_TOO_LARGE,
        format!("行数超过上限 {}", limits.max_rows),
        format!("more rows than the limit of {}", limits.max_rows),
    )
}

pub(crate) fn too_many_columns(line: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        line,
        Code::E_TOO_LARGE,
        format!("第 {line} 行的列数超过上限 {}", limits.max_columns),
        format!(
            "line {line} has more columns than the limit of {}",
            limits.max_columns
        ),
    )
}

/// A cell beyond the field limit; `field` is its position in the row where known.
pub(crate) fn field_too_long(line: u64, field: Option<u64>, limits: &Limits) -> FileProblem {
    let max = limits.max_field_bytes;
    match field {
        Some(n) => FileProblem::new(
            line,
            Code::E_TOO_LARGE,
            format!("第 {line} 行第 {n} 列的单元格超过 {max} 字节的上限"),
            format!("the cell in line {line}, column {n} is longer than the limit of {max} bytes"),
        ),
        None => FileProblem::new(
            line,
            Code::E_TOO_LARGE,
            format!("第 {line} 行有一个单元格超过 {max} 字节的上限"),
            format!("line {line} has a cell longer than the limit of {max} bytes"),
        ),
    }
}

pub(crate) fn record_too_long(line: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        line,
        Code::E_TOO_LARGE,
        format!(
            "第 {line} 行超过每行 {} 字节的上限",
            limits.max_record_bytes
        ),
        format!(
            "the row starting on line {line} is longer than the limit of {} bytes",
            limits.max_record_bytes
        ),
    )
}

/// Maps an encoding label given on the command line (`utf-8`, `gbk`, `gb18030`).
#[must_use]
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

#[cfg(test)]
mod tests;
