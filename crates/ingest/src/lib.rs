//! Ingestion: one input file in, typed rows and a full account of its problems out.
//!
//! ```text
//!  file ─probe─▶ Format (CSV + encoding | xlsx sheet)
//!       ─pass 1─▶ header → kind, duplicate keys, enterprises and years (for history)
//!       ─pass 2─▶ every row read by its column and row rules ─▶ Sink (accepted rows)
//!                                                            └▶ Issue (quarantined, warnings)
//!  ─▶ FileResult: outcome (accepted … rejected), counts, issues
//! ```
//!
//! A small file (a county's quarter) is read from disk once: pass 1 keeps its rows for
//! pass 2, each row of figures with its cells already read by their column rules. A
//! larger file is streamed twice, and memory holds one row plus the file's keys. The
//! caller (the dataset writer) stages what the sink receives and publishes it only
//! when the outcome is not `rejected`.

pub mod schema;
pub mod source;
mod validate;
pub mod value;

use std::collections::BTreeSet;
use std::path::Path;

use clusterkpi_model::{Code, Date, Issue, Period};

pub use clusterkpi_model::ingested::{FileResult, InputKind, Outcome};
pub use clusterkpi_model::rows::{
    ClusterRow, CodeKey, CodeList, Collect, Discard, FastMap, FastSet, PriorYtd, Record, ReportRow,
    RosterRow, Sink, ValueRow, Ytd,
};
pub use source::{Format, Isolation, Limits, WorkbookReader, encoding_for_label};
pub use validate::{References, cluster_spellings, spellings_of};

use schema::{Declared, HeaderMap};
use source::{CellRef, FileProblem, Lent, RawRow, ReadSettings, Stop};
use validate::{RowProblem, Val};

/// Settings for reading files.
#[derive(Debug, Clone)]
pub struct Options {
    /// Forces an encoding for CSV files instead of detecting it.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Reads this sheet of workbooks instead of the first visible one.
    pub sheet: Option<String>,
    pub limits: Limits,
    /// Where workbooks are parsed (the binary isolates them in a child process).
    pub workbooks: WorkbookReader,
    /// A file with a larger share of rows in error is rejected whole.
    pub max_error_rate: f64,
    /// Periods after this date are errors.
    pub today: Date,
    /// Bytes of rows kept from pass 1 for pass 2 ([`SPOOL_BYTES`]); a larger file is
    /// read twice.
    pub keep_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            encoding: None,
            sheet: None,
            limits: Limits::default(),
            workbooks: WorkbookReader::InProcess,
            max_error_rate: clusterkpi_model::pipeline::DEFAULT_MAX_ERROR_RATE,
            today: Date::today(),
            keep_bytes: SPOOL_BYTES,
        }
    }
}

impl Options {
    fn settings(&self) -> ReadSettings<'_> {
        ReadSettings {
            limits: &self.limits,
            workbooks: &self.workbooks,
        }
    }
}

/// A file of `kind` rejected whole, unread, for a file-level rule (`code`) that the
/// caller judged, with its messages.
#[must_use]
pub fn rejected_whole(
    path: &str,
    kind: Option<InputKind>,
    code: Code,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> FileResult {
    let mut r = FileResult::unread(path);
    r.kind = kind;
    reject(r, None, FileProblem::new(0, code, zh, en))
}

/// SHA-256 of a file's bytes, streamed. Only regular files are read (a FIFO or a
/// device is refused, never waited on).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let f = source::open_regular(path)
        .map_err(|p| std::io::Error::new(std::io::ErrorKind::InvalidInput, p.violation.en))?;
    clusterkpi_model::small_file::sha256_hex(f)
}

/// A file's SHA-256 and, from the same read, whether its bytes are UTF-8 throughout
/// ([`hash_file`]).
#[derive(Debug, Clone)]
pub struct Hashed {
    pub sha256: String,
    /// `Some(bom)` when UTF-8 throughout ([`source::Utf8Check::finish`]).
    utf8: Option<bool>,
    /// The file's size and time of change before it was read: a file changed since
    /// has its encoding detected again.
    stamp: Option<(u64, std::time::SystemTime)>,
}

