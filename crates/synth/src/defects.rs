//! Deliberate imperfections, as real county deliveries have them.
//!
//! With `Options::defects` the city's files contain:
//! - **missing reports**: about 8% of enterprises are unreliable reporters that miss a
//!   quarter one time in four; the rest miss one time in two hundred (≈2.5% of rows);
//! - **one late file**: one source's file for the middle quarter of the range sits in
//!   the next quarter's delivery folder;
//! - **a handful of bad rows** ([`FaultKind`]), one per chosen file, spread over the
//!   range, each a data-contract error the ingest must quarantine.
//!
//! All of it stays strictly before the latest quarter (`Options::to`), so the quarter a
//! demo or test evaluates is complete and clean. Bad rows go only into files of at
//! least [`MIN_ROWS_FOR_FAULT`] rows, so one file's errors stay under the ingest's
//! default 5% rejection threshold and the file is partially accepted, not rejected.

use clusterkpi_model::Period;

use crate::rng::{self, Rng};

/// Smallest file that receives a bad row: a duplicated row makes two error rows,
/// and 2 of 41 rows is just under 5%.
pub(crate) const MIN_ROWS_FOR_FAULT: usize = 40;

/// Kinds of bad rows; one of each per run (when the range leaves room).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// `key_processes_cnc` greater than `key_processes` (`E_CNC_EXCEEDS`).
    CncExceeds,
    /// `--` in place of revenue (`E_NUMBER`).
    DashInRevenue,
    /// A negative employee count (`E_RANGE`).
    NegativeEmployees,
    /// `有` as a boolean (`E_BOOL`).
    UnknownBoolean,
    /// An extra row for a valid credit code that is not on the roster
    /// (`E_UNKNOWN_ENTERPRISE`).
    UnknownEnterprise,
    /// A roster enterprise's code with a mistyped check character (`E_CREDIT_CODE`).
    WrongCheckCharacter,
    /// The same row twice (`E_DUPLICATE_ROW` on both).
    DuplicateRow,
}

const KINDS: [FaultKind; 7] = [
    FaultKind::CncExceeds,
    FaultKind::DashInRevenue,
    FaultKind::UnknownEnterprise,
    FaultKind::NegativeEmployees,
    FaultKind::DuplicateRow,
    FaultKind::WrongCheckCharacter,
    FaultKind::UnknownBoolean,
];

/// One bad row: which file, and a draw that selects the row within it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) source: usize,
    pub(crate) period: Period,
    draw: u64,
}

impl Fault {
    /// The row (0-based, among the file's report rows) that carries the fault.
    pub(crate) fn row(&self, rows: usize) -> usize {
        (self.draw % rows as u64) as usize
    }

    /// A second independent draw, for details such as how far CNC overshoots.
    pub(crate) fn detail(&self) -> u64 {
        rng::key(&[self.draw])
    }
}

/// The late file: `source`'s report for `period`, delivered a quarter later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Late {
    pub(crate) source: usize,
    pub(crate) period: Period,
}

/// The defects of one run.
#[derive(Debug)]
pub(crate) struct Defects {
    seed: u64,
    /// Missing reports apply before this quarter.
    latest: Period,
    missing: bool,
    late: Option<Late>,
    faults: Vec<Fault>,
}

/// Stream purposes, distinct from those of the city.
const MISS_RELIABILITY: u64 = 0x4D15_0001;
const MISS_QUARTER: u64 = 0x4D15_0002;
const PLAN: u64 = 0x4D15_0003;

impl Defects {
    /// No defects: every enterprise reports every quarter, on time, correctly.
    pub(crate) fn none(seed: u64, latest: Period) -> Self {
        Self {
            seed,
            latest,
            missing: false,
            late: None,
            faults: Vec::new(),
        }
    }

