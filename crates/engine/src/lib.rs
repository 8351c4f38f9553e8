//! The evaluation engine: the only crate that runs SQL.
//!
//! ```text
//!  dataset snapshot ──register──▶ report_history, superseded, roster, clusters,
//!                                 values_history, plan, periods, targets
//!   views.sql ─▶ reports, reports_in_roster, carried, facts, growth (per quarter and
//!                scope, each in one pass over the rows), coverage, reported_values, …
//!   phase 1: <indicator>.sql, reported.sql ─▶ series
//!   phase 2: digital_cluster_count.sql (reads series)
//!   ─▶ full grid (every quarter × scope × indicator) ─▶ status::judge ─▶ Evaluation
//! ```
//!
//! DataFusion runs on a small multi-threaded runtime created per call, so callers
//! (the command line) stay synchronous.

#[cfg(feature = "cluster")]
pub mod cluster;
mod decimal_cast;
mod register;
pub mod sql;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use clusterkpi_lake::{Lake, Snapshot};
use clusterkpi_model::catalogue::Kind;
use clusterkpi_model::pipeline::Engine;
use clusterkpi_model::status::{judge, relative_reading};
use clusterkpi_model::{
    Cluster, Evaluation, Indicator, KpiRow, Language, Missing, Period, Plan, Scope, SeriesRow,
};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::prelude::SessionContext;

pub use datafusion::arrow;

/// The Parquet writer of DataFusion's pinned version, for query exports.
pub mod parquet {
    pub use datafusion::parquet::arrow::ArrowWriter;
}
pub use register::{is_large, parameters, rows_before_large, sql_session};
pub use sql::Definitions;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("indicator definitions: {0}")]
    Definitions(String),
    #[error("{origin}: {source}")]
    Sql {
        origin: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
    #[error(transparent)]
    Lake(#[from] clusterkpi_lake::LakeError),
    #[error("no report data in the dataset (version {0}); ingest report files first")]
    NoData(u64),
    #[error("as-of quarter {0} is before the earliest reported quarter {1}")]
    TooEarly(Period, Period),
    #[error("{0}")]
    Runtime(String),
    /// An ad-hoc query that would write (or several at once): refused before it ran.
    #[error("{0}")]
    ReadOnly(String),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// What to evaluate.
pub struct Request<'a> {
    pub lake: &'a Lake,
    /// The dataset version to compute on ([`Lake::snapshot`]), resolved once by the
    /// caller, which also decides from it how the process should hold its memory
    /// ([`is_large`]).
    pub snapshot: &'a Snapshot,
    pub plan: &'a Plan,
    pub plan_path: String,
    pub plan_sha256: String,
    /// The as-of quarter (None: the latest quarter with report data).
    pub as_of: Option<Period>,
    pub language: Language,
    pub definitions: &'a Definitions,
    /// Where the queries run.
    pub engine: &'a Engine,
}

/// The query runtime: a worker thread per partition, and as many threads for the
/// blocking file reads.
///
/// Tokio's default of up to 512 blocking threads let DataFusion's reads of the
/// dataset's files run on a new thread for each, and the buffers they allocated were
/// freed by the workers that decoded them: memory the allocator gives back only when
/// its thread allocates again, which an idle reading thread does not. At 100x the sample
/// city the evaluation's resident memory after keeping the roster join was 785-903 MB
/// with the default and 614-636 MB with two reading threads (444 MB of it the view's
/// rows), its peak 840-947 MB against 669-716, in the same time (alternated runs).
fn runtime() -> Result<tokio::runtime::Runtime> {
    let threads = register::partitions().max(2);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .max_blocking_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| EngineError::Runtime(format!("cannot start the query runtime: {e}")))
}

/// Runs an ad-hoc query over the dataset's tables (and the saved scorecards). Queries
/// only read: anything that would write is refused before it runs ([`sql::read_only`]).
pub fn query(lake: &Lake, version: Option<u64>, sql: &str) -> Result<Vec<RecordBatch>> {
    runtime()?.block_on(async {
        let snapshot = lake.snapshot(version)?;
        let ctx = sql_session(lake, &snapshot).await?;
        sql::read_only(&ctx, sql).await
    })
}