/// [`sha256_file`], and whether the bytes are UTF-8 throughout, in one read: a CSV
/// file's encoding is then not detected by reading it again ([`peek_hashed`]). At 100x
/// the sample city the 738 MB of inputs were read once to hash them and once more to
/// detect their encoding.
pub fn hash_file(path: &Path) -> std::io::Result<Hashed> {
    let stamp = stamp(path);
    let f = source::open_regular(path)
        .map_err(|p| std::io::Error::new(std::io::ErrorKind::InvalidInput, p.violation.en))?;
    let mut check = source::Utf8Check::default();
    let mut checking = true;
    let sha256 = clusterkpi_model::small_file::sha256_hex_with(f, |piece| {
        if checking {
            checking = check.feed(piece);
        }
    })?;
    Ok(Hashed {
        sha256,
        utf8: check.finish(),
        stamp,
    })
}

/// [`peek`], with what hashing the file learnt of its encoding, if the file has not
/// changed since.
#[must_use]
pub fn peek_hashed(path: &Path, opts: &Options, hashed: &Hashed) -> Option<Peeked> {
    let utf8 = hashed
        .utf8
        .filter(|_| hashed.stamp.is_some() && stamp(path) == hashed.stamp);
    peek_known(path, opts, utf8)
}

/// What [`peek`] found: the file's kind, and how its probe says it is read, kept for
/// [`process_probed`].
#[derive(Debug, Clone)]
pub struct Peeked {
    pub kind: InputKind,
    format: Format,
    /// The file's size and time of change when it was probed: a file changed since is
    /// probed again.
    stamp: Option<(u64, std::time::SystemTime)>,
}

impl Peeked {
    /// The format found, if the file is unchanged since.
    fn format_of(&self, path: &Path) -> Option<Format> {
        (self.stamp.is_some() && stamp(path) == self.stamp).then(|| self.format.clone())
    }
}

fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// The kind of a file from its header row alone, without reading the other rows (None
/// when the file cannot be read or has no header), with the format its probe found. A
/// CSV file's probe reads the whole file to tell its encoding; kept for its ingest,
/// the file is read whole once less (seven opens and four whole reads a county's file
/// before, `docs/PERFORMANCE.md`).
#[must_use]
pub fn peek(path: &Path, opts: &Options) -> Option<Peeked> {
    peek_known(path, opts, None)
}

fn peek_known(path: &Path, opts: &Options, utf8: Option<bool>) -> Option<Peeked> {
    let stamp = stamp(path);
    let format = source::probe_known(
        path,
        opts.encoding,
        opts.sheet.as_deref(),
        &opts.limits,
        utf8,
    )
    .ok()?;
    let mut kind = None;
    let _ = source::visit_lent(path, &format, opts.settings(), &mut |_, cells: Lent<'_>| {
        if cells.iter().all(CellRef::is_empty) {
            return Ok(());
        }
        let headers: Vec<String> = cells.iter().map(CellRef::display).collect();
        kind = Some(schema::detect(&headers).kind);
        Err(Stop)
    });
    Some(Peeked {
        kind: kind?,
        // Only a CSV file's probe is worth keeping; a workbook's sheet is resolved
        // when it is read.
        stamp: stamp.filter(|_| matches!(format, Format::Csv { .. })),
        format,
    })
}

/// The keys found in pass 1.
#[derive(Debug, Default)]
pub struct KeyScan {
    /// Enterprises named in a reports file.
    pub credit_codes: CodeList,
    /// Years of the periods in a reports file.
    pub years: BTreeSet<i32>,
    /// Whether a period of the file is a year's second quarter or later: only then
    /// can a row have earlier quarters of its year to be compared with.
    pub after_first_quarter: bool,
    duplicates: FastSet<u128>,
    periods: usize,
}

struct Header {
    map: HeaderMap,
    line: u64,
}

/// The reference lists a file is checked against, asked for once, after its first
/// pass: that pass reads the header, the keys and every cell by its column's rule, and
/// needs no list. So the reports of a run can be read while the roster they are to be
/// checked against is still being ingested beside them (the binary's parallel ingest
/// gives one that waits for it). Given as they are, [`References`] answer at once.
pub trait ReferenceSource: Sync {
    fn references(&self) -> &References;
}

impl ReferenceSource for References {
    fn references(&self) -> &References {
        self
    }
}

