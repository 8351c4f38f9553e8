//! Row validation: every cell of a row is read by its column's rule, then the rules
//! across values (CNC ≤ key processes, roster and cluster references, duplicates,
//! year-to-date decreases). Every problem of a row is reported, not just the first.

use std::collections::HashMap;

use clusterkpi_model::{Code, Date, Period};

use crate::schema::{Declared, HeaderMap, InputKind, Type, position};
use crate::source::{CellRef, Lent};
use crate::value::{self, Violation};
use clusterkpi_model::rows::{
    CellSource, ClusterRow, CodeKey, CodeList, Record, ReportRow, RosterRow, ValueRow, Ytd,
};

/// A parsed cell.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    None,
    Text(String),
    /// A checked credit code, held where the row's values are: a code is 18 ASCII
    /// characters, and each report row's own string was two allocations a row (its
    /// cell read, its row made) in a 100x ingest's seven million rows.
    Code([u8; 18]),
    Period(Period),
    Num(f64),
    Int(i64),
    Bool(bool),
    Level(&'static str),
}

impl Val {
    fn opt_text(&self) -> Option<String> {
        self.text().filter(|s| !s.is_empty()).map(str::to_string)
    }

    /// The text of a text cell or a credit code.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            Val::Code(c) => Some(value::code_text(c)),
            _ => None,
        }
    }
}

/// Where a stored column of a kind's row comes from (see [`ValSource`]).
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The value of the kind's column at this position.
    Cell(usize),
    /// The quarter index of the period column at this position.
    PeriodIndex(usize),
    /// The row's line in the file.
    Line,
}

/// The stored columns of a kind's row (`clusterkpi_model::rows`), each matched once, by
/// name, to the column of the kind's declaration it is read from: the model declares
/// what is kept, this crate how a county's file spells it. A stored column no
/// declaration reads is a bug, caught by the tests.
fn slots(kind: InputKind) -> &'static [Slot] {
    use clusterkpi_model::rows::Row;
    static SLOTS: [std::sync::OnceLock<Vec<Slot>>; 4] = [const { std::sync::OnceLock::new() }; 4];
    let at = InputKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ALL");
    SLOTS[at].get_or_init(|| {
        let stored = match kind {
            InputKind::Clusters => ClusterRow::columns(),
            InputKind::Roster => RosterRow::columns(),
            InputKind::Reports => ReportRow::columns(),
            InputKind::Values => ValueRow::columns(),
        };
        let cols = kind.columns();
        let find = |name: &str| cols.iter().position(|c| c.name == name);
        stored
            .iter()
            .map(|c| {
                if c.name == "source_line" {
                    return Slot::Line;
                }
                if let Some(i) = find(&c.name) {
                    assert!(
                        cols[i].kept,
                        "the stored column {} is declared a note of {} files",
                        c.name,
                        kind.as_str()
                    );
                    return Slot::Cell(i);
                }
                match c.name.strip_suffix("_index").and_then(find) {
                    Some(i) if matches!(cols[i].ty, Type::Period) => Slot::PeriodIndex(i),
                    _ => panic!(
                        "the stored column {} is not read from {} files",
                        c.name,
                        kind.as_str()
                    ),
                }
            })
            .collect()
    })
}

/// A row's checked values as the model's row type reads them (`Row::read`), column
/// by column through [`slots`]. Only rows without errors are read: a value of another
/// type than its column's cannot occur, and reads as the type's default.
struct ValSource<'a> {
    vals: &'a [Val],
    slots: &'static [Slot],
    at: usize,
    line: u64,
}

impl<'a> ValSource<'a> {
    fn new(kind: InputKind, vals: &'a [Val], line: u64) -> Self {
        ValSource {
            vals,
            slots: slots(kind),
            at: 0,
            line,
        }
    }

    fn next(&mut self) -> (Slot, Option<&'a Val>) {
        let slot = self.slots[self.at];
        self.at += 1;
        let val = match slot {
            Slot::Cell(i) | Slot::PeriodIndex(i) => self.vals.get(i),
            Slot::Line => None,
        };
        (slot, val)
    }
}