async fn run(ctx: &SessionContext, sql: &str, origin: &str) -> Result<Vec<RecordBatch>> {
    let wrap = |source| EngineError::Sql {
        origin: origin.to_string(),
        source,
    };
    let started = std::time::Instant::now();
    let df = ctx.sql(sql).await.map_err(wrap)?;
    let batches = df.collect().await.map_err(wrap)?;
    tracing::debug!(origin, seconds = started.elapsed().as_secs_f64(), "query");
    Ok(batches)
}

/// How many indicator queries run at the same time. One query keeps the two cores of
/// the benchmark machine about two-thirds busy (its hash-table builds and final
/// aggregation run on one); two at a time fill them. Values do not depend on it: each
/// query's result is collected whole and the values are keyed, not ordered.
const CONCURRENT_QUERIES: usize = 2;

/// Runs the indicators' queries, [`CONCURRENT_QUERIES`] at a time, each on its own
/// task; returns their results in the indicators' order.
async fn run_concurrently<'a>(
    ctx: &SessionContext,
    defs: &Definitions,
    indicators: &[&'a Indicator],
) -> Result<Vec<(&'a Indicator, Vec<RecordBatch>)>> {
    use futures::StreamExt;
    let mut jobs = Vec::with_capacity(indicators.len());
    for ind in indicators {
        let (ctx, sql, origin) = (ctx.clone(), defs.sql(&ind.id)?, defs.origin(&ind.id));
        jobs.push(async move { tokio::spawn(async move { run(&ctx, &sql, &origin).await }).await });
    }
    let results: Vec<_> = futures::stream::iter(jobs)
        .buffered(CONCURRENT_QUERIES)
        .collect()
        .await;
    let mut out = Vec::with_capacity(indicators.len());
    for (ind, joined) in indicators.iter().zip(results) {
        let batches = joined
            .map_err(|e| EngineError::Runtime(format!("an indicator query failed: {e}")))??;
        out.push((*ind, batches));
    }
    Ok(out)
}