/// Reads, checks and converts one file. `refs` is asked once, after the first pass,
/// and so is `prior`, for the accepted year-to-date figures of the file's enterprises
/// and years.
pub fn process(
    path: &Path,
    display: &str,
    opts: &Options,
    refs: &dyn ReferenceSource,
    prior: &mut dyn FnMut(&KeyScan) -> PriorYtd,
    sink: &mut dyn Sink,
) -> FileResult {
    process_probed(
        path,
        None,
        display,
        opts,
        refs,
        prior,
        sink,
        &mut RowBuffers::default(),
    )
}

/// [`process`] of a file [`peek`]ed at with the same options: its probe is not made
/// again unless the file changed since. `buffers` hold the file's rows while it is
/// read; a caller reading file after file passes the same ones.
#[allow(clippy::too_many_arguments)] // each is a separate input of the one step
pub fn process_probed(
    path: &Path,
    peeked: Option<&Peeked>,
    display: &str,
    opts: &Options,
    refs: &dyn ReferenceSource,
    prior: &mut dyn FnMut(&KeyScan) -> PriorYtd,
    sink: &mut dyn Sink,
    buffers: &mut RowBuffers,
) -> FileResult {
    let mut result = FileResult::unread(display);
    let probed = peeked.and_then(|p| p.format_of(path)).map(Ok);
    let mut format = match probed
        .unwrap_or_else(|| source::probe(path, opts.encoding, opts.sheet.as_deref(), &opts.limits))
    {
        Ok(f) => f,
        Err(p) => return reject(result, None, p),
    };

    // Pass 1: header, kind, keys. Keys are kept as 128 bits (`validate::row_key_hash`):
    // 16 bytes a row whatever the key's length. A report row's key is packed exactly;
    // another kind's is a digest, whose collision (about 2^-100 for a file within the
    // row limit) is not a practical concern.
    let mut header: Option<Header> = None;
    let mut scan = KeyScan::default();
    let lent = Emptied(buffers);
    let RowBuffers {
        vals: arena,
        spool: kept,
        keys,
    } = &mut *lent.0;
    // Every row's key, sorted once the pass is over, when a key met twice lies next to
    // itself: a map of counts, grown from nothing while the rows came, was 9% of the
    // roster's ingest at 100x the sample city (270,000 rows; docs/PERFORMANCE.md).
    let mut periods: FastSet<Period> = FastSet::default();
    // A report row's code, kept as a key, in the rows' order: sorted at the end, when
    // each kept row learns its code's place in the file's list (`ReadRow::ordinal`).
    // A file not kept has no places to learn, and its keys are sorted and made
    // distinct whenever they reach a bound (64Ki keys, 1.5 MB; then twice what the
    // last sort left), so they hold at most twice its enterprises or 64Ki keys.
    let mut codes: Vec<CodeKey> = Vec::new();
    let mut codes_bound = 1 << 16;
    // Rows of a small file are kept from pass 1 for pass 2, so it is read (and a
    // workbook parsed in its child process) once; a larger one is read again. A kept
    // row of figures is kept read: pass 1 reads every cell of it then, not only its
    // key, and pass 2 goes on from there. A file too large to keep gives the memory
    // back at once: it is streamed twice, and the next file grows its own.
    let mut spool: Option<&mut Vec<Spooled>> = Some(kept);
    let mut spooled = 0usize;
    // Rows past the header but empty ones (a row left blank but for its enterprise
    // counts): at most what pass 2 gives the sink.
    let mut data_rows = 0usize;
    let pass1 = source::visit_lent(path, &format, opts.settings(), &mut |line, cells| {
        // A row kept as it was read, for pass 2 to read.
        let raw = || {
            Spooled::Raw(RawRow {
                line,
                cells: cells.to_cells(),
            })
        };
        if spool.is_some() {
            spooled += 64 + cells.kept_bytes();
            if spooled > opts.keep_bytes
                && let Some(rows) = spool.take()
            {
                *rows = Vec::new();
                *arena = Vec::new();
            }
        }
        if cells.iter().all(CellRef::is_empty) {
            spool_row(&mut spool, raw);
            return Ok(());
        }
        let Some(h) = &header else {
            let headers: Vec<String> = cells.iter().map(CellRef::display).collect();
            header = Some(Header {
                map: schema::detect(&headers),
                line,
            });
            spool_row(&mut spool, raw);
            return Ok(());
        };
        if !h.map.missing.is_empty() || !h.map.duplicated.is_empty() {
            return Err(Stop);
        }
        data_rows += 1;
        // A row left blank is no report: its key neither duplicates another row's
        // nor asks for the enterprise's earlier figures.
        if validate::blank_report(&h.map, cells) {
            spool_row(&mut spool, raw);
            return Ok(());
        }
        // A row pass 2 reads again (the file is not kept, or the row is ragged) has
        // only its key columns read here: every cell is read and checked once.
        let read = (spool.is_some() && !ragged(&format, h.map.headers.len(), cells))
            .then(|| ReadRow::of(&h.map, line, cells, opts.today, arena));
        let key_only;
        let (vals, key) = match &read {
            Some(r) => (&arena[r.vals.clone()], r.key),
            None => {
                key_only = validate::read_key(&h.map, cells, opts.today);
                (
                    key_only.as_slice(),
                    validate::row_key_hash(h.map.kind, &key_only),
                )
            }
        };
        if let Some(key) = key {
            keys.push(key);
        }
        let mut ordinal = None;
        if h.map.kind == InputKind::Reports
            && let (Some(code), Val::Period(p)) = (vals[0].text(), &vals[1])
        {
            ordinal = u32::try_from(codes.len()).ok();
            codes.push(
                key.and_then(validate::code_key_of)
                    .unwrap_or_else(|| CodeKey::new(code)),
            );
            if spool.is_none() && codes.len() >= codes_bound {
                codes.sort_unstable();
                codes.dedup();
                codes_bound = codes_bound.max(2 * codes.len());
            }
            scan.years.insert(p.year());
            scan.after_first_quarter |= p.quarter() > 1;
            periods.insert(*p);
        }
        match read {
            Some(mut read) => {
                read.ordinal = ordinal;
                spool_row(&mut spool, || Spooled::Read(read));
            }
            None => spool_row(&mut spool, raw),
        }
        Ok(())
    });
    let streamed = spool.is_none();
    let read_sheet = match pass1 {
        Ok(s) => s,
        Err(p) => {
            let sheet = format.sheet().map(str::to_string);
            return reject(result, sheet, p);
        }
    };
    format.resolve_sheet(read_sheet);
    let sheet = format.sheet().map(str::to_string);
    result.format = Some(format.describe());
    let Some(header) = header else {
        return reject(
            result,
            sheet,
            FileProblem::new(
                0,
                Code::E_EMPTY,
                "文件没有表头行",
                "the file has no header row",
            ),
        );
    };
    let kind = header.map.kind;
    result.kind = Some(kind);
    let refs = refs.references();
    result.skipped_checks = refs.skipped_checks(kind);
    if !header.map.missing.is_empty() || !header.map.duplicated.is_empty() {
        return reject_header(result, sheet, &header);
    }
    for h in &header.map.unknown {
        result.issues.push(issue(
            display,
            &sheet,
            header.line,
            h,
            h,
            &value::Violation::new(
                Code::W_UNKNOWN_COLUMN,
                format!("未知列“{h}”已忽略"),
                format!("unknown column {h:?} ignored"),
            ),
        ));
    }
    keys.sort_unstable();
    scan.duplicates = keys
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    keys.clear();
    if streamed {
        *keys = Vec::new();
    }
    let max_problems = usize::try_from(opts.limits.max_problems).unwrap_or(usize::MAX);
    let mut problems_total = result.issues.len() as u64;
    scan.periods = periods.len();
    // Where each kept row's code is in the file's list: what is asked once for the
    // whole list (the roster's membership, the earlier figures) is then read by place.
    let places;
    (scan.credit_codes, places) = if spool.is_some() {
        CodeList::placed(codes)
    } else {
        (CodeList::from_keys(codes), Vec::new())
    };
    let prior_ytd = if kind == InputKind::Reports {
        let given = prior(&scan);
        if given.is_empty() || given.is_for(&scan.credit_codes) {
            given
        } else {
            given.for_codes(&scan.credit_codes)
        }
    } else {
        PriorYtd::default()
    };
    let row_prior = RowPrior::new(&prior_ytd, &places);
    let members = match (&refs.roster, kind) {
        (Some(roster), InputKind::Reports) => roster.members(&scan.credit_codes),
        _ => Vec::new(),
    };
    // A report row's accepted figures of the same year's earlier quarters: one list,
    // filled again for every row.
    let mut earlier: Vec<(Period, Ytd)> = Vec::new();
    // Accepted figures of this file, for a file that holds several quarters of a year.
    let mut in_file: FastMap<(String, i32), Vec<(Period, Ytd)>> = FastMap::default();

    sink.expect_rows(data_rows);

    // Pass 2: every row.
    let width = header.map.headers.len();
    let mut rows_with_errors = 0u64;
    let mut blank_rows = 0u64;
    let mut sink_error: Option<std::io::Error> = None;
    let mut header_seen = false;
    let mut visit2 = |row: Pass2<'_>| {
        let read = match row {
            Pass2::Read(read) => read,
            Pass2::Lent(line, cells) => {
                if cells.iter().all(CellRef::is_empty) {
                    return Ok(());
                }
                if !header_seen {
                    header_seen = true;
                    return Ok(());
                }
                if validate::blank_report(&header.map, cells) {
                    // Not a row read: it neither counts towards the error rate nor makes a
                    // county's file of mostly non-reporting enterprises look empty of errors.
                    blank_rows += 1;
                    problems_total += 1;
                    result.warnings += 1;
                    if result.issues.len() < max_problems {
                        let code = header.map.position[0]
                            .and_then(|f| cells.get(f))
                            .map(CellRef::display)
                            .unwrap_or_default();
                        let mut i = issue(
                            display,
                            &sheet,
                            line,
                            "",
                            &code,
                            &value::Violation::new(
                                Code::W_BLANK_ROW,
                                "该行只有企业信息，未填报任何数据：已跳过，该企业按本期未报送计",
                                "the row names its enterprise but gives no figure: skipped, the enterprise counts as not reporting",
                            ),
                        );
                        i.period = validate::row_period(
                            kind,
                            &validate::read_key(&header.map, cells, opts.today),
                        );
                        result.issues.push(i);
                    }
                    return Ok(());
                }
                if ragged(&format, width, cells) {
                    let problem = (
                        None,
                        format!("{} fields", cells.len()),
                        value::Violation::new(
                            Code::E_RAGGED,
                            format!("该行有 {} 个字段，表头有 {width} 列", cells.len()),
                            format!(
                                "the row has {} fields but the header has {width}",
                                cells.len()
                            ),
                        ),
                    );
                    ReadRow {
                        line,
                        vals: 0..0,
                        problems: vec![problem],
                        key: None,
                        ordinal: None,
                    }
                } else {
                    // A file streamed twice holds only the row being read.
                    if streamed {
                        arena.clear();
                    }
                    ReadRow::of(&header.map, line, cells, opts.today, arena)
                }
            }
        };
        result.rows_read += 1;
        let ReadRow {
            line,
            vals,
            mut problems,
            key,
            ordinal,
        } = read;
        let vals = &arena[vals];
        // The place of the row's code in the file's list, if it was kept from pass 1.
        let place = ordinal
            .and_then(|o| places.get(o as usize))
            .map(|&p| p as usize);
        // A ragged row's cells are not read.
        let ragged = vals.is_empty();
        let mut record = None;
        if !ragged {
            if key.is_some_and(|k| scan.duplicates.contains(&k))
                && let Some(key) = validate::row_key(kind, vals)
            {
                problems.push((
                    None,
                    key.replace('|', " "),
                    value::Violation::new(
                        Code::E_DUPLICATE_ROW,
                        "同一文件中重复出现的行（同一主键），两行均被隔离",
                        "the same key appears more than once in this file; every copy is quarantined",
                    ),
                ));
            }
            let known = place.and_then(|p| members.get(p).copied());
            record = validate::build_record(kind, vals, line, refs, known, &mut problems);
        }
        if let Some(Record::Report(r)) = &record {
            // The accepted figures of the same year's earlier quarters, earliest first.
            let quarters = match ordinal.zip(place) {
                Some((o, _)) => row_prior.at(o as usize),
                None => prior_ytd.of(&r.credit_code),
            };
            earlier.clear();
            earlier.extend(
                quarters
                    .iter()
                    .filter(|(p, _)| {
                        p.year() == r.period.year() && p.quarter() < r.period.quarter()
                    })
                    .copied(),
            );
            if scan.periods > 1 {
                let mine = in_file
                    .entry((r.credit_code.clone(), r.period.year()))
                    .or_default();
                earlier.extend(mine.iter().copied());
                mine.push((r.period, r.ytd()));
            }
            problems.extend(validate::ytd_warnings(r, &earlier));
        }
        let has_error = problems.iter().any(|(_, _, v)| !v.code.is_warning());
        let row_period = validate::row_period(kind, vals);
        for (col, value, v) in &problems {
            problems_total += 1;
            if v.code.is_warning() {
                result.warnings += 1;
            }
            // Beyond the cap only the count grows: memory stays bounded whatever
            // the file holds, and the file is rejected below.
            if result.issues.len() >= max_problems {
                continue;
            }
            let column = col.map_or(String::new(), |c| header.map.header_of(c).to_string());
            let mut i = issue(display, &sheet, line, &column, value, v);
            i.period = row_period;
            result.issues.push(i);
        }
        if has_error {
            rows_with_errors += 1;
            return Ok(());
        }
        if let Some(rec) = record {
            match &rec {
                Record::Report(r) => {
                    result.periods.insert(r.period);
                }
                Record::Value(v) => {
                    result.periods.insert(v.period);
                }
                _ => {}
            }
            // A report row's key holds its code packed (`validate::row_key_hash`).
            let accepted = match key.and_then(validate::code_key_of) {
                Some(code) if matches!(rec, Record::Report(_)) => sink.accept_keyed(rec, code),
                _ => sink.accept(rec),
            };
            if let Err(e) = accepted {
                sink_error = Some(e);
                return Err(Stop);
            }
            result.rows_accepted += 1;
        }
        Ok(())
    };
    let pass2 = match spool {
        Some(rows) => {
            for row in rows.drain(..) {
                let stop = match row {
                    Spooled::Read(read) => visit2(Pass2::Read(read)),
                    Spooled::Raw(raw) => visit2(Pass2::Lent(raw.line, Lent::Cells(&raw.cells))),
                };
                if stop.is_err() {
                    break;
                }
            }
            Ok(None)
        }
        // Read again, each row's cells where the reader holds them.
        None => source::visit_lent(path, &format, opts.settings(), &mut |line, cells| {
            visit2(Pass2::Lent(line, cells))
        }),
    };
    if let Err(p) = pass2 {
        return reject(result, sheet, p);
    }
    if let Some(e) = sink_error {
        return reject(
            result,
            sheet,
            FileProblem::new(
                0,
                Code::E_FORMAT,
                format!("写入数据集失败：{e}"),
                format!("writing to the dataset failed: {e}"),
            ),
        );
    }
    result.rows_quarantined = rows_with_errors;
    if problems_total > opts.limits.max_problems {
        let n = opts.limits.max_problems;
        return reject(
            result,
            sheet,
            FileProblem::new(
                0,
                Code::E_TOO_LARGE,
                format!(
                    "文件有 {problems_total} 处问题，超过每个文件 {n} 处的上限；已记录前 {n} 处，整个文件不予接收"
                ),
                format!(
                    "the file has {problems_total} problems, above the limit of {n} a file; the first {n} are recorded and the file is rejected"
                ),
            ),
        );
    }
    let rate = if result.rows_read == 0 {
        0.0
    } else {
        rows_with_errors as f64 / result.rows_read as f64
    };
    result.outcome = if result.rows_read == 0 {
        let v = if blank_rows == 0 {
            value::Violation::new(
                Code::E_NO_ROWS,
                "文件只有表头，没有数据行",
                "the file has a header but no data rows",
            )
        } else {
            value::Violation::new(
                Code::E_NO_ROWS,
                format!("文件的 {blank_rows} 行都未填报任何数据"),
                format!("none of the file's {blank_rows} rows gives a figure"),
            )
        };
        result
            .issues
            .push(issue(display, &sheet, header.line, "", "", &v));
        Outcome::Rejected
    } else if result.rows_accepted == 0 || rate > opts.max_error_rate {
        Outcome::Rejected
    } else if rows_with_errors > 0 {
        Outcome::PartiallyAccepted
    } else if result.warnings > 0 || !header.map.unknown.is_empty() {
        Outcome::AcceptedWithWarnings
    } else {
        Outcome::Accepted
    };
    if result.outcome == Outcome::Rejected {
        result.rows_quarantined = result.rows_read;
        result.rows_accepted = 0;
        result.periods.clear();
    }
    result
}

