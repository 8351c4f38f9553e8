//! `clusterkpi cluster scheduler|executor`: an Apache DataFusion Ballista cluster served
//! by this binary, so that client, scheduler and executors share one DataFusion and
//! one plan encoding.

use anyhow::{Context, Result};
use clusterkpi_engine::cluster::{ExecutorOptions, SchedulerOptions};

use crate::cli::ClusterRole;
use crate::exit::Exit;

pub(crate) fn run(role: ClusterRole) -> Result<Exit> {
    match role {
        ClusterRole::Scheduler {
            bind,
            external_host,
            min_executors,
            flight_proxy,
        } => {
            say!("scheduler listening on {bind} (stop with Ctrl-C or SIGTERM)");
            clusterkpi_engine::cluster::serve_scheduler(SchedulerOptions {
                bind,
                external_host: external_host.unwrap_or_else(|| bind.ip().to_string()),
                min_executors,
                flight_proxy,
            })?;
        }
        ClusterRole::Executor {
            scheduler,
            bind,
            port,
            grpc_port,
            external_host,
            work_dir,
            vcores,
            memory_mib,
            connect_timeout,
        } => {
            let (scheduler_host, scheduler_port) = scheduler;
            // A folder for shuffle files that lives as long as the process.
            let (work_dir, _temporary) = match work_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    (dir, None)
                }
                None => {
                    let t = tempfile::Builder::new()
                        .prefix("clusterkpi-executor-")
                        .tempdir()
                        .context("creating the executor's work folder")?;
                    (t.path().to_path_buf(), Some(t))
                }
            };
            say!(
                "executor on {bind}:{port} registering with {scheduler_host}:{scheduler_port} \
                 (stop with Ctrl-C or SIGTERM)"
            );
            clusterkpi_engine::cluster::serve_executor(ExecutorOptions {
                scheduler_host,
                scheduler_port,
                external_host: external_host.unwrap_or_else(|| bind.clone()),
                bind,
                port,
                grpc_port,
                work_dir,
                vcores: vcores
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
                memory_pool: memory_mib.map(|m| m << 20),
                connect_timeout_seconds: connect_timeout,
            })?;
        }
    }
    Ok(Exit::Complete)
}