/// Runs `query` on its own task with a handle to the session.
async fn spawned<T, F, Fut>(ctx: &SessionContext, query: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(SessionContext) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
{
    tokio::spawn(query(ctx.clone()))
        .await
        .map_err(|e| EngineError::Runtime(format!("a query failed: {e}")))?
}

/// Views computed once and held in memory as soon as `views.sql` creates them, so the
/// views and queries after them read the result instead of recomputing it (on a
/// cluster, kept as scratch files). One is large: the roster join of the current rows,
/// which the views after it read five times (444 MB at 100x the sample city, 7.1
/// million rows, in the narrow form `views.sql` gives it). The others are small: the
/// roster with its integer keys, the enterprises carried forward (a few percent of the
/// rows), the per-quarter and per-scope `facts` and `growth` sums the indicators are
/// made of, each computed in one pass over the rows (the clusters' facts, which
/// `facts` reads twice: for each cluster and summed for the city), and the reporting
/// coverage per quarter and scope, which `reporting_rate` and the report both read
/// (0.07 s each time at 10x).
const CACHED_VIEWS: [&str; 7] = [
    "roster_keyed",
    "reports_in_roster",
    "carried",
    "cluster_facts",
    "facts",
    "growth",
    "coverage",
];

/// Views whose rows carry a `slice` of their join's key (`quarter_key & (n - 1) AS
/// slice` in `views.sql`), with n: a large dataset's evaluation computes each one slice
/// at a time and keeps the union, so that a join inside holds one slice of the rows
/// (see `growth_slices`). Held in memory like the cached views.
const SLICED_VIEWS: [(&str, i64); 1] = [("growth_slices", 2)];

/// Runs `views.sql` and keeps its cached and sliced views as each is created. A kept
/// view is computed on its own task while the statements after it run, and a
/// statement waits only for the kept views it names: `growth_slices` is computed while
/// `carried` and `facts` are (one after another, they left a core idle for much of a
/// 10x evaluation; see `docs/PERFORMANCE.md`). A large dataset's views are kept one
/// after another, as its memory is planned for one at a time (`docs/ARCHITECTURE.md`).
async fn keep_views(
    ctx: &SessionContext,
    keep: &register::Keep,
    script: &str,
    origin: &str,
) -> Result<()> {
    let creates = |stmt: &str, v: &str| stmt.starts_with(&format!("CREATE VIEW {v} "));
    let concurrent = matches!(keep, register::Keep::Memory);
    let mut pending: Vec<(&'static str, tokio::task::JoinHandle<Result<()>>)> = Vec::new();
    for stmt in sql::statements(script) {
        // A view is resolved when it is created: one that reads a kept view must be
        // created after that view is replaced by its rows, or it would compute them
        // again. Naming it is enough to wait (a column of the same name only waits).
        let mut still = Vec::with_capacity(pending.len());
        for (view, task) in pending {
            if sql::names(&stmt, view) {
                joined(view, task).await?;
            } else {
                still.push((view, task));
            }
        }
        pending = still;
        run(ctx, &stmt, origin).await?;
        let kept = CACHED_VIEWS.iter().copied().find(|v| creates(&stmt, v));
        let sliced = SLICED_VIEWS.iter().find(|(v, _)| creates(&stmt, v));
        let view = kept.or(sliced.map(|(v, _)| *v));
        if let (true, Some(view)) = (concurrent, view) {
            // In memory every kept view is a cache of its rows (`keep_view`).
            let ctx = ctx.clone();
            pending.push((
                view,
                tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    register::cache(&ctx, view).await?;
                    log_kept(view, started);
                    Ok(())
                }),
            ));
        } else if let Some(view) = view {
            let started = std::time::Instant::now();
            match sliced {
                Some((_, slices)) => register::keep_sliced(ctx, keep, view, *slices).await?,
                None => register::keep_view(ctx, keep, view).await?,
            }
            log_kept(view, started);
        }
    }
    for (view, task) in pending {
        joined(view, task).await?;
    }
    Ok(())
}

/// The debug log's line for a kept view: how long it took and the process's resident
/// memory after it.
fn log_kept(view: &str, started: std::time::Instant) {
    tracing::debug!(
        view,
        seconds = started.elapsed().as_secs_f64(),
        resident_mb = resident_mb(),
        "kept"
    );
}

/// The process's resident memory in MB (Linux), for the debug log of kept views.
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / 1_000_000)
}

/// The outcome of a kept view's task.
async fn joined(view: &str, task: tokio::task::JoinHandle<Result<()>>) -> Result<()> {
    task.await
        .map_err(|e| EngineError::Runtime(format!("keeping the view {view} failed: {e}")))?
}

/// The quarter an evaluation of `snapshot` is as of: `requested`, or the latest quarter
/// with accepted report rows (None when there is none), read from the dataset's file
/// list without a query, so a caller can start what depends on it (the report's
/// arrivals) beside the evaluation.
#[must_use]
pub fn as_of(snapshot: &Snapshot, requested: Option<Period>) -> Option<Period> {
    reported_range(snapshot).map(|(_, last)| requested.unwrap_or(last))
}

/// The first and last quarter with accepted report rows, from the dataset's file list.
fn reported_range(snapshot: &Snapshot) -> Option<(Period, Period)> {
    let mut periods = snapshot
        .data_files(clusterkpi_lake::Table::ReportHistory)
        .iter()
        .flat_map(|f| f.periods.iter())
        .filter_map(|p| p.parse::<Period>().ok());
    let first = periods.next()?;
    Some(periods.fold((first, first), |(lo, hi), p| (lo.min(p), hi.max(p))))
}

type Key = (Period, Scope, String, String);

/// Computes every indicator for every scope and quarter up to the as-of quarter and
/// judges every target.
pub fn evaluate(req: &Request<'_>) -> Result<Evaluation> {
    runtime()?.block_on(evaluate_async(req))
}

