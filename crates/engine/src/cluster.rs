//! The indicators on an Apache DataFusion Ballista cluster (the `cluster` feature):
//! the client session of `evaluate --engine df://HOST:PORT`, the shared scratch
//! location the parameter tables and the computed-once views are kept in, and the
//! scheduler and executor that `clusterkpi cluster …` serves.
//!
//! Client, scheduler and executors are one binary, so they share DataFusion's
//! functions, the plan encoding and Ballista's protocol version. A Ballista plan cannot
//! carry an in-memory table, so everything the local evaluation holds in memory is a
//! Parquet file here: the client writes the small parameter tables (plan, targets,
//! quarters, phase-1 series), the cluster writes the views it computes once
//! (`spill`), and both are read back as listing tables by whichever executor runs a
//! task. The scratch location is therefore one every process reaches: a temporary
//! folder for a dataset in a folder (one host, or a folder mounted at the same path on
//! every host), `<dataset>/_scratch/<run>/` for a dataset on object storage. It is
//! removed when the evaluation ends.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStore, ObjectStoreExt as _};
use url::Url;

use crate::{EngineError, Result};

/// Object stores by URL: an `s3://bucket/…` URL seen for the first time gets a client
/// from the usual `AWS_*` variables, as the dataset's own (`lake::remote`) does, so an
/// operator sets one environment on every host.
#[derive(Debug, Default)]
pub(crate) struct S3OnDemand {
    inner: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for S3OnDemand {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.inner.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        self.inner.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        match self.inner.get_store(url) {
            Ok(store) => Ok(store),
            Err(_) if url.scheme() == "s3" => {
                let bucket = url.host_str().ok_or_else(|| {
                    DataFusionError::Configuration(format!("{url}: no bucket in the URL"))
                })?;
                let store: Arc<dyn ObjectStore> = Arc::new(
                    AmazonS3Builder::from_env()
                        .with_bucket_name(bucket)
                        .build()
                        .map_err(|e| DataFusionError::ObjectStore(Box::new(e)))?,
                );
                self.inner.register_store(url, Arc::clone(&store));
                Ok(store)
            }
            Err(e) => Err(e),
        }
    }
}

/// The runtime every side uses: S3 on demand, spill files under `temp`.
fn runtime_env(registry: Arc<S3OnDemand>, temp: Option<PathBuf>) -> DfResult<Arc<RuntimeEnv>> {
    let mut builder = RuntimeEnvBuilder::new().with_object_store_registry(registry);
    if let Some(dir) = temp {
        builder = builder.with_temp_file_path(dir);
    }
    builder.build_arc()
}

/// The client session for a cluster whose scheduler listens at `host:port`: our
/// runtime (S3 on demand) upgraded for Ballista, so that `collect` sends each query to
/// the scheduler and fetches its result from the executors.
pub(crate) async fn context(host: &str, port: u16) -> Result<SessionContext> {
    use ballista::prelude::{SessionConfigExt as _, SessionContextExt as _};
    let url = format!("df://{host}:{port}");
    let runtime = runtime_env(Arc::default(), None).map_err(crate::register::df_err(&url))?;
    // The static distributed planner: Ballista 55's adaptive one (on by default) never
    // finished the roster join when one side of an anti join was an empty table (the
    // dataset's `superseded` before any correction): it kept adding stages, 19,800 in
    // ten minutes, each an empty task.
    let config = SessionConfig::new_with_ballista()
        .with_ballista_adaptive_query_planner(false)
        .with_target_partitions(crate::register::partitions())
        .with_information_schema(true);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    let ctx = SessionContext::remote_with_state(&url, state)
        .await
        .map_err(|e| unreachable_cluster(&url, &e))?;
    // One small query first: an unreachable scheduler or a cluster without executors
    // fails here, in seconds and in words, not in the first indicator.
    let probe = async {
        ctx.sql("SELECT 1 AS ready")
            .await?
            .collect()
            .await
            .map(|_| ())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(PROBE_SECONDS), probe).await {
        Ok(Ok(())) => Ok(ctx),
        Ok(Err(e)) => Err(unreachable_cluster(&url, &e)),
        Err(_) => Err(EngineError::Runtime(format!(
            "cannot run on the cluster at {url}: no answer in {PROBE_SECONDS} s (is an \
             executor registered with the scheduler?)"
        ))),
    }
}

/// How long the first query may wait for the cluster.
const PROBE_SECONDS: u64 = 60;