/// The share of rows in error above which the file was rejected, in words.
#[must_use]
pub fn rejection_reason(r: &FileResult, max_error_rate: f64) -> Option<String> {
    if r.outcome != Outcome::Rejected {
        return None;
    }
    if let Some(i) = r.issues.iter().find(|i| i.code.is_file_level()) {
        return Some(format!("{} {}", i.code, i.message_en));
    }
    let bad = r
        .issues
        .iter()
        .filter(|i| !i.is_warning())
        .map(|i| i.line)
        .collect::<BTreeSet<_>>()
        .len();
    Some(format!(
        "{bad} of {} rows have errors, above the {:.1}% threshold (a wrong template?)",
        r.rows_read,
        max_error_rate * 100.0
    ))
}

/// A row kept from pass 1 for pass 2.
enum Spooled {
    /// As read from the file: an empty row, the header, a row left blank or a ragged
    /// one. (A file too large to keep is read again in pass 2, its rows lent.)
    Raw(RawRow),
    /// A row of figures whose every cell was read by its column's rule.
    Read(ReadRow),
}

/// A row for pass 2: read in pass 1, or its cells as kept or read again.
enum Pass2<'a> {
    Read(ReadRow),
    Lent(u64, Lent<'a>),
}

/// A row of figures with its cells read: where its values are among the file's
/// ([`RowBuffers`]), their problems in column order and its key's digest
/// ([`validate::row_key_hash`]). A ragged row has no values and its one problem. A
/// report row kept from pass 1 has the ordinal of its code among the file's
/// (`ordinal`), which finds its place in the file's list in pass 2.
struct ReadRow {
    line: u64,
    vals: std::ops::Range<usize>,
    problems: Vec<RowProblem>,
    key: Option<u128>,
    ordinal: Option<u32>,
}