async fn evaluate_async(req: &Request<'_>) -> Result<Evaluation> {
    let snapshot = req.snapshot;
    let Some((first, last)) = reported_range(snapshot) else {
        return Err(EngineError::NoData(snapshot.version()));
    };
    let as_of = req.as_of.unwrap_or(last);
    if as_of < first {
        return Err(EngineError::TooEarly(as_of, first));
    }
    let (ctx, keep) =
        register::session(req.engine, req.lake, snapshot, req.plan, first, as_of).await?;
    let computed = compute(&ctx, &keep, req, snapshot, first, as_of).await;
    keep.remove(&ctx).await;
    computed
}

/// The evaluation on a session with the dataset and parameters registered.
async fn compute(
    ctx: &SessionContext,
    keep: &register::Keep,
    req: &Request<'_>,
    snapshot: &Snapshot,
    first: Period,
    as_of: Period,
) -> Result<Evaluation> {
    let defs = req.definitions;
    keep_views(ctx, keep, &defs.sql("views")?, &defs.origin("views")).await?;

    // The side queries on their own tasks, started before the indicators and beside
    // them: they are independent of the indicators and of each other, and one after
    // another they were a fifth of a 10x evaluation's queries; after the indicators,
    // they still took 25 ms at 10x (52 ms at 100x) while the indicators' small
    // queries, two at a time, left a core partly idle. Only the rows per quarter scan
    // the history's files; the others read the views kept in memory (non-reporters of
    // the as-of quarter and, in a final evaluation, of the deadline the targets are
    // judged at).
    let judged = clusterkpi_model::status::judged_quarter(as_of, req.plan.deadline);
    let judged = (judged != as_of && judged >= first).then_some(judged);
    let side = tokio::spawn({
        let ctx = ctx.clone();
        async move {
            tokio::try_join!(
                spawned(&ctx, |ctx| async move { coverage(&ctx).await }),
                spawned(&ctx, |ctx| async move { carried(&ctx).await }),
                spawned(&ctx, |ctx| async move { clusters(&ctx).await }),
                spawned(&ctx, |ctx| async move { missing(&ctx, as_of).await }),
                spawned(&ctx, |ctx| async move { rows_per_period(&ctx).await }),
                spawned(&ctx, |ctx| async move {
                    match judged {
                        Some(p) => missing(&ctx, p).await,
                        None => Ok(Vec::new()),
                    }
                }),
            )
        }
    });

    // Phase 1: every SQL indicator, then the reported ones.
    let mut values: HashMap<Key, Option<f64>> = HashMap::new();
    let indicators: Vec<&Indicator> = defs.catalogue.iter().collect();
    let phase1: Vec<&Indicator> = indicators
        .iter()
        .copied()
        .filter(|i| i.kind == Kind::Sql && i.phase == 1)
        .collect();
    for (ind, batches) in run_concurrently(ctx, defs, &phase1).await? {
        collect_values(&batches, Some(&ind.id), &mut values, &defs.origin(&ind.id))?;
    }
    if indicators.iter().any(|i| i.kind == Kind::Reported) {
        let batches = run(ctx, &defs.sql("reported")?, &defs.origin("reported")).await?;
        collect_values(&batches, None, &mut values, &defs.origin("reported"))?;
    }
    register::series(ctx, keep, &values).await?;
    for ind in indicators
        .iter()
        .filter(|i| i.kind == Kind::Sql && i.phase > 1)
    {
        let batches = run(ctx, &defs.sql(&ind.id)?, &defs.origin(&ind.id)).await?;
        collect_values(&batches, Some(&ind.id), &mut values, &defs.origin(&ind.id))?;
    }

    let (coverage, carried, clusters, mut missing, rows_per_period, missing_judged) =
        side.await
            .map_err(|e| EngineError::Runtime(format!("a query failed: {e}")))??;
    missing.extend(missing_judged);

    // The full grid: every quarter × scope × indicator, null where nothing was computed.
    let mut scopes: Vec<(Scope, String)> = vec![(Scope::City, req.plan.city.clone())];
    scopes.extend(clusters.iter().map(|c| (Scope::Cluster, c.id.clone())));
    let mut series = Vec::new();
    let mut kpis = Vec::new();
    for ind in &indicators {
        for (scope, id) in scopes.iter().filter(|(s, _)| ind.has_scope(*s)) {
            let mut points = Vec::new();
            for p in first.through(as_of) {
                let value = values
                    .get(&(p, *scope, id.clone(), ind.id.clone()))
                    .copied()
                    .flatten();
                let (reporting, expected) = coverage
                    .get(&(p, *scope, id.clone()))
                    .copied()
                    .unwrap_or((0, 0));
                series.push(SeriesRow {
                    period: p,
                    scope: *scope,
                    scope_id: id.clone(),
                    indicator: ind.id.clone(),
                    value,
                    unit: ind.unit,
                    reporting,
                    expected,
                    carried_forward: ind
                        .carry_forward
                        .then(|| carried.get(&(p, *scope, id.clone())).copied().unwrap_or(0)),
                });
                points.push((p, value));
            }
            let target = req.plan.target(&ind.id, *scope);
            let judgement = judge(
                &points,
                as_of,
                req.plan.baseline,
                req.plan.deadline,
                ind,
                target,
            );
            let relative = target.filter(|t| t.unit_in_doubt()).map(|t| {
                judge(
                    &points,
                    as_of,
                    req.plan.baseline,
                    req.plan.deadline,
                    ind,
                    Some(&relative_reading(t)),
                )
            });
            let (reporting, expected) = coverage
                .get(&(as_of, *scope, id.clone()))
                .copied()
                .unwrap_or((0, 0));
            kpis.push(KpiRow {
                period: as_of,
                scope: *scope,
                scope_id: id.clone(),
                indicator: ind.id.clone(),
                unit: ind.unit,
                target: target.cloned(),
                judgement,
                relative_reading: relative,
                reporting,
                expected,
                carried_forward: ind.carry_forward.then(|| {
                    carried
                        .get(&(as_of, *scope, id.clone()))
                        .copied()
                        .unwrap_or(0)
                }),
            });
        }
    }

    let issues = clusterkpi_lake::read_issues(snapshot)?;
    let quarantined_for_period = issues
        .iter()
        .filter(|i| !i.is_warning() && i.period == Some(as_of))
        .map(|i| (i.file.clone(), i.line))
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    Ok(Evaluation {
        plan: req.plan.clone(),
        plan_path: req.plan_path.clone(),
        plan_sha256: req.plan_sha256.clone(),
        indicators: defs.catalogue.iter().cloned().collect(),
        as_of,
        language: req.language,
        dataset_version: snapshot.version(),
        clusters,
        kpis,
        series,
        files: snapshot.file_records(),
        issues,
        rows_per_period,
        missing,
        quarantined_for_period,
    })
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a Arc<dyn Array>> {
    batch.schema().index_of(name).ok().map(|i| batch.column(i))
}

fn f64_at(a: &dyn Array, i: usize) -> Option<f64> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Float64 => Some(a.as_primitive::<Float64Type>().value(i)),
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(i) as f64),
        DataType::Int32 => Some(f64::from(a.as_primitive::<Int32Type>().value(i))),
        DataType::UInt64 => Some(
            a.as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
                .value(i) as f64,
        ),
        _ => None,
    }
}

