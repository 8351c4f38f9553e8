//! Runs the indicator SQL against tiny hand-computed fixtures in `tests/slt/*.slt`.
//!
//! Besides plain SQL, the `.slt` files use two commands of this runner:
//! - `LOAD FIXTURE <first> <as_of>` turns the small tables a test created (`r`: report
//!   rows with only the columns it cares about; `ro`: roster; optional `cl`: clusters,
//!   `vals`: reported values, `sup`: superseded rows) into the dataset tables the engine
//!   registers, fills every other column with a neutral default, registers the
//!   reference plan and the quarters `first..=as_of`, and creates the views of
//!   `views.sql`;
//! - `INDICATOR <id>` runs `pipelines/indicators/<id>.sql` and returns
//!   `period, scope, scope_id, value` sorted.
//!
//! Floats are printed rounded to 6 decimals; NULL as `NULL`.

use std::path::Path;

use async_trait::async_trait;
use clusterkpi_engine::sql::statements;
use clusterkpi_engine::{Definitions, arrow};
use clusterkpi_model::{Catalogue, Period, Plan};
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
use sqllogictest::{DBOutput, DefaultColumnType};

const PLAN: &str = include_str!("../../../data/plans/sjz-county-clusters-2021-2025.toml");

struct Db {
    ctx: SessionContext,
    defs: Definitions,
}

fn err(msg: impl Into<String>) -> DataFusionError {
    DataFusionError::Execution(msg.into())
}

/// Report columns with their neutral defaults.
const REPORT_DEFAULTS: &[(&str, &str)] = &[
    ("revenue_ytd", "0.0"),
    ("output_value_ytd", "0.0"),
    ("employees", "CAST(NULL AS BIGINT)"),
    ("is_sme", "false"),
    ("above_scale", "false"),
    ("specialized_level", "'none'"),
    ("key_processes", "CAST(0 AS BIGINT)"),
    ("key_processes_cnc", "CAST(0 AS BIGINT)"),
    ("business_info_system", "false"),
    ("digital_rnd_tools", "false"),
    ("ecommerce", "false"),
    ("design_center_level", "'none'"),
    ("innovation_platforms", "CAST(0 AS BIGINT)"),
    ("green_factory_level", "'none'"),
    ("tech_upgrade_equipment_ytd", "0.0"),
    ("innovation_demo_level", "'none'"),
    ("listing_status", "'none'"),
    ("core_tech_breakthroughs", "CAST(0 AS BIGINT)"),
    ("version", "CAST(1 AS BIGINT)"),
];

const PERIOD_INDEX: &str =
    "CAST(SUBSTR(period, 1, 4) AS INT) * 4 + CAST(SUBSTR(period, 6, 1) AS INT) - 1";

impl Db {
    async fn exec(&self, sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
        self.ctx.sql(sql).await?.collect().await
    }

    async fn columns_of(&self, table: &str) -> Option<Vec<String>> {
        let t = self.ctx.table(table).await.ok()?;
        Some(
            t.schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        )
    }

    async fn load_fixture(&self, first: Period, as_of: Period) -> Result<(), DataFusionError> {
        let r = self
            .columns_of("r")
            .await
            .ok_or_else(|| err("LOAD FIXTURE needs a table `r`"))?;
        let mut cols = vec![
            "credit_code".to_string(),
            "period".into(),
            format!("{PERIOD_INDEX} AS period_index"),
            "CAST(SUBSTR(period, 1, 4) AS INT) AS year".into(),
            "CAST(SUBSTR(period, 6, 1) AS INT) AS quarter".into(),
        ];
        for (c, default) in REPORT_DEFAULTS {
            cols.push(if r.iter().any(|x| x == c) {
                (*c).to_string()
            } else {
                format!("{default} AS {c}")
            });
        }
        cols.push("'fixture.csv' AS source_file".into());
        cols.push("CAST(0 AS BIGINT) AS source_line".into());
        self.exec(&format!(
            "CREATE VIEW report_history AS SELECT {} FROM r",
            cols.join(", ")
        ))
        .await?;
        let sup = if self.columns_of("sup").await.is_some() {
            format!(
                "SELECT credit_code, {PERIOD_INDEX} AS period_index, CAST(version AS BIGINT) AS version FROM sup"
            )
        } else {
            "SELECT credit_code, period_index, version FROM report_history WHERE false".into()
        };
        self.exec(&format!("CREATE VIEW superseded AS {sup}"))
            .await?;
        self.exec("CREATE VIEW roster AS SELECT credit_code, credit_code AS name, cluster_id, 'county' AS county FROM ro")
            .await?;
        let clusters = if self.columns_of("cl").await.is_some() {
            "SELECT cluster_id, cluster_id AS name, CAST(NULL AS VARCHAR) AS name_en, 'county' AS county, 'industry' AS industry, established, CAST(SUBSTR(established, 1, 4) AS INT) * 4 + CAST(SUBSTR(established, 6, 1) AS INT) - 1 AS established_index FROM cl".to_string()
        } else {
            "SELECT DISTINCT cluster_id, cluster_id AS name, CAST(NULL AS VARCHAR) AS name_en, 'county' AS county, 'industry' AS industry, '2019Q4' AS established, 2019 * 4 + 3 AS established_index FROM ro".into()
        };
        self.exec(&format!("CREATE VIEW clusters AS {clusters}"))
            .await?;
        let values = if self.columns_of("vals").await.is_some() {
            format!(
                "SELECT period, {PERIOD_INDEX} AS period_index, scope, scope_id, indicator, CAST(value AS DOUBLE) AS value, CAST(1 AS BIGINT) AS version, 'v.csv' AS source_file, CAST(0 AS BIGINT) AS source_line FROM vals"
            )
        } else {
            "SELECT '2020Q4' AS period, 0 AS period_index, 'city' AS scope, 'x' AS scope_id, 'x' AS indicator, 0.0 AS value, CAST(1 AS BIGINT) AS version, 'v' AS source_file, CAST(0 AS BIGINT) AS source_line WHERE false".into()
        };
        self.exec(&format!("CREATE VIEW values_history AS {values}"))
            .await?;
        let plan = Plan::parse(PLAN, &Catalogue::builtin()).map_err(|e| err(e.join("; ")))?;
        clusterkpi_engine::parameters(&self.ctx, &plan, first, as_of)
            .await
            .map_err(|e| err(e.to_string()))?;
        for stmt in statements(&self.defs.sql("views").map_err(|e| err(e.to_string()))?) {
            self.exec(&stmt).await?;
        }
        Ok(())
    }
}