/// Keeps a row from pass 1 for pass 2 while rows are kept (the rows so far are within
/// [`Options::keep_bytes`]; beyond, none is kept and pass 2 reads the file again).
/// The row is made only if it is kept.
fn spool_row(spool: &mut Option<&mut Vec<Spooled>>, row: impl FnOnce() -> Spooled) {
    if let Some(rows) = spool.as_mut() {
        rows.push(row());
    }
}

impl ReadRow {
    /// Every cell of a row that is not ragged, read by its column's rule, its values
    /// appended to `vals`.
    fn of(map: &HeaderMap, line: u64, cells: Lent<'_>, today: Date, vals: &mut Vec<Val>) -> Self {
        let at = vals.len();
        let problems = validate::read_row(map, cells, today, vals);
        let key = validate::row_key_hash(map.kind, &vals[at..]);
        Self {
            line,
            vals: at..vals.len(),
            problems,
            key,
            ordinal: None,
        }
    }
}

/// The earlier figures of each row kept from pass 1 ([`PriorYtd`]), laid out in the
/// rows' order (`at(ordinal)`) instead of their codes' order: pass 2 then reads them
/// one after another. Read by each row's place in the sorted list, every row of a
/// quarter after a year's first missed the caches (a county's file at 100x the sample
/// city holds up to 62,000 enterprises, 32 bytes a quarter): the pass-2 row's own
/// largest cost, 3% of a 100x run's samples (`perf annotate`, docs/PERFORMANCE.md).
/// Gathered here in one tight loop, those misses overlap.
#[derive(Default)]
struct RowPrior {
    /// `quarters[ends[o - 1]..ends[o]]` (from 0 for the first) are row `o`'s.
    ends: Vec<u32>,
    quarters: Vec<(Period, Ytd)>,
}

