//! CSV: encoding detection, a strict, bounded decoder, and the records of its text.
//!
//! The decoder turns the file's bytes into UTF-8 as they are read, failing at the first
//! malformed sequence with its line (never a replacement character); folds every line
//! end (CRLF, lone CR) into LF so line numbers are right whatever wrote the file; and
//! follows the CSV quoting rules to measure each field and record as it passes, so a
//! 500 MB cell fails with `E_TOO_LARGE` after `max_field_bytes`, not after 500 MB.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};

use clusterkpi_model::Code;
use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};

use super::{
    FileProblem, Lent, Limits, Stop, cannot_read, field_too_long, record_too_long,
    too_many_columns, too_many_rows,
};

/// BOM first; otherwise UTF-8 if the whole file is valid UTF-8, else GB18030 (whose
/// decoder also reads GBK). The whole file is read (streamed), which avoids the trap of
/// an ASCII header followed by GBK names further down, and catches a file that mixes
/// the two: lines that are clearly UTF-8 Chinese beside lines that are not UTF-8 at
/// all would otherwise be decoded as GB18030 into silent garbage.
pub(super) fn detect_encoding(mut file: File) -> Result<(&'static Encoding, bool), FileProblem> {
    // Most files are UTF-8: the standard library's validation (wide loads, several
    // bytes a step) settles them at memory speed; only a file that is not valid UTF-8
    // throughout is read again line by line to tell GB18030 from a mixed file. The
    // byte-by-byte scan of every file was a tenth of a 10x ingest's serial start.
    match valid_utf8(&mut file) {
        Ok(Some(bom)) => return Ok((UTF_8, bom)),
        Ok(None) => {}
        Err(e) => return Err(cannot_read(&e)),
    }
    file.seek(io::SeekFrom::Start(0))
        .map_err(|e| cannot_read(&e))?;
    let mut f = BufReader::with_capacity(1 << 16, file);
    let mut buf = vec![0u8; 1 << 16];
    let mut scan = Utf8Lines::default();
    let mut first = true;
    loop {
        let n = match f.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot_read(&e)),
        };
        if first {
            first = false;
            if buf[..n].starts_with(b"\xEF\xBB\xBF") {
                return Ok((UTF_8, true));
            }
        }
        if n == 0 {
            break;
        }
        scan.feed(&buf[..n]);
    }
    scan.end_line();
    match (scan.first_invalid, scan.first_utf8_chinese) {
        (None, _) => Ok((UTF_8, false)),
        (Some(bad), Some(good)) => Err(FileProblem::new(
            bad,
            Code::E_ENCODING,
            format!(
                "文件混用了两种编码：第 {good} 行是 UTF-8 中文，第 {bad} 行却不是 UTF-8（可能是 GBK）；请整个文件另存为同一种编码"
            ),
            format!(
                "the file mixes encodings: line {good} is UTF-8 Chinese but line {bad} is not UTF-8 (GBK?); save the whole file in one encoding"
            ),
        )),
        (Some(_), None) => Ok((GB18030, false)),
    }
}

/// Whether the whole file is valid UTF-8: `Some(true)` when it starts with a byte
/// order mark, `Some(false)` without one, `None` when some byte is not UTF-8.
fn valid_utf8(file: &mut File) -> io::Result<Option<bool>> {
    let mut check = Utf8Check::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 || !check.feed(&buf[..n]) {
            return Ok(check.finish());
        }
    }
}

