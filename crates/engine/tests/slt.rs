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
use clusterkpi_lake::Table;
use clusterkpi_model::rows::ColumnType;
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

/// The quarter index of a `period` text column, as the dataset stores it beside it.
fn period_index(column: &str) -> String {
    format!("CAST(SUBSTR({column}, 1, 4) AS INT) * 4 + CAST(SUBSTR({column}, 6, 1) AS INT) - 1")
}

/// A `SELECT` list giving every declared column of `table` (see
/// `clusterkpi_model::rows`): the expression `given` for it, else the fixture's own
/// column of that name cast to the declared type, else a neutral default (`'none'`,
/// zero, false, NULL where the column may be null).
fn declared_columns(table: Table, fixture: &[String], given: &[(&str, String)]) -> String {
    table
        .columns()
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Text | ColumnType::Word => "VARCHAR",
                ColumnType::Int32 => "INT",
                ColumnType::Int64 => "BIGINT",
                ColumnType::Float64 => "DOUBLE",
                ColumnType::Bool => "BOOLEAN",
            };
            let expr = if let Some((_, e)) = given.iter().find(|(n, _)| *n == c.name) {
                e.clone()
            } else if fixture.contains(&c.name) {
                c.name.clone()
            } else if c.nullable {
                "NULL".into()
            } else {
                match c.ty {
                    ColumnType::Text | ColumnType::Word => "'none'".into(),
                    ColumnType::Bool => "false".into(),
                    _ => "0".into(),
                }
            };
            format!("CAST({expr} AS {ty}) AS {}", c.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

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
        let select = |table, fixture: &[String], given: &[(&str, String)]| {
            declared_columns(table, fixture, given)
        };
        let version = ("version", "1".to_string());
        self.exec(&format!(
            "CREATE VIEW report_history AS SELECT {} FROM r",
            select(
                Table::ReportHistory,
                &r,
                &[
                    ("period_index", period_index("period")),
                    ("source_file", "'fixture.csv'".into()),
                    if r.iter().any(|c| c == "version") {
                        ("version", "version".into())
                    } else {
                        version.clone()
                    },
                ],
            )
        ))
        .await?;
        let sup = match self.columns_of("sup").await {
            Some(cols) => format!(
                "SELECT {} FROM sup",
                select(
                    Table::Superseded,
                    &cols,
                    &[("period_index", period_index("period"))]
                )
            ),
            None => format!("SELECT {} WHERE false", select(Table::Superseded, &[], &[])),
        };
        self.exec(&format!("CREATE VIEW superseded AS {sup}"))
            .await?;
        let ro = self.columns_of("ro").await.unwrap_or_default();
        self.exec(&format!(
            "CREATE VIEW roster AS SELECT {} FROM ro",
            select(
                Table::Roster,
                &ro,
                &[
                    ("name", "credit_code".into()),
                    ("county", "'county'".into())
                ]
            )
        ))
        .await?;
        let named = [
            ("name", "cluster_id".to_string()),
            ("county", "'county'".into()),
            ("industry", "'industry'".into()),
        ];
        let clusters = match self.columns_of("cl").await {
            Some(cols) => {
                let mut given = named.to_vec();
                given.push(("established_index", period_index("established")));
                format!("SELECT {} FROM cl", select(Table::Clusters, &cols, &given))
            }
            None => {
                let mut given = named.to_vec();
                given.push(("established", "'2019Q4'".into()));
                given.push(("established_index", period_index("'2019Q4'")));
                format!(
                    "SELECT DISTINCT {} FROM ro",
                    select(Table::Clusters, &ro, &given)
                )
            }
        };
        self.exec(&format!("CREATE VIEW clusters AS {clusters}"))
            .await?;
        let values = match self.columns_of("vals").await {
            Some(cols) => format!(
                "SELECT {} FROM vals",
                select(
                    Table::Values,
                    &cols,
                    &[("period_index", period_index("period")), version.clone()]
                )
            ),
            None => format!("SELECT {} WHERE false", select(Table::Values, &[], &[])),
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