fn unreachable_cluster(url: &str, e: &DataFusionError) -> EngineError {
    EngineError::Runtime(format!("cannot run on the cluster at {url}: {e}"))
}

/// The folder or object-storage prefix an evaluation on a cluster keeps its Parquet
/// tables in; every process of the cluster reads and writes it.
pub(crate) struct Scratch {
    /// A URL or an absolute path, without a trailing `/`.
    base: String,
    /// The temporary folder, removed on drop, when the scratch is local.
    _local: Option<tempfile::TempDir>,
    /// The prefix to delete at the end, when the scratch is on object storage.
    remote: Option<ListingTableUrl>,
}

impl Scratch {
    /// A new scratch location: under the dataset's URL on object storage, else a
    /// temporary folder.
    pub(crate) fn new(dataset_url: Option<&str>) -> Result<Self> {
        match dataset_url {
            Some(url) => {
                let base = format!(
                    "{}/{}/{}-{}",
                    url.trim_end_matches('/'),
                    clusterkpi_lake::SCRATCH,
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos())
                );
                let remote = ListingTableUrl::parse(format!("{base}/"))
                    .map_err(crate::register::df_err("scratch"))?;
                Ok(Self {
                    base,
                    _local: None,
                    remote: Some(remote),
                })
            }
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("clusterkpi-scratch-")
                    .tempdir()
                    .map_err(|e| {
                        EngineError::Runtime(format!("cannot create a scratch folder: {e}"))
                    })?;
                Ok(Self {
                    base: dir.path().display().to_string(),
                    _local: Some(dir),
                    remote: None,
                })
            }
        }
    }

    /// Where the table `name` is kept.
    pub(crate) fn location(&self, name: &str) -> String {
        format!("{}/{name}.parquet", self.base)
    }

    /// Writes one batch from the client as the table `name`; returns its location.
    pub(crate) async fn write_batch(
        &self,
        ctx: &SessionContext,
        name: &str,
        batch: &RecordBatch,
    ) -> Result<String> {
        let location = self.location(name);
        let fail = |e: &dyn std::fmt::Display| EngineError::Runtime(format!("{location}: {e}"));
        let mut bytes = Vec::new();
        let mut writer =
            datafusion::parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None)
                .map_err(|e| fail(&e))?;
        writer.write(batch).map_err(|e| fail(&e))?;
        writer.close().map_err(|e| fail(&e))?;
        let url = ListingTableUrl::parse(&location).map_err(crate::register::df_err(name))?;
        let store = ctx
            .runtime_env()
            .object_store(url.object_store())
            .map_err(crate::register::df_err(name))?;
        store
            .put(url.prefix(), bytes.into())
            .await
            .map_err(|e| fail(&e))?;
        Ok(location)
    }

    /// Deletes what the evaluation wrote on object storage (a local folder goes on
    /// drop). Best effort: a leftover is named in a warning, never a failed evaluation.
    pub(crate) async fn remove(&self, ctx: &SessionContext) {
        let Some(url) = &self.remote else { return };
        if let Err(e) = remove_prefix(ctx, url).await {
            tracing::warn!(scratch = %self.base, error = %e, "the scratch files were not all removed");
        }
    }
}

async fn remove_prefix(ctx: &SessionContext, url: &ListingTableUrl) -> DfResult<()> {
    use futures::TryStreamExt as _;
    let store = ctx.runtime_env().object_store(url.object_store())?;
    let objects: Vec<_> = store.list(Some(url.prefix())).try_collect().await?;
    for meta in objects {
        store.delete(&meta.location).await?;
    }
    Ok(())
}

/// How `clusterkpi cluster scheduler` serves.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where it listens (gRPC for clients and executors, `/healthz` and `/readyz`).
    pub bind: SocketAddr,
    /// The name executors and clients reach it by.
    pub external_host: String,
    /// `/readyz` answers 200 once this many executors are registered.
    pub min_executors: usize,
    /// Serve result fetches through the scheduler, for clients that cannot reach the
    /// executors.
    pub flight_proxy: bool,
}