/// Whether bytes fed in order, a piece at a time, are UTF-8 throughout, as the
/// encoding's detection first asks ([`Utf8Check::finish`]). Fed the pieces of a file
/// as they are read for its hash, it saves reading the file again to detect its
/// encoding (`crate::hash_file`).
#[derive(Debug, Default)]
pub struct Utf8Check {
    /// The first three bytes, for the byte order mark.
    head: Vec<u8>,
    /// A sequence cut by the end of the last piece (at most three bytes).
    carry: Vec<u8>,
    /// Known before the end: a byte order mark, or a byte that is not UTF-8.
    verdict: Option<Option<bool>>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Utf8Check {
    /// Takes the next piece; false once the answer is known (the rest need not be fed).
    pub fn feed(&mut self, mut bytes: &[u8]) -> bool {
        if self.verdict.is_some() {
            return false;
        }
        if self.head.len() < BOM.len() {
            let take = (BOM.len() - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            if self.head == BOM {
                self.verdict = Some(Some(true));
                return false;
            }
        }
        if !self.carry.is_empty() {
            // The cut sequence with the next bytes: at most four make a character.
            let take = bytes.len().min(4);
            let mut joined = std::mem::take(&mut self.carry);
            let had = joined.len();
            joined.extend_from_slice(&bytes[..take]);
            match std::str::from_utf8(&joined) {
                Ok(_) => bytes = &bytes[take..],
                Err(e) if e.error_len().is_none() => {
                    let valid = e.valid_up_to();
                    if valid < had {
                        // Still cut: the piece was shorter than the sequence.
                        self.carry = joined[valid..].to_vec();
                        return true;
                    }
                    bytes = &bytes[valid - had..];
                }
                Err(_) => {
                    self.verdict = Some(None);
                    return false;
                }
            }
        }
        match std::str::from_utf8(bytes) {
            Ok(_) => true,
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
                true
            }
            Err(_) => {
                self.verdict = Some(None);
                false
            }
        }
    }

    /// `Some(true)` when the bytes start with a byte order mark, `Some(false)` when
    /// they are UTF-8 throughout without one, `None` when some byte is not UTF-8 (or
    /// the last sequence is cut).
    #[must_use]
    pub fn finish(&self) -> Option<bool> {
        match self.verdict {
            Some(v) => v,
            None => self.carry.is_empty().then_some(false),
        }
    }
}

/// Classifies lines as UTF-8 is validated byte by byte. A line counts as "UTF-8
/// Chinese" when it is valid and holds at least two three-byte sequences in the CJK
/// block (lead bytes E4–E9) and no other multi-byte sequence: GBK text turns into such
/// a line with a probability below one in a million per line, so a file with one of
/// these and an invalid line is mixed, not GBK.
#[derive(Default)]
struct Utf8Lines {
    line: u64,
    /// Continuation bytes still expected, and the sequence so far.
    need: u8,
    len: u8,
    lead: u8,
    second_range: (u8, u8),
    bad: bool,
    cjk: u32,
    other: bool,
    first_invalid: Option<u64>,
    first_utf8_chinese: Option<u64>,
}

impl Utf8Lines {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    fn byte(&mut self, b: u8) {
        if self.need > 0 {
            let (lo, hi) = if self.len == 1 {
                self.second_range
            } else {
                (0x80, 0xBF)
            };
            if (lo..=hi).contains(&b) {
                self.need -= 1;
                self.len += 1;
                if self.need == 0 {
                    if self.len == 3 && (0xE4..=0xE9).contains(&self.lead) {
                        self.cjk += 1;
                    } else {
                        self.other = true;
                    }
                }
                return;
            }
            // The sequence broke off: this byte starts afresh.
            self.bad = true;
            self.need = 0;
        }
        match b {
            b'\n' => self.end_line(),
            0x00..=0x7F => {}
            0xC2..=0xDF => self.start(b, 1, (0x80, 0xBF)),
            0xE0 => self.start(b, 2, (0xA0, 0xBF)),
            0xED => self.start(b, 2, (0x80, 0x9F)),
            0xE1..=0xEF => self.start(b, 2, (0x80, 0xBF)),
            0xF0 => self.start(b, 3, (0x90, 0xBF)),
            0xF1..=0xF3 => self.start(b, 3, (0x80, 0xBF)),
            0xF4 => self.start(b, 3, (0x80, 0x8F)),
            _ => self.bad = true,
        }
    }

    fn start(&mut self, lead: u8, need: u8, second: (u8, u8)) {
        self.lead = lead;
        self.need = need;
        self.len = 1;
        self.second_range = second;
    }

