//! The rows the dataset keeps, each declared once.
//!
//! A row type is written with [`declare_rows!`]: the struct is the declaration. From
//! it come the table's columns ([`Row::columns`]: name, type, nullability, in order),
//! writing a row into per-column builders ([`Row::write`]) and reading one back
//! ([`Row::read`]). The dataset crate turns these into Arrow schemas and batches, the
//! query tests into fixture tables; none of them lists a column again.
//!
//! A field's Rust type decides its columns ([`Stored`]): a [`Period`] is kept as its
//! text (`2024Q3`) and, beside it, `<name>_index` (an integer the queries join and
//! filter on); an issue's [`Code`] as its text and `severity`. Everything else is one
//! column of the field's name, or of the name given after `=>`.
//!
//! This crate stays free of Arrow: [`Cells`] and [`CellSource`] are the two sides a
//! columnar format implements.

use std::collections::HashMap;

use crate::{Code, Period};

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    /// Text that holds one of a few canonical words ([`WORDS`], a data-contract code or
    /// severity): stored as text, but nothing is looked up by its range, so the
    /// dataset's files keep no minimum and maximum of it.
    Word,
    Int32,
    Int64,
    Float64,
    Bool,
}

/// One stored column of a row type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
}

/// Receives one row's values, one call per column, in column order.
pub trait Cells {
    fn text(&mut self, v: Option<&str>);
    fn int32(&mut self, v: Option<i32>);
    fn int64(&mut self, v: Option<i64>);
    fn float64(&mut self, v: Option<f64>);
    fn bool(&mut self, v: Option<bool>);
}

/// Gives one row's values back, one call per column, in column order. A value that is
/// null where the declaration says it cannot be reads as the type's default.
pub trait CellSource {
    fn text(&mut self) -> Option<&str>;
    /// A canonical word ([`WORDS`]) from a text column: the text's word, else `none`.
    /// A source that holds the word itself gives it without looking it up (five
    /// searches of the list a report row, its largest string comparisons).
    fn word(&mut self) -> &'static str {
        canonical_word(self.text().unwrap_or_default())
    }
    fn int32(&mut self) -> Option<i32>;
    fn int64(&mut self) -> Option<i64>;
    fn float64(&mut self) -> Option<f64>;
    fn bool(&mut self) -> Option<bool>;
}

/// A field type and the columns it is stored as. Rows are written and read through a
/// receiver and a source of their own type rather than `dyn Cells`: a report row's 23
/// columns were 23 calls through a vtable each way, and with the builder's and the
/// source's methods inlined one year at 10x took 22 million fewer instructions
/// (docs/PERFORMANCE.md). A `dyn` receiver still works (`?Sized`).
pub trait Stored: Sized {
    fn columns(name: &str, out: &mut Vec<ColumnDef>);
    fn write<C: Cells + ?Sized>(&self, cells: &mut C);
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self;
}

fn one(out: &mut Vec<ColumnDef>, name: &str, ty: ColumnType, nullable: bool) {
    out.push(ColumnDef {
        name: name.to_string(),
        ty,
        nullable,
    });
}

macro_rules! scalar {
    ($t:ty, $ty:ident, $method:ident, $to:expr, $from:expr) => {
        impl Stored for $t {
            fn columns(name: &str, out: &mut Vec<ColumnDef>) {
                one(out, name, ColumnType::$ty, false);
            }
            fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
                #[allow(clippy::redundant_closure_call)]
                cells.$method(Some(($to)(self)));
            }
            fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
                #[allow(clippy::redundant_closure_call)]
                ($from)(src.$method().unwrap_or_default())
            }
        }
        impl Stored for Option<$t> {
            fn columns(name: &str, out: &mut Vec<ColumnDef>) {
                one(out, name, ColumnType::$ty, true);
            }
            fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
                #[allow(clippy::redundant_closure_call)]
                cells.$method(self.as_ref().map($to));
            }
            fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
                #[allow(clippy::redundant_closure_call)]
                src.$method().map($from)
            }
        }
    };
}

scalar!(i32, Int32, int32, |v: &i32| *v, |v| v);
scalar!(i64, Int64, int64, |v: &i64| *v, |v| v);
// Lines and counts: far below i64::MAX, stored signed as every engine reads them.
scalar!(u64, Int64, int64, |v: &u64| *v as i64, |v: i64| v.max(0)
    as u64);
scalar!(f64, Float64, float64, |v: &f64| *v, |v| v);
scalar!(bool, Bool, bool, |v: &bool| *v, |v| v);

impl Stored for String {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Text, false);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        cells.text(Some(self));
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        src.text().unwrap_or_default().to_string()
    }
}

impl Stored for Option<String> {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Text, true);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        cells.text(self.as_deref());
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        src.text().map(str::to_string)
    }
}

/// The canonical words of levels and scopes (`none`, `provincial`, `cluster`, …): read
/// back as one of the words the data contract allows, else `none`.
impl Stored for &'static str {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Word, false);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        cells.text(Some(self));
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        src.word()
    }
}