    /// Plans the defects of a run over `from..=to`. `rows(source, period)` is the
    /// number of enterprises expected in that file (0 when it is not sent).
    pub(crate) fn plan(
        seed: u64,
        from: Period,
        to: Period,
        sources: usize,
        rows: impl Fn(usize, Period) -> usize,
    ) -> Self {
        let mut rng = Rng::keyed(&[seed, PLAN]);
        let before_latest: Vec<Period> = from.through(to).filter(|p| *p < to).collect();

        let late = before_latest
            .get((before_latest.len().saturating_sub(1)) / 2)
            .and_then(|&period| {
                let senders: Vec<usize> = (0..sources).filter(|&s| rows(s, period) > 0).collect();
                (!senders.is_empty()).then(|| Late {
                    source: *rng.pick(&senders),
                    period,
                })
            });

        let mut faults: Vec<Fault> = Vec::new();
        let n = before_latest.len();
        for (i, &kind) in KINDS.iter().enumerate() {
            // Spread the kinds over the range; move on when a quarter has no file
            // large enough that is not already used.
            let start = (2 * i + 1) * n / (2 * KINDS.len());
            let chosen = (0..n)
                .map(|k| before_latest[(start + k) % n.max(1)])
                .find_map(|period| {
                    let candidates: Vec<usize> = (0..sources)
                        .filter(|&s| rows(s, period) >= MIN_ROWS_FOR_FAULT)
                        .filter(|&s| late != Some(Late { source: s, period }))
                        .filter(|&s| !faults.iter().any(|f| f.source == s && f.period == period))
                        .collect();
                    (!candidates.is_empty()).then(|| (*rng.pick(&candidates), period))
                });
            if let Some((source, period)) = chosen {
                faults.push(Fault {
                    kind,
                    source,
                    period,
                    draw: rng.next_u64(),
                });
            }
        }
        Self {
            seed,
            latest: to,
            missing: true,
            late,
            faults,
        }
    }

    /// Whether the enterprise keyed `(cluster, serial)` fails to report for `period`.
    pub(crate) fn misses(&self, key: (u64, u64), period: Period) -> bool {
        if !self.missing || period >= self.latest {
            return false;
        }
        let unreliable = rng::unit(&[self.seed, MISS_RELIABILITY, key.0, key.1]) < 0.08;
        let p = if unreliable { 0.25 } else { 0.005 };
        rng::unit(&[self.seed, MISS_QUARTER, key.0, key.1, period.index() as u64]) < p
    }

    /// The delivery folder (quarter) of `source`'s file for `period`.
    pub(crate) fn delivery(&self, source: usize, period: Period) -> Period {
        if self.late == Some(Late { source, period }) {
            period.next()
        } else {
            period
        }
    }

    /// The bad rows planned for `source`'s file of `period`.
    pub(crate) fn faults(&self, source: usize, period: Period) -> Vec<Fault> {
        self.faults
            .iter()
            .filter(|f| f.source == source && f.period == period)
            .copied()
            .collect()
    }

    #[cfg(test)]
    pub(crate) fn all_faults(&self) -> &[Fault] {
        &self.faults
    }

    #[cfg(test)]
    pub(crate) fn late(&self) -> Option<Late> {
        self.late
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn faults_and_late_file_stay_before_the_latest_quarter() {
        let (from, to) = (p("2020Q1"), p("2026Q3"));
        let d = Defects::plan(2021, from, to, 12, |s, _| 100 + s);
        assert_eq!(d.all_faults().len(), KINDS.len());
        assert!(
            d.all_faults()
                .iter()
                .all(|f| f.period < to && f.period >= from)
        );
        let late = d.late().unwrap();
        assert!(late.period < to);
        assert_eq!(d.delivery(late.source, late.period), late.period.next());
        assert!(
            d.all_faults()
                .iter()
                .all(|f| (f.source, f.period) != (late.source, late.period))
        );
        assert!((0..5000).all(|i| !d.misses((1, i), to)));
        let missed = (0..5000).filter(|&i| d.misses((1, i), p("2023Q2"))).count();
        assert!((50..250).contains(&missed), "{missed} of 5000 missing");
    }

    #[test]
    fn small_files_get_no_faults_and_one_quarter_no_late_file() {
        let d = Defects::plan(1, p("2024Q1"), p("2024Q4"), 3, |_, _| 10);
        assert!(d.all_faults().is_empty());
        let one = Defects::plan(1, p("2024Q4"), p("2024Q4"), 3, |_, _| 100);
        assert!(one.late().is_none() && one.all_faults().is_empty());
    }
}
