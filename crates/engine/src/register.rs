//! Registers the dataset's tables and the evaluation's parameters (plan, quarters,
//! targets) with a DataFusion session, local or on a cluster.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use clusterkpi_lake::{Lake, Snapshot, Table};
use clusterkpi_model::pipeline::Engine;
use clusterkpi_model::{Evaluation, Period, Plan};
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::datasource::empty::EmptyTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::{EngineError, Result};

pub(crate) fn df_err(
    origin: &str,
) -> impl FnOnce(datafusion::error::DataFusionError) -> EngineError + '_ {
    move |source| EngineError::Sql {
        origin: origin.to_string(),
        source,
    }
}

/// Memory the query engine's operators may hold while a large dataset is evaluated
/// (beside the views it keeps); sorts and aggregates spill to disk beyond it.
const MEMORY_LIMIT: usize = 512 * 1024 * 1024;

/// Partitions a query runs in: the machine's cores, or `CLUSTERKPI_PARTITIONS` (an
/// operator's cap on a shared machine; the reproducibility test runs 1 and 3).
///
/// Figures do not depend on it: every sum of floating-point values in the indicator SQL
/// is taken over DECIMAL, whose addition is exact in any order (`views.sql`), and counts
/// are integers, so partial aggregates merged in any order give the same bits. (With
/// DOUBLE sums, two partitions changed the last digits from run to run, which is why
/// evaluation used to run in one.)
pub(crate) fn partitions() -> usize {
    std::env::var("CLUSTERKPI_PARTITIONS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

fn new_context(report_rows: u64) -> Result<SessionContext> {
    let mut config = SessionConfig::new()
        .with_target_partitions(partitions())
        .with_information_schema(true);
    // The roster (27,000 enterprises at 10x the sample city, 270,000 at 100x) is built
    // into one hash table that every partition of the report rows probes, instead of
    // both sides being repartitioned on the credit code: with DataFusion's defaults
    // (1 MiB, 128Ki rows) the join of the history with the roster hashed and copied
    // every report row, all its columns, into a partition of its code. The
    // enterprise-keyed self-joins (the growth pairs: 737,000 rows a side at 10x) stay
    // partitioned, both sides built at once.
    let optimizer = &mut config.options_mut().optimizer;
    optimizer.hash_join_single_partition_threshold = 32 << 20;
    optimizer.hash_join_single_partition_threshold_rows = 512 * 1024;
    if report_rows <= large_rows() {
        return Ok(with_fast_casts(SessionContext::new_with_config(config)));
    }
    // A large dataset (100 × a city): joins stay hash joins (each builds on the roster,
    // the carry-forward candidates, or one slice of one side of the growth pairs keyed
    // by an integer: whole, that join was the 100× evaluation's peak, 330–510 MiB over
    // where it starts, see `docs/ARCHITECTURE.md`); the sorts and aggregates beyond
    // the pool spill. A fair pool lets two queries running at once each get their share
    // instead of the first starving the second.
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(MEMORY_LIMIT)))
        .build_arc()
        .map_err(df_err("memory pool"))?;
    Ok(with_fast_casts(SessionContext::new_with_config_rt(
        config, runtime,
    )))
}

/// `ctx` with the indicator SQL's casts of DOUBLE to DECIMAL computed faster, with the
/// same results (`decimal_cast`).
fn with_fast_casts(ctx: SessionContext) -> SessionContext {
    ctx.add_analyzer_rule(Arc::new(crate::decimal_cast::FastDecimalCasts));
    ctx
}

fn report_rows(snapshot: &Snapshot) -> u64 {
    snapshot
        .data_files(Table::ReportHistory)
        .iter()
        .map(|f| f.rows)
        .sum()
}

/// Where an evaluation keeps the tables it builds and the views it computes once.
pub(crate) enum Keep {
    /// In memory, each kept view computed on its own task beside the statements after
    /// it (a local evaluation up to [`LARGE_ROWS`] report rows).
    Memory,
    /// In memory, one kept view after another, and a sliced view one slice at a time:
    /// a local evaluation above [`LARGE_ROWS`], planned for its peak (the roster join
    /// of the current rows held while one slice of the growth pairs is joined).
    InTurn,
    /// Everything as Parquet in a location every process of a cluster reaches: a
    /// Ballista plan cannot carry an in-memory table.
    #[cfg(feature = "cluster")]
    Shared(Box<crate::cluster::Scratch>),
}