/// Every canonical word a `&'static str` field holds: the levels, listing statuses and
/// scopes of the data contract (the ingest crate's tests check that its lists of words
/// are all here).
pub const WORDS: &[&str] = &[
    "none",
    "municipal",
    "provincial",
    "national",
    "reserve",
    "listed",
    "city",
    "cluster",
];

/// The word of [`WORDS`] that `s` spells, else `none`.
#[must_use]
pub fn canonical_word(s: &str) -> &'static str {
    WORDS.iter().find(|w| **w == s).copied().unwrap_or("none")
}

impl Stored for Period {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Text, false);
        one(out, &format!("{name}_index"), ColumnType::Int32, false);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        self.with_text(|t| cells.text(Some(t)));
        cells.int32(Some(self.index()));
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        let _ = src.text();
        Period::from_index(src.int32().unwrap_or_default())
    }
}

impl Stored for Option<Period> {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Text, true);
        one(out, &format!("{name}_index"), ColumnType::Int32, true);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        match self {
            Some(p) => p.with_text(|t| cells.text(Some(t))),
            None => cells.text(None),
        }
        cells.int32(self.map(Period::index));
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        let _ = src.text();
        src.int32().map(Period::from_index)
    }
}

/// A data-contract code, with its severity beside it for whoever reads the table.
impl Stored for Code {
    fn columns(name: &str, out: &mut Vec<ColumnDef>) {
        one(out, name, ColumnType::Word, false);
        one(out, "severity", ColumnType::Word, false);
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        cells.text(Some(self.as_str()));
        cells.text(Some(if self.is_warning() {
            "warning"
        } else {
            "error"
        }));
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        let code = Code::parse(src.text().unwrap_or_default()).unwrap_or(Code::E_FORMAT);
        let _ = src.text();
        code
    }
}

/// A row type declared with [`declare_rows!`], or several stored side by side.
pub trait Row: Sized {
    /// The stored columns, in order.
    fn columns() -> Vec<ColumnDef>;
    fn write<C: Cells + ?Sized>(&self, cells: &mut C);
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self;
}

/// Two row types stored as one table, the columns of the first then of the second
/// (a report row and where it came from).
impl<A: Row, B: Row> Row for (A, B) {
    fn columns() -> Vec<ColumnDef> {
        let mut c = A::columns();
        c.extend(B::columns());
        c
    }
    fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        self.0.write(cells);
        self.1.write(cells);
    }
    fn read<S: CellSource + ?Sized>(src: &mut S) -> Self {
        let a = A::read(src);
        (a, B::read(src))
    }
}

/// Declares row structs whose fields are the stored columns, in order (see the module
/// docs). `field: Type => "column"` stores a field under another name.
#[macro_export]
macro_rules! declare_rows {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty $(=> $column:literal)?
            ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::rows::Row for $name {
            fn columns() -> Vec<$crate::rows::ColumnDef> {
                let mut out = Vec::new();
                $(
                    <$ty as $crate::rows::Stored>::columns(
                        $crate::declare_rows!(@name $field $($column)?),
                        &mut out,
                    );
                )*
                out
            }
            fn write<C: $crate::rows::Cells + ?Sized>(&self, cells: &mut C) {
                $( $crate::rows::Stored::write(&self.$field, cells); )*
            }
            fn read<S: $crate::rows::CellSource + ?Sized>(src: &mut S) -> Self {
                $name {
                    $( $field: <$ty as $crate::rows::Stored>::read(src), )*
                }
            }
        }
    )*};
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $column:literal) => { $column };
}

declare_rows! {
    /// A row of the cluster list (产业集群名录).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ClusterRow {
        pub cluster_id: String,
        pub name: String,
        pub name_en: Option<String>,
        pub county: String,
        pub industry: String,
        pub established: Period,
    }

    /// A row of the enterprise roster (企业名录).
    #[derive(Debug, Clone, PartialEq)]
    pub struct RosterRow {
        pub credit_code: String,
        pub name: String,
        pub cluster_id: String,
        pub county: String,
    }

    /// One enterprise's quarterly report (企业季度报表). Flow figures are year to
    /// date. Levels hold the canonical English word (`none`, `provincial`, …).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ReportRow {
        pub credit_code: String,
        pub period: Period,
        pub revenue_ytd: f64,
        pub output_value_ytd: f64,
        pub employees: Option<i64>,
        pub is_sme: bool,
        pub above_scale: bool,
        pub specialized_level: &'static str,
        pub key_processes: i64,
        pub key_processes_cnc: i64,
        pub business_info_system: bool,
        pub digital_rnd_tools: bool,
        pub ecommerce: bool,
        pub design_center_level: &'static str,
        pub innovation_platforms: i64,
        pub green_factory_level: &'static str,
        pub tech_upgrade_equipment_ytd: f64,
        pub innovation_demo_level: &'static str,
        pub listing_status: &'static str,
        pub core_tech_breakthroughs: i64,
        /// Line (or sheet row) in the source file, for audit.
        pub line: u64 => "source_line",
    }

    /// An indicator value reported directly (直报指标).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ValueRow {
        pub period: Period,
        pub scope: &'static str,
        pub scope_id: String,
        pub indicator: String,
        pub value: f64,
        pub line: u64 => "source_line",
    }

    /// A report row replaced by a later accepted row for the same enterprise and
    /// quarter: the version that added the replaced row.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct SupersededRow {
        pub credit_code: String,
        pub period_index: i32,
        pub version: i64,
    }

    /// Where the rows of a data file came from: the dataset version that added them
    /// and the input file as it was given.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Provenance {
        pub version: i64,
        pub source_file: String,
    }

    /// The dataset version that recorded a row.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Version {
        pub version: i64,
    }
}