impl CellSource for ValSource<'_> {
    fn text(&mut self) -> Option<&str> {
        match self.next().1? {
            Val::Text(s) if !s.is_empty() => Some(s),
            Val::Code(c) => Some(value::code_text(c)),
            Val::Level(l) => Some(l),
            // A period is read from its index (the next slot).
            _ => None,
        }
    }
    fn word(&mut self) -> &'static str {
        match self.next().1 {
            // A level's word as the column's rule read it, one of the model's words
            // (`every_level_word_is_a_stored_word`).
            Some(Val::Level(l)) => l,
            Some(Val::Text(s)) => clusterkpi_model::rows::canonical_word(s),
            _ => clusterkpi_model::rows::canonical_word(""),
        }
    }
    fn int32(&mut self) -> Option<i32> {
        match self.next() {
            (Slot::PeriodIndex(_), Some(Val::Period(p))) => Some(p.index()),
            _ => None,
        }
    }
    fn int64(&mut self) -> Option<i64> {
        match self.next() {
            (Slot::Line, _) => i64::try_from(self.line).ok(),
            (_, Some(Val::Int(i))) => Some(*i),
            _ => None,
        }
    }
    fn float64(&mut self) -> Option<f64> {
        match self.next().1? {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn bool(&mut self) -> Option<bool> {
        match self.next().1? {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// The model's row of `R` from a row's checked values.
fn row<R: clusterkpi_model::rows::Row>(kind: InputKind, vals: &[Val], line: u64) -> R {
    R::read(&mut ValSource::new(kind, vals, line))
}

/// Reads a cell by its column type.
pub(crate) fn read_cell(
    cell: CellRef<'_>,
    ty: Type,
    required: bool,
    today: Date,
) -> Result<Val, Violation> {
    let mut out = Val::None;
    read_cell_with(cell, ty, required, today, |v| out = v)?;
    Ok(out)
}

/// [`read_cell`], the value read handed to `put` instead of returned. Inlined into a
/// row's reader, each rule's value is stored where the row keeps it: returned, a
/// value went through the result on the stack and was copied from there in pieces
/// that did not match how it had been written, and the copy waited for those writes
/// on every cell (`perf annotate` of `ReadRow::of`, docs/PERFORMANCE.md).
#[inline(always)]
fn read_cell_with(
    cell: CellRef<'_>,
    ty: Type,
    required: bool,
    today: Date,
    put: impl FnOnce(Val),
) -> Result<(), Violation> {
    if cell.is_empty() && !required {
        put(Val::None);
        return Ok(());
    }
    match (ty, cell) {
        (Type::Number(max) | Type::NonNegative(max) | Type::Count(max), CellRef::Number(n)) => {
            let s = format!("{n}");
            if !n.is_finite() {
                put(Val::Num(value::number("NaN")?));
                return Ok(());
            }
            match ty {
                Type::Number(_) => put(Val::Num(value::bounded(&s, max)?)),
                Type::NonNegative(_) => put(Val::Num(value::non_negative(&s, max)?)),
                _ => put(Val::Int(value::count(&s, max)?)),
            }
        }
        (Type::Bool, CellRef::Bool(b)) => put(Val::Bool(b)),
        (Type::Period, CellRef::Date(y, m, _)) => {
            put(Val::Period(value::period(&format!("{y}-{m:02}"), today)?));
        }
        (Type::Period, CellRef::Number(n)) if n.fract() == 0.0 => {
            // A period typed as a number, e.g. 202409 → "202409" is not a quarter form.
            put(Val::Period(value::period(&format!("{n}"), today)?));
        }
        (_, c) => {
            let s = c.text();
            match ty {
                Type::Text(max) => put(Val::Text(value::text(&s, max)?)),
                Type::ClusterId => put(Val::Text(value::cluster_id(&s)?)),
                Type::CreditCode => put(Val::Code(value::credit_code_ascii(&s)?)),
                Type::Period => put(Val::Period(value::period(&s, today)?)),
                Type::Number(max) => put(Val::Num(value::bounded(&s, max)?)),
                Type::NonNegative(max) => put(Val::Num(value::non_negative(&s, max)?)),
                Type::Count(max) => put(Val::Int(value::count(&s, max)?)),
                Type::Bool => put(Val::Bool(value::boolean(&s)?)),
                Type::Level(levels) => put(Val::Level(value::level(&s, levels)?)),
            }
        }
    }
    Ok(())
}

/// A cell of a column whose values are not kept ([`crate::schema::Column::kept`]): checked by its
/// column's rule as [`read_cell`] checks it, and read as nothing. Text is checked where
/// it lies, without a copy.
fn check_cell(cell: CellRef<'_>, ty: Type, required: bool, today: Date) -> Result<Val, Violation> {
    if cell.is_empty() && !required {
        return Ok(Val::None);
    }
    match (ty, cell) {
        (Type::Text(max), CellRef::Text(s)) => value::check_text(s, max).map(|()| Val::None),
        _ => read_cell(cell, ty, required, today).map(|_| Val::None),
    }
}

/// What row validation needs to know beyond the row itself.
#[derive(Debug, Default, Clone)]
pub struct References {
    /// Known clusters: every accepted spelling (id, Chinese or English name) → id.
    /// None: not available, the check is skipped.
    pub clusters: Option<HashMap<String, String>>,
    /// Credit codes of the roster (None: not available, the check is skipped): a
    /// file's enterprises are looked up in it at once ([`CodeList::members`]).
    pub roster: Option<CodeList>,
    /// The plan's city id, a valid `scope_id` of city scope in values files.
    pub city: Option<String>,
    /// Indicators of kind `reported`: id or name → id (None: the check is skipped).
    pub reported_indicators: Option<HashMap<String, String>>,
}

/// The spellings a file may use for each cluster: its id, Chinese and English name,
/// each mapped to the id (an id wins over another cluster's name).
pub fn cluster_spellings<'a>(
    clusters: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)> + Clone,
) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = clusters
        .clone()
        .into_iter()
        .map(|(id, ..)| (id.to_string(), id.to_string()))
        .collect();
    for (id, name, name_en) in clusters {
        for spelling in [Some(name), name_en].into_iter().flatten() {
            map.entry(spelling.to_string())
                .or_insert_with(|| id.to_string());
        }
    }
    map
}

/// [`cluster_spellings`] of a cluster list as the dataset keeps it.
#[must_use]
pub fn spellings_of(clusters: &[ClusterRow]) -> HashMap<String, String> {
    cluster_spellings(
        clusters
            .iter()
            .map(|c| (c.cluster_id.as_str(), c.name.as_str(), c.name_en.as_deref())),
    )
}

/// Looks a spelling up in a name → id map, ignoring surrounding space and width.
fn resolve(map: &HashMap<String, String>, spelling: &str) -> Option<String> {
    map.get(spelling)
        .or_else(|| map.get(clusterkpi_model::text::to_half_width(spelling).trim()))
        .cloned()
}

impl References {
    /// The checks this validation cannot make, in words for the summary.
    #[must_use]
    pub fn skipped_checks(&self, kind: InputKind) -> Vec<&'static str> {
        let mut out = Vec::new();
        match kind {
            InputKind::Reports if self.roster.is_none() => {
                out.push("E_UNKNOWN_ENTERPRISE (no roster given)");
            }
            InputKind::Roster if self.clusters.is_none() => {
                out.push("E_UNKNOWN_CLUSTER (no cluster list given)")
            }
            InputKind::Values if self.clusters.is_none() || self.city.is_none() => {
                out.push("scope_id against the cluster list and plan (not given)");
            }
            _ => {}
        }
        out
    }
}