    fn end_line(&mut self) {
        self.line += 1;
        if self.need > 0 {
            self.bad = true;
            self.need = 0;
        }
        if self.bad {
            self.first_invalid.get_or_insert(self.line);
        } else if self.cjk >= 2 && !self.other {
            self.first_utf8_chinese.get_or_insert(self.line);
        }
        self.bad = false;
        self.cjk = 0;
        self.other = false;
    }
}

/// Why the decoder stopped, carried through the `csv` reader's I/O error.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    Malformed(u64),
    /// Line, and the field's position in its record (1-based).
    FieldTooLong(u64, u64),
    RecordTooLong(u64),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Malformed(l) => write!(f, "malformed byte sequence on line {l}"),
            Stopped::FieldTooLong(l, n) => write!(f, "field {n} on line {l} is too long"),
            Stopped::RecordTooLong(l) => write!(f, "the record on line {l} is too long"),
        }
    }
}

impl std::error::Error for Stopped {}

/// Where the CSV grammar is (the rules of `csv-core` with its defaults: a quote opens a
/// quoted field only at the field's start, `""` inside quotes is a quote, a quote
/// closing early turns the rest of the field into plain text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Plain,
    Quoted,
    ClosingQuote,
}

/// Measures fields and records of the decoded text as it passes.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    state: State,
    field: u64,
    /// Fields ended so far in the current record.
    fields: u64,
    record: u64,
    /// Line ends passed so far.
    lines: u64,
    /// Line the current record started on.
    record_line: u64,
    max_field: u64,
    max_record: u64,
}

impl Shape {
    fn new(limits: &Limits) -> Self {
        Self {
            state: State::FieldStart,
            field: 0,
            fields: 0,
            record: 0,
            lines: 0,
            record_line: 1,
            max_field: limits.max_field_bytes,
            max_record: limits.max_record_bytes,
        }
    }

    /// Measures `bytes`. A line with no quote, in a record not inside quotes and far
    /// from the limits, is taken whole (its fields can be no longer than it): the
    /// next line end is found with memchr, as is the next quote. Everything else goes
    /// through [`Shape::step`] byte by byte, each byte at most once, so hostile text
    /// costs no more than stepping. The same results and errors as stepping every byte
    /// (a test compares them); stepping every byte was 4% of an ingest's CPU.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), Stopped> {
        let next_quote =
            |from: usize| memchr::memchr(b'"', &bytes[from..]).map_or(bytes.len(), |q| from + q);
        let mut i = 0;
        let mut quote_at = next_quote(0);
        while i < bytes.len() {
            if quote_at < i {
                quote_at = next_quote(i);
            }
            if !matches!(self.state, State::FieldStart | State::Plain) {
                self.step(bytes[i])?;
                i += 1;
                continue;
            }
            let end = match memchr::memchr(b'\n', &bytes[i..quote_at]) {
                Some(nl) => {
                    let n = nl as u64;
                    if self.field + n <= self.max_field && self.record + n <= self.max_record {
                        self.lines += 1;
                        self.field = 0;
                        self.fields = 0;
                        self.record = 0;
                        self.record_line = self.lines + 1;
                        self.state = State::FieldStart;
                        i += nl + 1;
                        continue;
                    }
                    // Near a limit: stepping finds the byte that passes it.
                    i + nl + 1
                }
                // No line end before the next quote: up to and including it.
                None => (quote_at + 1).min(bytes.len()),
            };
            for &b in &bytes[i..end] {
                self.step(b)?;
            }
            i = end;
        }
        Ok(())
    }

    /// One byte of the grammar.
    fn step(&mut self, b: u8) -> Result<(), Stopped> {
        if b == b'\n' {
            self.lines += 1;
        }
        let (next, field_ends, record_ends) = match (self.state, b) {
            (State::FieldStart, b'"') => (State::Quoted, false, false),
            (State::Quoted, b'"') => (State::ClosingQuote, false, false),
            (State::Quoted, _) => (State::Quoted, false, false),
            (State::ClosingQuote, b'"') => (State::Quoted, false, false),
            (_, b',') => (State::FieldStart, true, false),
            (_, b'\n') => (State::FieldStart, true, true),
            (_, _) => (State::Plain, false, false),
        };
        self.state = next;
        if record_ends {
            self.field = 0;
            self.fields = 0;
            self.record = 0;
            self.record_line = self.lines + 1;
            return Ok(());
        }
        self.record += 1;
        if field_ends {
            self.field = 0;
            self.fields += 1;
        } else {
            self.field += 1;
        }
        if self.field > self.max_field {
            return Err(Stopped::FieldTooLong(self.lines + 1, self.fields + 1));
        }
        if self.record > self.max_record {
            return Err(Stopped::RecordTooLong(self.record_line));
        }
        Ok(())
    }
}