/// An accepted row of any input kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Cluster(ClusterRow),
    Roster(RosterRow),
    Report(ReportRow),
    Value(ValueRow),
}

impl Record {
    /// The input kind the row was read from.
    #[must_use]
    pub fn kind(&self) -> crate::ingested::InputKind {
        use crate::ingested::InputKind;
        match self {
            Record::Cluster(_) => InputKind::Clusters,
            Record::Roster(_) => InputKind::Roster,
            Record::Report(_) => InputKind::Reports,
            Record::Value(_) => InputKind::Values,
        }
    }

    /// Writes the row's own columns.
    pub fn write<C: Cells + ?Sized>(&self, cells: &mut C) {
        match self {
            Record::Cluster(r) => r.write(cells),
            Record::Roster(r) => r.write(cells),
            Record::Report(r) => r.write(cells),
            Record::Value(r) => r.write(cells),
        }
    }
}

/// Receives accepted rows as they are read.
pub trait Sink {
    fn accept(&mut self, record: Record) -> std::io::Result<()>;

    /// [`Sink::accept`] of a report row whose code's key the caller made already
    /// (the row's key in the ingest's first pass): a sink that keys the row by its
    /// code need not pack it again.
    fn accept_keyed(&mut self, record: Record, code: CodeKey) -> std::io::Result<()> {
        let _ = code;
        self.accept(record)
    }

    /// Told, before the first row, how many rows may follow at most (the file's rows
    /// past its header): a sink that builds columns can size them once instead of
    /// growing them.
    fn expect_rows(&mut self, rows: usize) {
        let _ = rows;
    }
}

/// A sink that keeps nothing (for `validate`).
pub struct Discard;

impl Sink for Discard {
    fn accept(&mut self, _: Record) -> std::io::Result<()> {
        Ok(())
    }
}

/// Collects rows in memory (for reference lists and tests).
#[derive(Default)]
pub struct Collect(pub Vec<Record>);

impl Sink for Collect {
    fn accept(&mut self, record: Record) -> std::io::Result<()> {
        self.0.push(record);
        Ok(())
    }
}

/// The year-to-date figures compared across quarters (`W_YTD_DECREASE`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ytd {
    pub revenue: f64,
    pub output_value: f64,
    pub tech_upgrade_equipment: f64,
}

impl ReportRow {
    #[must_use]
    pub fn ytd(&self) -> Ytd {
        Ytd {
            revenue: self.revenue_ytd,
            output_value: self.output_value_ytd,
            tech_upgrade_equipment: self.tech_upgrade_equipment_ytd,
        }
    }
}

/// The current year-to-date figures of enterprises in earlier quarters: what a report
/// is compared with. Held for a list of codes (a file's [`CodeList`]), each code's
/// quarters in order at the code's place in the list, so a report row that knows its
/// code's place (found once, when the file's codes were sorted: [`CodeList::placed`])
/// reads its enterprise's quarters without a lookup. A map by code cost a file one
/// entry and one list per enterprise, and every row a probe at random into it: 12% of
/// a 100x ingest with the gathering (docs/PERFORMANCE.md).
#[derive(Debug, Clone, Default)]
pub struct PriorYtd {
    /// Sorted, each once.
    codes: Vec<CodeKey>,
    /// `quarters[ends[i - 1]..ends[i]]` (from 0 for the first) are those of `codes[i]`.
    ends: Vec<u32>,
    quarters: Vec<(Period, Ytd)>,
}

impl PriorYtd {
    /// The figures of `codes`, each code's quarters appended by `quarters_of` in order:
    /// what a file's lookup builds, in one walk over its list.
    pub fn gather(
        codes: &CodeList,
        mut quarters_of: impl FnMut(&CodeKey, &mut Vec<(Period, Ytd)>),
    ) -> Self {
        let mut out = Self {
            codes: codes.0.clone(),
            ends: Vec::with_capacity(codes.len()),
            quarters: Vec::new(),
        };
        for key in &codes.0 {
            let from = out.quarters.len();
            quarters_of(key, &mut out.quarters);
            debug_assert!(out.quarters[from..].windows(2).all(|w| w[0].0 < w[1].0));
            out.ends
                .push(u32::try_from(out.quarters.len()).expect("fewer than 2^32 quarters"));
        }
        out
    }

