//! The figures each enterprise had accepted for a quarter, read from the dataset: what
//! the template's 上期数据 sheet shows beside the form.

use std::collections::HashMap;

use arrow::array::{AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::Int32Type;
use clusterkpi_lake::{Snapshot, Table};
use clusterkpi_model::Period;
use clusterkpi_model::rows::{Provenance, ReportRow};

use crate::{FormsError, Result};

/// Accepted report rows of one quarter by credit code.
pub type Figures = HashMap<String, ReportRow>;

/// The current accepted row of every enterprise for `period` in this snapshot: of the
/// rows for the same enterprise and quarter, the one of the latest version (a later
/// accepted row is a correction that replaces the earlier one).
pub fn accepted(snapshot: &Snapshot, period: Period) -> Result<Figures> {
    let mut best: HashMap<String, (i64, ReportRow)> = HashMap::new();
    snapshot.visit_quarter(Table::ReportHistory, period, |batch| {
        for (row, from) in
            clusterkpi_lake::rows::<(ReportRow, Provenance)>(&of_quarter(batch, period)?)
        {
            if best
                .get(&row.credit_code)
                .is_none_or(|(seen, _)| *seen <= from.version)
            {
                best.insert(row.credit_code.clone(), (from.version, row));
            }
        }
        Ok::<_, FormsError>(())
    })?;
    Ok(best.into_iter().map(|(k, (_, r))| (k, r)).collect())
}

/// The rows of `batch` for `period` (read back whole only those).
fn of_quarter(batch: &RecordBatch, period: Period) -> Result<RecordBatch> {
    let index = batch
        .column_by_name("period_index")
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
        .ok_or(FormsError::Schema {
            table: Table::ReportHistory.name(),
            column: "period_index",
        })?;
    let keep: BooleanArray = index
        .iter()
        .map(|i| Some(i == Some(period.index())))
        .collect();
    Ok(filter_record_batch(batch, &keep).expect("a mask as long as the batch"))
}
