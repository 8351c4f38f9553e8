//! Workbooks (`.xlsx` cell by cell, `.xls` by sheet) through calamine.
//!
//! calamine believes what a workbook says about itself: a shared-strings count, a
//! sheet's dimension, a cell's position, an `.xls` sector chain. Before it sees a zip,
//! the directory is read here by hand (entry count and declared sizes, a few hundred
//! bytes at the end of the file), and every cell is checked against the limits as it
//! comes. What cannot be checked beforehand (the inside of the XML or of an OLE file)
//! is why the binary runs this module in a child process with a memory and time limit
//! (`isolate.rs`); in-process reading is for tests and trusted files.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xls, Xlsx};
use clusterkpi_model::Code;

use super::{
    Cell, FileProblem, Limits, RawRow, Stop, WorkbookKind, field_too_long, too_many_columns,
    too_many_rows,
};

pub(super) fn broken(e: &dyn std::fmt::Display) -> FileProblem {
    let shown = crate::value::shown(&e.to_string());
    FileProblem::new(
        0,
        Code::E_FORMAT,
        format!("工作簿已损坏或无法读取：{shown}"),
        format!("the workbook is broken or unreadable: {shown}"),
    )
}

/// Reads the chosen sheet of a workbook, row by row: `on_sheet` hears its name
/// before the first row.
pub(super) fn read(
    mut file: File,
    kind: WorkbookKind,
    sheet: Option<&str>,
    limits: &Limits,
    on_sheet: &mut dyn FnMut(&str),
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    // A row's text is bounded as a CSV record's is.
    let mut bounded = |row: RawRow| {
        let bytes: u64 = row
            .cells
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.len() as u64 + 1,
                _ => 9,
            })
            .sum();
        if bytes > limits.max_record_bytes {
            return Err(Some(super::record_too_long(row.line, limits)));
        }
        visit(row).map_err(|Stop| None)
    };
    let mut too_long = None;
    let mut visit = |row: RawRow| {
        bounded(row).map_err(|p| {
            too_long = p;
            Stop
        })
    };
    let read = match kind {
        WorkbookKind::Xlsx => {
            check_zip_directory(&mut file, limits)?;
            read_xlsx(file, sheet, limits, on_sheet, &mut visit)
        }
        WorkbookKind::Xls => read_xls(file, sheet, limits, on_sheet, &mut visit),
    };
    match too_long {
        Some(p) => Err(p),
        None => read,
    }
}

fn pick_sheet(sheets: &[calamine::Sheet], wanted: Option<&str>) -> Result<String, FileProblem> {
    if let Some(w) = wanted {
        return sheets
            .iter()
            .find(|s| s.name == w)
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                let w = crate::value::shown(w);
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

fn le16(b: &[u8]) -> u64 {
    u64::from(u16::from_le_bytes([b[0], b[1]]))
}
fn le32(b: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> Result<(), FileProblem> {
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(buf))
        .map_err(|e| broken(&e))
}

/// Reads the zip's end-of-central-directory record (and its zip64 form) to learn how
/// many entries the directory has and how large it is, before any library allocates
/// for them; then sums the declared uncompressed sizes. A zip of millions of entries,
/// or one that inflates beyond the limit, fails here with `E_TOO_LARGE`.
fn check_zip_directory(file: &mut File, limits: &Limits) -> Result<(), FileProblem> {
    let len = file.metadata().map_err(|e| broken(&e))?.len();
    // The record is 22 bytes plus a comment of up to 65,535 bytes.
    let tail_len = len.min(22 + 65_535);
    let mut tail = vec![0u8; tail_len as usize];
    read_at(file, len - tail_len, &mut tail)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
    else {
        return Err(broken(
            &"no end of central directory (not a zip, or truncated)",
        ));
    };
    let eocd = &tail[at..at + 22];
    let mut entries = le16(&eocd[10..]);
    let mut dir_size = le32(&eocd[12..]);
    let eocd_offset = len - tail_len + at as u64;
    if (entries == 0xFFFF || dir_size == 0xFFFF_FFFF) && eocd_offset >= 20 {
        // zip64: a locator just before the record points at the zip64 record.
        let mut locator = [0u8; 20];
        read_at(file, eocd_offset - 20, &mut locator)?;
        if locator.starts_with(b"PK\x06\x07") {
            let mut record = [0u8; 56];
            let at = le64(&locator[8..]);
            if at.checked_add(56).is_none_or(|end| end > len) {
                return Err(broken(&"the zip64 directory record lies beyond the file"));
            }
            read_at(file, at, &mut record)?;
            if !record.starts_with(b"PK\x06\x06") {
                return Err(broken(&"the zip64 directory record is missing"));
            }
            entries = le64(&record[32..]);
            dir_size = le64(&record[40..]);
        }
    }
    if entries > limits.max_zip_entries {
        return Err(FileProblem::new(
            0,
            Code::E_TOO_LARGE,
            format!(
                "工作簿的压缩包含有 {entries} 个条目，超过上限 {}",
                limits.max_zip_entries
            ),
            format!(
                "the workbook's zip has {entries} entries, above the limit of {}",
                limits.max_zip_entries
            ),
        ));
    }
    if dir_size > len {
        return Err(broken(&"the zip directory is larger than the file"));
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| broken(&e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(&*file)).map_err(|e| broken(&e))?;
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
    file.seek(SeekFrom::Start(0)).map_err(|e| broken(&e))?;
    Ok(())
}

/// A text cell within the field limit, or the file's `E_TOO_LARGE`.
fn text_cell(s: &str, line: u64, limits: &Limits) -> Result<Cell, FileProblem> {
    if s.len() as u64 > limits.max_field_bytes {
        return Err(field_too_long(line, None, limits));
    }
    Ok(Cell::Text(s.into()))
}

fn data_cell(d: &DataRef<'_>, line: u64, limits: &Limits) -> Result<Cell, FileProblem> {
    Ok(match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            text_cell(s, line, limits)?
        }
        DataRef::SharedString(s) => text_cell(s, line, limits)?,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(i32::from(y), u32::from(m), u32::from(d))
        }
        DataRef::Error(e) => Cell::Text(compact_str::format_compact!("#{e:?}")),
    })
}