/// Decodes bytes to UTF-8 as they are read; see the module documentation.
struct StrictDecoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    pending_cr: bool,
    shape: Shape,
    /// Set once the decoder failed or was flushed at the end: `encoding_rs` must not
    /// be called again after its last call (doing so panics).
    done: bool,
}

impl<R: Read> StrictDecoder<R> {
    fn new(inner: R, encoding: &'static Encoding, limits: &Limits) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; 1 << 16],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            pending_cr: false,
            shape: Shape::new(limits),
            done: false,
        }
    }

    /// Decodes the file's next text onto the end of `dst`: whole characters only
    /// (`encoding_rs` never splits one between two calls), line ends folded, measured.
    /// Returns whether any was appended: none at the end of the file.
    ///
    /// The decoder writes into the string itself, so the text is checked and copied
    /// once: decoded into a buffer of bytes, it was checked again as UTF-8 and copied
    /// again into the reader's text, 0.8% of a plain ingest's instructions and 2.7% of
    /// one whose rows carry Chinese names (docs/PERFORMANCE.md).
    fn append_to(&mut self, dst: &mut String) -> io::Result<bool> {
        loop {
            if self.done {
                return Ok(false);
            }
            if self.raw_start == self.raw_end && !self.eof {
                let n = loop {
                    match self.inner.read(&mut self.raw) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        r => break r?,
                    }
                };
                self.raw_start = 0;
                self.raw_end = n;
                self.eof = n == 0;
            }
            let last = self.raw_start == self.raw_end && self.eof;
            let src = &self.raw[self.raw_start..self.raw_end];
            // GB18030 decodes 2 bytes to at most 3, UTF-8 one to one; one byte more
            // for a held-back CR.
            dst.reserve(
                self.decoder
                    .max_utf8_buffer_length_without_replacement(src.len())
                    .unwrap_or(3 * src.len() + 16)
                    + 1,
            );
            let from = dst.len();
            let (res, read) = self
                .decoder
                .decode_to_string_without_replacement(src, dst, last);
            self.raw_start += read;
            self.fold_line_ends(dst, from, last);
            let checked = self.shape.scan(&dst.as_bytes()[from..]);
            if let DecoderResult::Malformed(..) = res {
                self.done = true;
                return Err(stop(Stopped::Malformed(self.shape.lines + 1)));
            }
            if let Err(s) = checked {
                self.done = true;
                return Err(stop(s));
            }
            if last {
                self.done = true;
            }
            if dst.len() > from {
                return Ok(true);
            }
        }
    }

    /// Turns CRLF and a lone CR into LF in `text[from..]`, the text just decoded. The
    /// CSV reader counts a CRLF record's start on the line before, and a file with
    /// CR-only line ends would be one long line. A CR at the end of the decoded text
    /// is held back until the next character is known.
    ///
    /// The text is copied a line at a time (a CR is one byte that no other character's
    /// UTF-8 form contains, so each piece between two is whole text). Copying it a
    /// character at a time was 18% of the CPU of validating a CRLF roster of 270,000
    /// enterprises, the ingest's critical path at its start (docs/PERFORMANCE.md).
    fn fold_line_ends(&mut self, text: &mut String, from: usize, last: bool) {
        let held = std::mem::take(&mut self.pending_cr);
        // A file with LF line ends is left as it was decoded.
        if !held && memchr::memchr(b'\r', &text.as_bytes()[from..]).is_none() {
            return;
        }
        let decoded = text.split_off(from);
        let mut rest = decoded.as_str();
        if held && !rest.starts_with('\n') {
            // The held CR ended a line on its own.
            text.push('\n');
        }
        while let Some(cr) = memchr::memchr(b'\r', rest.as_bytes()) {
            text.push_str(&rest[..cr]);
            rest = &rest[cr + 1..];
            match rest.as_bytes().first() {
                None if !last => self.pending_cr = true,
                Some(b'\n') => {} // the LF that follows is written instead
                _ => text.push('\n'),
            }
        }
        text.push_str(rest);
    }
}