    /// Sets the figures of `code` in quarter `p`, replacing any given before. (One
    /// by one, for tests and small lists: each insertion moves what follows.)
    pub fn insert(&mut self, code: &str, p: Period, y: Ytd) {
        let key = CodeKey::new(code);
        let at = match self.codes.binary_search(&key) {
            Ok(at) => at,
            Err(at) => {
                let end = self.start(at);
                self.codes.insert(at, key);
                self.ends.insert(at, end);
                at
            }
        };
        let (from, to) = (self.start(at) as usize, self.ends[at] as usize);
        match self.quarters[from..to].binary_search_by_key(&p, |e| e.0) {
            Ok(i) => self.quarters[from + i].1 = y,
            Err(i) => {
                self.quarters.insert(from + i, (p, y));
                for end in &mut self.ends[at..] {
                    *end += 1;
                }
            }
        }
    }

    fn start(&self, at: usize) -> u32 {
        if at == 0 { 0 } else { self.ends[at - 1] }
    }

    /// Whether the figures are held for exactly `codes`, each at its place.
    #[must_use]
    pub fn is_for(&self, codes: &CodeList) -> bool {
        self.codes == codes.0
    }

    /// The same figures, held for `codes` (those of other codes dropped).
    #[must_use]
    pub fn for_codes(&self, codes: &CodeList) -> Self {
        Self::gather(codes, |key, out| {
            if let Ok(at) = self.codes.binary_search(key) {
                out.extend_from_slice(self.at(at));
            }
        })
    }

    /// Every quarter of the code at `place` in the list the figures are held for,
    /// earliest first (none beyond the list).
    #[must_use]
    pub fn at(&self, place: usize) -> &[(Period, Ytd)] {
        match self.ends.get(place) {
            Some(&end) => &self.quarters[self.start(place) as usize..end as usize],
            None => &[],
        }
    }

    /// The figures of `code` in quarter `p`.
    #[must_use]
    pub fn get(&self, code: &str, p: Period) -> Option<&Ytd> {
        let quarters = self.of(code);
        quarters
            .binary_search_by_key(&p, |e| e.0)
            .ok()
            .map(|i| &quarters[i].1)
    }

    /// Every quarter of `code`, earliest first.
    #[must_use]
    pub fn of(&self, code: &str) -> &[(Period, Ytd)] {
        if self.quarters.is_empty() {
            return &[];
        }
        match self.codes.binary_search(&CodeKey::new(code)) {
            Ok(at) => self.at(at),
            Err(_) => &[],
        }
    }

    /// How many (enterprise, quarter) figures are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.quarters.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.quarters.is_empty()
    }

    /// Every figure held.
    pub fn values(&self) -> impl Iterator<Item = &Ytd> {
        self.quarters.iter().map(|(_, y)| y)
    }

    /// Each code with figures and its quarters, in the codes' order.
    fn entries(&self) -> impl Iterator<Item = (&CodeKey, &[(Period, Ytd)])> {
        (0..self.codes.len())
            .map(|i| (&self.codes[i], self.at(i)))
            .filter(|(_, q)| !q.is_empty())
    }
}

/// The same figures of the same enterprises, whatever list they are held for.
impl PartialEq for PriorYtd {
    fn eq(&self, other: &Self) -> bool {
        self.entries().eq(other.entries())
    }
}

/// An enterprise's credit code as the key of the ingest's maps and sets (the roster,
/// the live rows of a quarter, the year-to-date figures): a valid code packed into one
/// 128-bit integer, so that a lookup hashes and compares 16 bytes in registers instead of
/// hashing an 18-byte string and comparing it with `memcmp` in a heap block. At 100×
/// the sample city (270,000 enterprises) string-keyed maps were a third of the
/// ingest's CPU time (`perf`: hashing 6%, comparing 7%, the probes around them).
///
/// Any text of up to 21 digits and capital letters packs, six bits a character
/// (never 0, so two texts pack alike only if they are equal); other text (a code the
/// validator would reject, kept for the error it gets) is held as it is, and equal
/// texts still give equal keys.
///
/// The packed form is two `u64` halves rather than one `u128`, whose 16-byte alignment
/// made the key 32 bytes instead of 24 (and an entry of the live-rows index 48 instead
/// of 32).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeKey {
    Packed(u64, u64),
    Text(Box<str>),
}

impl CodeKey {
    #[must_use]
    pub fn new(code: &str) -> Self {
        match Self::pack(code) {
            Some(v) => Self::packed(v),
            None => Self::Text(code.into()),
        }
    }

    /// The key of a code packed as [`CodeKey::pack`] packs it: what a row's key that
    /// holds its code packed gives without reading the code again.
    #[must_use]
    pub fn packed(v: u128) -> Self {
        #[allow(clippy::cast_possible_truncation)] // the two halves, on purpose
        Self::Packed((v >> 64) as u64, v as u64)
    }