fn str_at(a: &dyn Array, i: usize) -> String {
    match a.data_type() {
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        _ => a.as_string::<i32>().value(i).to_string(),
    }
}

fn scope_of(s: &str) -> Option<Scope> {
    match s {
        "city" => Some(Scope::City),
        "cluster" => Some(Scope::Cluster),
        _ => None,
    }
}

/// Reads `(period, scope, scope_id, [indicator,] value)` rows.
fn collect_values(
    batches: &[RecordBatch],
    indicator: Option<&str>,
    into: &mut HashMap<Key, Option<f64>>,
    origin: &str,
) -> Result<()> {
    for b in batches {
        let need = |n: &str| {
            column(b, n).ok_or_else(|| {
                EngineError::Definitions(format!(
                    "{origin}: the query must return a column named `{n}`"
                ))
            })
        };
        let (period, scope, scope_id, value) = (
            need("period")?,
            need("scope")?,
            need("scope_id")?,
            need("value")?,
        );
        let ind_col = match indicator {
            Some(_) => None,
            None => Some(need("indicator")?),
        };
        for i in 0..b.num_rows() {
            let Ok(p) = str_at(period.as_ref(), i).parse::<Period>() else {
                continue;
            };
            let Some(s) = scope_of(&str_at(scope.as_ref(), i)) else {
                continue;
            };
            let ind = match (indicator, ind_col) {
                (Some(id), _) => id.to_string(),
                (None, Some(c)) => str_at(c.as_ref(), i),
                (None, None) => unreachable!("one of the two is set"),
            };
            let v = f64_at(value.as_ref(), i).filter(|x| x.is_finite());
            into.insert((p, s, str_at(scope_id.as_ref(), i), ind), v);
        }
    }
    Ok(())
}