fn render(batches: &[RecordBatch]) -> DBOutput<DefaultColumnType> {
    let mut rows = Vec::new();
    let mut types = Vec::new();
    for b in batches {
        if types.is_empty() {
            types = b
                .schema()
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Float64 | DataType::Float32 => DefaultColumnType::FloatingPoint,
                    DataType::Int64 | DataType::Int32 | DataType::UInt64 => {
                        DefaultColumnType::Integer
                    }
                    _ => DefaultColumnType::Text,
                })
                .collect();
        }
        let fmt = arrow::util::display::FormatOptions::default().with_null("NULL");
        for i in 0..b.num_rows() {
            let mut row = Vec::new();
            for c in b.columns() {
                let cell = if c.is_null(i) {
                    "NULL".to_string()
                } else if let Some(f) = c.as_any().downcast_ref::<arrow::array::Float64Array>() {
                    let s = format!("{:.6}", f.value(i));
                    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
                    if s == "-0" { "0".into() } else { s }
                } else {
                    arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &fmt)
                        .map(|f| f.value(i).to_string())
                        .unwrap_or_default()
                };
                row.push(cell);
            }
            rows.push(row);
        }
    }
    DBOutput::Rows { types, rows }
}

#[async_trait]
impl sqllogictest::AsyncDB for Db {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DataFusionError> {
        let words: Vec<&str> = sql.split_whitespace().collect();
        match words.as_slice() {
            ["LOAD", "FIXTURE", first, as_of] => {
                let p = |s: &str| s.parse::<Period>().map_err(|e| err(e.to_string()));
                self.load_fixture(p(first)?, p(as_of)?).await?;
                Ok(DBOutput::StatementComplete(0))
            }
            ["INDICATOR", id] => {
                let body = self.defs.sql(id).map_err(|e| err(e.to_string()))?;
                let cols = if *id == "reported" {
                    "period, scope, scope_id, indicator, value"
                } else {
                    "period, scope, scope_id, value"
                };
                let q = format!("SELECT {cols} FROM ({body}) ORDER BY {cols}");
                Ok(render(&self.exec(&q).await?))
            }
            _ => {
                let batches = self.exec(sql).await?;
                if sql.trim_start().to_uppercase().starts_with("SELECT")
                    || sql.trim_start().to_uppercase().starts_with("WITH")
                {
                    Ok(render(&batches))
                } else {
                    Ok(DBOutput::StatementComplete(0))
                }
            }
        }
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "clusterkpi"
    }
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "slt"));
    files.sort();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let mut runner = sqllogictest::Runner::new(|| async {
            let config = SessionConfig::new().with_target_partitions(1);
            Ok::<_, DataFusionError>(Db {
                ctx: SessionContext::new_with_config(config),
                defs: Definitions::builtin(),
            })
        });
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        match rt.block_on(runner.run_file_async(file)) {
            Ok(()) => {
                passed += 1;
                println!("slt {name} ... ok");
            }
            Err(e) => {
                failed += 1;
                println!("slt {name} ... FAILED\n{e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 || files.is_empty() {
        std::process::exit(1);
    }
}