/// A 128-bit digest of the key that must be unique within a file ([`row_key`]),
/// taken from the key's parts without writing them out: a file's rows are counted by
/// it (24 bytes a row), and it was made for every row twice.
///
/// A report row's key is the key itself, packed: its credit code (a checked code is
/// 18 characters, 108 bits as [`CodeKey::pack`] packs them) above its quarter's
/// index, with the top bit set. Equal exactly when the keys are, and no hashing: two
/// SipHash digests a row were 4% of an ingest's instructions. A roster entry's key,
/// its code, is packed the same way above a quarter index of 0 (the two digests were
/// 5% of a 270,000-entry roster's samples). Any other key is two SipHash digests with
/// fixed keys (the same rows give the same digest in both passes and on every run),
/// the top bit cleared, so a digest is never a packed key.
pub(crate) fn row_key_hash(kind: InputKind, vals: &[Val]) -> Option<u128> {
    let packed = |c: &str, index: i64| {
        if c.len() > 18 {
            return None;
        }
        let (code, index) = (CodeKey::pack(c)?, u16::try_from(index).ok()?);
        Some(PACKED | code << 16 | u128::from(index))
    };
    let key = match (kind, vals.first().and_then(Val::text), vals.get(1)) {
        (InputKind::Reports, Some(c), Some(Val::Period(p))) => packed(c, i64::from(p.index())),
        (InputKind::Roster, Some(c), _) if !c.is_empty() => packed(c, 0),
        _ => None,
    };
    key.or_else(|| row_key_digest(kind, vals).map(|d| d & !PACKED))
}