fn stop(s: Stopped) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, s)
}

/// The fields of `bytes[from..to]`, a line without quotes: the runs between its
/// commas. Eight bytes at a time, each comma found by its bit: memchr called for each
/// field (a few bytes apart) cost more than it saved.
fn split_commas(bytes: &[u8], from: usize, to: usize, spans: &mut Vec<(usize, usize)>) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
    spans.clear();
    let mut field = from;
    let mut at = from;
    while at + 8 <= to {
        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        // The high bit of each byte that is a comma (exact: no carries between bytes).
        let x = word ^ (ONES * u64::from(b','));
        let mut commas = !(((x & LOW7) + LOW7) | x | LOW7);
        while commas != 0 {
            let comma = at + (commas.trailing_zeros() / 8) as usize;
            spans.push((field, comma));
            field = comma + 1;
            commas &= commas - 1;
        }
        at += 8;
    }
    for (i, &b) in bytes[at..to].iter().enumerate() {
        if b == b',' {
            spans.push((field, at + i));
            field = at + i + 1;
        }
    }
    spans.push((field, to));
}

/// A CSV record's fields where the reader holds them ([`Lent::Fields`]): a text and
/// each field's place in it.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    text: &'a str,
    spans: &'a [(usize, usize)],
    /// The fields' bytes together (without the commas between them).
    bytes: usize,
}

impl<'a> Fields<'a> {
    #[must_use]
    pub fn len(self) -> usize {
        self.spans.len()
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.spans.is_empty()
    }

    #[must_use]
    #[inline(always)]
    pub fn get(self, i: usize) -> Option<&'a str> {
        self.spans.get(i).map(|&(s, e)| &self.text[s..e])
    }

    /// The bytes of every field together.
    #[must_use]
    pub fn bytes(self) -> usize {
        self.bytes
    }
}

/// The records of decoded CSV text, one at a time, each with the line it starts on.
///
/// A line without a quote (nearly every line a county sends) is a record by itself:
/// its fields are the runs between its commas, found eight bytes at a time
/// ([`split_commas`]) and lent where the text lies. A record with a quote goes through `csv_core`, which unescapes it and
/// follows it across lines. The same fields as the `csv` crate's reader gives (a test
/// compares them on random text), at a fraction of the cost: that reader stepped
/// every byte through its state machine, copied every record and checked its UTF-8
/// again, 9% of an ingest's instructions (docs/PERFORMANCE.md). Its line numbers
/// differ in one way: a record after blank lines is on the line where its text
/// starts, where the `csv` crate gave the first blank line's.
struct Records {
    /// Decoded text; what is before `start` has been read.
    buf: String,
    start: usize,
    /// The line `buf[start]` is on.
    line: u64,
    /// Where the next quote at or after `start` is (`buf.len()`: none), once looked
    /// for since the last refill.
    quote: Option<usize>,
    eof: bool,
    spans: Vec<(usize, usize)>,
    /// Made for the first quoted record: building its state machine took about as
    /// many instructions as splitting a thousand lines.
    core: Option<csv_core::Reader>,
    /// A quoted record's fields, unescaped, and where each ends.
    unquoted: Vec<u8>,
    ends: Vec<usize>,
    unquoted_text: String,
}

