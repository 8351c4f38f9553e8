//! The writer's index of live report rows: for each enterprise and quarter of the
//! years it holds, the version of its live row and that row's year-to-date figures.
//!
//! Two questions are asked of it for every accepted report row. The commit asks which
//! live row the new row replaces (that row is then recorded as superseded) and makes
//! the new row the live one; a file being validated asks for its enterprises' figures
//! in the quarters of their years (`W_YTD_DECREASE`). Both are one fact, the live row
//! of an enterprise and quarter (the highest version of it). One entry per enterprise
//! and year, with a slot per quarter, answers both, and the commit makes one probe a
//! row: two indexes (live versions by quarter, figures by year) took three, each at
//! random into maps of every enterprise (docs/PERFORMANCE.md).
//!
//! A year is read from the dataset the first time it is needed, then kept current by
//! the commits themselves: without it, every commit read every earlier file of its
//! quarters to find the rows it replaces, and every file of a year read every earlier
//! file of that year.

use std::collections::BTreeSet;
use std::sync::Arc;

use clusterkpi_model::Period;
use clusterkpi_model::rows::{CodeKey, CodeList, FastMap, PriorYtd, Ytd};

use crate::{Result, Snapshot, Table, read};

/// An accepted report row as the index takes it: its key and year-to-date figures.
#[derive(Debug, Clone)]
pub(crate) struct LiveKey {
    pub code: CodeKey,
    pub period: Period,
    pub ytd: Ytd,
}

/// The year-to-date figures of a staged file's accepted report rows, its keys in the
/// order they were staged ([`crate::Staged::figures`]). Shared, not copied: the file's
/// commit gives the same list to the index, and files validated after it may read it
/// before then ([`crate::Writer::prior_ytd_after`]).
#[derive(Debug, Clone, Default)]
pub struct Figures(pub(crate) Arc<Vec<LiveKey>>);

impl Figures {
    /// Whether no report row was accepted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The figures of files validated and not yet committed, each enterprise's quarters
/// in order, a later file's replacing an earlier one's (as its higher version will).
struct Overlay(FastMap<CodeKey, Vec<(Period, Ytd)>>);

impl Overlay {
    /// The figures of `pending`, committed in this order, in `years`.
    fn new(pending: &[Figures], years: &BTreeSet<i32>) -> Self {
        let mut by_code: FastMap<CodeKey, Vec<(Period, Ytd)>> = FastMap::default();
        for k in pending
            .iter()
            .flat_map(|f| f.0.iter())
            .filter(|k| years.contains(&k.period.year()))
        {
            let quarters = by_code.entry(k.code.clone()).or_default();
            match quarters.binary_search_by_key(&k.period, |e| e.0) {
                Ok(i) => quarters[i].1 = k.ytd,
                Err(i) => quarters.insert(i, (k.period, k.ytd)),
            }
        }
        Self(by_code)
    }

    /// Lays the figures of `key` over its quarters, `quarters[from..]` (in order).
    fn lay(&self, key: &CodeKey, quarters: &mut Vec<(Period, Ytd)>, from: usize) {
        if self.0.is_empty() {
            return;
        }
        let Some(over) = self.0.get(key) else { return };
        for &(p, y) in over {
            match quarters[from..].binary_search_by_key(&p, |e| e.0) {
                Ok(i) => quarters[from + i].1 = y,
                Err(i) => quarters.insert(from + i, (p, y)),
            }
        }
    }
}

/// A quarter's live row: its version (0: none) and figures.
#[derive(Debug, Clone, Copy)]
struct Live {
    version: i64,
    ytd: Ytd,
}

const NONE: Live = Live {
    version: 0,
    ytd: Ytd {
        revenue: 0.0,
        output_value: 0.0,
        tech_upgrade_equipment: 0.0,
    },
};

/// One enterprise's year, a slot per quarter.
type Year = [Live; 4];

/// A year's enterprises, in tables by the area their code was registered in: a county's
/// file names the enterprises of its county, so its probes stay in one table of about
/// its size instead of going at random into one of the whole city's. At 100x the
/// sample city a year is 270,000 enterprises (152 bytes each, 43 MB with the table's
/// spare room), and nearly every probe of that
/// table missed the caches and the TLB: its probes were 9.5% of a 100x ingest's CPU
/// time, mostly waiting for the entry's key and its quarter's slot (`perf annotate`).
/// A county's table holds 8,000 to 62,000 of them; the commit's probes took a quarter
/// fewer samples (docs/PERFORMANCE.md).
struct YearTable {
    shards: Vec<FastMap<CodeKey, Year>>,
}

/// Tables a year is split into: more than a city's counties, so that few share one.
const SHARDS: usize = 256;

impl YearTable {
    /// Each table made as large as `sizes` gives (none: grown as needed).
    fn with_sizes(sizes: &[usize]) -> Self {
        Self {
            shards: (0..SHARDS)
                .map(|i| {
                    FastMap::with_capacity_and_hasher(
                        sizes.get(i).copied().unwrap_or(0),
                        Default::default(),
                    )
                })
                .collect(),
        }
    }