/// The top bit of a [`row_key_hash`] that packs its key.
const PACKED: u128 = 1 << 127;

/// The credit code's key of a report row's (or roster entry's) key that
/// [`row_key_hash`] packed: the same key as [`CodeKey::new`] makes of the code, without
/// packing it again (`CodeKey::new` and its packing were 3.7% of a 100x ingest's
/// samples).
pub(crate) fn code_key_of(key: u128) -> Option<CodeKey> {
    (key & PACKED != 0).then(|| CodeKey::packed((key & !PACKED) >> 16))
}

/// [`row_key_hash`] of a key it does not pack.
fn row_key_digest(kind: InputKind, vals: &[Val]) -> Option<u128> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash, Hasher};
    let digest = |feed: &dyn Fn(&mut DefaultHasher)| {
        let h = BuildHasherDefault::<DefaultHasher>::default();
        let (mut a, mut b) = (h.build_hasher(), h.build_hasher());
        0x9e37_79b9_7f4a_7c15_u64.hash(&mut b);
        feed(&mut a);
        feed(&mut b);
        (u128::from(a.finish()) << 64) | u128::from(b.finish())
    };
    match kind {
        InputKind::Clusters | InputKind::Roster => match vals[0].text() {
            Some(t) if !t.is_empty() => Some(digest(&|h| t.hash(h))),
            _ => None,
        },
        InputKind::Reports => match (vals[0].text(), &vals[1]) {
            (Some(c), Val::Period(p)) => Some(digest(&|h| (c, p.index()).hash(h))),
            _ => None,
        },
        InputKind::Values => match (&vals[0], &vals[1], &vals[2], &vals[3]) {
            (Val::Period(p), Val::Level(s), Val::Text(id), Val::Text(ind)) => Some(digest(&|h| {
                (p.index(), *s, id.as_str(), ind.as_str()).hash(h)
            })),
            _ => None,
        },
    }
}

/// The key that must be unique within a file, per kind, as a message shows it.
pub(crate) fn row_key(kind: InputKind, vals: &[Val]) -> Option<String> {
    match kind {
        InputKind::Clusters | InputKind::Roster => vals[0].opt_text(),
        InputKind::Reports => match (vals[0].text(), &vals[1]) {
            (Some(c), Val::Period(p)) => Some(format!("{c}|{p}")),
            _ => None,
        },
        InputKind::Values => match (&vals[0], &vals[1], &vals[2], &vals[3]) {
            (Val::Period(p), Val::Level(s), Val::Text(id), Val::Text(ind)) => {
                Some(format!("{p}|{s}|{id}|{ind}"))
            }
            _ => None,
        },
    }
}

/// The quarter a row reports on, if it could be read.
pub(crate) fn row_period(kind: InputKind, vals: &[Val]) -> Option<Period> {
    let i = match kind {
        InputKind::Reports => 1,
        InputKind::Values => 0,
        InputKind::Clusters | InputKind::Roster => return None,
    };
    match vals.get(i) {
        Some(Val::Period(p)) => Some(*p),
        _ => None,
    }
}

/// A problem found in a row: the column it concerns (index into the kind's columns, or
/// None for the row as a whole) and the rule.
pub(crate) type RowProblem = (Option<usize>, String, Violation);

/// How many leading columns of a kind make its key (see [`row_key`]).
fn key_width(kind: InputKind) -> usize {
    match kind {
        InputKind::Clusters | InputKind::Roster => 1,
        InputKind::Reports => 2,
        InputKind::Values => 4,
    }
}

/// Columns of a reports row that name whose row it is, as the reporting template
/// pre-fills them; every other column is a figure the enterprise reports.
const IDENTIFYING: [&str; 4] = ["credit_code", "period", "enterprise_name", "cluster"];

/// A reports row left blank: it names its enterprise (the template's pre-filled
/// cells) but every figure is empty. A county leaves the rows of enterprises that did
/// not report as they were sent out; such a row is no report and no error
/// (`W_BLANK_ROW`), so a small county's file is not rejected for them.
pub(crate) fn blank_report(map: &HeaderMap, cells: Lent<'_>) -> bool {
    map.kind == InputKind::Reports
        && map
            .kind
            .columns()
            .iter()
            .zip(&map.position)
            .filter(|(c, _)| !IDENTIFYING.contains(&c.name))
            .all(|(_, f)| f.is_none_or(|f| cells.get(f).is_none_or(CellRef::is_empty)))
}