impl RowPrior {
    /// `places[o]`: where row `o`'s code is in the list `prior` is held for.
    fn new(prior: &PriorYtd, places: &[u32]) -> Self {
        if prior.is_empty() {
            return Self::default();
        }
        let mut out = Self {
            ends: Vec::with_capacity(places.len()),
            quarters: Vec::with_capacity(prior.len()),
        };
        for &place in places {
            out.quarters.extend_from_slice(prior.at(place as usize));
            out.ends
                .push(u32::try_from(out.quarters.len()).expect("fewer than 2^32 quarters"));
        }
        out
    }

    /// Row `ordinal`'s earlier quarters, earliest first (none when no row asks).
    fn at(&self, ordinal: usize) -> &[(Period, Ytd)] {
        match self.ends.get(ordinal) {
            Some(&end) => {
                let start = if ordinal == 0 {
                    0
                } else {
                    self.ends[ordinal - 1]
                };
                &self.quarters[start as usize..end as usize]
            }
            None => &[],
        }
    }
}

/// Where a file's rows are held while it is read ([`process_probed`]), kept by a
/// caller that reads file after file (an ingest's worker) and emptied, not freed, for
/// the next: the values of the rows read (end to end, a row's at its
/// [`ReadRow::vals`]), the rows kept from pass 1 and the rows' keys. Each row's values
/// in a vector of its own, and the lists grown from nothing for every file, were the
/// largest part of a 100x ingest's page faults and 3% of its samples in the allocator
/// (docs/PERFORMANCE.md). A file too large to keep gives them up, so what they hold
/// between files stays within about [`Options::keep_bytes`].
#[derive(Default)]
pub struct RowBuffers {
    vals: Vec<Val>,
    spool: Vec<Spooled>,
    keys: Vec<u128>,
}

