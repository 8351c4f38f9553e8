//! Parsing a workbook in a child process with its own memory and time limits.
//!
//! A workbook can declare sizes that calamine allocates before it can tell they are
//! lies (a shared-strings count, a sheet dimension, an `.xls` sector chain with a
//! cycle). A failed allocation aborts a Rust process — no code can catch it — and a
//! cycle never ends. Bounded pre-scans catch the zip-level cases (`workbook.rs`), but
//! not what hides inside the XML or the OLE container. So the binary parses every
//! workbook in a child of itself: the file is handed over as the child's stdin (the
//! parent opened and checked it), the child caps its own address space and CPU time
//! (`setrlimit`) before touching the bytes, and streams the rows back as JSON lines.
//! The cap counts address space, not memory touched: what the child reserved before
//! capping itself counts too, which is why [`Isolation::env`] can tell its allocator
//! to reserve in small steps (the binary's mimalloc reserved 1 GiB at its first
//! allocation).
//! The parent enforces a wall-clock deadline and turns any way the child can end —
//! a memory failure, a panic, a signal, silence — into a coded outcome for the file.
//!
//! Measured on the sample city's workbooks: a child costs a few milliseconds to start,
//! small beside the parse itself; see docs/ARCHITECTURE.md.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clusterkpi_model::Code;
use serde::{Deserialize, Serialize};

use super::{Cell, FileProblem, Limits, RawRow, Stop, WorkbookKind, workbook};

/// How workbooks are parsed.
#[derive(Debug, Clone, Default)]
pub enum WorkbookReader {
    /// In this process: for tests and trusted files only (see the module docs).
    #[default]
    InProcess,
    /// In a child process: what the binary uses for every input file.
    Isolated(Isolation),
}

/// The command that serves one workbook read: `program args… REQUEST`, the file on
/// its stdin, rows on its stdout (see [`serve`]).
#[derive(Debug, Clone)]
pub struct Isolation {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Environment the child gets besides the parent's: what the program needs to
    /// live within the address-space cap (its allocator's settings, say).
    pub env: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct Request {
    kind: WorkbookKind,
    sheet: Option<String>,
    limits: Limits,
}

/// One cell on the wire; numbers as their bits so every value, NaN included,
/// crosses unchanged.
#[derive(Serialize, Deserialize)]
enum WireCell {
    E,
    T(compact_str::CompactString),
    N(u64),
    B(bool),
    D(i32, u32, u32),
}

#[derive(Serialize, Deserialize)]
enum Msg {
    Sheet(String),
    Row(u64, Vec<WireCell>),
    Problem {
        line: u64,
        code: Code,
        zh: String,
        en: String,
    },
    Done,
}

impl From<Cell> for WireCell {
    fn from(c: Cell) -> Self {
        match c {
            Cell::Empty => WireCell::E,
            Cell::Text(s) => WireCell::T(s),
            Cell::Number(n) => WireCell::N(n.to_bits()),
            Cell::Bool(b) => WireCell::B(b),
            Cell::Date(y, m, d) => WireCell::D(y, m, d),
        }
    }
}

impl From<WireCell> for Cell {
    fn from(c: WireCell) -> Self {
        match c {
            WireCell::E => Cell::Empty,
            WireCell::T(s) => Cell::Text(s),
            WireCell::N(n) => Cell::Number(f64::from_bits(n)),
            WireCell::B(b) => Cell::Bool(b),
            WireCell::D(y, m, d) => Cell::Date(y, m, d),
        }
    }
}

/// The child's side: caps its own memory and CPU time, reads the workbook on stdin and
/// writes the rows to stdout. `request` is the argument the parent passed. Returns the
/// process exit code.
#[must_use]
pub fn serve(request: &str) -> i32 {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let Ok(req) = serde_json::from_str::<Request>(request) else {
        eprintln!("workbook reader: malformed request");
        return 2;
    };
    let cap = |resource, value: u64| {
        setrlimit(
            resource,
            Rlimit {
                current: Some(value),
                maximum: Some(value),
            },
        )
    };
    // The CPU limit is a second line behind the parent's wall-clock deadline.
    if cap(Resource::As, req.limits.reader_memory).is_err()
        || cap(Resource::Cpu, req.limits.reader_seconds.saturating_add(5)).is_err()
        || cap(Resource::Fsize, 0).is_err()
    {
        eprintln!("workbook reader: cannot set resource limits");
        return 2;
    }
    // The parent handed the file over as stdin; as a `File` it can seek, which the
    // workbook reader needs.
    let stdin = match std::os::fd::AsFd::as_fd(&std::io::stdin())
        .try_clone_to_owned()
        .map(File::from)
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("workbook reader: stdin: {e}");
            return 2;
        }
    };
    // Both callbacks write to stdout; a RefCell lets them share it.
    let out = std::cell::RefCell::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()));
    let send = |m: &Msg| -> bool {
        let mut out = out.borrow_mut();
        serde_json::to_writer(&mut *out, m).is_ok() && out.write_all(b"\n").is_ok()
    };
    let gone = std::cell::Cell::new(false);
    let result = workbook::read(
        stdin,
        req.kind,
        req.sheet.as_deref(),
        &req.limits,
        &mut |name| {
            if !send(&Msg::Sheet(name.to_string())) {
                gone.set(true);
            }
        },
        &mut |row| {
            let msg = Msg::Row(row.line, row.cells.into_iter().map(Into::into).collect());
            if send(&msg) { Ok(()) } else { Err(Stop) }
        },
    );
    if gone.get() {
        return 0;
    }
    let last = match result {
        Ok(()) => Msg::Done,
        Err(p) => Msg::Problem {
            line: p.line,
            code: p.violation.code,
            zh: p.violation.zh,
            en: p.violation.en,
        },
    };
    send(&last);
    let _ = out.borrow_mut().flush();
    0
}