/// Reads only the key columns of a row (the rest are `Val::None`): what the first
/// pass over a file needs to find duplicate keys and the enterprises and years it
/// reports on. A key cell that does not read gives no key; pass 2 reports it.
pub(crate) fn read_key(map: &HeaderMap, cells: Lent<'_>, today: Date) -> Vec<Val> {
    let cols = map.kind.columns();
    let n = key_width(map.kind);
    let mut vals = vec![Val::None; n];
    for (i, col) in cols.iter().enumerate().take(n) {
        if let Some(f) = map.position[i] {
            let cell = cells.get(f).unwrap_or(CellRef::Empty);
            if let Ok(v) = read_cell(cell, col.ty, col.required, today) {
                vals[i] = v;
            }
        }
    }
    vals
}

/// Reads every cell of a row, its values appended to `vals` (one per column of its
/// kind); problems are collected, not returned early.
pub(crate) fn read_row(
    map: &HeaderMap,
    cells: Lent<'_>,
    today: Date,
    vals: &mut Vec<Val>,
) -> Vec<RowProblem> {
    let cols = map.kind.columns();
    vals.reserve(cols.len());
    let mut problems = Vec::new();
    for (i, col) in cols.iter().enumerate() {
        let Some(f) = map.position[i] else {
            vals.push(Val::None);
            continue;
        };
        let cell = cells.get(f).unwrap_or(CellRef::Empty);
        let read = if col.kept {
            read_cell_with(cell, col.ty, col.required, today, |v| vals.push(v))
        } else {
            check_cell(cell, col.ty, col.required, today).map(|v| vals.push(v))
        };
        if let Err(v) = read {
            problems.push((Some(i), cell.display(), v));
            vals.push(Val::None);
        }
    }
    problems
}

/// Cross-value rules and the typed record. `known`: whether a report row's enterprise
/// is in the roster, when the file's membership was asked at once (otherwise the
/// roster is searched for the row's code).
pub(crate) fn build_record(
    kind: InputKind,
    vals: &[Val],
    line: u64,
    refs: &References,
    known: Option<bool>,
    problems: &mut Vec<RowProblem>,
) -> Option<Record> {
    let errors_before = problems.iter().any(|(_, _, v)| !v.code.is_warning());
    match kind {
        InputKind::Clusters => (!errors_before).then(|| Record::Cluster(row(kind, vals, line))),
        InputKind::Roster => {
            let at = position::ROSTER_CLUSTER;
            let cluster = match &vals[at] {
                Val::Text(c) => cluster_ref(refs, c, at, problems),
                _ => None,
            };
            if problems.iter().any(|(_, _, v)| !v.code.is_warning()) {
                return None;
            }
            Some(Record::Roster(RosterRow {
                cluster_id: cluster.unwrap_or_default(),
                ..row(kind, vals, line)
            }))
        }
        InputKind::Reports => {
            let code_at = position::REPORTS_CREDIT_CODE;
            if let (Some(roster), Some(code)) = (&refs.roster, vals[code_at].text())
                && !known.unwrap_or_else(|| roster.contains(code))
            {
                problems.push((
                    Some(code_at),
                    code.to_string(),
                    Violation::new(
                        Code::E_UNKNOWN_ENTERPRISE,
                        format!("企业“{code}”不在企业名录中"),
                        format!("enterprise {code:?} is not in the roster"),
                    ),
                ));
            }
            let (all_at, cnc_at) = (
                position::REPORTS_KEY_PROCESSES,
                position::REPORTS_KEY_PROCESSES_CNC,
            );
            if let (Val::Int(all), Val::Int(cnc)) = (&vals[all_at], &vals[cnc_at])
                && cnc > all
            {
                problems.push((
                    Some(cnc_at),
                    cnc.to_string(),
                    Violation::new(
                        Code::E_CNC_EXCEEDS,
                        format!("数控化关键工序数 {cnc} 大于关键工序数 {all}"),
                        format!("CNC key processes {cnc} exceed key processes {all}"),
                    ),
                ));
            }
            if problems.iter().any(|(_, _, v)| !v.code.is_warning()) {
                return None;
            }
            Some(Record::Report(row(kind, vals, line)))
        }
        InputKind::Values => {
            let mut stored: ValueRow = row(kind, vals, line);
            let ind_at = position::VALUES_INDICATOR;
            if let (Some(reported), Val::Text(ind)) = (&refs.reported_indicators, &vals[ind_at]) {
                match resolve(reported, ind) {
                    Some(id) => stored.indicator = id,
                    None => {
                        problems.push((
                    Some(ind_at),
                    ind.clone(),
                    Violation::new(
                        Code::E_UNKNOWN_INDICATOR,
                        format!("“{ind}”不是直报类指标"),
                        format!("{ind:?} is not an indicator of kind `reported` in the catalogue"),
                    ),
                ));
                    }
                }
            }
            let id_at = position::VALUES_SCOPE_ID;
            match (&vals[position::VALUES_SCOPE], &vals[id_at]) {
                (Val::Level("city"), Val::Text(id)) => {
                    if let Some(city) = &refs.city
                        && id != city
                    {
                        problems.push((
                            Some(id_at),
                            id.clone(),
                            Violation::new(
                                Code::E_UNKNOWN_CLUSTER,
                                format!("范围编码“{id}”不是规划的城市编码“{city}”"),
                                format!("scope_id {id:?} is not the plan's city id {city:?}"),
                            ),
                        ));
                    }
                }
                (Val::Level("cluster"), Val::Text(id)) => {
                    if let Some(c) = cluster_ref(refs, id, id_at, problems) {
                        stored.scope_id = c;
                    }
                }
                _ => {}
            }
            if problems.iter().any(|(_, _, v)| !v.code.is_warning()) {
                return None;
            }
            Some(Record::Value(stored))
        }
    }
}