/// Reads `(period, scope, scope_id, n₁, n₂, …)` rows into whole numbers per quarter and
/// scope.
async fn per_scope<const N: usize>(
    ctx: &SessionContext,
    sql: &str,
    origin: &str,
) -> Result<HashMap<(Period, Scope, String), [u64; N]>> {
    let mut out = HashMap::new();
    for b in run(ctx, sql, origin).await? {
        for i in 0..b.num_rows() {
            let (Ok(p), Some(s)) = (
                str_at(b.column(0).as_ref(), i).parse(),
                scope_of(&str_at(b.column(1).as_ref(), i)),
            ) else {
                continue;
            };
            let counts =
                std::array::from_fn(|c| f64_at(b.column(3 + c).as_ref(), i).unwrap_or(0.0) as u64);
            out.insert((p, s, str_at(b.column(2).as_ref(), i)), counts);
        }
    }
    Ok(out)
}

/// `(reporting, expected)` per quarter and scope.
async fn coverage(ctx: &SessionContext) -> Result<HashMap<(Period, Scope, String), (u64, u64)>> {
    let sql = "SELECT period, scope, scope_id, reporting, expected FROM coverage";
    Ok(per_scope::<2>(ctx, sql, "coverage")
        .await?
        .into_iter()
        .map(|(k, [reporting, expected])| (k, (reporting, expected)))
        .collect())
}

/// Enterprises carried forward (`C(c,p)` beyond `R(c,p)`) per quarter and scope.
async fn carried(ctx: &SessionContext) -> Result<HashMap<(Period, Scope, String), u64>> {
    let sql = "SELECT period, scope, scope_id, carried FROM carry_coverage";
    Ok(per_scope::<1>(ctx, sql, "carried forward")
        .await?
        .into_iter()
        .map(|(k, [n])| (k, n))
        .collect())
}

async fn clusters(ctx: &SessionContext) -> Result<Vec<Cluster>> {
    let sql = "SELECT cluster_id, name, name_en, county, industry, established FROM clusters ORDER BY cluster_id";
    let mut out = Vec::new();
    for b in run(ctx, sql, "clusters").await? {
        for i in 0..b.num_rows() {
            let en = b.column(2);
            out.push(Cluster {
                id: str_at(b.column(0).as_ref(), i),
                name: str_at(b.column(1).as_ref(), i),
                name_en: (!en.is_null(i)).then(|| str_at(en.as_ref(), i)),
                county: str_at(b.column(3).as_ref(), i),
                industry: str_at(b.column(4).as_ref(), i),
                established: str_at(b.column(5).as_ref(), i)
                    .parse()
                    .unwrap_or_else(|_| Period::from_index(0)),
            });
        }
    }
    Ok(out)
}

