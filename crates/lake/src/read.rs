//! Reading the dataset's Parquet files back: projections, the year-to-date history
//! the validator compares against, and the issues table. Every data file is checked
//! against its recorded size and checksum before it is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use clusterkpi_model::rows::{CodeKey, CodeList, PriorYtd, Version, Ytd};
use clusterkpi_model::{Issue, Period};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::{Result, Snapshot, Table, io_at};

/// Reads a Parquet file, optionally only the named columns (in file order).
pub fn read_batches(path: &Path, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(io_at(path))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(64 * 1024);
    if let Some(cols) = columns {
        let schema = builder.parquet_schema();
        let idx: Vec<usize> = (0..schema.num_columns())
            .filter(|i| cols.contains(&schema.column(*i).name()))
            .collect();
        let mask = ProjectionMask::leaves(schema, idx);
        builder = builder.with_projection(mask);
    }
    let reader = builder.build()?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn for_each_str(batch: &RecordBatch, col: usize, mut f: impl FnMut(&str)) {
    let a = batch.column(col).as_string::<i32>();
    for i in 0..a.len() {
        if a.is_valid(i) {
            f(a.value(i));
        }
    }
}

fn col<'a>(batch: &'a RecordBatch, name: &str) -> &'a dyn Array {
    batch
        .column(
            batch
                .schema()
                .index_of(name)
                .expect("column of the table schema"),
        )
        .as_ref()
}

pub(crate) fn prior_ytd(
    snapshot: &Snapshot,
    codes: &CodeList,
    years: &BTreeSet<i32>,
) -> Result<PriorYtd> {
    if codes.is_empty() {
        return Ok(PriorYtd::default());
    }
    // Each enterprise's quarters in order, each with its latest version's figures.
    let mut best: HashMap<CodeKey, BTreeMap<Period, (i64, Ytd)>> = HashMap::new();
    ytd_rows(
        snapshot,
        snapshot.data_files(Table::ReportHistory),
        years,
        |c, p, v, y| {
            let key = CodeKey::new(c);
            if !codes.contains_key(&key) {
                return;
            }
            let e = best.entry(key).or_default().entry(p).or_insert((v, y));
            if v >= e.0 {
                *e = (v, y);
            }
        },
    )?;
    Ok(PriorYtd::gather(codes, |key, out| {
        if let Some(quarters) = best.get(key) {
            out.extend(quarters.iter().map(|(p, (_, y))| (*p, *y)));
        }
    }))
}

/// Visits the year-to-date figures of every row of `files` in `years`:
/// `(credit_code, period, version, figures)`, reading only files of those years.
pub(crate) fn ytd_rows<'a>(
    snapshot: &Snapshot,
    files: impl IntoIterator<Item = &'a std::sync::Arc<crate::DataFile>>,
    years: &BTreeSet<i32>,
    mut visit: impl FnMut(&str, Period, i64, Ytd),
) -> Result<()> {
    for f in files {
        let relevant = f.periods.is_empty()
            || f.periods
                .iter()
                .filter_map(|p| p.parse::<Period>().ok())
                .any(|p| years.contains(&p.year()));
        if !relevant {
            continue;
        }
        let cols = [
            "credit_code",
            "period_index",
            "revenue_ytd",
            "output_value_ytd",
            "tech_upgrade_equipment_ytd",
            "version",
        ];
        for b in read_batches(&snapshot.checked_path(f)?, Some(&cols))? {
            let code = col(&b, "credit_code").as_string::<i32>();
            let pidx = col(&b, "period_index").as_primitive::<Int32Type>();
            let rev = col(&b, "revenue_ytd").as_primitive::<Float64Type>();
            let out = col(&b, "output_value_ytd").as_primitive::<Float64Type>();
            let tech = col(&b, "tech_upgrade_equipment_ytd").as_primitive::<Float64Type>();
            let ver = col(&b, "version").as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                let p = Period::from_index(pidx.value(i));
                if !years.contains(&p.year()) {
                    continue;
                }
                let y = Ytd {
                    revenue: rev.value(i),
                    output_value: out.value(i),
                    tech_upgrade_equipment: tech.value(i),
                };
                visit(code.value(i), p, ver.value(i), y);
            }
        }
    }
    Ok(())
}

pub(crate) fn issues(snapshot: &Snapshot) -> Result<Vec<Issue>> {
    let mut out = Vec::new();
    for b in snapshot.read(Table::Issues)? {
        out.extend(
            crate::schema::rows::<(Issue, Version)>(&b)
                .into_iter()
                .map(|(issue, _)| issue),
        );
    }
    Ok(out)
}
