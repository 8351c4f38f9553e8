//! Where the indicator SQL comes from (the files under `pipelines/indicators/`,
//! embedded at build time, or a folder named by the pipeline file), and the read-only
//! gate every ad-hoc query of `clusterkpi sql` passes.

use std::path::{Path, PathBuf};

use clusterkpi_model::Catalogue;
use clusterkpi_model::catalogue::Kind;
use datafusion::arrow::array::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::prelude::{SQLOptions, SessionContext};
use datafusion::sql::parser::DFParser;

macro_rules! builtin {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../../pipelines/indicators/", $id, ".sql")))),*]
    };
}

/// The embedded SQL files, by name.
const BUILTIN: &[(&str, &str)] = builtin!(
    "views",
    "reported",
    "cnc_rate",
    "bis_rate",
    "rnd_tool_rate",
    "ecommerce_rate",
    "digital_cluster_count",
    "revenue_ytd",
    "output_value_ytd",
    "revenue_yoy",
    "revenue_cagr",
    "above_scale_count",
    "new_cluster_count",
    "clusters_over_5b",
    "clusters_over_10b",
    "green_factory_count",
    "sme_count",
    "specialized_count",
    "little_giant_count",
    "design_center_count",
    "innovation_platform_count",
    "core_tech_count",
    "listing_reserve_count",
    "listed_count",
    "tech_upgrade_subsidy",
    "demo_reward",
    "reporting_rate",
);

/// The indicator definitions an evaluation runs.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub catalogue: Catalogue,
    folder: Option<PathBuf>,
}

impl Definitions {
    /// The catalogue and SQL built into the binary.
    #[must_use]
    pub fn builtin() -> Self {
        Self {
            catalogue: Catalogue::builtin(),
            folder: None,
        }
    }

    /// A folder with `catalogue.toml`, `views.sql` and one `<id>.sql` per indicator.
    pub fn from_folder(folder: &Path) -> Result<Self, crate::EngineError> {
        let cat = folder.join("catalogue.toml");
        let text = std::fs::read_to_string(&cat)
            .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", cat.display())))?;
        let catalogue = Catalogue::parse(&text)
            .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", cat.display())))?;
        let defs = Self {
            catalogue,
            folder: Some(folder.to_path_buf()),
        };
        defs.check()?;
        Ok(defs)
    }

    /// Every SQL indicator has its file.
    pub fn check(&self) -> Result<(), crate::EngineError> {
        let mut missing = Vec::new();
        for i in self.catalogue.iter().filter(|i| i.kind == Kind::Sql) {
            if self.sql(&i.id).is_err() {
                missing.push(format!("{}.sql", i.id));
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(crate::EngineError::Definitions(format!(
                "missing indicator SQL files: {}",
                missing.join(", ")
            )))
        }
    }

    /// The SQL text of a file by name (without `.sql`).
    pub fn sql(&self, name: &str) -> Result<String, crate::EngineError> {
        match &self.folder {
            Some(dir) => {
                let p = dir.join(format!("{name}.sql"));
                std::fs::read_to_string(&p)
                    .map_err(|e| crate::EngineError::Definitions(format!("{}: {e}", p.display())))
            }
            None => BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| (*s).to_string())
                .ok_or_else(|| {
                    crate::EngineError::Definitions(format!("no built-in SQL named {name}.sql"))
                }),
        }
    }

    /// Where a named file lives, for error messages.
    #[must_use]
    pub fn origin(&self, name: &str) -> String {
        match &self.folder {
            Some(dir) => dir.join(format!("{name}.sql")).display().to_string(),
            None => format!("pipelines/indicators/{name}.sql (built in)"),
        }
    }
}

/// Whether `stmt` has `name` as a whole word (ASCII case ignored): a table or view it
/// may read, or a column of the same name. Conservative: a quoted or commented
/// mention counts too.
#[must_use]
pub fn names(stmt: &str, name: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (s, n) = (stmt.as_bytes(), name.as_bytes());
    !n.is_empty()
        && s.windows(n.len()).enumerate().any(|(at, w)| {
            w.eq_ignore_ascii_case(n)
                && (at == 0 || !word(s[at - 1]))
                && s.get(at + n.len()).is_none_or(|b| !word(*b))
        })
}

/// Splits a SQL script into statements on `;` outside quotes and comments.
#[must_use]
pub fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = script.chars().peekable();
    let mut in_quote = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                cur.push(c);
            }
            '-' if !in_quote && chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        cur.push('\n');
                        break;
                    }
                }
            }
            ';' if !in_quote => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// What an ad-hoc query may do: read. DDL (`CREATE [EXTERNAL] TABLE`, `CREATE VIEW`,
