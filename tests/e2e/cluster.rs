//! The indicators on an Apache DataFusion Ballista cluster served by this binary (the
//! `cluster` feature): one scheduler and two executors, each its own process on
//! 127.0.0.1, compute every figure the local evaluation computes, to the last digit,
//! with the dataset in a folder and on an S3-compatible server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// The cluster's processes, killed and reaped on drop, also when a test fails.
struct Cluster {
    children: Vec<(String, Child)>,
    port: u16,
    logs: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Cluster {
    /// A scheduler and `executors` executors (one task at a time each, so that both
    /// get work), started as an operator would, with the workspace's environment.
    /// The ports are free when chosen, but another test's server may take one before
    /// a process binds it: a cluster that stops on a port in use is started again on
    /// new ports (twice at most).
    fn start(w: &Work, executors: usize) -> Self {
        for attempt in 1.. {
            match Self::try_start(w, executors) {
                Ok(cluster) => return cluster,
                Err(log) if attempt < 3 && log.contains("Address already in use") => {}
                Err(log) => panic!("{log}"),
            }
        }
        unreachable!()
    }

    fn try_start(w: &Work, executors: usize) -> Result<Self, String> {
        let port = free_port();
        let logs = w.path("cluster-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let spawn = |name: &str, args: Vec<String>| {
            let log = std::fs::File::create(logs.join(format!("{name}.log"))).unwrap();
            let child = w
                .command()
                .arg("-v")
                .args(&args)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            (name.to_string(), child)
        };
        let mut children = vec![spawn(
            "scheduler",
            vec![
                "cluster".into(),
                "scheduler".into(),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
                "--min-executors".into(),
                executors.to_string(),
            ],
        )];
        for i in 0..executors {
            children.push(spawn(
                &format!("executor-{i}"),
                vec![
                    "cluster".into(),
                    "executor".into(),
                    "--scheduler".into(),
                    format!("127.0.0.1:{port}"),
                    "--port".into(),
                    free_port().to_string(),
                    "--grpc-port".into(),
                    free_port().to_string(),
                    "--vcores".into(),
                    "1".into(),
                    "--work-dir".into(),
                    w.path(&format!("executor-{i}")).display().to_string(),
                ],
            ));
        }
        let mut cluster = Cluster {
            children,
            port,
            logs,
        };
        cluster.wait_ready(Duration::from_secs(60))?;
        Ok(cluster)
    }

    /// Until the scheduler's /readyz says 200: every executor registered. A process
    /// that exits first is an error with its log (the cluster is stopped on drop).
    fn wait_ready(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            for (name, child) in &mut self.children {
                if let Some(status) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(self.logs.join(format!("{name}.log")));
                    return Err(format!(
                        "{name} exited ({status}) before the cluster was ready:\n{log:?}"
                    ));
                }
            }
            if http_status(self.port, "/readyz") == Some(200) {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "the cluster was not ready in {within:?}:\n{}",
                self.log("scheduler")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.port)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{name}.log"))).unwrap_or_default()
    }

    fn logs(&self) -> String {
        self.children
            .iter()
            .map(|(name, _)| format!("--- {name}\n{}", self.log(name)))
            .collect()
    }
}

/// The status of a plain HTTP/1.1 GET (the scheduler serves gRPC and HTTP on one port).
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply.split(' ').nth(1)?.parse().ok()
}

/// Ingests a generated city with defects (quarantined rows, carry-forward,
/// corrections), evaluates it locally and on a new cluster; the cluster's kpis.csv and
/// series.csv must be the local ones, byte for byte.
fn local_and_cluster_agree(w: &Work) -> Cluster {
    w.generate(".", 400, "2020Q1", "2023Q2", true);
    let p = w.pipeline();
    let p = p.to_str().unwrap();
    let r = w.run(&["run", p, "--period", "2023Q2"]);
    assert!(r.code == 0 || r.code == 3, "{r:?}");
    let local = |f: &str| std::fs::read(w.path(&format!("reports/2023Q2/{f}"))).unwrap();
    let (kpis, series) = (local("kpis.csv"), local("series.csv"));

    let cluster = Cluster::start(w, 2);
    let r = w.run(&[
        "evaluate",
        "--pipeline",
        p,
        "--period",
        "2023Q2",
        "--out",
        "on-cluster",
        "--engine",
        &cluster.url(),
    ]);
    assert!(r.code == 0 || r.code == 3, "{r:?}\n{}", cluster.logs());
    for (name, local) in [("kpis.csv", kpis), ("series.csv", series)] {
        let remote = std::fs::read(w.path(&format!("on-cluster/2023Q2/{name}"))).unwrap();
        assert!(
            local == remote,
            "{name}: {:#?}",
            first_differing_lines(&local, &remote)
        );
    }
    // The queries ran on the cluster: both executors ran tasks.
    for i in 0..2 {
        let log = cluster.log(&format!("executor-{i}"));
        assert!(
            log.contains("Execute task"),
            "executor {i} ran no task:\n{}",
            cluster.logs()
        );
    }
    cluster
}

#[test]
fn a_scheduler_and_two_executors_compute_the_local_figures_to_the_last_digit() {
    let w = Work::new();
    let cluster = local_and_cluster_agree(&w);

    // Where nothing listens, the evaluation fails in words, naming the address.
    drop(cluster);
    let gone = format!("df://127.0.0.1:{}", free_port());
    let r = w.run(&[
        "evaluate",
        "--pipeline",
        w.path("pipeline.toml").to_str().unwrap(),
        "--engine",
        &gone,
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("cannot run on the cluster at {gone}")),
        "{r:?}"
    );
}

#[cfg(feature = "delta")]
#[test]
fn on_object_storage_the_executors_read_the_dataset_from_the_server() {
    let Some(w) = Work::on_s3() else { return };
    let cluster = local_and_cluster_agree(&w);
    // The scheduler planned reads of the server's objects (a plan names them by their
    // key in the bucket), not of this machine's local copy, and of the scratch tables
    // written beside the dataset; those were removed at the end.
    let planned = cluster.log("scheduler");
    for key in [
        "[[lake/report_history/v",
        "lake/_scratch/",
        "/facts.parquet",
    ] {
        assert!(planned.contains(key), "{key}:\n{}", cluster.logs());
    }
    assert!(!planned.contains("/cache/"), "{}", cluster.logs());
    let left = w.list_objects("lake/_scratch/");
    assert!(left.is_empty(), "{left:?}");
}
