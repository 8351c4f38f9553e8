//! The indicator SQL's sums do not depend on the order rows are added in: the same rows,
//! arranged in one partition or in several and in reverse order, give the same bits.
//! This is what lets evaluation run on every core and still reproduce each figure to the
//! last digit. The values are chosen so that a DOUBLE sum differs with the order
//! (1e9 + 0.1 + … = 1000000124.7570001 forwards, 1000000124.757 backwards).

use std::sync::Arc;

use clusterkpi_engine::Definitions;
use datafusion::arrow::array::{
    Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

const MONEY: [f64; 7] = [1e9, 0.1, 0.2, 0.3, 0.7, 123.456, 1e-3];

/// `scoped` with one row per value, in the given partitions.
fn scoped(partitions: &[Vec<usize>]) -> MemTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("scope", DataType::Utf8, false),
        Field::new("scope_id", DataType::Utf8, false),
        Field::new("revenue_ytd", DataType::Float64, false),
        Field::new("output_value_ytd", DataType::Float64, false),
        Field::new("key_processes", DataType::Int64, false),
        Field::new("key_processes_cnc", DataType::Int64, false),
    ]));
    let batches = partitions
        .iter()
        .map(|rows| {
            let n = rows.len();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(vec!["2024Q4"; n])),
                    Arc::new(StringArray::from(vec!["city"; n])),
                    Arc::new(StringArray::from(vec!["c"; n])),
                    Arc::new(Float64Array::from(
                        rows.iter().map(|&i| MONEY[i]).collect::<Vec<_>>(),
                    )),
                    Arc::new(Float64Array::from(
                        rows.iter().map(|&i| MONEY[i] * 3.0).collect::<Vec<_>>(),
                    )),
                    // Enterprise rates 100 × cnc / key: thirds, sevenths, elevenths …
                    Arc::new(Int64Array::from(
                        rows.iter()
                            .map(|&i| [3, 7, 11, 13, 17, 19, 23][i])
                            .collect::<Vec<_>>(),
                    )),
                    Arc::new(Int64Array::from(
                        rows.iter()
                            .map(|&i| [1, 2, 5, 6, 9, 4, 22][i])
                            .collect::<Vec<_>>(),
                    )),
                ],
            )
            .unwrap();
            vec![batch]
        })
        .collect();
    MemTable::try_new(schema, batches).unwrap()
}

async fn value(indicator: &str, partitions: &[Vec<usize>]) -> u64 {
    let ctx = SessionContext::new_with_config(
        SessionConfig::new().with_target_partitions(partitions.len().max(1)),
    );
    ctx.register_table("scoped", Arc::new(scoped(partitions)))
        .unwrap();
    let sql = Definitions::builtin().sql(indicator).unwrap();
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let b = &batches.iter().find(|b| b.num_rows() > 0).unwrap();
    let v = b.column(b.schema().index_of("value").unwrap());
    assert_eq!(v.data_type(), &DataType::Float64, "{indicator}");
    v.as_primitive::<Float64Type>().value(0).to_bits()
}

#[test]
fn sums_and_means_are_the_same_bits_in_any_order_and_partitioning() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(same_bits());
}

async fn same_bits() {
    let forwards = vec![(0..7).collect::<Vec<_>>()];
    let backwards = vec![(0..7).rev().collect::<Vec<_>>()];
    let split = vec![vec![6, 2], vec![0, 4, 1], vec![5, 3]];
    // The premise: a DOUBLE sum of these values depends on the order.
    let sum = |order: &mut dyn Iterator<Item = usize>| order.fold(0.0, |s, i| s + MONEY[i]);
    assert_ne!(sum(&mut (0..7)).to_bits(), sum(&mut (0..7).rev()).to_bits());
    for indicator in ["revenue_ytd", "output_value_ytd", "cnc_rate"] {
        let a = value(indicator, &forwards).await;
        assert_eq!(
            a,
            value(indicator, &backwards).await,
            "{indicator} backwards"
        );
        assert_eq!(
            a,
            value(indicator, &split).await,
            "{indicator} in three partitions"
        );
    }
    // And the exact sum is the one a reader expects.
    let total = f64::from_bits(value("revenue_ytd", &forwards).await);
    assert!((total - 1_000_000_124.757).abs() < 1e-6, "{total}");
}