    /// The integer a packed key was made from ([`CodeKey::packed`]); none for text.
    #[must_use]
    pub fn packed_value(&self) -> Option<u128> {
        match self {
            Self::Packed(hi, lo) => Some(u128::from(*hi) << 64 | u128::from(*lo)),
            Self::Text(_) => None,
        }
    }

    /// The packed form of `code` as one integer (six bits a character, never 0, in
    /// the low bits), if it packs: equal integers exactly for equal texts.
    ///
    /// Asked of every report row (its key, in the first pass) and of every roster
    /// entry read back. Folded into a `u128` a character at a time, with a branch for
    /// each character's class, an 18-character code took 282 instructions; folded in
    /// ten-character parts of `u64` through a table, 247 (callgrind, two files of
    /// 100x the sample city).
    #[must_use]
    pub fn pack(code: &str) -> Option<u128> {
        let b = code.as_bytes();
        let n = b.len();
        if n > 21 {
            return None;
        }
        // The last ten characters, the ten before them, and a 21st (bits 120-125).
        let (low_from, mid_from) = (n.saturating_sub(10), n.saturating_sub(20));
        let (top, top_ok) = fold_digits(&b[..mid_from]);
        let (mid, mid_ok) = fold_digits(&b[mid_from..low_from]);
        let (low, low_ok) = fold_digits(&b[low_from..]);
        (top_ok && mid_ok && low_ok)
            .then(|| u128::from(top) << 120 | u128::from(mid) << 60 | u128::from(low))
    }
}

/// Each byte's six-bit digit in a packed code: 1-10 for `0`-`9`, 11-36 for `A`-`Z`,
/// 0 for a byte that does not pack.
const CODE_DIGITS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 10 {
        table[b'0' as usize + b] = b as u8 + 1;
        b += 1;
    }
    let mut b = 0;
    while b < 26 {
        table[b'A' as usize + b] = b as u8 + 11;
        b += 1;
    }
    table
};

/// Up to ten characters' digits, the first highest, and whether every one packs.
fn fold_digits(part: &[u8]) -> (u64, bool) {
    let mut acc = 0u64;
    let mut ok = true;
    for &c in part {
        let digit = CODE_DIGITS[usize::from(c)];
        ok &= digit != 0;
        acc = acc << 6 | u64::from(digit);
    }
    (acc, ok)
}

/// The text a key was made from.
impl std::fmt::Display for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Packed(hi, lo) => {
                let mut v = u128::from(*hi) << 64 | u128::from(*lo);
                let mut text = [0u8; 21];
                let mut at = text.len();
                while v != 0 {
                    #[allow(clippy::cast_possible_truncation)] // six bits
                    let digit = (v & 63) as u8;
                    at -= 1;
                    text[at] = if digit <= 10 {
                        b'0' + digit - 1
                    } else {
                        b'A' + digit - 11
                    };
                    v >>= 6;
                }
                f.write_str(std::str::from_utf8(&text[at..]).map_err(|_| std::fmt::Error)?)
            }
        }
    }
}

/// The credit codes a file names, sorted, each once: what a file being ingested asks
/// the dataset's figures for, and what tells whether two files share an enterprise.
/// Made by collecting a key a row and sorting once, where inserting each row's key into
/// a set probed it at random; two files' lists meet in one walk over both, where a set
/// was probed with every code of the other (docs/PERFORMANCE.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeList(Vec<CodeKey>);

/// The keys as the integers they pack, if every one packs (every valid code does): a
/// list sorts them as integers, which compare in a few instructions, instead of as
/// enums. Packed keys order as their integers do, so the list is the same. Listing
/// the roster's 270,000 codes (100x the sample city) took 300 instructions a code
/// against 554, and placing a file's rows 444 a row against 760 (callgrind).
fn all_packed(keys: &[CodeKey]) -> Option<Vec<u128>> {
    keys.iter().map(CodeKey::packed_value).collect()
}

/// The distinct keys of rows sorted by key (a key and its row's index each), and each
/// row's place among them.
fn distinct_places<K: PartialEq>(order: Vec<(K, u32)>) -> (Vec<K>, Vec<u32>) {
    let mut places = vec![0; order.len()];
    let mut keys: Vec<K> = Vec::new();
    for (key, row) in order {
        if keys.last() != Some(&key) {
            keys.push(key);
        }
        places[row as usize] = u32::try_from(keys.len() - 1).expect("fewer than 2^32 keys");
    }
    (keys, places)
}

impl CodeList {
    /// The list of `keys`, in any order and with repeats.
    #[must_use]
    pub fn from_keys(mut keys: Vec<CodeKey>) -> Self {
        if let Some(mut packed) = all_packed(&keys) {
            packed.sort_unstable();
            packed.dedup();
            return Self(packed.into_iter().map(CodeKey::packed).collect());
        }
        keys.sort_unstable();
        keys.dedup();
        Self(keys)
    }

