//! The fuzz harness of the readers: real files (CSV in UTF-8 and GBK, xlsx) mutated
//! at random and fed to `process`, the whole of ingestion short of the dataset, and
//! the feedback workbook written on each file rejected or accepted in part.
//!
//! For every input it asserts what a scheduled job needs: no panic, no abort, memory
//! under a bound (the global allocator refuses anything beyond it, which would abort
//! the run), and a coded outcome (every rejected file carries a file-level or row
//! problem with a code). Workbooks are read as the binary reads them, in a child
//! process with memory and time limits: this test binary is its own child.
//!
//! `cargo test -p clusterkpi-ingest --test fuzz` runs a short round (CI);
//! `CLUSTERKPI_FUZZ_SECONDS=600` runs longer, `CLUSTERKPI_FUZZ_SEED` picks the seed.
//! An input that breaks a rule is written to `target/fuzz-failures/` and the run
//! fails; each one found becomes a file in `tests/corpus/` named after what it
//! found, which every run replays first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clusterkpi_ingest::source::isolate;
use clusterkpi_ingest::{
    Collect, Isolation, Limits, Options, Outcome, PriorYtd, References, WorkbookReader,
};
use clusterkpi_model::Date;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// What one input may hold in this process at once: the limits below allow a file of
/// 4 MiB with rows of 256 KiB and 20,000 problems; with copies, parsing and the
/// harness itself that stays far under this.
const MEMORY_BOUND: usize = 512 << 20;

const SERVE: &str = "__read-workbook";

fn main() {
    let mut args = std::env::args();
    if args.nth(1).as_deref() == Some(SERVE) {
        let code = isolate::serve(&args.next().unwrap_or_default());
        std::process::exit(code);
    }
    let seconds: u64 = env_or("CLUSTERKPI_FUZZ_SECONDS", 20);
    let seed: u64 = env_or("CLUSTERKPI_FUZZ_SEED", 0x5eed_2021);
    let work = tempfile::tempdir().expect("a temporary folder");
    let failures = failures_dir();
    let opts = options();
    let refs = References::default();
    ALLOCATOR
        .set_limit(MEMORY_BOUND)
        .expect("the harness starts small");

    let mut n = 0u64;
    let mut broken = Vec::new();
    let mut seen: std::collections::BTreeMap<String, u64> = Default::default();
    // Every input found before, then fresh mutations until the time is up.
    for (name, bytes) in corpus() {
        n += 1;
        match check(work.path(), &name, &bytes, &opts, &refs) {
            Ok(outcome) => *seen.entry(outcome).or_default() += 1,
            Err(why) => broken.push(save(&failures, &name, &bytes, &why)),
        }
    }
    let seeds = seeds();
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let (ext, base) = &seeds[(rng.next() % seeds.len() as u64) as usize];
        let bytes = if *ext == "xlsx" && rng.next().is_multiple_of(2) {
            mutate_workbook(base, &mut rng).unwrap_or_else(|| mutate(base, &mut rng))
        } else {
            mutate(base, &mut rng)
        };
        let name = format!("case-{n}.{ext}");
        n += 1;
        match check(work.path(), &name, &bytes, &opts, &refs) {
            Ok(outcome) => *seen.entry(outcome).or_default() += 1,
            Err(why) => broken.push(save(&failures, &name, &bytes, &why)),
        }
    }
    println!(
        "fuzz: {n} inputs in {seconds} s (seed {seed:#x}), {} broke a rule",
        broken.len()
    );
    // What the inputs came to: a round that only ever meets one code is not probing.
    for (outcome, count) in &seen {
        println!("  {count:>6}  {outcome}");
    }
    if !broken.is_empty() {
        for b in &broken {
            eprintln!("  {b}");
        }
        std::process::exit(1);
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn failures_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    target.join("fuzz-failures")
}

/// Small limits, so that the limits themselves are exercised and a round is fast.
fn options() -> Options {
    Options {
        limits: Limits {
            max_bytes: 4 << 20,
            max_uncompressed: 16 << 20,
            max_rows: 50_000,
            max_field_bytes: 16 << 10,
            max_record_bytes: 256 << 10,
            max_problems: 20_000,
            reader_memory: 512 << 20,
            reader_seconds: 20,
            ..Limits::default()
        },
        workbooks: WorkbookReader::Isolated(Isolation {
            program: std::env::current_exe().expect("this test binary"),
            args: vec![SERVE.to_string()],
            env: Vec::new(),
        }),
        today: Date {
            year: 2026,
            month: 11,
            day: 29,
        },
        ..Options::default()
    }
}