/// Serves a Ballista scheduler until SIGINT or SIGTERM.
pub fn serve_scheduler(o: SchedulerOptions) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    use ballista_scheduler::scheduler_process::start_server;
    let rt = server_runtime()?;
    rt.block_on(async move {
        let runtime =
            runtime_env(Arc::default(), None).map_err(crate::register::df_err("scheduler"))?;
        // The scheduler plans every query: it lists and reads Parquet footers, so it
        // needs the same object stores as the executors.
        let builder: ballista_scheduler::SessionBuilder = Arc::new(move |config: SessionConfig| {
            let state = ballista_core::utils::default_session_builder(config)?;
            Ok(SessionStateBuilder::new_from_existing(state)
                .with_runtime_env(Arc::clone(&runtime))
                .build())
        });
        let mut config = SchedulerConfig::default()
            .with_hostname(o.external_host)
            .with_port(o.bind.port())
            .with_enable_embedded_flight_proxy(o.flight_proxy)
            .with_override_session_builder(builder);
        config.bind_host = o.bind.ip().to_string();
        config.min_ready_executors = o.min_executors;
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(|e| EngineError::Runtime(format!("scheduler: {e}")))?;
        tokio::select! {
            served = start_server(cluster, o.bind, Arc::new(config)) => served
                .map_err(|e| EngineError::Runtime(format!("scheduler at {}: {e}", o.bind))),
            () = shutdown_signal() => Ok(()),
        }
    })
}

/// How `clusterkpi cluster executor` serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// The address it listens on.
    pub bind: String,
    /// Arrow Flight: shuffle partitions and results.
    pub port: u16,
    /// gRPC: the scheduler launches tasks here.
    pub grpc_port: u16,
    /// The name the scheduler, the other executors and clients reach it by.
    pub external_host: String,
    /// Shuffle and spill files.
    pub work_dir: PathBuf,
    /// Tasks it runs at once.
    pub vcores: usize,
    /// Memory its queries may hold, in bytes (None: Ballista's share of the machine's).
    pub memory_pool: Option<u64>,
    /// How long to keep trying to reach the scheduler at start.
    pub connect_timeout_seconds: u16,
}

/// Serves a Ballista executor until SIGINT or SIGTERM.
pub fn serve_executor(o: ExecutorOptions) -> Result<()> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    let rt = server_runtime()?;
    rt.block_on(async move {
        // One set of S3 clients for the process's tasks.
        let registry: Arc<S3OnDemand> = Arc::default();
        let work_dir = o.work_dir.clone();
        let producer: ballista_core::RuntimeProducer = Arc::new(move |_: &SessionConfig| {
            runtime_env(Arc::clone(&registry), Some(work_dir.clone()))
        });
        let config = ExecutorProcessConfig {
            bind_host: o.bind,
            external_host: Some(o.external_host),
            port: o.port,
            grpc_port: o.grpc_port,
            scheduler_host: o.scheduler_host,
            scheduler_port: o.scheduler_port,
            scheduler_connect_timeout_seconds: o.connect_timeout_seconds,
            vcores: o.vcores,
            work_dir: Some(o.work_dir.display().to_string()),
            memory_pool_size: o.memory_pool,
            override_runtime_producer: Some(producer),
            ..ExecutorProcessConfig::default()
        };
        start_executor_process(Arc::new(config))
            .await
            .map_err(|e| EngineError::Runtime(format!("executor: {e}")))
    })
}

fn server_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Runtime(format!("cannot start the server runtime: {e}")))
}

/// SIGINT (Ctrl-C) or SIGTERM, whichever comes first.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Checks that each object on the server has the size its `DataFile` records, before
/// the cluster reads it there (the local copy was checked by size and checksum; the
/// names are random and never rewritten). The error names the object.
pub(crate) async fn check_sizes(
    ctx: &SessionContext,
    urls: &[String],
    files: &[std::sync::Arc<clusterkpi_lake::DataFile>],
) -> Result<()> {
    use futures::StreamExt as _;
    let checks = urls.iter().zip(files).map(|(location, f)| async move {
        let url = ListingTableUrl::parse(location).map_err(crate::register::df_err(location))?;
        let store = ctx
            .runtime_env()
            .object_store(url.object_store())
            .map_err(crate::register::df_err(location))?;
        let meta = store
            .head(url.prefix())
            .await
            .map_err(|e| EngineError::Runtime(format!("{location}: {e}")))?;
        if meta.size == f.size {
            Ok(())
        } else {
            Err(EngineError::Runtime(format!(
                "{location}: size {} on the server, expected {}: the dataset's file was \
                 replaced",
                meta.size, f.size
            )))
        }
    });
    let results: Vec<Result<()>> = futures::stream::iter(checks).buffered(16).collect().await;
    results.into_iter().collect()
}