/// [`RowBuffers`] lent to one file: emptied when it is done, however its reading ends.
struct Emptied<'a>(&'a mut RowBuffers);

impl Drop for Emptied<'_> {
    fn drop(&mut self) {
        self.0.vals.clear();
        self.0.spool.clear();
        self.0.keys.clear();
    }
}

/// Whether a row has other fields than the header's columns: a CSV record with more
/// or fewer fields, a worksheet row with a value right of the last column.
fn ragged(format: &Format, width: usize, cells: Lent<'_>) -> bool {
    match format {
        Format::Csv { .. } => cells.len() != width,
        _ => cells.iter().skip(width).any(|c| !c.is_empty()),
    }
}

/// Up to this many bytes of rows (about 850 a row of figures) are kept from the first
/// pass for the second, by each of the ingest's two workers. A county's quarterly file
/// is well under a MiB; at 100x the sample city one holds 8,000 to 62,000 rows, and
/// with 8 MiB most of those were read twice: 64 MiB keeps them all, for 13% fewer
/// instructions in a year of that city and about 40 MB more at the peak
/// (docs/PERFORMANCE.md). Beyond it the file is streamed twice, so the memory an
/// ingest holds does not grow with the size of one file.
const SPOOL_BYTES: usize = 64 << 20;

fn issue(
    file: &str,
    sheet: &Option<String>,
    line: u64,
    column: &str,
    value: &str,
    v: &value::Violation,
) -> Issue {
    Issue {
        period: None,
        file: file.to_string(),
        sheet: sheet.clone(),
        line,
        column: value::shown(column),
        code: v.code,
        value: value::shown(value),
        message_zh: v.zh.clone(),
        message_en: v.en.clone(),
    }
}