/// `DROP`), DML (`INSERT`, `DELETE`, `UPDATE` and `COPY … TO`, which DataFusion counts as
/// DML) and statements (`SET`, `BEGIN`, `PREPARE`) are refused before anything runs.
/// Dataset files are immutable and shared by every report; a query must never be able
/// to overwrite one (`COPY (…) TO '<a dataset file>'`) or write anywhere else.
#[must_use]
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Runs one ad-hoc query under [`read_only_options`] and collects its rows.
///
/// This is what `SessionContext::sql_with_options` does (parse, plan, verify the plan,
/// execute), taken apart so that a refused statement gets its own plain error instead
/// of a planning error that reads like a typo. The plan is verified as a whole tree, so
/// `EXPLAIN ANALYZE COPY …` or a write hidden in a subquery is refused as well. The
/// sessions keep DataFusion's default (generic) dialect, which `DFParser` parses.
pub async fn read_only(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<RecordBatch>, crate::EngineError> {
    let wrap = |source| crate::EngineError::Sql {
        origin: "query".to_string(),
        source,
    };
    let mut parsed = DFParser::parse_sql(sql).map_err(wrap)?;
    // DataFusion would refuse several statements too, but only after the words "not
    // implemented"; say what is wrong instead. Nothing of any of them has run.
    let statement = match (parsed.pop_front(), parsed.len()) {
        (None, _) => {
            return Err(crate::EngineError::ReadOnly(
                "the query is empty: give one SELECT, WITH or EXPLAIN query".into(),
            ));
        }
        (Some(first), 0) => first,
        (Some(_), more) => {
            return Err(crate::EngineError::ReadOnly(format!(
                "clusterkpi sql runs one query at a time; found {} statements separated by ';'",
                more + 1
            )));
        }
    };
    let state = ctx.state();
    let plan = state.statement_to_plan(statement).await.map_err(wrap)?;
    read_only_options()
        .verify_plan(&plan)
        .map_err(|e| crate::EngineError::ReadOnly(refusal(&e)))?;
    let df = ctx.execute_logical_plan(plan).await.map_err(wrap)?;
    df.collect().await.map_err(wrap)
}

/// The message of a refused plan: what `sql` does, then what DataFusion refused
/// ("DML not supported: COPY").
fn refusal(e: &DataFusionError) -> String {
    let detail = match e.find_root() {
        DataFusionError::Plan(msg) => msg.clone(),
        other => other.strip_backtrace(),
    };
    format!(
        "clusterkpi sql is read-only: only SELECT/WITH/EXPLAIN queries (and SHOW, DESCRIBE) \
         are run; nothing was written ({detail})"
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use super::read_only;
    use crate::EngineError;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A statement waits for a kept view it names as a word, in any case, and not for
    /// one whose name is only part of a longer name.
    #[test]
    fn a_statement_names_a_view_as_a_whole_word() {
        let stmt = "CREATE VIEW growth AS SELECT * FROM growth_slices g JOIN Carried c";
        assert!(super::names(stmt, "growth_slices"));
        assert!(super::names(stmt, "carried"));
        assert!(super::names(stmt, "growth"));
        assert!(!super::names(stmt, "slices"));
        assert!(!super::names(stmt, "facts"));
        assert!(!super::names("SELECT 1 FROM carry_coverage", "carry"));
        assert!(super::names("facts", "facts"));
        assert!(!super::names("facts", ""));
    }

    /// A session like `sql_session`'s (information schema on) with a table `t` and a
    /// Parquet file standing for an immutable dataset file, registered as `data`.
    fn session(dir: &Path) -> SessionContext {
        let ctx =
            SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
        let file = dir.join("dataset.parquet");
        block_on(async {
            ctx.sql("CREATE TABLE t AS VALUES (1), (2), (3)")
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            ctx.sql(&format!(
                "COPY (SELECT 7 AS x) TO '{}' STORED AS PARQUET",
                file.display()
            ))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
            ctx.register_parquet("data", file.to_str().unwrap(), Default::default())
                .await
                .unwrap();
        });
        ctx
    }

    fn refused(ctx: &SessionContext, sql: &str) -> String {
        match block_on(read_only(ctx, sql)) {
            Err(e @ EngineError::ReadOnly(_)) => e.to_string(),
            Err(e) => panic!("{sql}: refused with the wrong error: {e}"),
            Ok(_) => panic!("{sql}: was run"),
        }
    }

    fn count(ctx: &SessionContext, sql: &str) -> i64 {
        let batches = block_on(read_only(ctx, sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
        batches[0].column(0).as_primitive::<Int64Type>().value(0)
    }

    #[test]
    fn copy_cannot_overwrite_a_dataset_file_or_write_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = session(dir.path());
        let dataset = dir.path().join("dataset.parquet");
        let before = std::fs::read(&dataset).unwrap();
        let elsewhere = dir.path().join("elsewhere.csv");
        for sql in [
            format!(
                "COPY (SELECT 1 AS x) TO '{}' STORED AS PARQUET",
                dataset.display()
            ),
            format!("COPY t TO '{}'", elsewhere.display()),
            format!("EXPLAIN ANALYZE COPY t TO '{}'", elsewhere.display()),
        ] {
            let msg = refused(&ctx, &sql);
            assert!(
                msg.starts_with("clusterkpi sql is read-only: only SELECT/WITH/EXPLAIN queries"),
                "{msg}"
            );
            assert!(msg.contains("COPY"), "{msg}");
        }
        assert_eq!(std::fs::read(&dataset).unwrap(), before);
        assert!(!elsewhere.exists());
        assert_eq!(count(&ctx, "SELECT COUNT(*) FROM data"), 1);
    }

    #[test]
    fn ddl_dml_and_statements_are_refused_and_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = session(dir.path());
        let external = dir.path().join("external");
        for sql in [
            "INSERT INTO t VALUES (4)".to_string(),
            "INSERT INTO t SELECT * FROM t".to_string(),
            "DELETE FROM t".to_string(),
            "CREATE TABLE u AS SELECT * FROM t".to_string(),
            "CREATE TABLE u (x BIGINT)".to_string(),
            "CREATE VIEW v AS SELECT * FROM t".to_string(),
            format!(
                "CREATE EXTERNAL TABLE e (x BIGINT) STORED AS CSV LOCATION '{}'",
                external.display()
            ),
            "DROP TABLE t".to_string(),
            "DROP TABLE IF EXISTS data".to_string(),
            "SET datafusion.execution.target_partitions = 8".to_string(),
            "RESET datafusion.execution.target_partitions".to_string(),
            "PREPARE p AS SELECT * FROM t".to_string(),
        ] {
            let msg = refused(&ctx, &sql);
            assert!(msg.contains("clusterkpi sql is read-only"), "{sql}: {msg}");
        }
        assert!(!external.exists());
        assert_eq!(count(&ctx, "SELECT COUNT(*) FROM t"), 3);
        assert_eq!(count(&ctx, "SELECT COUNT(*) FROM data"), 1);
        assert_eq!(
            ctx.copied_config().options().execution.target_partitions,
            SessionContext::new_with_config(SessionConfig::new())
                .copied_config()
                .options()
                .execution
                .target_partitions
        );
        assert!(block_on(ctx.table("u")).is_err());
    }

    #[test]
    fn several_statements_are_refused_before_any_runs() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = session(dir.path());
        let out = dir.path().join("out.csv");
        let msg = refused(&ctx, &format!("SELECT 1; COPY t TO '{}'", out.display()));
        assert!(
            msg.contains("one query at a time; found 2 statements"),
            "{msg}"
        );
        assert!(!out.exists());
        assert!(refused(&ctx, "  ").contains("empty"));
        // A trailing semicolon is still one statement; a semicolon inside a string or a
        // quoted name is no separator.
        assert_eq!(count(&ctx, "SELECT COUNT(*) FROM t;"), 3);
        assert_eq!(
            count(&ctx, "SELECT COUNT(*) AS \"a;b\" FROM t WHERE ';' <> ''"),
            3
        );
    }

    #[test]
    fn queries_run() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = session(dir.path());
        assert_eq!(
            count(
                &ctx,
                "WITH w AS (SELECT column1 AS x FROM t) SELECT SUM(x) FROM w"
            ),
            6
        );
        assert_eq!(count(&ctx, "SELECT COUNT(*) FROM t JOIN data ON true"), 3);
        for sql in ["EXPLAIN SELECT * FROM t", "SHOW TABLES", "DESCRIBE t"] {
            let batches = block_on(read_only(&ctx, sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert!(
                batches.iter().map(|b| b.num_rows()).sum::<usize>() > 0,
                "{sql}"
            );
        }
        // A typing error is an ordinary SQL error, not a refusal.
        match block_on(read_only(&ctx, "SELEC 1")) {
            Err(EngineError::Sql { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