/// The roster's enterprises without a current report for `as_of`, with the quarter
/// each is carried forward from. Whether an enterprise reported is asked of the roster
/// join the views keep in memory (`reports_in_roster`, by its integer key), not of
/// the history's files: a scan of every current row at 100x the sample city took
/// 0.21-0.30 s for each of the two quarters asked (docs/PERFORMANCE.md).
async fn missing(ctx: &SessionContext, as_of: Period) -> Result<Vec<Missing>> {
    let sql = format!(
        "WITH m AS ( \
           SELECT rk.ent, rk.credit_code, rk.cluster_id FROM roster_keyed rk \
           JOIN clusters c ON c.cluster_id = rk.cluster_id \
           WHERE c.established_index <= {p} \
             AND NOT EXISTS (SELECT 1 FROM reports_in_roster r \
                             WHERE r.ent = rk.ent AND r.period_index = {p})) \
         SELECT m.cluster_id, m.credit_code, ro.name, cf.from_period \
         FROM m JOIN roster ro ON ro.credit_code = m.credit_code \
         LEFT JOIN carried cf ON cf.ent = m.ent AND cf.period_index = {p} \
         ORDER BY m.cluster_id, m.credit_code",
        p = as_of.index()
    );
    let mut out = Vec::new();
    for b in run(ctx, &sql, "missing reporters").await? {
        for i in 0..b.num_rows() {
            out.push(Missing {
                period: as_of,
                cluster_id: str_at(b.column(0).as_ref(), i),
                credit_code: str_at(b.column(1).as_ref(), i),
                name: str_at(b.column(2).as_ref(), i),
                carried_from: (!b.column(3).is_null(i))
                    .then(|| str_at(b.column(3).as_ref(), i).parse().ok())
                    .flatten(),
            });
        }
    }
    Ok(out)
}

async fn rows_per_period(ctx: &SessionContext) -> Result<Vec<(Period, u64)>> {
    // By the quarter's index rather than its text: a scan of every current row that
    // decodes and hashes an integer column instead of a text one.
    let sql = "SELECT period_index, COUNT(*) AS n FROM reports GROUP BY period_index";
    let mut out = BTreeMap::new();
    for b in run(ctx, sql, "rows per period").await? {
        let Some(index) = b.column(0).as_primitive_opt::<Int32Type>() else {
            continue;
        };
        for i in (0..b.num_rows()).filter(|&i| index.is_valid(i)) {
            let p = Period::from_index(index.value(i));
            out.insert(p, f64_at(b.column(1).as_ref(), i).unwrap_or(0.0) as u64);
        }
    }
    Ok(out.into_iter().collect())
}

/// The scorecard as a table, saved beside the dataset for `sql` queries (`kpis`).
pub fn kpis_batch(eval: &Evaluation) -> Result<RecordBatch> {
    register::kpis_batch(eval)
}

#[cfg(test)]
mod tests {
    /// A sliced view of the built-in `views.sql` names its slices as the engine counts
    /// them: with `quarter_key & 3` in the file and 2 here, the last two slices would
    /// be left out of the figures of a large dataset.
    #[test]
    fn sliced_views_count_their_slices_as_the_sql_does() {
        let views = crate::Definitions::builtin().sql("views").unwrap();
        for (view, slices) in super::SLICED_VIEWS {
            assert!(
                slices.count_ones() == 1,
                "{view}: {slices} is a power of two"
            );
            let start = views
                .find(&format!("CREATE VIEW {view} AS"))
                .unwrap_or_else(|| panic!("{view} is not in views.sql"));
            let end = views[start..].find(';').map_or(views.len(), |e| start + e);
            let body = &views[start..end];
            let mask = format!("quarter_key & {}", slices - 1);
            assert!(body.contains(&format!("{mask} AS slice")), "{view}: {body}");
            // The slice is taken of the key and nothing else, with this mask only.
            assert_eq!(body.matches("key & ").count(), 2, "{view}: {body}");
            assert_eq!(body.matches(&mask).count(), 2, "{view}: {body}");
        }
    }
}