fn reject(mut result: FileResult, sheet: Option<String>, p: FileProblem) -> FileResult {
    result.issues.push(issue(
        &result.path.clone(),
        &sheet,
        p.line,
        "",
        "",
        &p.violation,
    ));
    result.outcome = Outcome::Rejected;
    result.rows_quarantined = result.rows_read;
    result.rows_accepted = 0;
    result.periods.clear();
    result
}

fn reject_header(mut result: FileResult, sheet: Option<String>, h: &Header) -> FileResult {
    let kind = h.map.kind;
    for m in &h.map.missing {
        let col = kind
            .columns()
            .iter()
            .find(|c| c.name == *m)
            .expect("a column of the kind");
        let v = value::Violation::new(
            Code::E_MISSING_COLUMN,
            format!("缺少必填列“{}”（{}）", col.aliases.first().unwrap_or(m), m),
            format!(
                "required column {m:?} ({}) is missing for a {} file",
                col.aliases.first().unwrap_or(m),
                kind.as_str()
            ),
        );
        result
            .issues
            .push(issue(&result.path.clone(), &sheet, h.line, m, "", &v));
    }
    for d in &h.map.duplicated {
        let v = value::Violation::new(
            Code::E_DUPLICATE_COLUMN,
            format!("列“{d}”出现了两次"),
            format!("column {d:?} is given twice"),
        );
        result
            .issues
            .push(issue(&result.path.clone(), &sheet, h.line, d, "", &v));
    }
    result.outcome = Outcome::Rejected;
    result
}

#[cfg(test)]
mod tests;