fn owned_cell(d: &Data, line: u64, limits: &Limits) -> Result<Cell, FileProblem> {
    Ok(match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            text_cell(s, line, limits)?
        }
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(i32::from(y), u32::from(m), u32::from(d))
        }
        Data::Error(e) => Cell::Text(compact_str::format_compact!("#{e:?}")),
    })
}

fn too_many_cells(declared: u64, limits: &Limits) -> FileProblem {
    FileProblem::new(
        0,
        Code::E_TOO_LARGE,
        format!(
            "工作表有 {declared} 个单元格，超过上限 {}",
            limits.max_cells
        ),
        format!(
            "the sheet has {declared} cells, above the limit of {}",
            limits.max_cells
        ),
    )
}

fn read_xlsx(
    file: File,
    sheet: Option<&str>,
    limits: &Limits,
    on_sheet: &mut dyn FnMut(&str),
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let mut wb: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(|e| broken(&e))?;
    let name = pick_sheet(wb.sheets_metadata(), sheet)?;
    on_sheet(&name);
    let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| broken(&e))?;
    let dims = cells.dimensions();
    let declared = (u64::from(dims.end.0.saturating_sub(dims.start.0)) + 1)
        * (u64::from(dims.end.1.saturating_sub(dims.start.1)) + 1);
    if declared > limits.max_cells {
        return Err(too_many_cells(declared, limits));
    }
    let mut current: Option<RawRow> = None;
    let (mut rows, mut seen) = (0u64, 0u64);
    loop {
        let next = cells.next_cell().map_err(|e| broken(&e))?;
        let Some(cell) = next else { break };
        let (r, c) = cell.get_position();
        let line = u64::from(r) + 1;
        seen += 1;
        if seen > limits.max_cells {
            return Err(too_many_cells(seen, limits));
        }
        if c >= limits.max_columns {
            return Err(too_many_columns(line, limits));
        }
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
        row.cells[c] = data_cell(cell.get_value(), line, limits)?;
    }
    if let Some(row) = current {
        let _ = visit(row);
    }
    Ok(())
}

fn read_xls(
    file: File,
    sheet: Option<&str>,
    limits: &Limits,
    on_sheet: &mut dyn FnMut(&str),
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let mut wb: Xls<_> = Xls::new(BufReader::new(file)).map_err(|e| broken(&e))?;
    let name = pick_sheet(wb.sheets_metadata(), sheet)?;
    on_sheet(&name);
    let range = wb.worksheet_range(&name).map_err(|e| broken(&e))?;
    let (h, w) = range.get_size();
    if (h as u64) > limits.max_rows {
        return Err(too_many_rows(0, limits));
    }
    if (w as u64) > u64::from(limits.max_columns) {
        return Err(too_many_columns(0, limits));
    }
    if (h as u64).saturating_mul(w as u64) > limits.max_cells {
        return Err(too_many_cells((h as u64).saturating_mul(w as u64), limits));
    }
    let top = range.start().map_or(0, |s| s.0);
    for (i, row) in range.rows().enumerate() {
        let line = u64::from(top) + i as u64 + 1;
        let cells = row
            .iter()
            .map(|d| owned_cell(d, line, limits))
            .collect::<Result<Vec<_>, _>>()?;
        if visit(RawRow { line, cells }).is_err() {
            break;
        }
    }
    Ok(())
}
