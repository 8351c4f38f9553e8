//! A temporary workspace per test, hand-made input files and a way to run the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clusterkpi_ingest::value::credit_check_char;

/// Outside tools (moto, a free port); std only, shared with the dataset crate's tests.
#[path = "../../crates/lake/tests/common/tools.rs"]
mod tools;
use tools::Moto;
#[cfg(feature = "cluster")]
pub use tools::free_port;
#[cfg(feature = "delta")]
pub use tools::readers_python;
#[cfg(feature = "delta")]
use tools::{create_bucket, moto};

/// The date the tests run "on", so that "a period after the current date" and the
/// generator's default last quarter do not move with the calendar.
pub const TODAY: &str = "2026-11-29";

pub struct Work {
    pub dir: tempfile::TempDir,
    /// The dataset as given to `--lake`: the folder `lake`, or `s3://…` (see
    /// [`Work::on_s3`]).
    pub lake: String,
    /// What the runs' environment adds (the S3 server's endpoint and credentials).
    env: Vec<(&'static str, String)>,
    /// The S3-compatible server of an object-storage workspace, stopped on drop.
    _s3: Option<Moto>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clusterkpi"));
    c.env("CLUSTERKPI_TODAY", TODAY)
        .env_remove("RUST_LOG")
        .env_remove("CLUSTERKPI_FAIL_AT");
    c
}

pub fn plan_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/plans/sjz-county-clusters-2021-2025.toml")
}

impl Work {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            lake: "lake".into(),
            env: Vec::new(),
            _s3: None,
        }
    }

    /// A workspace whose dataset is on an S3-compatible server (moto, started for it
    /// on 127.0.0.1): `s3://clusterkpi/lake`, its local copy under the workspace. None
    /// (the test skips) without moto, unless `CLUSTERKPI_REQUIRE_S3` is set.
    #[cfg(feature = "delta")]
    pub fn on_s3() -> Option<Self> {
        let server = moto()?;
        create_bucket(server.port, "clusterkpi");
        let mut w = Self::new();
        w.lake = "s3://clusterkpi/lake".into();
        w.env = server.env();
        w.env.push((
            "CLUSTERKPI_LAKE_CACHE",
            w.path("cache").display().to_string(),
        ));
        w._s3 = Some(server);
        Some(w)
    }

    /// Puts an object on this workspace's S3 server, as another party with write
    /// access to the bucket could.
    #[cfg(feature = "delta")]
    pub fn put_object(&self, key: &str, body: &[u8]) {
        let server = self._s3.as_ref().expect("an object-storage workspace");
        tools::put_object(server.port, key, body);
    }

    /// The keys on this workspace's S3 server under `prefix` (in its bucket).
    #[cfg(all(feature = "delta", feature = "cluster"))]
    pub fn list_objects(&self, prefix: &str) -> Vec<String> {
        let server = self._s3.as_ref().expect("an object-storage workspace");
        tools::list_keys(server.port, "clusterkpi", prefix)
    }

    /// What this workspace's runs add to the environment.
    #[cfg(feature = "delta")]
    pub fn env(&self) -> Vec<(&'static str, String)> {
        self.env.clone()
    }

    /// Where the dataset's files are on this machine: the folder, or the local copy
    /// of a dataset on object storage.
    pub fn lake_dir(&self) -> PathBuf {
        if self._s3.is_none() {
            return self.path(&self.lake);
        }
        let cache = self.path("cache");
        let mut copies: Vec<PathBuf> = std::fs::read_dir(&cache)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(copies.len() <= 1, "one dataset, one local copy: {copies:?}");
        copies.pop().unwrap_or_else(|| cache.join("none"))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// A pipeline file over this workspace: reference/, inbox/, lake/, reports/.
    pub fn pipeline(&self) -> PathBuf {
        self.write(
            "pipeline.toml",
            format!(
                "[pipeline]\nplan = {:?}\nclusters = \"reference/clusters.csv\"\nroster = \"reference/roster.csv\"\ninbox = \"inbox\"\nlake = {:?}\nout = \"reports\"\n",
                plan_file().display().to_string(),
                self.lake
            ),
        )
    }

    /// Runs the binary in this workspace.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command();
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        Run::from(c.output().expect("run clusterkpi"))
    }

    /// The binary, to be run in this workspace with its environment.
    pub fn command(&self) -> Command {
        let mut c = bin();
        c.current_dir(self.dir.path());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// `clusterkpi generate` into `out` (relative to the workspace): `enterprises`
    /// from `from` to `to`, with or without the deliberate defects.
    pub fn generate(&self, out: &str, enterprises: u32, from: &str, to: &str, defects: bool) {
        let n = enterprises.to_string();
        let mut args = vec![
            "generate",
            "--out",
            out,
            "--enterprises",
            &n,
            "--from",
            from,
            "--to",
            to,
        ];
        if !defects {
            args.push("--clean");
        }
        let r = self.run(&args);
        assert_eq!(r.code, 0, "{r:?}");
    }

    /// Ingests the workspace's reference lists (`reference/`) into its dataset.
    pub fn ingest_references(&self) {
        let r = self.ingest_with_references(&[]);
        assert_eq!(r.code, 0, "{r:?}");
    }

    /// One `ingest` of the workspace's reference lists and then `files`.
    pub fn ingest_with_references(&self, files: &[&str]) -> Run {
        let mut args = vec![
            "ingest",
            "--lake",
            &self.lake,
            "reference/clusters.csv",
            "reference/roster.csv",
        ];
        args.extend_from_slice(files);
        self.run(&args)
    }

    /// `sql` over the workspace's lake, returning the printed table's data cells.
    pub fn sql_value(&self, query: &str) -> String {
        let out = self.path("q.csv");
        let r = self.run(&[
            "sql",
            query,
            "--lake",
            &self.lake,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{r:?}");
        let text = std::fs::read_to_string(out).unwrap();
        text.lines().nth(1).unwrap_or("").to_string()
    }
}

/// Up to three lines that differ between two outputs, each pair as `a` over `b`.
pub fn first_differing_lines(a: &[u8], b: &[u8]) -> Vec<String> {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .take(3)
        .map(|(x, y)| format!("{x}\n{y}"))
        .collect()
}

/// A valid unified social credit code numbered `n`.
pub fn code(n: u32) -> String {
    let first = format!("91130100MA{n:07}");
    format!("{first}{}", credit_check_char(&first).unwrap())
}

/// Reads a CSV (with or without BOM) into header → column and rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The kpis.csv row for (scope_id, indicator) as a map column → value.
pub fn kpi(
    path: &Path,
    scope_id: &str,
    indicator: &str,
) -> std::collections::HashMap<String, String> {
    let (h, rows) = read_csv(path);
    let row = rows
        .iter()
        .find(|r| r[2] == scope_id && r[3] == indicator)
        .unwrap_or_else(|| panic!("no kpis row for {scope_id} {indicator}"));
    h.into_iter().zip(row.iter().cloned()).collect()
}

pub fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

pub const REPORT_HEADER_ZH: &str = "统一社会信用代码,报告期,营业收入（万元）,工业总产值（万元）,从业人员数,是否中小企业,是否规上企业,专精特新,关键工序数,数控化关键工序数,应用业务信息系统,应用数字化研发设计工具,开展电子商务,工业设计中心,省级以上科技创新平台数,绿色工厂,技改设备购置额（万元）,技术创新示范企业,上市情况,攻克关键核心技术数";

/// A report row with the fields tests vary; everything else neutral.
pub struct Row<'a> {
    pub code: u32,
    pub period: &'a str,
    pub revenue: f64,
    pub key: u32,
    pub cnc: u32,
    pub sme: bool,
    pub bis: bool,
}

impl Row<'_> {
    pub fn csv(&self) -> String {
        let b = |x: bool| if x { "是" } else { "否" };
        format!(
            "{},{},{},{},10,{},否,无,{},{},{},否,否,无,0,无,0,无,无,0",
            code(self.code),
            self.period,
            self.revenue,
            self.revenue * 1.1,
            b(self.sme),
            self.key,
            self.cnc,
            b(self.bis)
        )
    }
}

