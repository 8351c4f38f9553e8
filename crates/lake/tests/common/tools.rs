//! The outside tools tests start or call: an S3-compatible server, moto
//! (`moto[server]` from PyPI, which honours conditional writes), started on a free port
//! of 127.0.0.1 and stopped on drop; and the Python that has DuckDB and Polars. Used
//! by the dataset crate's tests and, through `#[path]`, by the end-to-end tests.
//!
//! moto's command line is `moto_server`, or the one in `CLUSTERKPI_MOTO_SERVER` (such
//! as `venv/bin/python -m moto.server`); the Python is `CLUSTERKPI_READERS_PYTHON`.
//! Without them a test says it skipped; with `CLUSTERKPI_REQUIRE_S3=1` (as `.ci/run`
//! sets) it fails instead.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The S3-compatible server, stopped on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 nothing listens on (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto on a free port of 127.0.0.1, or says why not. Tests that start servers
/// run at once, so a port found free can be taken before moto binds it: moto then
/// exits, and it is started again on another port.
pub fn moto() -> Option<Moto> {
    // A command line: `moto_server`, or `python -m moto.server` of a virtualenv.
    let program =
        std::env::var("CLUSTERKPI_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_string());
    for _ in 0..5 {
        let mut words = program.split_whitespace();
        let port = free_port();
        let child = match Command::new(words.next().unwrap_or("moto_server"))
            .args(words)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var_os("CLUSTERKPI_REQUIRE_S3").is_none(),
                    "CLUSTERKPI_REQUIRE_S3 is set but {program} cannot start: {e}"
                );
                eprintln!("skipped: no S3-compatible server ({program}: {e})");
                return None;
            }
        };
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if moto.child.try_wait().ok().flatten().is_some() {
                break; // exited: the port was taken
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // Listening, and still moto (not another test's server that took the port).
                std::thread::sleep(Duration::from_millis(200));
                if moto.child.try_wait().ok().flatten().is_none() {
                    return Some(moto);
                }
                break;
            }
            assert!(Instant::now() < deadline, "moto did not start in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("moto exited at start five times ({program})");
}

/// Creates a bucket with one plain request (moto takes unsigned requests).
pub fn create_bucket(port: u16, bucket: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

impl Moto {
    /// The variables the S3 store reads its endpoint and credentials from, for this
    /// server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ]
    }
}

/// Puts one object with one plain request, as anyone with write access to the bucket
/// could. moto does not check signatures, but it refuses to replace an object for a
/// request with no `Authorization` at all: the header is there, its signature not.
pub fn put_object(port: u16, key: &str, body: &[u8]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "PUT /{key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// The keys under `prefix` in `bucket`, with one plain ListObjectsV2 request.
pub fn list_keys(port: u16, bucket: &str, prefix: &str) -> Vec<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /{bucket}?list-type=2&prefix={prefix} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    reply
        .split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next())
        .map(str::to_string)
        .collect()
}

/// The Python with DuckDB (delta, httpfs) and Polars, from `CLUSTERKPI_READERS_PYTHON`;
/// None after saying the test skipped, unless `CLUSTERKPI_REQUIRE_S3` asks for every
/// outside tool.
pub fn readers_python() -> Option<std::ffi::OsString> {
    let python = std::env::var_os("CLUSTERKPI_READERS_PYTHON");
    if python.is_none() {
        assert!(
            std::env::var_os("CLUSTERKPI_REQUIRE_S3").is_none(),
            "CLUSTERKPI_REQUIRE_S3 is set but CLUSTERKPI_READERS_PYTHON is not"
        );
        eprintln!("skipped: CLUSTERKPI_READERS_PYTHON (with duckdb and polars) not set");
    }
    python
}
