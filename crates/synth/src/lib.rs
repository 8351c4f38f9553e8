//! A deterministic synthetic city in the forms county bureaus really send.
//!
//! [`generate`] writes Shijiazhuang's county industry clusters, their enterprise
//! roster, one quarterly report file per county (or cluster) and quarter, and the
//! directly reported values, exactly as the data contract describes the inputs: CSV in
//! UTF-8 (with and without BOM), GBK and GB18030 and `.xlsx`, Chinese or English
//! headers, and every value form the contract accepts. The demo, the tests and the
//! benchmarks all run on it.
//!
//! ```text
//! out/
//!   reference/clusters.csv                 产业集群名录 (UTF-8 with BOM)
//!   reference/roster.csv                   企业名录 (UTF-8 with BOM)
//!   inbox/<delivery quarter>/<source>-<period>.<csv|xlsx>
//!                                          企业季度报表, one per source and quarter
//!   inbox/values/green-parks.csv           直报指标 (green_park_count)
//! ```
//!
//! A *source* is a county (`xinji`, `luquan`, …) or, for 藁城区 which sends one file per
//! cluster, a cluster id (`gaocheng-lantern`). The delivery folder is the quarter the
//! file arrived in: its own quarter, except for the one late file (see `defects.rs`).
//! Which county uses which encoding and value forms is listed in `forms.rs`.
//!
//! With [`Options::defects`] (the default) the city is as imperfect as real
//! deliveries: a few percent of reports missing, one file late, and a handful of rows
//! that break the data contract (CNC above key processes, `--` for a number, an
//! unknown enterprise, a mistyped check character, a duplicated row, a negative count,
//! `有` for a boolean), all strictly before `to`, so the latest quarter is complete
//! and clean. Without it, every enterprise reports every quarter, correctly, on time.
//!
//! Determinism: the same [`Options`] give byte-identical files (xlsx included: its
//! properties and creation time are fixed). Figures come from random streams keyed
//! by what they describe, so an enterprise's figures for a quarter do not depend on
//! `from` and `to` (only where the defects fall does). Floating-point functions
//! (`exp`, `ln`, `cos`) come from the platform's math library, so identical bytes are
//! guaranteed on one platform, not across all.
//!
//! Scale: rows are generated per quarter and streamed to their files; only
//! per-enterprise traits and one year's state are held. In release builds the default
//! 2,700 enterprises × 27 quarters (≈70,000 rows, 7 MB) take about half a second of
//! CPU; 270,000 enterprises (≈7 million rows, 670 MB) about 8 seconds and 130 MB of
//! memory. An xlsx-sending county's file with more than [`XLSX_MAX_ROWS`] rows is
//! written as UTF-8 CSV instead, since a workbook is assembled in memory.
//!
//! Clusters recognised after `to` do not exist yet at `to`: they and their enterprises
//! are left out of the reference lists and reports (so [`Summary::enterprises`] can
//! be below [`Options::enterprises`] for early `to`).

mod city;
mod credit;
mod defects;
mod forms;
mod names;
mod rng;
mod write;

use std::path::{Path, PathBuf};

use clusterkpi_model::{Date, Period};

use crate::city::{City, YearState};
use crate::defects::{Defects, FaultKind};
use crate::forms::{CellFault, Container, Encoding, Look, SOURCES};
use crate::write::{CsvWriter, Writer};

pub use crate::write::XLSX_MAX_ROWS;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Enterprises on the roster (at least 13, one per cluster). Default 2,700.
    pub enterprises: usize,
    /// First quarter with report files. Default 2020Q1.
    pub from: Period,
    /// Last quarter with report files, complete and clean even with `defects`.
    /// Default: the latest complete quarter ([`Period::latest_complete`] of today).
    pub to: Period,
    /// Seed of every random stream. Default 2021.
    pub seed: u64,
    /// Missing reports, a late file and a handful of bad rows before `to`.
    /// Default true.
    pub defects: bool,
    /// Every report file as the plainest form of the contract: UTF-8 CSV with the
    /// English header names, canonical values and plain numbers (what a benchmark
    /// against a hand-written script reads). Default false: the city's mix of
    /// encodings, header languages, value forms and workbooks.
    pub plain: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            enterprises: 2700,
            from: Period::new(2020, 1).expect("valid quarter"),
            to: Period::latest_complete(Date::today()),
            seed: 2021,
            defects: true,
            plain: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Clusters in `reference/clusters.csv`.
    pub clusters: usize,
    /// Enterprises in `reference/roster.csv`.
    pub enterprises: usize,
    /// Quarterly report files under `inbox/`.
    pub report_files: usize,
    /// Data rows in those files (bad and duplicated rows included).
    pub report_rows: u64,
    /// Every file written, in writing order: reference lists, report files by
    /// quarter, values.
    pub files: Vec<PathBuf>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("the range is empty: from {from} is after to {to}")]
    EmptyRange { from: Period, to: Period },
    #[error("at least {minimum} enterprises are needed (one per cluster), not {requested}")]
    TooFewEnterprises { requested: usize, minimum: usize },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write workbook {}: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("{}: {encoding} cannot encode {text:?}", path.display())]
    Unencodable {
        path: PathBuf,
        encoding: &'static str,
        text: String,
    },
}

