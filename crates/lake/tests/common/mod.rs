//! What the Delta tests share: a small roster file as the dataset writes it.

use clusterkpi_lake::{BatchBuilder, Table};
use clusterkpi_model::rows::RosterRow;
use parquet::arrow::ArrowWriter;

/// A Parquet file of roster rows, one per credit code.
pub(crate) fn roster_parquet(codes: &[&str]) -> Vec<u8> {
    let mut b = BatchBuilder::new(Table::Roster, codes.len());
    for c in codes {
        b.push(&RosterRow {
            credit_code: (*c).to_string(),
            name: format!("企业{c}"),
            cluster_id: "x".into(),
            county: "新华区".into(),
        });
    }
    let batch = b.finish();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}