    /// The list of the keys of `rows` (a key a row, in the rows' order), with each
    /// row's place in it: `places[i]` is where the key of row `i` is. A row then
    /// finds its enterprise in what is held for the list (the roster's membership,
    /// [`PriorYtd`]) by its place, without searching for its code again; a binary
    /// search for every row cost what a probe into a map did (docs/PERFORMANCE.md).
    #[must_use]
    pub fn placed(rows: Vec<CodeKey>) -> (Self, Vec<u32>) {
        let n = u32::try_from(rows.len()).expect("fewer than 2^32 rows");
        if let Some(packed) = all_packed(&rows) {
            let mut order: Vec<(u128, u32)> = packed.into_iter().zip(0..n).collect();
            order.sort_unstable_by_key(|&(key, _)| key);
            let (keys, places) = distinct_places(order);
            return (
                Self(keys.into_iter().map(CodeKey::packed).collect()),
                places,
            );
        }
        let mut order: Vec<(CodeKey, u32)> = rows.into_iter().zip(0..n).collect();
        order.sort_unstable();
        let (keys, places) = distinct_places(order);
        (Self(keys), places)
    }

    #[must_use]
    pub fn contains(&self, code: &str) -> bool {
        self.contains_key(&CodeKey::new(code))
    }

    #[must_use]
    pub fn contains_key(&self, key: &CodeKey) -> bool {
        self.0.binary_search(key).is_ok()
    }

    /// For each code of `codes`, in its order, whether it is in this list. The
    /// roster's membership of a file's enterprises, asked once a file where a probe
    /// into a set of the roster's codes for every row was 7% of a 100x ingest: at
    /// random into 6.5 MB, a miss of the cache and the TLB each time. Both lists are
    /// sorted, so each code is sought from where the one before it was found, in steps
    /// that double until they pass it (a galloping search): a county's codes lie
    /// together in the roster, and the search stays where the last one was. A search
    /// of the whole roster for each code (files under a sixteenth of the roster) and a
    /// walk from its start (the larger ones) were 0.9% of a 100x run's samples.
    #[must_use]
    pub fn members(&self, codes: &CodeList) -> Vec<bool> {
        let list = &self.0;
        // Every code before `j` is below the code sought.
        let mut j = 0;
        codes
            .0
            .iter()
            .map(|k| {
                let (mut hi, mut step) = (j, 1);
                while hi < list.len() && list[hi] < *k {
                    j = hi + 1;
                    hi += step;
                    step *= 2;
                }
                j += list[j..hi.min(list.len())].partition_point(|x| x < k);
                j < list.len() && list[j] == *k
            })
            .collect()
    }