pub fn reports_csv(rows: &[Row<'_>]) -> String {
    let mut s = String::from(REPORT_HEADER_ZH);
    s.push('\n');
    for r in rows {
        s.push_str(&r.csv());
        s.push('\n');
    }
    s
}

/// Encodes text as GBK bytes, as county bureaus often send.
pub fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Reference lists for clusters `ids` (recognised 2019Q4) and enterprises
/// `(code number, cluster)`.
pub fn reference(w: &Work, clusters: &[(&str, &str)], enterprises: &[(u32, &str)]) {
    let mut c = String::from("集群编码,集群名称,所属县(市、区),主导产业,认定时间\n");
    for (id, established) in clusters {
        c.push_str(&format!("{id},{id}集群,某县,制造,{established}\n"));
    }
    w.write("reference/clusters.csv", c);
    let mut r = String::from("统一社会信用代码,企业名称,所属集群,所属县(市、区)\n");
    for (n, cl) in enterprises {
        r.push_str(&format!("{},企业{n},{cl},某县\n", code(*n)));
    }
    w.write("reference/roster.csv", r);
}

/// The smallest city: one cluster `xx` (recognised 2019Q4) with enterprises 1 and 2.
pub fn small_city(w: &Work) {
    reference(w, &[("xx", "2019Q4")], &[(1, "xx"), (2, "xx")]);
}

/// A plausible report of enterprise `n` for `period`.
pub fn report_row(n: u32, period: &str, revenue: f64) -> Row<'_> {
    Row {
        code: n,
        period,
        revenue,
        key: 10,
        cnc: 5,
        sme: true,
        bis: true,
    }
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
