//! The indicator SQL's sums do not depend on the order rows are added in: the same rows,
//! arranged in one partition or in several and in reverse order, give the same bits.
//! This is what lets evaluation run on every core and still reproduce each figure to the
//! last digit. The values are chosen so that a DOUBLE sum differs with the order
//! (1e9 + 0.1 + … = 1000000124.7570001 forwards, 1000000124.757 backwards).
//!
//! The rows go through the real `facts` view of `views.sql` (where the sums are taken)
//! and the real indicator files (which combine them).

use std::sync::Arc;

use clusterkpi_engine::Definitions;
use clusterkpi_engine::sql::statements;
use clusterkpi_model::{Catalogue, Period, Plan};
use datafusion::arrow::array::{
    Array, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

const MONEY: [f64; 7] = [1e9, 0.1, 0.2, 0.3, 0.7, 123.456, 1e-3];

const PLAN: &str = include_str!("../../../data/plans/sjz-county-clusters-2021-2025.toml");

/// Report rows of one cluster and quarter, one per value, in the given partitions.
fn rows(partitions: &[Vec<usize>]) -> MemTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("period_index", DataType::Int32, false),
        Field::new("cluster_id", DataType::Utf8, false),
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
                    Arc::new(Int32Array::from(vec![quarter().index(); n])),
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

fn quarter() -> Period {
    "2024Q4".parse().unwrap()
}

/// The city's value of `indicator` over these rows.
async fn value(indicator: &str, partitions: &[Vec<usize>]) -> u64 {
    let ctx = SessionContext::new_with_config(
        SessionConfig::new().with_target_partitions(partitions.len().max(1)),
    );
    ctx.register_table("rows", Arc::new(rows(partitions)))
        .unwrap();
    // The rows as `stock_in_roster`, every column the sums do not look at neutral, and
    // their one cluster's key.
    for view in [
        "CREATE VIEW stock_in_roster AS SELECT CAST(1 AS INT) AS cl, period_index, \
         FALSE AS carried, FALSE AS is_sme, FALSE AS above_scale, FALSE AS specialized, \
         FALSE AS little_giant, FALSE AS design_center, \
         CAST(0 AS BIGINT) AS innovation_platforms, \
         CAST(0 AS BIGINT) AS core_tech_breakthroughs, FALSE AS green_factory, \
         FALSE AS listed, FALSE AS listing_reserve, FALSE AS demo_national, \
         FALSE AS demo_provincial, revenue_ytd, output_value_ytd, \
         CASE WHEN key_processes > 0 \
              THEN 100.0 * key_processes_cnc / key_processes END AS cnc_rate, \
         FALSE AS business_info_system, FALSE AS digital_rnd_tools, FALSE AS ecommerce, \
         0.0 AS tech_upgrade_equipment_ytd FROM rows",
        "CREATE VIEW cluster_keyed AS SELECT DISTINCT CAST(1 AS INT) AS cl, cluster_id FROM rows",
    ] {
        ctx.sql(view).await.unwrap();
    }
    let plan = Plan::parse(PLAN, &Catalogue::builtin()).unwrap();
    clusterkpi_engine::parameters(&ctx, &plan, quarter(), quarter())
        .await
        .unwrap();
    let defs = Definitions::builtin();
    // The facts are the clusters' sums and the city's made of them.
    for view in ["cluster_facts", "facts"] {
        let create = statements(&defs.sql("views").unwrap())
            .into_iter()
            .find(|s| s.starts_with(&format!("CREATE VIEW {view} ")))
            .expect("views.sql creates it");
        ctx.sql(&create).await.unwrap();
    }
    let sql = defs.sql(indicator).unwrap();
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let mut city = None;
    for b in &batches {
        let scope = b
            .column(b.schema().index_of("scope").unwrap())
            .as_string::<i32>();
        let v = b.column(b.schema().index_of("value").unwrap());
        assert_eq!(v.data_type(), &DataType::Float64, "{indicator}");
        for i in (0..b.num_rows()).filter(|&i| scope.value(i) == "city") {
            city = Some(v.as_primitive::<Float64Type>().value(i).to_bits());
        }
    }
    city.expect("a city row")
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