impl Records {
    fn new() -> Self {
        Self {
            buf: String::new(),
            start: 0,
            line: 1,
            quote: None,
            eof: false,
            spans: Vec::new(),
            core: None,
            unquoted: vec![0; 1 << 10],
            ends: vec![0; 64],
            unquoted_text: String::new(),
        }
    }

    /// Drops what has been read and appends the decoder's next text.
    fn refill<R: Read>(&mut self, input: &mut StrictDecoder<R>) -> io::Result<()> {
        self.buf.drain(..self.start);
        self.start = 0;
        self.quote = None;
        if !input.append_to(&mut self.buf)? {
            self.eof = true;
        }
        Ok(())
    }

    fn next_quote(&mut self) -> usize {
        match self.quote {
            Some(q) if q >= self.start => q,
            _ => {
                let q = memchr::memchr(b'"', &self.buf.as_bytes()[self.start..])
                    .map_or(self.buf.len(), |q| self.start + q);
                self.quote = Some(q);
                q
            }
        }
    }

    /// The next record and the line it starts on; `None` at the end of the text.
    fn next<R: Read>(
        &mut self,
        input: &mut StrictDecoder<R>,
    ) -> io::Result<Option<(u64, Fields<'_>)>> {
        loop {
            let rest = &self.buf.as_bytes()[self.start..];
            let end = match memchr::memchr(b'\n', rest) {
                Some(nl) => nl,
                None if !self.eof => {
                    self.refill(input)?;
                    continue;
                }
                None if rest.is_empty() => return Ok(None),
                // The last line, without a line end.
                None => rest.len(),
            };
            if end == 0 {
                // A blank line is no record (as the `csv` crate skips it).
                self.start += 1;
                self.line += 1;
                continue;
            }
            if self.next_quote() < self.start + end {
                return self.next_quoted(input);
            }
            let line = self.line;
            let (from, to) = (self.start, self.start + end);
            split_commas(self.buf.as_bytes(), from, to, &mut self.spans);
            self.start = (to + 1).min(self.buf.len());
            self.line += 1;
            let fields = Fields {
                text: &self.buf,
                spans: &self.spans,
                bytes: end + 1 - self.spans.len(),
            };
            return Ok(Some((line, fields)));
        }
    }

    /// A record with a quote, read by `csv_core` from `start`, across lines and
    /// refills.
    fn next_quoted<R: Read>(
        &mut self,
        input: &mut StrictDecoder<R>,
    ) -> io::Result<Option<(u64, Fields<'_>)>> {
        use csv_core::ReadRecordResult as Read;
        let (mut used, mut out, mut ends) = (0, 0, 0);
        loop {
            let avail = &self.buf.as_bytes()[self.start + used..];
            if avail.is_empty() && !self.eof {
                self.refill(input)?;
                continue;
            }
            let core = self.core.get_or_insert_with(csv_core::Reader::new);
            let (result, n_in, n_out, n_ends) =
                core.read_record(avail, &mut self.unquoted[out..], &mut self.ends[ends..]);
            used += n_in;
            out += n_out;
            ends += n_ends;
            match result {
                Read::InputEmpty => {}
                Read::OutputFull => self.unquoted.resize(self.unquoted.len() * 2, 0),
                Read::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                Read::Record => break,
                Read::End => return Ok(None),
            }
        }
        let read = &self.buf.as_bytes()[self.start..self.start + used];
        let line = self.line;
        self.line += memchr::memchr_iter(b'\n', read).count() as u64;
        self.start += used;
        self.unquoted_text.clear();
        self.unquoted_text.push_str(
            std::str::from_utf8(&self.unquoted[..out])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
        );
        self.spans.clear();
        let mut field = 0;
        for &e in &self.ends[..ends] {
            self.spans.push((field, e));
            field = e;
        }
        let fields = Fields {
            text: &self.unquoted_text,
            spans: &self.spans,
            bytes: out,
        };
        Ok(Some((line, fields)))
    }
}