impl SynthError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn xlsx(path: &Path, source: rust_xlsxwriter::XlsxError) -> Self {
        Self::Xlsx {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Writes the synthetic city under `out` (created if needed; files of the same names
/// are overwritten, others are left alone).
pub fn generate(out: &Path, opts: &Options) -> Result<Summary, SynthError> {
    if opts.from > opts.to {
        return Err(SynthError::EmptyRange {
            from: opts.from,
            to: opts.to,
        });
    }
    let city = City::build(opts.seed, opts.enterprises)?;
    let present: Vec<usize> = (0..city.clusters.len())
        .filter(|&c| city.clusters[c].established <= opts.to)
        .collect();
    // Clusters of each source, in cluster order.
    let source_clusters: Vec<Vec<usize>> = SOURCES
        .iter()
        .map(|s| {
            present
                .iter()
                .copied()
                .filter(|&c| city.clusters[c].spec.source == s.slug)
                .collect()
        })
        .collect();
    let expected_rows = |source: usize, period: Period| -> usize {
        source_clusters[source]
            .iter()
            .map(|&c| &city.clusters[c])
            .filter(|c| c.established <= period)
            .map(|c| c.members.len())
            .sum()
    };
    let defects = if opts.defects {
        Defects::plan(opts.seed, opts.from, opts.to, SOURCES.len(), expected_rows)
    } else {
        Defects::none(opts.seed, opts.to)
    };

    let mut summary = Summary {
        clusters: present.len(),
        enterprises: present
            .iter()
            .map(|&c| city.clusters[c].members.len())
            .sum(),
        report_files: 0,
        report_rows: 0,
        files: Vec::new(),
    };
    summary.files.push(write_clusters(out, &city, &present)?);
    summary.files.push(write_roster(out, &city, &present)?);

    let mut states: Vec<YearState> = vec![YearState::default(); city.enterprises.len()];
    let mut states_year = None;
    for period in opts.from.through(opts.to) {
        if states_year != Some(period.year()) {
            for &c in &present {
                for e in city.clusters[c].members.clone() {
                    states[e] = city.year_state(e, period.year());
                }
            }
            states_year = Some(period.year());
        }
        for (source, clusters) in source_clusters.iter().enumerate() {
            if expected_rows(source, period) == 0 {
                continue;
            }
            let members: Vec<usize> = clusters
                .iter()
                .map(|&c| &city.clusters[c])
                .filter(|c| c.established <= period)
                .flat_map(|c| c.members.clone())
                .filter(|&e| !defects.misses(city.enterprises[e].stream_key(), period))
                .collect();
            let file = ReportFile {
                source,
                period,
                members: &members,
                plain: opts.plain,
            };
            let (path, rows) = file.write(out, &city, &states, &defects, opts.seed)?;
            summary.report_files += 1;
            summary.report_rows += rows;
            summary.files.push(path);
        }
    }
    if let Some(path) = write_values(out, opts.to)? {
        summary.files.push(path);
    }
    Ok(summary)
}

/// One source's report file for one quarter.
struct ReportFile<'a> {
    source: usize,
    period: Period,
    /// Enterprises that report, in roster order.
    members: &'a [usize],
    /// Written in [`crate::forms::PLAIN`] whatever the source's own form.
    plain: bool,
}

impl ReportFile<'_> {
    /// Writes the file; returns its path and its number of data rows.
    fn write(
        &self,
        out: &Path,
        city: &City,
        states: &[YearState],
        defects: &Defects,
        seed: u64,
    ) -> Result<(PathBuf, u64), SynthError> {
        let source = &SOURCES[self.source];
        let mut form = if self.plain {
            crate::forms::PLAIN
        } else {
            source.form_at(self.period)
        };
        if form.container == Container::Xlsx && self.members.len() > XLSX_MAX_ROWS {
            form.container = Container::Csv {
                encoding: Encoding::Utf8,
                bom: true,
                crlf: true,
            };
        }
        let delivery = defects.delivery(self.source, self.period);
        let path = out.join("inbox").join(delivery.to_string()).join(format!(
            "{}-{}.{}",
            source.slug,
            self.period,
            form.container.extension()
        ));
        let county = self.members.first().map_or("", |&e| {
            city.clusters[city.enterprises[e].cluster].spec.county
        });
        let mut writer = Writer::create(
            &path,
            form.container,
            &format!("{county}工业和信息化局"),
            delivery,
        )?;
        writer.header(form.header())?;

        let faults = defects.faults(self.source, self.period);
        let mut rows = 0u64;
        for (i, &e) in self.members.iter().enumerate() {
            let ent = &city.enterprises[e];
            let mut report = city.report(e, &states[e], self.period);
            let (cluster, serial) = ent.stream_key();
            let cell_key = rng::key(&[seed, cluster, serial, self.period.index() as u64]);
            let fault = faults.iter().find(|f| f.row(self.members.len()) == i);
            let mut cell_fault = None;
            let mut copies = 1;
            let wrong_code;
            let mut stranger = None;
            match fault.map(|f| (f.kind, f)) {
                None => {}
                Some((FaultKind::CncExceeds, f)) => {
                    report.key_processes_cnc = report.key_processes + 1 + (f.detail() % 3) as u32;
                }
                Some((FaultKind::DashInRevenue, _)) => cell_fault = Some(CellFault::DashInRevenue),
                Some((FaultKind::NegativeEmployees, _)) => {
                    cell_fault = Some(CellFault::NegativeEmployees)
                }
                Some((FaultKind::UnknownBoolean, _)) => {
                    cell_fault = Some(CellFault::UnknownBoolean)
                }
                Some((FaultKind::WrongCheckCharacter, _)) => {
                    wrong_code = credit::with_wrong_check(&ent.code);
                    report.code = &wrong_code;
                }
                Some((FaultKind::DuplicateRow, _)) => copies = 2,
                Some((FaultKind::UnknownEnterprise, f)) => {
                    stranger = Some(city.stranger_code(e, f.detail()))
                }
            }
            for _ in 0..copies {
                form.write_row(&report, cell_fault, cell_key, &mut writer);
                writer.end_row()?;
                rows += 1;
            }
            // An enterprise the county added to its sheet but the city never put on
            // the roster: plausible figures under a valid code nobody knows.
            if let Some(code) = &stranger {
                let mut extra = report.clone();
                extra.code = code;
                form.write_row(&extra, None, rng::key(&[cell_key, 1]), &mut writer);
                writer.end_row()?;
                rows += 1;
            }
        }
        writer.finish()?;
        Ok((path, rows))
    }
}

/// `reference/clusters.csv`: 产业集群名录 with Chinese headers.
fn write_clusters(out: &Path, city: &City, present: &[usize]) -> Result<PathBuf, SynthError> {
    let path = out.join("reference").join("clusters.csv");
    let mut w = reference_writer(&path)?;
    for h in [
        "集群编码",
        "集群名称",
        "英文名称",
        "所属县(市、区)",
        "主导产业",
        "认定时间",
    ] {
        w.text(h);
    }
    w.end_row()?;
    for &c in present {
        let cluster = &city.clusters[c];
        let spec = cluster.spec;
        for cell in [spec.id, spec.name, spec.name_en, spec.county, spec.industry] {
            w.text(cell);
        }
        w.text(&cluster.established.to_string());
        w.end_row()?;
    }
    w.finish()?;
    Ok(path)
}

/// `reference/roster.csv`: 企业名录 with Chinese headers, cluster by cluster.
fn write_roster(out: &Path, city: &City, present: &[usize]) -> Result<PathBuf, SynthError> {
    let path = out.join("reference").join("roster.csv");
    let mut w = reference_writer(&path)?;
    for h in ["统一社会信用代码", "企业名称", "所属集群", "所属县(市、区)"] {
        w.text(h);
    }
    w.end_row()?;
    for &c in present {
        let cluster = &city.clusters[c];
        for e in &city.enterprises[cluster.members.clone()] {
            for cell in [
                e.code.as_str(),
                e.name.as_str(),
                cluster.spec.id,
                cluster.spec.county,
            ] {
                w.text(cell);
            }
            w.end_row()?;
        }
    }
    w.finish()?;
    Ok(path)
}

/// The reference lists are kept by the city in Excel and saved as "CSV UTF-8".
fn reference_writer(path: &Path) -> Result<CsvWriter, SynthError> {
    let dir = path.parent().expect("a file inside a folder");
    std::fs::create_dir_all(dir).map_err(|e| SynthError::io(dir, e))?;
    CsvWriter::create(path, Encoding::Utf8, true, true)
}

/// Green parks recognised by the province: (quarter, count). The city's count, as the
/// bureau reports it directly (直报指标).
const GREEN_PARKS: [((i32, u8), u32); 3] = [((2020, 4), 1), ((2022, 4), 2), ((2024, 2), 3)];

/// `inbox/values/green-parks.csv`, rows up to `to`; not written when none are.
fn write_values(out: &Path, to: Period) -> Result<Option<PathBuf>, SynthError> {
    let rows: Vec<(Period, u32)> = GREEN_PARKS
        .iter()
        .map(|&((y, q), n)| (Period::new(y, q).expect("valid quarter"), n))
        .filter(|&(p, _)| p <= to)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let path = out.join("inbox").join("values").join("green-parks.csv");
    std::fs::create_dir_all(path.parent().expect("a file inside a folder"))
        .map_err(|e| SynthError::io(&path, e))?;
    let mut w = CsvWriter::create(&path, Encoding::Utf8, false, false)?;
    for h in ["报告期", "范围", "范围编码", "指标", "数值"] {
        w.text(h);
    }
    w.end_row()?;
    for (period, count) in rows {
        for cell in [
            period.to_string().as_str(),
            "city",
            "shijiazhuang",
            "green_park_count",
        ] {
            w.text(cell);
        }
        w.number(f64::from(count), 0, Look::Plain);
        w.end_row()?;
    }
    w.finish()?;
    Ok(Some(path))
}