/// A reference to a cluster by id or name: the id, or the problem recorded. Without
/// a cluster list only the id's form can be checked.
fn cluster_ref(
    refs: &References,
    given: &str,
    col: usize,
    problems: &mut Vec<RowProblem>,
) -> Option<String> {
    match &refs.clusters {
        Some(known) => {
            let found = resolve(known, given);
            if found.is_none() {
                problems.push((
                    Some(col),
                    given.to_string(),
                    Violation::new(
                        Code::E_UNKNOWN_CLUSTER,
                        format!("集群“{given}”不在产业集群名录中"),
                        format!("cluster {given:?} is not in the cluster list"),
                    ),
                ));
            }
            found
        }
        None => match value::cluster_id(given) {
            Ok(id) => Some(id),
            Err(v) => {
                problems.push((Some(col), given.to_string(), v));
                None
            }
        },
    }
}

/// `W_YTD_DECREASE`: a cumulative figure below an accepted figure of an earlier quarter
/// of the same year. Returns the warnings (column index, value, rule).
pub(crate) fn ytd_warnings(row: &ReportRow, earlier: &[(Period, Ytd)]) -> Vec<RowProblem> {
    let mut out = Vec::new();
    let now = row.ytd();
    type Figure = fn(&Ytd) -> f64;
    let checks: [(usize, &str, &str, Figure); 3] = [
        (2, "营业收入", "revenue", |y| y.revenue),
        (3, "工业总产值", "output value", |y| y.output_value),
        (16, "技改设备购置额", "equipment purchases", |y| {
            y.tech_upgrade_equipment
        }),
    ];
    for (col, zh, en, get) in checks {
        if let Some((p, before)) = earlier
            .iter()
            .filter(|(p, _)| p.year() == row.period.year() && *p < row.period)
            .max_by(|a, b| get(&a.1).total_cmp(&get(&b.1)))
            && get(&now) + 1e-9 < get(before)
        {
            out.push((
                Some(col),
                format!("{}", get(&now)),
                Violation::new(
                    Code::W_YTD_DECREASE,
                    format!(
                        "{zh}（本年累计）{} 低于 {p} 已报的 {}",
                        get(&now),
                        get(before)
                    ),
                    format!(
                        "year-to-date {en} {} is below the {} accepted for {p}",
                        get(&now),
                        get(before)
                    ),
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row has a key digest exactly when it has a key, and two rows share a digest
    /// exactly when they share a key (the duplicate check compares digests).
    #[test]
    fn key_digests_follow_the_keys() {
        let p = |s: &str| Val::Period(s.parse().unwrap());
        let t = |s: &str| Val::Text(s.to_string());
        let cases: Vec<(InputKind, Vec<Val>)> = vec![
            (InputKind::Reports, vec![t("A"), p("2024Q1")]),
            (InputKind::Reports, vec![t("A"), p("2024Q2")]),
            (InputKind::Reports, vec![t("B"), p("2024Q1")]),
            (InputKind::Reports, vec![t("A|2024Q1"), p("2024Q1")]),
            (InputKind::Reports, vec![t(""), p("2024Q1")]),
            // Packed (up to 18 characters, a quarter after year 0) and digested keys.
            (
                InputKind::Reports,
                vec![t("91130100MA0000001X"), p("2024Q1")],
            ),
            (
                InputKind::Reports,
                vec![t("91130100MA0000001X"), p("2024Q2")],
            ),
            (
                InputKind::Reports,
                vec![t("91130100MA0000001Y"), p("2024Q1")],
            ),
            (
                InputKind::Reports,
                vec![t("91130100MA0000001XA"), p("2024Q1")],
            ),
            (
                InputKind::Reports,
                vec![t("91130100ma0000001x"), p("2024Q1")],
            ),
            (
                InputKind::Reports,
                vec![t("91130100MA0000001X"), Val::Period(Period::from_index(-4))],
            ),
            (
                InputKind::Reports,
                vec![
                    t("91130100MA0000001X"),
                    Val::Period(Period::from_index(70_000)),
                ],
            ),
            (InputKind::Reports, vec![t("A"), Val::None]),
            (InputKind::Roster, vec![t("A")]),
            (InputKind::Roster, vec![t("")]),
            (InputKind::Clusters, vec![t("C1")]),
            (
                InputKind::Values,
                vec![p("2024Q1"), Val::Level("city"), t("x"), t("y")],
            ),
            (
                InputKind::Values,
                vec![p("2024Q1"), Val::Level("cluster"), t("x"), t("y")],
            ),
            (
                InputKind::Values,
                vec![p("2024Q1"), Val::Level("city"), t("x|y"), t("")],
            ),
            (
                InputKind::Values,
                vec![p("2024Q1"), Val::Level("city"), t("x"), Val::None],
            ),
        ];
        for (kind, vals) in &cases {
            assert_eq!(
                row_key(*kind, vals).is_some(),
                row_key_hash(*kind, vals).is_some(),
                "{kind:?} {vals:?}"
            );
            for (kind2, vals2) in &cases {
                if kind != kind2 {
                    continue;
                }
                let (k1, k2) = (row_key(*kind, vals), row_key(*kind2, vals2));
                let (h1, h2) = (row_key_hash(*kind, vals), row_key_hash(*kind2, vals2));
                if k1.is_some() && k2.is_some() {
                    assert_eq!(k1 == k2, h1 == h2, "{vals:?} {vals2:?}");
                }
            }
        }
        // The same row, the same digest on every run (fixed hash keys).
        let row = [t("91130100MA0000001X"), p("2024Q1")];
        assert_eq!(
            row_key_hash(InputKind::Reports, &row),
            row_key_hash(InputKind::Reports, &row)
        );
        // A report row's packed key holds its code's key; a digest holds none.
        for (kind, vals) in &cases {
            let Some(key) = row_key_hash(*kind, vals) else {
                continue;
            };
            match (code_key_of(key), &vals[0]) {
                (Some(code), Val::Text(c)) => {
                    assert!(matches!(kind, InputKind::Reports | InputKind::Roster));
                    assert_eq!(code, CodeKey::new(c), "{vals:?}");
                }
                (Some(code), _) => panic!("{kind:?} {vals:?} gave {code:?}"),
                (None, _) => {}
            }
        }
        assert!(code_key_of(row_key_hash(InputKind::Reports, &row).unwrap()).is_some());
    }

    /// Every column the dataset keeps is read from a column of its kind's declaration
    /// (a new stored field without one fails here, not on a county's file).
    #[test]
    fn every_stored_column_is_read_from_its_kind() {
        for kind in InputKind::ALL {
            let slots = slots(kind);
            assert!(!slots.is_empty(), "{}", kind.as_str());
        }
        assert!(matches!(
            slots(InputKind::Reports)[..3],
            [Slot::Cell(0), Slot::Cell(1), Slot::PeriodIndex(1)]
        ));
        assert!(matches!(slots(InputKind::Reports).last(), Some(Slot::Line)));
    }
}