pub(super) fn visit_csv(
    file: File,
    encoding: &'static Encoding,
    limits: &Limits,
    visit: &mut dyn FnMut(u64, Lent<'_>) -> Result<(), Stop>,
) -> Result<(), FileProblem> {
    let mut decoded = StrictDecoder::new(BufReader::with_capacity(1 << 16, file), encoding, limits);
    let mut records = Records::new();
    let mut rows = 0u64;
    loop {
        let (line, fields) = match records.next(&mut decoded) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                let Some(s) = e.get_ref().and_then(|r| r.downcast_ref::<Stopped>()) else {
                    return Err(cannot_read(&e));
                };
                return Err(match *s {
                    Stopped::Malformed(l) => FileProblem::new(
                        l,
                        Code::E_ENCODING,
                        format!("第 {l} 行含有 {} 编码中无效的字节", encoding.name()),
                        format!("line {l} has bytes that are invalid in {}", encoding.name()),
                    ),
                    Stopped::FieldTooLong(l, n) => field_too_long(l, Some(n), limits),
                    Stopped::RecordTooLong(l) => record_too_long(l, limits),
                });
            }
        };
        rows += 1;
        if rows > limits.max_rows {
            return Err(too_many_rows(line, limits));
        }
        if fields.len() as u64 > u64::from(limits.max_columns) {
            return Err(too_many_columns(line, limits));
        }
        if visit(line, Lent::Fields(fields)).is_err() {
            return Ok(());
        }
    }
}