    /// Whether a code is in both lists.
    #[must_use]
    pub fn meets(&self, other: &CodeList) -> bool {
        let (small, large) = if self.len() <= other.len() {
            (&self.0, &other.0)
        } else {
            (&other.0, &self.0)
        };
        // Lists that do not overlap, settled by their ends. A code holds its area
        // first, so two counties' files seldom overlap; each waiting file of an
        // ingest asks this of every earlier file not yet committed whenever a commit
        // wakes it, and each time walked both lists (tens of thousands of codes at
        // 100x the sample city) to find nothing in common.
        match (small.first(), small.last(), large.first(), large.last()) {
            (Some(s0), Some(s1), Some(l0), Some(l1)) if s1 >= l0 && l1 >= s0 => {}
            _ => return false,
        }
        // A few codes against many: each looked up; otherwise one walk over both.
        if small.len() * 16 < large.len() {
            return small.iter().any(|k| large.binary_search(k).is_ok());
        }
        let (mut i, mut j) = (0, 0);
        while i < small.len() && j < large.len() {
            match small[i].cmp(&large[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// The codes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &CodeKey> {
        self.0.iter()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<S> for CodeList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self::from_keys(iter.into_iter().map(|c| CodeKey::new(c.as_ref())).collect())
    }
}

/// A map with a fast, randomly seeded hasher instead of SipHash, for the maps the
/// ingest touches for every row (credit codes, keys). Nothing is iterated in its
/// order where the order would show.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// The set of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{CodeKey, CodeList, PriorYtd, Ytd};
    use crate::Period;

    /// A xorshift generator of numbers below its argument, the same on every run.
    fn random_below(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        }
    }

    /// `len` codes drawn from `kinds` valid ones, one in ten an unpacked text.
    fn random_codes(next: &mut impl FnMut(u64) -> u64, len: u64, kinds: u64) -> Vec<String> {
        (0..len)
            .map(|_| match next(10) {
                0 => format!("x-{}", next(kinds)),
                _ => format!("91130100MA{:07}", next(kinds)),
            })
            .collect()
    }

    /// Equal texts give equal keys and different texts different ones, packed or not:
    /// codes that differ in one character or its place, a prefix, the empty text,
    /// the longest that packs and the first that does not, lower case, non-ASCII.
    #[test]
    fn keys_are_equal_exactly_when_the_codes_are() {
        let texts = [
            "91130100MA07L1234X",
            "91130100MA07L1234Y",
            "91130100MA07L12340",
            "19130100MA07L1234X",
            "91130100MA07L1234",
            "0",
            "00",
            "A",
            "",
            "ZZZZZZZZZZZZZZZZZZZZZ",
            "ZZZZZZZZZZZZZZZZZZZZZZ",
            "91130100ma07l1234x",
            "9113０100MA07L1234X",
            "91130100MA07L1234X ",
        ];
        for (i, a) in texts.iter().enumerate() {
            assert_eq!(CodeKey::new(a), CodeKey::new(a), "{a:?}");
            // A key shows the text it was made from (a replaced row is named by it).
            assert_eq!(CodeKey::new(a).to_string(), *a);
            for b in &texts[i + 1..] {
                assert_ne!(CodeKey::new(a), CodeKey::new(b), "{a:?} and {b:?}");
            }
        }
        assert!(matches!(
            CodeKey::new("91130100MA07L1234X"),
            CodeKey::Packed(..)
        ));
        assert!(matches!(
            CodeKey::new("ZZZZZZZZZZZZZZZZZZZZZ"),
            CodeKey::Packed(..)
        ));
        assert!(matches!(
            CodeKey::new("ZZZZZZZZZZZZZZZZZZZZZZ"),
            CodeKey::Text(_)
        ));
        assert!(matches!(
            CodeKey::new("91130100ma07l1234x"),
            CodeKey::Text(_)
        ));
        assert_eq!(std::mem::size_of::<CodeKey>(), 24);
    }

    /// The packing of one character at a time into a `u128`, which `pack` folds in
    /// parts: the same integer for every text, packing or not.
    #[test]
    fn codes_pack_as_one_character_at_a_time() {
        fn by_character(code: &str) -> Option<u128> {
            if code.len() > 21 {
                return None;
            }
            code.bytes().try_fold(0u128, |acc, b| {
                let digit = match b {
                    b'0'..=b'9' => b - b'0' + 1,
                    b'A'..=b'Z' => b - b'A' + 11,
                    _ => return None,
                };
                Some(acc << 6 | u128::from(digit))
            })
        }
        let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ az9@[/:`{\u{0}\u{7f}é中"
            .chars()
            .collect();
        // Lengths 0 to 23; three texts in four of the packing alphabet only.
        let mut next = random_below(0x9E37_79B9_7F4A_7C15);
        let all = alphabet.len() as u64;
        for _ in 0..20_000 {
            let len = next(24);
            let from = if next(4) == 0 { all } else { 36 };
            let text: String = (0..len)
                .map(|_| alphabet[usize::try_from(next(from)).unwrap()])
                .collect();
            assert_eq!(CodeKey::pack(&text), by_character(&text), "{text:?}");
        }
        for byte in 0..=255u8 {
            let text = String::from_utf8_lossy(&[byte; 18]).into_owned();
            assert_eq!(CodeKey::pack(&text), by_character(&text), "{byte}");
        }
    }

    #[test]
    fn a_code_list_holds_codes_whatever_their_form() {
        let list: CodeList = ["odd code", "91130100MA07L1234X", "odd code"]
            .into_iter()
            .collect();
        assert!(list.contains("91130100MA07L1234X"));
        assert!(list.contains("odd code"));
        assert!(!list.contains("91130100MA07L1234Y"));
        assert!(!list.contains("odd"));
        assert_eq!(list.len(), 2);
    }

    /// Each row's place names its own code in the list, and the roster's membership
    /// of a list is each code's, for a roster as short as the list and for one ten
    /// times as long (the galloping search's long steps).
    #[test]
    fn rows_find_their_code_and_its_membership_by_place() {
        let mut next = random_below(0x2545_f491_4f6c_dd1d);
        for round in 0..2_000 {
            let rows_len = next(60);
            let roster_len = if round % 2 == 0 {
                next(60)
            } else {
                200 + next(400)
            };
            let mut rows = random_codes(&mut next, rows_len, 200);
            let mut roster = random_codes(&mut next, roster_len, 200);
            if round % 3 == 0 {
                // Only codes that pack: the lists are sorted as integers then.
                // Their first characters differ too, in the upper half of the integer.
                rows.retain(|c| !c.starts_with('x'));
                roster.retain(|c| !c.starts_with('x'));
                for code in rows.iter_mut().chain(roster.iter_mut()) {
                    code.replace_range(0..1, &next(3).to_string());
                }
            }
            let (list, places) = CodeList::placed(rows.iter().map(|c| CodeKey::new(c)).collect());
            assert_eq!(list, rows.iter().collect::<CodeList>());
            // The same list as sorting the keys as keys.
            let mut sorted: Vec<CodeKey> = rows.iter().map(|c| CodeKey::new(c)).collect();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(list.iter().cloned().collect::<Vec<_>>(), sorted);
            assert_eq!(places.len(), rows.len());
            let codes: Vec<&CodeKey> = list.iter().collect();
            for (row, place) in rows.iter().zip(&places) {
                assert_eq!(codes[*place as usize], &CodeKey::new(row));
            }
            let known: HashSet<&String> = roster.iter().collect();
            let roster: CodeList = roster.iter().collect();
            let members = roster.members(&list);
            for (row, place) in rows.iter().zip(&places) {
                assert_eq!(members[*place as usize], known.contains(row), "{row}");
            }
        }
    }

    #[test]
    fn prior_figures_are_found_by_code_and_quarter() {
        let mut prior = PriorYtd::default();
        let q = |s: &str| s.parse::<Period>().unwrap();
        let y = |r: f64| Ytd {
            revenue: r,
            output_value: 0.0,
            tech_upgrade_equipment: 0.0,
        };
        prior.insert("91130100MA07L1234X", q("2024Q2"), y(2.0));
        prior.insert("91130100MA07L1234X", q("2024Q1"), y(1.0));
        prior.insert("91130100MA07L1234X", q("2024Q2"), y(3.0));
        assert_eq!(prior.get("91130100MA07L1234X", q("2024Q2")), Some(&y(3.0)));
        let quarters: Vec<Period> = prior.of("91130100MA07L1234X").iter().map(|e| e.0).collect();
        assert_eq!(quarters, [q("2024Q1"), q("2024Q2")]);
        assert!(prior.of("91130100MA07L1234Y").is_empty());
        assert_eq!(prior.len(), 2);
    }

    /// Figures gathered for a file's list read back as those inserted one by one, by
    /// place and by code; held for another list, they are the same figures.
    #[test]
    fn figures_gathered_for_a_list_equal_those_inserted_one_by_one() {
        let q = |s: &str| s.parse::<Period>().unwrap();
        let y = |r: f64| Ytd {
            revenue: r,
            output_value: r * 2.0,
            tech_upgrade_equipment: 0.0,
        };
        let (a, b, c) = ("91130100MA07L1234X", "91130100MA07L1234Y", "odd code");
        let mut one_by_one = PriorYtd::default();
        for (code, p, r) in [(b, "2024Q3", 3.0), (a, "2023Q4", 9.0), (b, "2024Q1", 1.0)] {
            one_by_one.insert(code, q(p), y(r));
        }
        let list: CodeList = [c, b, a].into_iter().collect();
        let gathered = PriorYtd::gather(&list, |key, out| {
            if *key == CodeKey::new(a) {
                out.push((q("2023Q4"), y(9.0)));
            } else if *key == CodeKey::new(b) {
                out.extend([(q("2024Q1"), y(1.0)), (q("2024Q3"), y(3.0))]);
            }
        });
        assert_eq!(gathered, one_by_one);
        assert!(gathered.is_for(&list));
        assert!(!one_by_one.is_for(&list));
        assert_eq!(one_by_one.for_codes(&list), gathered);
        assert!(one_by_one.for_codes(&list).is_for(&list));
        let places: Vec<usize> = [a, b, c]
            .iter()
            .map(|code| list.iter().position(|k| *k == CodeKey::new(code)).unwrap())
            .collect();
        assert_eq!(gathered.at(places[0]), one_by_one.of(a));
        assert_eq!(
            gathered.at(places[1]),
            [(q("2024Q1"), y(1.0)), (q("2024Q3"), y(3.0))]
        );
        assert!(gathered.at(places[2]).is_empty());
        assert!(gathered.at(3).is_empty());
        assert_eq!(gathered.len(), 3);
        let fewer: CodeList = [b].into_iter().collect();
        assert_eq!(gathered.for_codes(&fewer).len(), 2);
        assert_eq!(gathered.for_codes(&fewer).of(a), []);
    }

    /// Two lists meet exactly when their codes, as sets, share one: by the walk over
    /// both lists of similar sizes and by lookups from a much smaller one, with
    /// repeated, unsorted, packed and unpacked codes.
    #[test]
    fn lists_meet_as_their_sets_do() {
        let mut next = random_below(0x853c_49e6_748f_ea9b);
        let mut met = 0;
        for round in 0..4_000 {
            let len_a = next(40);
            let len_b = if round % 2 == 0 {
                next(40)
            } else {
                1 + next(3)
            };
            let a = random_codes(&mut next, len_a, 300);
            let b = random_codes(&mut next, len_b, 300);
            let (la, lb): (CodeList, CodeList) = (a.iter().collect(), b.iter().collect());
            let (sa, sb): (HashSet<&String>, HashSet<&String>) =
                (a.iter().collect(), b.iter().collect());
            let expected = sa.iter().any(|k| sb.contains(k));
            assert_eq!(la.meets(&lb), expected, "{a:?} {b:?}");
            assert_eq!(lb.meets(&la), expected, "{a:?} {b:?}");
            assert_eq!(la.len(), sa.len());
            assert!(a.iter().all(|c| la.contains(c)));
            met += usize::from(expected);
        }
        assert!((500..3_500).contains(&met), "{met}");
    }
}