/// One input: no panic, a coded outcome, memory back where it was. Returns the
/// outcome with the file-level code that decided it, if any.
fn check(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    opts: &Options,
    refs: &References,
) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    // Kept where a crash of this process would leave it, to be found afterwards.
    let _ = std::fs::write(dir.join("current-input"), bytes);
    let before = ALLOCATOR.allocated();
    let run = std::panic::catch_unwind(|| {
        // What hashing a CSV file tells its peek about its encoding must be what
        // detecting it gives (a workbook's peek would read it in a child twice more).
        let told_otherwise = name
            .ends_with(".csv")
            .then(|| {
                let hashed = clusterkpi_ingest::hash_file(&path).ok()?;
                let told = clusterkpi_ingest::peek_hashed(&path, opts, &hashed);
                let found = clusterkpi_ingest::peek(&path, opts);
                let (told, found) = (format!("{told:?}"), format!("{found:?}"));
                (told != found).then(|| format!("told {told}, found {found}"))
            })
            .flatten();
        let mut sink = Collect::default();
        let r = clusterkpi_ingest::process(
            &path,
            name,
            opts,
            refs,
            &mut |_| PriorYtd::default(),
            &mut sink,
        );
        // The county's feedback on a file rejected or accepted in part reads it again,
        // and copies its rows and problems into a workbook: a failure is an error it
        // returns (which a run logs), never a panic.
        let feedback_failed = matches!(r.outcome, Outcome::Rejected | Outcome::PartiallyAccepted)
            && clusterkpi_forms::feedback::write(
                &dir.join("feedback"),
                &path,
                &r,
                opts,
                clusterkpi_model::Language::Zh,
            )
            .is_err();
        (r, sink.0.len(), told_otherwise, feedback_failed)
    });
    let _ = std::fs::remove_dir_all(dir.join("feedback"));
    let _ = std::fs::remove_file(&path);
    let (r, accepted, told_otherwise, feedback_failed) = run.map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_default();
        format!("panicked: {msg}")
    })?;
    if let Some(m) = told_otherwise {
        return Err(format!("the hash's read told the peek another format: {m}"));
    }
    if r.outcome == Outcome::Rejected && r.issues.iter().all(|i| i.is_warning()) {
        return Err("rejected without a coded problem".into());
    }
    if r.outcome.ingests_rows() && accepted as u64 != r.rows_accepted {
        return Err(format!(
            "{} rows counted as accepted, {accepted} reached the sink",
            r.rows_accepted
        ));
    }
    if r.issues.len() as u64 > opts.limits.max_problems + 1 {
        return Err(format!("{} problems recorded", r.issues.len()));
    }
    if let Some(i) = r.issues.iter().find(|i| i.value.chars().count() > 201) {
        return Err(format!(
            "a value of {} characters in an issue",
            i.value.len()
        ));
    }
    let kind = name.rsplit('.').next().unwrap_or("");
    let code = r
        .issues
        .iter()
        .find(|i| i.code.is_file_level())
        .map_or(String::new(), |i| format!(" {}", i.code));
    let feedback = if feedback_failed {
        " (no feedback)"
    } else {
        ""
    };
    let outcome = format!("{kind:<4} {}{code}{feedback}", r.outcome.as_str());
    drop(r);
    let after = ALLOCATOR.allocated();
    if after > before + (1 << 20) {
        return Err(format!("{} bytes still held afterwards", after - before));
    }
    Ok(outcome)
}

fn save(dir: &Path, name: &str, bytes: &[u8], why: &str) -> String {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(name);
    let _ = std::fs::File::create(&path).and_then(|mut f| f.write_all(bytes));
    format!("{}: {why}", path.display())
}

/// Inputs found before (each named after what it found), replayed every run.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    std::fs::read(e.path()).ok().map(|b| (name, b))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

const HEADER: &str = "统一社会信用代码,报告期,营业收入（万元）,工业总产值（万元）,从业人员数,是否中小企业,是否规上企业,专精特新,关键工序数,数控化关键工序数,应用业务信息系统,应用数字化研发设计工具,开展电子商务,工业设计中心,省级以上科技创新平台数,绿色工厂,技改设备购置额（万元）,技术创新示范企业,上市情况,攻克关键核心技术数";

const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_code(n: u32) -> String {
    let first = format!("91130100MA{n:07}");
    let sum: usize = first
        .bytes()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| CREDIT_CHARS.iter().position(|x| *x == c).unwrap() * w)
        .sum();
    let check = CREDIT_CHARS[(31 - sum % 31) % 31] as char;
    format!("{first}{check}")
}

fn report_rows(n: u32) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            let q = 1 + i % 4;
            vec![
                credit_code(i),
                format!("2024Q{q}"),
                format!("{}", 1000 + i * 37),
                "1,200.5".into(),
                "30".into(),
                "是".into(),
                "否".into(),
                ["无", "省级", "国家级专精特新“小巨人”"][(i % 3) as usize].into(),
                "10".into(),
                "6".into(),
                "Y".into(),
                "N".into(),
                "√".into(),
                "无".into(),
                "1".into(),
                "省级".into(),
                "100".into(),
                "无".into(),
                "后备".into(),
                "0".into(),
            ]
        })
        .collect()
}