/// Every record of `text` (UTF-8) as [`visit_csv`] reads it, the decoder's input given
/// `step` bytes at a time (its text then comes in pieces as small).
#[cfg(test)]
pub(super) fn records_of(text: &[u8], step: usize, visit: &mut dyn FnMut(u64, Fields<'_>)) {
    struct Trickle<'t>(&'t [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut decoded = StrictDecoder::new(Trickle(text, step.max(1)), UTF_8, &Limits::default());
    let mut records = Records::new();
    while let Some((line, fields)) = records.next(&mut decoded).expect("valid text") {
        visit(line, fields);
    }
}

/// A xorshift generator for the tests' random texts: `next(n)` is below `n`.
#[cfg(test)]
fn random_below(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

#[cfg(test)]
mod records_tests {
    use super::*;

    /// The records of `text` given to the decoder `step` bytes at a time: each one's
    /// line and fields.
    fn records(text: &str, step: usize) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        records_of(text.as_bytes(), step, &mut |line, f| {
            out.push((
                line,
                (0..f.len())
                    .map(|i| f.get(i).unwrap().to_string())
                    .collect(),
            ));
        });
        out
    }

    /// Line ends are folded the same whatever piece of the text the decoder is given:
    /// a CR at the end of a piece waits for the next one to know if an LF follows.
    #[test]
    fn line_ends_are_folded_across_pieces() {
        let text = "a,集群\r\n1,\"x\r\ny\"\r2,é\r\r\n\n3,4\r";
        let whole = records(text, text.len());
        assert_eq!(
            whole,
            [
                (1, vec!["a".to_string(), "集群".to_string()]),
                (2, vec!["1".to_string(), "x\ny".to_string()]),
                (4, vec!["2".to_string(), "é".to_string()]),
                (7, vec!["3".to_string(), "4".to_string()]),
            ]
        );
        for step in 1..8 {
            assert_eq!(records(text, step), whole, "pieces of {step} bytes");
        }
    }

    /// Random text with CRLF, lone CRs and multi-byte characters, given in random
    /// pieces, has the records of the same text with every line end an LF.
    #[test]
    fn line_ends_are_folded_like_the_whole_text() {
        let mut next = random_below(0x2545_f491_4f6c_dd1d);
        let tokens = ["a", ",", "\r", "\r\n", "\n", "\"", "é", "集群", "\r\r"];
        for _ in 0..5_000 {
            let len = next(30) as usize;
            let text: String = (0..len)
                .map(|_| tokens[next(tokens.len() as u64) as usize])
                .collect();
            let folded = text.replace("\r\n", "\n").replace('\r', "\n");
            let step = 1 + next(9) as usize;
            assert_eq!(
                records(&text, step),
                records(&folded, text.len().max(1)),
                "{text:?}"
            );
        }
    }

    /// The records of random text with quotes, commas, blank lines and multi-byte
    /// characters, given in random pieces, have the fields the `csv` crate's reader
    /// gives; each is on the line where its text starts.
    #[test]
    fn records_are_the_csv_crates() {
        let mut next = random_below(0x9e37_79b9_7f4a_7c15_u64);
        let tokens = [
            "a", "bc", ",", ",", "\n", "\n", "\"", "\"\"", " ", "é", "集群",
        ];
        let mut quoted = 0;
        for round in 0..20_000 {
            let len = next(40) as usize;
            // Half the texts without quotes: every record is then split by commas.
            let text: String = (0..len)
                .map(|_| tokens[next(tokens.len() as u64) as usize])
                .filter(|t| round % 2 == 0 || !t.contains('"'))
                .collect();
            quoted += usize::from(text.contains('"'));
            let mut expected = Vec::new();
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            while rdr.read_record(&mut record).unwrap() {
                // The `csv` crate places a record where its read began, before the
                // blank lines it skipped; the line is where its text starts.
                let from = record.position().unwrap().byte() as usize;
                let starts = from + text[from..].bytes().take_while(|&b| b == b'\n').count();
                let line = 1 + text[..starts].bytes().filter(|&b| b == b'\n').count() as u64;
                expected.push((line, record.iter().map(str::to_string).collect::<Vec<_>>()));
            }
            let mut got = Vec::new();
            records_of(text.as_bytes(), 1 + next(9) as usize, &mut |line, f| {
                let fields: Vec<String> = (0..f.len())
                    .map(|i| f.get(i).unwrap().to_string())
                    .collect();
                assert_eq!(
                    f.bytes(),
                    fields.iter().map(String::len).sum::<usize>(),
                    "{text:?}"
                );
                got.push((line, fields));
            });
            assert_eq!(got, expected, "{text:?}");
        }
        assert!(quoted > 5_000, "{quoted}");
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    /// The scan that takes runs at once ends in the same state, and stops at the same
    /// line and field, as stepping byte by byte, on random text split at random
    /// places, with small limits so that they are often hit.
    #[test]
    fn runs_taken_at_once_measure_as_bytes_stepped_one_by_one() {
        let mut next = random_below(0x2545_f491_4f6c_dd1d_u64);
        let mut stops = 0;
        for round in 0..40_000 {
            // Half the texts without quotes: whole lines are then taken at once.
            let alphabet: &[u8] = if round % 2 == 0 {
                b"ab,\n\"\r "
            } else {
                b"abc,,\n\r "
            };
            let len = next(60) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                .collect();
            let limits = Limits {
                max_field_bytes: 1 + next(10),
                max_record_bytes: 1 + next(30),
                ..Limits::default()
            };
            let (mut fast, mut slow) = (Shape::new(&limits), Shape::new(&limits));
            let mut fast_result = Ok(());
            let mut at = 0;
            while at < text.len() && fast_result.is_ok() {
                let end = (at + 1 + next(12) as usize).min(text.len());
                fast_result = fast.scan(&text[at..end]);
                at = end;
            }
            let slow_result = text.iter().try_for_each(|&b| slow.step(b));
            let shown = String::from_utf8_lossy(&text);
            assert_eq!(fast_result, slow_result, "{shown:?}");
            if slow_result.is_ok() {
                assert_eq!(fast, slow, "{shown:?}");
            } else {
                stops += 1;
            }
        }
        // Both outcomes were exercised.
        assert!((2_000..38_000).contains(&stops), "{stops}");
    }
}