    /// The table of a code's area. An 18-character unified social credit code (GB
    /// 32100) holds its registering authority's six-digit administrative division in
    /// its third to eighth characters, which [`CodeKey::pack`] puts in bits 60 to 95;
    /// any other key goes to a table by whatever those bits hold (a code that does not
    /// pack: the first table). Which table holds a key is a matter of speed only.
    fn shard(key: &CodeKey) -> usize {
        match key {
            CodeKey::Packed(hi, lo) => {
                let area = ((hi << 4) | (lo >> 60)) & ((1 << 36) - 1);
                // Fibonacci hashing: the product's top eight bits.
                (area.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
            }
            CodeKey::Text(_) => 0,
        }
    }

    fn get(&self, key: &CodeKey) -> Option<&Year> {
        self.shards[Self::shard(key)].get(key)
    }

    fn get_or_insert(&mut self, key: CodeKey) -> &mut Year {
        self.shards[Self::shard(&key)]
            .entry(key)
            .or_insert([NONE; 4])
    }

    fn quarters(&self) -> usize {
        self.shards
            .iter()
            .flat_map(FastMap::values)
            .flatten()
            .filter(|l| l.version != 0)
            .count()
    }

    /// Empties every table, keeping its memory for another year.
    fn clear(&mut self) {
        self.shards.iter_mut().for_each(FastMap::clear);
    }
}

/// Beyond this many quarters held, the years before a year the index does not hold
/// are dropped when that year is needed: files arrive year after year, so it keeps the
/// year being ingested (a year at 100 × the sample city is 1.08 million quarters,
/// about 60 MB); a late file of an earlier year reads that year again.
const MAX_QUARTERS: usize = 600_000;

pub(crate) struct LiveIndex {
    by_year: FastMap<i32, YearTable>,
    /// Quarters held, for the bound.
    quarters: usize,
    pub(crate) max: usize,
    /// The commit written and not yet applied, with its version: its rows are set in
    /// the years held when it is written, and in a year read before it is applied
    /// (which reads the version before it).
    pending: Option<(i64, Arc<Vec<LiveKey>>)>,
}

impl Default for LiveIndex {
    fn default() -> Self {
        Self {
            by_year: FastMap::default(),
            quarters: 0,
            max: MAX_QUARTERS,
            pending: None,
        }
    }
}

fn slot(p: Period) -> usize {
    usize::from(p.quarter()) - 1
}

impl LiveIndex {
    /// Forgets everything held (kept: the bound); years are read again as needed.
    pub(crate) fn clear(&mut self) {
        *self = Self {
            max: self.max,
            ..Self::default()
        };
    }

    /// Makes `version` the live row of `code` in `p` unless a later one is held;
    /// returns the version it replaced. Years not held are skipped.
    fn set(&mut self, code: CodeKey, p: Period, version: i64, ytd: Ytd) -> Option<i64> {
        let year = self.by_year.get_mut(&p.year())?;
        let live = &mut year.get_or_insert(code)[slot(p)];
        if live.version > version {
            return None;
        }
        let old = live.version;
        *live = Live { version, ytd };
        if old == 0 {
            self.quarters += 1;
            None
        } else {
            Some(old)
        }
    }