impl Keep {
    /// How a local evaluation of `snapshot` keeps its tables.
    pub(crate) fn local(snapshot: &Snapshot) -> Self {
        if is_large(snapshot) {
            Self::InTurn
        } else {
            Self::Memory
        }
    }

    /// Deletes what the evaluation wrote where deleting takes more than a drop.
    pub(crate) async fn remove(&self, _ctx: &SessionContext) {
        #[cfg(feature = "cluster")]
        if let Self::Shared(scratch) = self {
            scratch.remove(_ctx).await;
        }
    }
}

/// Registers a dataset table without files, for a local evaluation, as a view of no
/// rows, which the optimizer folds into what reads it: `reports` is the history less
/// its `superseded` rows, and with nothing superseded the anti-join still hashed the
/// key of every report row at each scan of the history (an `EmptyTable` scan is only
/// known empty when it runs; 10x `evaluate` 1.64 s against 1.70, medians of 6
/// alternated runs). A cluster's tables stay listing tables and empty tables, which
/// have a plan encoding.
fn register_empty(ctx: &SessionContext, name: &str, schema: SchemaRef) -> Result<()> {
    use datafusion::common::DFSchema;
    use datafusion::datasource::ViewTable;
    use datafusion::logical_expr::{EmptyRelation, LogicalPlan};
    let schema = DFSchema::try_from(schema.as_ref().clone()).map_err(df_err(name))?;
    let none = LogicalPlan::EmptyRelation(EmptyRelation {
        produce_one_row: false,
        schema: Arc::new(schema),
    });
    ctx.register_table(name, Arc::new(ViewTable::new(none, None)))
        .map_err(df_err(name))?;
    Ok(())
}

/// Registers a table over exactly these Parquet files, given as absolute paths or
/// URLs (an empty table when none).
fn register_files(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    files: &[String],
) -> Result<()> {
    // An empty table, not an empty in-memory one: it has a plan encoding, so it also
    // goes to a cluster.
    let table: Arc<dyn datafusion::catalog::TableProvider> = if files.is_empty() {
        Arc::new(EmptyTable::new(schema))
    } else {
        let urls = files
            .iter()
            .map(ListingTableUrl::parse)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(df_err(name))?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        // The runtime's statistics cache: without it each scan of the table read every
        // file's statistics again (the report history is a file a county's file, 304
        // at the sample city, and it is scanned three times).
        let statistics = ctx.runtime_env().cache_manager.get_file_statistic_cache();
        Arc::new(
            ListingTable::try_new(config)
                .map_err(df_err(name))?
                .with_cache(statistics),
        )
    };
    ctx.register_table(name, table).map_err(df_err(name))?;
    Ok(())
}

/// Registers a table the evaluation built: in memory, or written to the shared
/// scratch location for a cluster.
async fn register_batch(
    ctx: &SessionContext,
    keep: &Keep,
    name: &str,
    batch: RecordBatch,
) -> Result<()> {
    #[cfg(feature = "cluster")]
    if let Keep::Shared(scratch) = keep {
        let location = scratch.write_batch(ctx, name, &batch).await?;
        return register_files(ctx, name, batch.schema(), &[location]);
    }
    let _ = keep;
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(df_err(name))?;
    ctx.register_table(name, Arc::new(table))
        .map_err(df_err(name))?;
    Ok(())
}