fn reader_failed(zh: String, en: String) -> FileProblem {
    FileProblem::new(0, Code::E_FORMAT, zh, en)
}

/// The parent's side: runs the child on `file` and hands each row to `visit`.
pub(super) fn read(
    iso: &Isolation,
    file: File,
    kind: WorkbookKind,
    sheet: Option<&str>,
    limits: &Limits,
    visit: &mut dyn FnMut(RawRow) -> Result<(), Stop>,
) -> Result<Option<String>, FileProblem> {
    let request = serde_json::to_string(&Request {
        kind,
        sheet: sheet.map(str::to_string),
        limits: *limits,
    })
    .expect("requests serialise");
    let mut child = Command::new(&iso.program)
        .args(&iso.args)
        .arg(request)
        .envs(iso.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::from(file))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0")
        .spawn()
        .map_err(|e| {
            reader_failed(
                format!("无法启动工作簿读取进程：{e}"),
                format!("cannot start the workbook reader: {e}"),
            )
        })?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    // What the child says on stderr (a panic, an allocation failure), kept short.
    let err_thread = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut r = stderr;
        let _ = (&mut r).take(16 << 10).read_to_end(&mut kept);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        String::from_utf8_lossy(&kept).into_owned()
    });
    // A row is at most a record's bytes, six times over if every byte were escaped.
    let max_line = limits
        .max_record_bytes
        .saturating_mul(6)
        .saturating_add(u64::from(limits.max_columns) * 64 + 4096);
    let (tx, rx) = mpsc::sync_channel::<Result<Msg, String>>(256);
    let out_thread = std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(1 << 16, stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match (&mut r).take(max_line + 1).read_until(b'\n', &mut buf) {
                Ok(0) => return,
                Ok(_) if buf.last() != Some(&b'\n') => {
                    let _ = tx.send(Err(if buf.len() as u64 > max_line {
                        "a row longer than the limit".into()
                    } else {
                        "the output ended mid-row".into()
                    }));
                    return;
                }
                Ok(_) => {
                    let msg = serde_json::from_slice::<Msg>(&buf).map_err(|e| e.to_string());
                    let last = msg.is_err();
                    if tx.send(msg).is_err() || last {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(limits.reader_seconds);
    let mut name: Option<String> = None;
    enum End {
        Done,
        Stopped,
        Problem(FileProblem),
        Protocol(String),
        Silent,
        TimedOut,
    }
    let end = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(Msg::Sheet(s))) => name = Some(s),
            Ok(Ok(Msg::Row(line, cells))) => {
                let row = RawRow {
                    line,
                    cells: cells.into_iter().map(Into::into).collect(),
                };
                if visit(row).is_err() {
                    break End::Stopped;
                }
            }
            Ok(Ok(Msg::Problem { line, code, zh, en })) => {
                break End::Problem(FileProblem::new(line, code, zh, en));
            }
            Ok(Ok(Msg::Done)) => break End::Done,
            Ok(Err(e)) => break End::Protocol(e),
            Err(mpsc::RecvTimeoutError::Timeout) => break End::TimedOut,
            Err(mpsc::RecvTimeoutError::Disconnected) => break End::Silent,
        }
    };
    drop(rx);
    if !matches!(end, End::Done | End::Problem(_)) {
        let _ = child.kill();
    }
    let status = child.wait();
    let _ = out_thread.join();
    let said = err_thread.join().unwrap_or_default();
    let seconds = limits.reader_seconds;
    let mib = limits.reader_memory >> 20;
    match end {
        End::Done | End::Stopped => Ok(name),
        End::Problem(p) => Err(p),
        End::TimedOut => Err(FileProblem::new(
            0,
            Code::E_TOO_LARGE,
            format!("读取工作簿超过 {seconds} 秒的时间上限"),
            format!("reading the workbook took longer than the limit of {seconds} s"),
        )),
        End::Protocol(e) => Err(reader_failed(
            format!("工作簿读取进程的输出无效：{e}"),
            format!("the workbook reader's output is invalid: {e}"),
        )),
        End::Silent => {
            let status = status.map_err(|e| {
                reader_failed(
                    format!("工作簿读取进程出错：{e}"),
                    format!("the workbook reader failed: {e}"),
                )
            })?;
            if said.contains("memory allocation") {
                return Err(FileProblem::new(
                    0,
                    Code::E_TOO_LARGE,
                    format!(
                        "读取工作簿所需内存超过 {mib} MiB 的上限（工作簿声明的大小不实或过大）"
                    ),
                    format!(
                        "reading the workbook needs more memory than the limit of {mib} MiB (it declares false or huge sizes)"
                    ),
                ));
            }
            // SIGXCPU: the CPU-time limit.
            if status.signal() == Some(24) {
                return Err(FileProblem::new(
                    0,
                    Code::E_TOO_LARGE,
                    format!("读取工作簿超过 {seconds} 秒的时间上限"),
                    format!("reading the workbook took longer than the limit of {seconds} s"),
                ));
            }
            // A panic prints "thread … panicked at <source path>:" and then the
            // message: the message is what says something about the file.
            let mut lines = said.lines().filter(|l| !l.trim().is_empty());
            let why = match lines.next() {
                Some(first) if first.contains("panicked at") => lines.next(),
                other => other,
            }
            .map(crate::value::shown)
            .unwrap_or_else(|| match status.signal() {
                Some(s) => format!("signal {s}"),
                None => format!("exit status {}", status.code().unwrap_or(-1)),
            });
            Err(reader_failed(
                format!("工作簿已损坏或无法读取（读取进程中止：{why}）"),
                format!("the workbook is broken or unreadable (the reader stopped: {why})"),
            ))
        }
    }
}