/// Real files of every form: the mutations start from something the readers accept.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let rows = report_rows(40);
    let mut csv = format!("{HEADER}\n");
    for r in &rows {
        let quoted: Vec<String> = r
            .iter()
            .map(|v| {
                if v.contains(',') {
                    format!("\"{v}\"")
                } else {
                    v.clone()
                }
            })
            .collect();
        csv.push_str(&quoted.join(","));
        csv.push('\n');
    }
    let gbk = encoding_rs::GBK
        .encode(&csv.replace('\n', "\r\n"))
        .0
        .into_owned();
    let clusters = "集群编码,集群名称,英文名称,所属县(市、区),主导产业,认定时间\nxinji-leather,辛集皮革,Xinji Leather,辛集市,皮革,2019年第四季度\ngaocheng-lamps,藁城宫灯,,藁城区,宫灯,2020-12\n";
    vec![
        ("csv", csv.into_bytes()),
        ("csv", gbk),
        ("csv", clusters.as_bytes().to_vec()),
        ("xlsx", workbook(&rows)),
    ]
}

fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v.replace(',', "").parse::<f64>() {
                Ok(n) if c > 1 => ws.write(r, c, n).unwrap(),
                _ => ws.write(r, c, v.as_str()).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

/// xorshift64*: deterministic for a seed, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens that have broken readers before, or that sit on a rule's edge.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b",",
    b"\xFF",
    b"\x81",
    b"\xEF\xBB\xBF",
    b"\xE4\xB8",
    b"1.7976931348623157e308",
    b"1e309",
    b"NaN",
    b"-0",
    b"9999Q4",
    b"0000Q1",
    b"\x1b[2J",
    b"\xE2\x80\xAE",
    b"=HYPERLINK(\"x\")",
    b"2024\xE5\xB9\xB4",
    b"\t",
];

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = base.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(b.len() + 1);
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                b.splice(at..at, t.iter().copied());
            }
            2 if !b.is_empty() => {
                let end = (at + rng.below(64)).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 => b.truncate(at),
            4 if !b.is_empty() => {
                // Repeat a slice: long fields, many rows, deep quoting.
                let start = rng.below(b.len());
                let len = 1 + rng.below(32.min(b.len() - start));
                let piece = b[start..start + len].to_vec();
                let times = 1 + rng.below(20_000);
                let mut insert = Vec::with_capacity(piece.len() * times);
                for _ in 0..times {
                    insert.extend_from_slice(&piece);
                }
                insert.truncate(2 << 20);
                b.splice(at..at, insert);
            }
            5 => {
                let n = rng.below(70_000);
                b.splice(at..at, std::iter::repeat_n(b'x', n));
            }
            6 => {
                let byte = rng.next() as u8;
                b.splice(at..at, [byte]);
            }
            7 => {
                // Many short rows.
                let rows = rng.below(30_000);
                let mut insert = Vec::new();
                for i in 0..rows {
                    insert.extend_from_slice(format!("{i},x\n").as_bytes());
                }
                b.splice(at..at, insert);
            }
            _ => {}
        }
    }
    b.truncate(4 << 20);
    b
}

/// Mutates the XML inside a workbook and zips it again, so the damage reaches the
/// parser instead of stopping at the zip's checksums: counts and dimensions that lie,
/// far-away cells, broken markup.
fn mutate_workbook(base: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(base)).ok()?;
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        let mut data = Vec::new();
        f.read_to_end(&mut data).ok()?;
        let name = f.name().ok()?.to_string();
        entries.push((name, data));
    }
    let pick = rng.below(entries.len());
    let (name, data): &mut (String, Vec<u8>) = &mut entries[pick];
    let text = String::from_utf8_lossy(data).into_owned();
    let lies: &[(&str, &str)] = &[
        ("count=\"", "count=\"4000000000"),
        ("uniqueCount=\"", "uniqueCount=\"4000000000"),
        ("<dimension ref=\"", "<dimension ref=\"A1:XFD1048576\" x=\""),
        ("r=\"B2\"", "r=\"XFD1048576\""),
        ("r=\"2\"", "r=\"1048576\""),
        ("<v>", "<v>1e308"),
        ("<c ", "<c t=\"s\" "),
        ("</row>", ""),
        ("<si>", "<si><si>"),
    ];
    let mutated = if name.ends_with(".xml") && rng.below(3) > 0 {
        let (from, to) = lies[rng.below(lies.len())];
        text.replacen(from, to, 1 + rng.below(3)).into_bytes()
    } else {
        mutate(data, rng)
    };
    *data = mutated;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in &entries {
        out.start_file(name.as_str(), stored).ok()?;
        out.write_all(data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}