fn batch(fields: Vec<(&str, DataType)>, cols: Vec<ArrayRef>) -> RecordBatch {
    let schema = Schema::new(
        fields
            .into_iter()
            .map(|(n, t)| Field::new(n, t, true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols).expect("columns match")
}

/// Above this many report rows a dataset is large ([`Keep::InTurn`]): its evaluation
/// keeps one view at a time and joins the growth pairs a slice at a time, within a
/// memory pool. Up to it (a 10× evaluation, 720,904 rows, peaks at about 400 MB) the
/// kept views are computed at once.
const LARGE_ROWS: u64 = 750_000;

/// [`LARGE_ROWS`], or `CLUSTERKPI_LARGE_ROWS`: an operator's own threshold (lower on a
/// machine with less memory; the end-to-end tests set 0 to evaluate a small city the
/// way a national one is, and compare the figures).
fn large_rows() -> u64 {
    std::env::var("CLUSTERKPI_LARGE_ROWS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(LARGE_ROWS)
}

/// How many report rows may still be added to `snapshot` before its evaluation is
/// large ([`is_large`]).
pub fn rows_before_large(snapshot: &Snapshot) -> u64 {
    large_rows().saturating_sub(report_rows(snapshot))
}

/// Whether a local evaluation of `snapshot` is planned for its peak memory (above
/// [`large_rows`] report rows): one kept view at a time, the growth pairs a slice at
/// a time (and, in the binary, the memory a `run`'s ingest freed returned first).
pub fn is_large(snapshot: &Snapshot) -> bool {
    report_rows(snapshot) > large_rows()
}

/// Registers the dataset's tables over their files at `snapshot`. `remote`: the
/// dataset's URL on object storage, for a cluster whose executors read it there.
/// `fold_empty`: a table without files is a view of no rows ([`register_empty`]), for
/// a local evaluation; ad-hoc queries see every table as a table.
async fn register_dataset(
    ctx: &SessionContext,
    lake: &Lake,
    snapshot: &Snapshot,
    remote: Option<&str>,
    fold_empty: bool,
) -> Result<()> {
    for (table, name) in [
        (Table::ReportHistory, "report_history"),
        (Table::Superseded, "superseded"),
        (Table::Roster, "roster"),
        (Table::Clusters, "clusters"),
        (Table::Values, "values_history"),
        (Table::Issues, "issues"),
    ] {
        // A local evaluation's report history: the rows this process wrote and kept
        // (a `run`'s ingest, `Lake::retain_written`) from memory, the other files
        // from disk (each checked all the same).
        if remote.is_none() && fold_empty && table == Table::ReportHistory {
            let (kept, files) = lake.kept_or_verified(snapshot, table)?;
            if !kept.is_empty() {
                register_kept(ctx, name, table.schema(), kept, &files).await?;
                continue;
            }
        }
        // Every file is checked against its recorded size and checksum first: a
        // missing or damaged file fails the evaluation naming it, never a silent
        // sum over fewer or altered rows.
        let local = snapshot.verified_files(table)?;
        let files = match remote {
            // The same names on the server as in the checked local copy; each one's
            // size is checked there too before the cluster reads it.
            Some(base) => {
                let files: Vec<String> = snapshot
                    .data_files(table)
                    .iter()
                    .map(|f| format!("{}/{}", base.trim_end_matches('/'), f.path))
                    .collect();
                #[cfg(feature = "cluster")]
                crate::cluster::check_sizes(ctx, &files, snapshot.data_files(table)).await?;
                files
            }
            None => local.iter().map(|p| p.display().to_string()).collect(),
        };
        if files.is_empty() && fold_empty {
            register_empty(ctx, name, table.schema())?;
            continue;
        }
        register_files(ctx, name, table.schema(), &files)?;
    }
    Ok(())
}

/// Registers `name` as the rows `kept` in memory, spread over the partitions, and the
/// Parquet `files` (each already checked).
async fn register_kept(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    kept: Vec<RecordBatch>,
    files: &[PathBuf],
) -> Result<()> {
    let n = partitions().max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (i, b) in kept.into_iter().enumerate() {
        parts[i % n].push(b);
    }
    let memory = MemTable::try_new(Arc::clone(&schema), parts).map_err(df_err(name))?;
    if files.is_empty() {
        ctx.register_table(name, Arc::new(memory))
            .map_err(df_err(name))?;
        return Ok(());
    }
    let on_disk = format!("{name}_on_disk");
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    register_files(ctx, &on_disk, Arc::clone(&schema), &files)?;
    let disk = ctx.table(on_disk.as_str()).await.map_err(df_err(name))?;
    let union = ctx
        .read_table(Arc::new(memory))
        .and_then(|m| m.union(disk))
        .map_err(df_err(name))?;
    ctx.register_table(name, union.into_view())
        .map_err(df_err(name))?;
    Ok(())
}

/// Replaces a table or view by an in-memory table of its rows; what is defined after
/// it reads the rows instead of computing them again.
pub(crate) async fn cache(ctx: &SessionContext, name: &str) -> Result<()> {
    let cached = ctx
        .table(name)
        .await
        .map_err(df_err(name))?
        .cache()
        .await
        .map_err(df_err(name))?;
    ctx.deregister_table(name).map_err(df_err(name))?;
    ctx.register_table(name, cached.into_view())
        .map_err(df_err(name))?;
    Ok(())
}

/// Replaces a view by its rows written once to `location` (a Parquet file's URL): as
/// [`cache`], for a view computed on a cluster, whose plans cannot carry an in-memory
/// table. The file is written as the query streams, plainly: it is only read back a
/// few times within seconds, in full, then deleted with the scratch location, so it is
/// neither compressed, dictionary-encoded nor given statistics. (Dictionary encoding
/// of its text columns was a tenth of a 100x evaluation's CPU, when a large local
/// evaluation wrote its roster join this way.)
#[cfg(feature = "cluster")]
pub(crate) async fn spill(ctx: &SessionContext, name: &str, location: String) -> Result<()> {
    use datafusion::dataframe::DataFrameWriteOptions;
    let df = ctx.table(name).await.map_err(df_err(name))?;
    let schema: SchemaRef = Arc::clone(df.schema().inner());
    let mut options = datafusion::config::TableParquetOptions::default();
    options.global.compression = Some("uncompressed".into());
    options.global.dictionary_enabled = Some(false);
    options.global.statistics_enabled = Some("none".into());
    // Text stays dictionary-encoded: a credit code repeats once per quarter, and its
    // plain chunks raised a 100x evaluation's peak by 40-60 MB.
    for field in schema.fields() {
        if matches!(
            field.data_type(),
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
        ) {
            options.column_specific_options.insert(
                field.name().clone(),
                datafusion::config::ParquetColumnOptions {
                    dictionary_enabled: Some(true),
                    ..Default::default()
                },
            );
        }
    }
    df.write_parquet(
        &location,
        DataFrameWriteOptions::new().with_single_file_output(true),
        Some(options),
    )
    .await
    .map_err(df_err(name))?;
    ctx.deregister_table(name).map_err(df_err(name))?;
    register_files(ctx, name, schema, &[location])
}

/// Keeps a view `views.sql` just created so the statements after it read its rows:
/// in memory, or as a Parquet file in a cluster's scratch location.
pub(crate) async fn keep_view(ctx: &SessionContext, keep: &Keep, name: &str) -> Result<()> {
    match keep {
        Keep::Memory | Keep::InTurn => cache(ctx, name).await,
        #[cfg(feature = "cluster")]
        Keep::Shared(scratch) => spill(ctx, name, scratch.location(name)).await,
    }
}

/// Keeps a view `views.sql` just created whose rows carry a `slice` column in
/// `0..slices`: for a large local dataset, computed one slice after another
/// (`WHERE slice = k` reaches the scans under the view's joins, so each join holds a
/// slice of the rows) and the union held in memory; otherwise as [`keep_view`] keeps a
/// small view, in one pass.
pub(crate) async fn keep_sliced(
    ctx: &SessionContext,
    keep: &Keep,
    name: &str,
    slices: i64,
) -> Result<()> {
    if !matches!(keep, Keep::InTurn) {
        return keep_view(ctx, keep, name).await;
    }
    let mut batches = Vec::new();
    let mut schema = None;
    for k in 0..slices {
        let df = ctx
            .sql(&format!("SELECT * FROM {name} WHERE slice = {k}"))
            .await
            .map_err(df_err(name))?;
        schema.get_or_insert_with(|| Arc::clone(df.schema().inner()));
        batches.extend(df.collect().await.map_err(df_err(name))?);
    }
    let schema = schema.expect("at least one slice");
    let table = MemTable::try_new(schema, vec![batches]).map_err(df_err(name))?;
    ctx.deregister_table(name).map_err(df_err(name))?;
    ctx.register_table(name, Arc::new(table))
        .map_err(df_err(name))?;
    Ok(())
}

async fn register_plan(ctx: &SessionContext, keep: &Keep, plan: &Plan) -> Result<()> {
    let s = |v: &str| {
        Arc::new(datafusion::arrow::array::StringArray::from(vec![
            v.to_string(),
        ])) as ArrayRef
    };
    let i = |v: i32| Arc::new(datafusion::arrow::array::Int32Array::from(vec![v])) as ArrayRef;
    let f = |v: f64| Arc::new(datafusion::arrow::array::Float64Array::from(vec![v])) as ArrayRef;
    let p = &plan.policy;
    register_batch(
        ctx,
        keep,
        "plan",
        batch(
            vec![
                ("plan_id", DataType::Utf8),
                ("city_id", DataType::Utf8),
                ("baseline", DataType::Utf8),
                ("baseline_index", DataType::Int32),
                ("baseline_year", DataType::Int32),
                ("deadline", DataType::Utf8),
                ("deadline_index", DataType::Int32),
                ("demo_reward_national", DataType::Float64),
                ("demo_reward_provincial", DataType::Float64),
                ("tech_upgrade_subsidy_share", DataType::Float64),
                ("tech_upgrade_subsidy_cap", DataType::Float64),
            ],
            vec![
                s(&plan.id),
                s(&plan.city),
                s(&plan.baseline.to_string()),
                i(plan.baseline.index()),
                i(plan.baseline.year()),
                s(&plan.deadline.to_string()),
                i(plan.deadline.index()),
                f(p.demo_reward_national),
                f(p.demo_reward_provincial),
                f(p.tech_upgrade_subsidy_share),
                f(p.tech_upgrade_subsidy_cap),
            ],
        ),
    )
    .await?;
    let [mut ind, mut scope, mut rule, mut unit, mut role, mut of] =
        std::array::from_fn(|_| StringBuilder::new());
    let mut amount = Float64Builder::new();
    for t in &plan.targets {
        ind.append_value(&t.indicator);
        scope.append_value(t.scope.as_str());
        rule.append_value(t.rule.as_str());
        amount.append_value(t.amount);
        unit.append_value(match t.unit {
            clusterkpi_model::plan::GainUnit::Pp => "pp",
            clusterkpi_model::plan::GainUnit::Relative => "relative",
        });
        role.append_value(t.role.as_str());
        of.append_option(t.role.of());
    }
    register_batch(
        ctx,
        keep,
        "targets",
        batch(
            vec![
                ("indicator", DataType::Utf8),
                ("scope", DataType::Utf8),
                ("rule", DataType::Utf8),
                ("amount", DataType::Float64),
                ("unit", DataType::Utf8),
                ("role", DataType::Utf8),
                ("criterion_of", DataType::Utf8),
            ],
            vec![
                Arc::new(ind.finish()),
                Arc::new(scope.finish()),
                Arc::new(rule.finish()),
                Arc::new(amount.finish()),
                Arc::new(unit.finish()),
                Arc::new(role.finish()),
                Arc::new(of.finish()),
            ],
        ),
    )
    .await
}

async fn register_periods(
    ctx: &SessionContext,
    keep: &Keep,
    first: Period,
    last: Period,
) -> Result<()> {
    let mut period = StringBuilder::new();
    let [mut idx, mut year, mut quarter, mut complete] =
        std::array::from_fn(|_| Int32Builder::new());
    for p in first.through(last) {
        period.append_value(p.to_string());
        idx.append_value(p.index());
        year.append_value(p.year());
        quarter.append_value(i32::from(p.quarter()));
        complete.append_value(p.latest_complete_year());
    }
    register_batch(
        ctx,
        keep,
        "periods",
        batch(
            vec![
                ("period", DataType::Utf8),
                ("period_index", DataType::Int32),
                ("year", DataType::Int32),
                ("quarter", DataType::Int32),
                ("complete_year", DataType::Int32),
            ],
            vec![
                Arc::new(period.finish()),
                Arc::new(idx.finish()),
                Arc::new(year.finish()),
                Arc::new(quarter.finish()),
                Arc::new(complete.finish()),
            ],
        ),
    )
    .await
}

/// Registers the evaluation's parameters (`plan`, `targets`, `periods`) on a session
/// whose data tables are already there (used by the SQL fixture tests).
pub async fn parameters(
    ctx: &SessionContext,
    plan: &Plan,
    first: Period,
    as_of: Period,
) -> Result<()> {
    register_plan(ctx, &Keep::Memory, plan).await?;
    register_periods(ctx, &Keep::Memory, first, as_of).await
}

/// A session on `engine` with the dataset, the plan and the quarters `first..=as_of`
/// registered, and where it keeps what it builds.
pub(crate) async fn session(
    engine: &Engine,
    lake: &Lake,
    snapshot: &Snapshot,
    plan: &Plan,
    first: Period,
    as_of: Period,
) -> Result<(SessionContext, Keep)> {
    let (ctx, keep, remote): (_, _, Option<String>) = match engine {
        Engine::Local => (
            new_context(report_rows(snapshot))?,
            Keep::local(snapshot),
            None,
        ),
        #[cfg(feature = "cluster")]
        Engine::Cluster { host, port } => {
            let remote = lake.remote_url();
            let ctx = crate::cluster::context(host, *port).await?;
            let scratch = crate::cluster::Scratch::new(remote.as_deref())?;
            (ctx, Keep::Shared(Box::new(scratch)), remote)
        }
        #[cfg(not(feature = "cluster"))]
        Engine::Cluster { .. } => {
            let _ = lake;
            return Err(EngineError::Runtime(format!(
                "--engine {engine}: this build has no cluster engine (build it with \
                 `--features cluster`)"
            )));
        }
    };
    let fold_empty = remote.is_none();
    register_dataset(&ctx, lake, snapshot, remote.as_deref(), fold_empty).await?;
    register_plan(&ctx, &keep, plan).await?;
    register_periods(&ctx, &keep, first, as_of).await?;
    Ok((ctx, keep))
}

/// A session for ad-hoc queries: the dataset, `submissions`, the saved scorecards
/// (`kpis`) and the current rows (`reports`).
pub async fn sql_session(lake: &Lake, snapshot: &Snapshot) -> Result<SessionContext> {
    let ctx = new_context(report_rows(snapshot))?;
    register_dataset(&ctx, lake, snapshot, None, false).await?;
    // The same `reports` view as evaluations use (the other views need a plan).
    let views = crate::sql::Definitions::builtin().sql("views")?;
    for stmt in crate::sql::statements(&views) {
        if stmt.starts_with("CREATE VIEW reports ") {
            ctx.sql(&stmt).await.map_err(df_err("reports view"))?;
        }
    }
    let subs = &snapshot.manifest.submissions;
    let mut s: [StringBuilder; 7] = std::array::from_fn(|_| StringBuilder::new());
    let mut n: [Int64Builder; 5] = std::array::from_fn(|_| Int64Builder::new());
    for x in subs {
        for (b, v) in s.iter_mut().zip([
            &x.path,
            &x.sha256,
            &x.kind,
            &x.format,
            &x.outcome,
            &x.ingested_at,
            &x.periods.join(" "),
        ]) {
            b.append_value(v);
        }
        for (b, v) in n.iter_mut().zip([
            x.version,
            x.rows_read,
            x.rows_accepted,
            x.rows_quarantined,
            x.warnings,
        ]) {
            b.append_value(v as i64);
        }
    }
    let mut cols: Vec<ArrayRef> = Vec::new();
    cols.push(Arc::new(n[0].finish()));
    for b in &mut s {
        cols.push(Arc::new(b.finish()));
    }
    for b in n.iter_mut().skip(1) {
        cols.push(Arc::new(b.finish()));
    }
    let mut fields = vec![("version", DataType::Int64)];
    for name in [
        "path",
        "sha256",
        "kind",
        "format",
        "outcome",
        "ingested_at",
        "periods",
    ] {
        fields.push((name, DataType::Utf8));
    }
    for name in ["rows_read", "rows_accepted", "rows_quarantined", "warnings"] {
        fields.push((name, DataType::Int64));
    }
    register_batch(&ctx, &Keep::Memory, "submissions", batch(fields, cols)).await?;
    let kpis: Vec<String> = lake
        .derived_files("kpis")?
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if !kpis.is_empty() {
        register_files(&ctx, "kpis", kpis_schema(), &kpis)?;
    }
    Ok(ctx)
}

/// Registers the phase-1 results as `series` for phase-2 indicators.
pub(crate) async fn series(
    ctx: &SessionContext,
    keep: &Keep,
    values: &HashMap<crate::Key, Option<f64>>,
) -> Result<()> {
    let mut keys: Vec<_> = values.keys().collect();
    keys.sort();
    let (mut period, mut scope, mut id, mut ind) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let mut idx = Int32Builder::new();
    let mut value = Float64Builder::new();
    for k in keys {
        period.append_value(k.0.to_string());
        idx.append_value(k.0.index());
        scope.append_value(k.1.as_str());
        id.append_value(&k.2);
        ind.append_value(&k.3);
        value.append_option(values[k]);
    }
    register_batch(
        ctx,
        keep,
        "series",
        batch(
            vec![
                ("period", DataType::Utf8),
                ("period_index", DataType::Int32),
                ("scope", DataType::Utf8),
                ("scope_id", DataType::Utf8),
                ("indicator", DataType::Utf8),
                ("value", DataType::Float64),
            ],
            vec![
                Arc::new(period.finish()),
                Arc::new(idx.finish()),
                Arc::new(scope.finish()),
                Arc::new(id.finish()),
                Arc::new(ind.finish()),
                Arc::new(value.finish()),
            ],
        ),
    )
    .await
}

fn kpis_schema() -> SchemaRef {
    use DataType::{Float64, Int64, Utf8};
    let fields: Vec<Field> = [
        ("period", Utf8),
        ("scope", Utf8),
        ("scope_id", Utf8),
        ("indicator", Utf8),
        ("value", Float64),
        ("unit", Utf8),
        ("baseline_period", Utf8),
        ("baseline_value", Float64),
        ("target_rule", Utf8),
        ("target_amount", Float64),
        ("target_level", Float64),
        ("projected", Float64),
        ("progress", Float64),
        ("status", Utf8),
        ("trend", Utf8),
        ("judged_period", Utf8),
        ("judged_value", Float64),
        ("role", Utf8),
        ("carried_forward", Int64),
        ("reporting", Int64),
        ("expected", Int64),
        ("dataset_version", Int64),
    ]
    .into_iter()
    .map(|(n, t)| Field::new(n, t, true))
    .collect();
    Arc::new(Schema::new(fields))
}

pub(crate) fn kpis_batch(eval: &Evaluation) -> Result<RecordBatch> {
    let mut s: [StringBuilder; 11] = std::array::from_fn(|_| StringBuilder::new());
    let mut f: [Float64Builder; 7] = std::array::from_fn(|_| Float64Builder::new());
    let mut n: [Int64Builder; 4] = std::array::from_fn(|_| Int64Builder::new());
    for k in &eval.kpis {
        let j = &k.judgement;
        s[0].append_value(k.period.to_string());
        s[1].append_value(k.scope.as_str());
        s[2].append_value(&k.scope_id);
        s[3].append_value(&k.indicator);
        s[4].append_value(k.unit.as_str());
        s[5].append_option(j.baseline_period.map(|p| p.to_string()));
        s[6].append_option(k.target.as_ref().map(|t| t.rule.as_str()));
        s[7].append_value(j.status.as_str());
        s[8].append_option(j.trend.map(|t| t.as_str()));
        s[9].append_option(j.judged_period.map(|p| p.to_string()));
        s[10].append_option(k.role().map(|r| r.as_str()));
        for (b, v) in f.iter_mut().zip([
            j.value,
            j.baseline_value,
            k.target.as_ref().map(|t| t.amount),
            j.target_level,
            j.projected,
            j.progress,
            j.judged_value,
        ]) {
            b.append_option(v);
        }
        n[0].append_value(k.reporting as i64);
        n[1].append_value(k.expected as i64);
        n[2].append_value(eval.dataset_version as i64);
        n[3].append_option(k.carried_forward.map(|c| c as i64));
    }
    let [
        mut period,
        mut scope,
        mut id,
        mut ind,
        mut unit,
        mut bp,
        mut rule,
        mut status,
        mut trend,
        mut judged_period,
        mut role,
    ] = s;
    let [
        mut value,
        mut bv,
        mut amount,
        mut level,
        mut projected,
        mut progress,
        mut judged_value,
    ] = f;
    let [mut reporting, mut expected, mut version, mut carried] = n;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(period.finish()),
        Arc::new(scope.finish()),
        Arc::new(id.finish()),
        Arc::new(ind.finish()),
        Arc::new(value.finish()),
        Arc::new(unit.finish()),
        Arc::new(bp.finish()),
        Arc::new(bv.finish()),
        Arc::new(rule.finish()),
        Arc::new(amount.finish()),
        Arc::new(level.finish()),
        Arc::new(projected.finish()),
        Arc::new(progress.finish()),
        Arc::new(status.finish()),
        Arc::new(trend.finish()),
        Arc::new(judged_period.finish()),
        Arc::new(judged_value.finish()),
        Arc::new(role.finish()),
        Arc::new(carried.finish()),
        Arc::new(reporting.finish()),
        Arc::new(expected.finish()),
        Arc::new(version.finish()),
    ];
    RecordBatch::try_new(kpis_schema(), cols).map_err(|e| EngineError::Runtime(e.to_string()))
}