    /// Reads the years of `years` not held from `base`, first dropping the years
    /// before them when the bound is passed.
    fn load(&mut self, base: &Snapshot, years: &BTreeSet<i32>) -> Result<()> {
        let missing: BTreeSet<i32> = years
            .iter()
            .copied()
            .filter(|y| !self.by_year.contains_key(y))
            .collect();
        let Some(&first) = missing.first() else {
            return Ok(());
        };
        // A year holds about as many enterprises as the largest one held, area by
        // area: its tables are made that large at once, or are the tables of a year
        // dropped here, emptied. Grown from nothing, a year's table at 100x the sample
        // city (270,000 enterprises, 43 MB) was rehashed ten times on the committing
        // thread, into fresh memory each time: 37% of a 100x ingest's page faults
        // (docs/PERFORMANCE.md).
        let sizes: Vec<usize> = (0..SHARDS)
            .map(|i| {
                self.by_year
                    .values()
                    .map(|t| t.shards[i].len())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut spare = Vec::new();
        if self.quarters > self.max {
            let dropped: Vec<i32> = self
                .by_year
                .keys()
                .copied()
                .filter(|y| *y < first)
                .collect();
            for y in dropped {
                let mut table = self.by_year.remove(&y).expect("a year held");
                table.clear();
                spare.push(table);
            }
            self.quarters = self.by_year.values().map(YearTable::quarters).sum();
        }
        for y in &missing {
            let table = spare.pop().unwrap_or_else(|| YearTable::with_sizes(&sizes));
            self.by_year.insert(*y, table);
        }
        let files = base.data_files(Table::ReportHistory);
        read::ytd_rows(base, files, &missing, |c, p, v, y| {
            self.set(CodeKey::new(c), p, v, y);
        })?;
        if let Some((version, keys)) = self.pending.take() {
            for k in keys.iter().filter(|k| missing.contains(&k.period.year())) {
                self.set(k.code.clone(), k.period, version, k.ytd);
            }
            self.pending = Some((version, keys));
        }
        Ok(())
    }

    /// Makes `keys` the live rows as version `version`, written on top of `base`
    /// and pending until [`LiveIndex::applied`]; returns the rows they replace as
    /// `(credit_code, period_index, version)`.
    pub(crate) fn replace(
        &mut self,
        base: &Snapshot,
        keys: Figures,
        version: i64,
    ) -> Result<Vec<(String, i32, i64)>> {
        let keys = keys.0;
        let mut years = BTreeSet::new();
        let mut last = None;
        for k in keys.iter() {
            let y = k.period.year();
            if last != Some(y) {
                years.insert(y);
                last = Some(y);
            }
        }
        self.load(base, &years)?;
        let mut replaced = Vec::new();
        for k in keys.iter() {
            if let Some(old) = self.set(k.code.clone(), k.period, version, k.ytd) {
                replaced.push((k.code.to_string(), k.period.index(), old));
            }
        }
        self.pending = Some((version, keys));
        Ok(replaced)
    }

    /// The pending commit is now the dataset's head.
    pub(crate) fn applied(&mut self) {
        self.pending = None;
    }

    /// The live figures of `codes` in `years`, every quarter held, with those of the
    /// files `pending` laid over them in order (see [`crate::Writer::prior_ytd_after`]).
    pub(crate) fn prior(
        &mut self,
        base: &Snapshot,
        codes: &CodeList,
        years: &BTreeSet<i32>,
        pending: &[Figures],
    ) -> Result<PriorYtd> {
        self.load(base, years)?;
        let overlay = Overlay::new(pending, years);
        let tables: Vec<(i32, &YearTable)> = years
            .iter()
            .filter_map(|y| self.by_year.get(y).map(|t| (*y, t)))
            .collect();
        // Each enterprise's quarters are gathered from the years asked, in the order
        // of the file's list, into one list held for it: a file asks this for every
        // one of its enterprises (2,450 at 10x the sample city, 24,500 at 100x).
        let out = PriorYtd::gather(codes, |key, quarters| {
            let from = quarters.len();
            for (year, table) in &tables {
                let Some(lives) = table.get(key) else {
                    continue;
                };
                for (q, live) in (1..=4).zip(lives) {
                    if live.version != 0 {
                        let p = Period::new(*year, q).expect("quarters 1 to 4");
                        quarters.push((p, live.ytd));
                    }
                }
            }
            overlay.lay(key, quarters, from);
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(area: &str, serial: u32) -> CodeKey {
        CodeKey::new(&format!("91{area}{serial:09}X"))
    }

    /// A county's enterprises share a table, and the counties of a city are spread
    /// over tables; every key is found where it was put, packed or not.
    #[test]
    fn a_year_is_split_by_the_area_of_its_codes() {
        let areas = [
            "130102", "130104", "130105", "130108", "130109", "130110", "130111", "130121",
            "130123", "130125", "130126", "130127", "130128", "130129", "130130", "130131",
            "130132", "130133", "130181", "130183", "130184",
        ];
        let mut year = YearTable::with_sizes(&[]);
        for (a, area) in areas.iter().enumerate() {
            let shard = YearTable::shard(&code(area, 0));
            for serial in 0..50 {
                assert_eq!(YearTable::shard(&code(area, serial)), shard, "{area}");
                year.get_or_insert(code(area, serial))[0] = Live {
                    version: (a * 100) as i64 + i64::from(serial) + 1,
                    ytd: NONE.ytd,
                };
            }
        }
        let used = year.shards.iter().filter(|t| !t.is_empty()).count();
        assert!(
            used >= areas.len() - 2,
            "{used} tables for {} areas",
            areas.len()
        );
        let text = CodeKey::new("not a code: 统一社会信用代码");
        assert!(matches!(text, CodeKey::Text(_)));
        year.get_or_insert(text.clone())[3].version = 7;

        for (a, area) in areas.iter().enumerate() {
            for serial in 0..50 {
                let lives = year.get(&code(area, serial)).expect("found");
                assert_eq!(lives[0].version, (a * 100) as i64 + i64::from(serial) + 1);
            }
        }
        assert_eq!(year.get(&text).expect("found")[3].version, 7);
        assert!(year.get(&code("130102", 50)).is_none());
        assert_eq!(year.quarters(), areas.len() * 50 + 1);
        year.clear();
        assert_eq!(year.quarters(), 0);
        assert!(year.get(&text).is_none());
    }
}
