//! What the DAV benchmarks share: fresh stores on SQLite and PostgreSQL, the release
//! `davgate` binary serving one on a loopback port, a minimal HTTP/1.1 client, timing with
//! one warm-up and a median, the server's peak resident memory from /proc, and the
//! Markdown tables of docs/performance.md.
// Each benchmark compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use davgate::provision::{create_context, create_user, UserSpec};
use davgate::store::{self, Context, DynStore, User};
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_davgate");
pub const LOGIN: &str = "bench@bench.test";
const PASSWORD: &str = "bench-Secret-1";
/// Timed runs per operation (after one warm-up); the median is reported.
pub const RUNS: usize = 3;

/// The sizes to measure: `DAVGATE_BENCH_SIZES` (comma-separated), else `defaults` under
/// `cargo bench`. `cargo test --all-targets` runs a bench binary without `--bench`; then
/// one store of `smoke` objects checks that every operation still answers correctly.
pub fn sizes(defaults: &[usize], smoke: usize) -> Vec<usize> {
    match std::env::var("DAVGATE_BENCH_SIZES") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("DAVGATE_BENCH_SIZES: {s:?} is not a number"))
            })
            .collect(),
        _ if !std::env::args().any(|arg| arg == "--bench") => vec![smoke],
        _ => defaults.to_vec(),
    }
}

/// SQLite always; PostgreSQL too when `DAVGATE_BENCH_DATABASE_URL` names a server.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if let Some(url) = std::env::var("DAVGATE_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        backends.push(Backend::Postgres(url));
    }
    backends
}

pub fn print_title(title: &str, sizes: &[usize]) {
    println!(
        "# {title}\n\nsizes {sizes:?}, median of {RUNS} runs after one warm-up, {} CPUs\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

#[derive(Clone)]
pub enum Backend {
    Sqlite,
    /// The server URL; each run creates (and drops) a database of its own on it.
    Postgres(String),
}

impl Backend {
    pub fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A fresh store for one run: its data dir, and the PostgreSQL database to drop after.
pub struct Fresh {
    pub data_dir: tempfile::TempDir,
    pub database_url: Option<String>,
    admin: Option<(String, String)>,
}

impl Fresh {
    pub async fn create(backend: &Backend, n: usize) -> Fresh {
        let data_dir = tempfile::tempdir().expect("temp data dir");
        match backend {
            Backend::Sqlite => Fresh {
                data_dir,
                database_url: None,
                admin: None,
            },
            Backend::Postgres(server) => {
                let name = format!("davgate_bench_{}_{n}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(server)
                    .await
                    .expect("DAVGATE_BENCH_DATABASE_URL: cannot connect");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .expect("drop a stale benchmark database");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create the benchmark database");
                Fresh {
                    data_dir,
                    database_url: Some(with_database(server, &name)),
                    admin: Some((server.clone(), name)),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.is_some()
    }

    pub async fn open(&self) -> DynStore {
        let store = store::open(self.database_url.as_deref(), self.data_dir.path())
            .await
            .expect("open the store");
        store.migrate().await.expect("migrate");
        store
    }

    /// Gives PostgreSQL its planner statistics, as autovacuum does within about a minute
    /// of a bulk load (`DAVGATE_BENCH_SKIP_ANALYZE=1` measures before that). Returns
    /// whether it ran. SQLite gathers none unless told to, and davgate does not tell it.
    pub async fn analyze(&self) -> bool {
        let Some(url) = &self.database_url else {
            return false;
        };
        if std::env::var_os("DAVGATE_BENCH_SKIP_ANALYZE").is_some() {
            return false;
        }
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::query("ANALYZE")
            .execute(&mut conn)
            .await
            .expect("ANALYZE");
        true
    }

    /// The note a PostgreSQL report carries about planner statistics.
    pub fn analyze_note(analyzed: bool) -> String {
        if analyzed {
            "ANALYZE ran after loading (planner statistics as autovacuum would gather them)"
        } else {
            "no ANALYZE after loading: PostgreSQL plans without statistics"
        }
        .into()
    }

    /// Drops the store, or with `DAVGATE_BENCH_KEEP` prints where it is and keeps it.
    pub async fn finish(self) {
        if std::env::var_os("DAVGATE_BENCH_KEEP").is_some() {
            println!(
                "- kept for inspection: {}\n",
                self.database_url.clone().unwrap_or_else(|| self
                    .data_dir
                    .keep()
                    .display()
                    .to_string())
            );
            return;
        }
        if let Some((server, name)) = self.admin {
            let mut conn = sqlx::PgConnection::connect(&server).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop the benchmark database");
        }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host}/{name}{query}")
}

/// The benchmark's context and its user (`LOGIN`), as an administrator provisions them:
/// default folders and an entry in the global address list.
pub async fn provision(store: &DynStore) -> (Context, User) {
    let context = create_context(store, None, "bench", &["bench.test".into()], &[])
        .await
        .expect("create context");
    let user = create_user(
        store,
        context.id,
        UserSpec {
            login: "bench".into(),
            mail: LOGIN.into(),
            aliases: Vec::new(),
            display_name: "Bench User".into(),
            password: PASSWORD.into(),
            modules: Vec::new(),
        },
    )
    .await
    .expect("create user");
    (context, user)
}

/// The shipped configuration directory.
pub fn config_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

// ---------------------------------------------------------------------------------------
// Request bodies both protocols send

pub const PROPFIND_ETAG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop></D:propfind>";

/// sync-collection asking for `getetag`, from `token` (empty: an initial sync).
pub fn sync_body(token: &str) -> String {
    let token = if token.is_empty() {
        "<D:sync-token/>".to_string()
    } else {
        format!("<D:sync-token>{token}</D:sync-token>")
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<D:sync-collection xmlns:D=\"DAV:\">{token}<D:sync-level>1</D:sync-level>\
<D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
}

/// A multiget (`report` in the namespace `namespace`, e.g. CalDAV's `calendar-multiget`)
/// of `hrefs` asking for `getetag` and the object data `data` (`calendar-data`, ...).
pub fn multiget_body(report: &str, namespace: &str, data: &str, hrefs: &[String]) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<C:{report} xmlns:D=\"DAV:\" xmlns:C=\"{namespace}\"><D:prop><D:getetag/><C:{data}/></D:prop>"
    );
    for href in hrefs {
        body.push_str(&format!("<D:href>{href}</D:href>"));
    }
    body.push_str(&format!("</C:{report}>"));
    body
}

// ---------------------------------------------------------------------------------------
// The server under test

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// `target/release/davgate serve` with the shipped `config/` on `fresh`, once it says
    /// it is listening.
    pub fn start(fresh: &Fresh) -> Server {
        let port = free_port();
        let mut command = Command::new(BIN);
        command
            .arg("--config-dir")
            .arg(config_dir())
            .arg("--data-dir")
            .arg(fresh.data_dir.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env_remove("DAVGATE_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(url) = &fresh.database_url {
            command.env("DAVGATE_DATABASE_URL", url);
        }
        let mut child = command.spawn().expect("start davgate");
        let stdout = child.stdout.take().expect("stdout");
        let server = Server { child, port };
        let mut reader = BufReader::new(stdout);
        let mut output = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read server output") == 0 {
                panic!("davgate exited: {output}");
            }
            output.push_str(&line);
            if line.starts_with("davgate listening") {
                break;
            }
            assert!(Instant::now() < deadline, "davgate did not start: {output}");
        }
        // Keeps the pipe drained so logging can never block the server.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        server
    }

    fn status(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Peak resident set size (VmHWM) in KiB.
    pub fn hwm_kib(&self) -> Option<u64> {
        self.status("VmHWM:")
    }

    /// Sets the peak back to the current resident size, so the next reading is the peak
    /// of what happened in between. False where the kernel does not allow it.
    fn reset_hwm(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").is_ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1 over a plain socket

pub struct Client {
    port: u16,
    authorization: String,
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Client {
    /// A client logging in as the benchmark user.
    pub fn new(port: u16) -> Client {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{LOGIN}:{PASSWORD}"));
        Client {
            port,
            authorization: format!("Basic {token}"),
        }
    }

    /// One request on a connection of its own; the time runs from connecting until the
    /// last byte of the response has arrived.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let started = Instant::now();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(300)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Authorization: {}\r\nContent-Length: {}\r\n",
            self.authorization,
            body.len()
        );
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            head.push_str("Content-Type: application/xml; charset=utf-8\r\n");
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body.as_bytes());
        stream.write_all(&request).expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("receive");
        let elapsed = started.elapsed();
        let split = find(&raw, b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let payload = &raw[split + 4..];
        let body = if head.contains("transfer-encoding: chunked") {
            dechunk(payload)
        } else {
            payload.to_vec()
        };
        Reply {
            status,
            body,
            elapsed,
        }
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Checks a complete 207 with `responses` responses, `with_data` of them carrying an
    /// object that starts with `data_marker` (`BEGIN:VCALENDAR`, `BEGIN:VCARD`), and gives
    /// what a run records.
    pub fn expect_multistatus(
        &self,
        responses: usize,
        data_marker: &str,
        with_data: usize,
    ) -> Sample {
        let text = self.text();
        assert_eq!(self.status, 207, "{}", head_of(&text));
        assert!(
            text.trim_end().ends_with("multistatus>"),
            "the body is cut short: …{}",
            &text[text.len().saturating_sub(300)..]
        );
        let found = count(&text, "<D:response>");
        assert_eq!(found, responses, "responses in {}", head_of(&text));
        assert_eq!(
            count(&text, data_marker),
            with_data,
            "{data_marker} in {}",
            head_of(&text)
        );
        Sample {
            elapsed: self.elapsed,
            responses: found,
            bytes: self.body.len(),
        }
    }

    pub fn sync_token(&self) -> String {
        let text = self.text();
        let start = text.find("<D:sync-token>").expect("a sync token") + "<D:sync-token>".len();
        let end = start + text[start..].find("</D:sync-token>").expect("token end");
        text[start..end].to_string()
    }

    /// Every `D:href` of the body, in order.
    pub fn hrefs(&self) -> Vec<String> {
        let text = self.text();
        let mut hrefs = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<D:href>") {
            rest = &rest[start + "<D:href>".len()..];
            let end = rest.find("</D:href>").expect("href end");
            hrefs.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        hrefs
    }
}

fn head_of(text: &str) -> &str {
    let mut end = text.len().min(600);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The payload of a chunked body (RFC 9112 7.1).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rest.len());
    while let Some(line_end) = find(rest, b"\r\n") {
        let line = std::str::from_utf8(&rest[..line_end]).expect("chunk size line");
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {line:?}"));
        if size == 0 {
            break;
        }
        let data = &rest[line_end + 2..];
        out.extend_from_slice(&data[..size]);
        rest = &data[size + 2..];
    }
    out
}

// ---------------------------------------------------------------------------------------
// Measuring and reporting

/// What one run of an operation took and sent; an operation of several requests adds
/// theirs up.
#[derive(Default)]
pub struct Sample {
    pub elapsed: Duration,
    pub responses: usize,
    pub bytes: usize,
}

impl Sample {
    pub fn add(&mut self, other: Sample) {
        self.elapsed += other.elapsed;
        self.responses += other.responses;
        self.bytes += other.bytes;
    }
}

pub struct Row {
    name: String,
    median: Duration,
    min: Duration,
    max: Duration,
    responses: usize,
    bytes: usize,
    /// Highest peak RSS seen during one run (None when the peak cannot be reset).
    op_peak: Option<u64>,
    /// VmHWM since start after the runs.
    hwm_after: Option<u64>,
}

/// One warm-up, then `runs` timed runs of `op`.
pub fn measure(
    server: &Server,
    name: impl Into<String>,
    runs: usize,
    mut op: impl FnMut() -> Sample,
) -> Row {
    let resettable = server.reset_hwm();
    op();
    let mut samples = Vec::new();
    let mut op_peak: Option<u64> = None;
    for _ in 0..runs {
        if resettable {
            server.reset_hwm();
        }
        samples.push(op());
        if resettable {
            op_peak = op_peak.max(server.hwm_kib());
        }
    }
    // Reset peaks say nothing about the process lifetime; report that from status too.
    let times: Vec<Duration> = samples.iter().map(|s| s.elapsed).collect();
    Row {
        name: name.into(),
        median: median(&times),
        min: *times.iter().min().expect("runs"),
        max: *times.iter().max().expect("runs"),
        responses: samples[0].responses,
        bytes: samples[0].bytes,
        op_peak,
        hwm_after: server.hwm_kib(),
    }
}

pub fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// One store and size: a summary line, a table of operations and notes.
pub struct Report {
    pub backend: &'static str,
    pub n: usize,
    /// What `n` counts: "events", "contacts".
    pub noun: &'static str,
    pub summary: String,
    pub start_hwm: Option<u64>,
    pub end_hwm: Option<u64>,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn print(&self) {
        println!(
            "## {} — {} {}\n",
            self.backend,
            thousands(self.n),
            self.noun
        );
        println!(
            "{}; server VmHWM after start {}\n",
            self.summary,
            mib(self.start_hwm)
        );
        println!(
            "| operation | responses | body | median | min – max | peak RSS in run | VmHWM after |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for row in &self.rows {
            println!(
                "| {} | {} | {} | {} | {} – {} | {} | {} |",
                row.name,
                thousands(row.responses),
                size(row.bytes),
                ms(row.median),
                ms(row.min),
                ms(row.max),
                mib(row.op_peak),
                mib(row.hwm_after),
            );
        }
        println!();
        for note in &self.notes {
            println!("- {note}");
        }
        println!("- server VmHWM at the end: {}\n", mib(self.end_hwm));
    }
}

/// Largest size against smallest, side by side from this run.
pub fn print_growth(reports: &[Report]) {
    let (Some(small), Some(large)) = (reports.first(), reports.last()) else {
        return;
    };
    if small.n == large.n {
        return;
    }
    println!(
        "## {} — {} vs {} {} ({}×)\n",
        small.backend,
        thousands(large.n),
        thousands(small.n),
        small.noun,
        large.n as f64 / small.n as f64
    );
    println!("| operation | median time ratio | body ratio | peak RSS in run | RSS ratio |");
    println!("|---|---:|---:|---:|---:|");
    for (a, b) in small.rows.iter().zip(&large.rows) {
        println!(
            "| {} | {:.1}× | {:.1}× | {} → {} | {} |",
            a.name,
            b.median.as_secs_f64() / a.median.as_secs_f64(),
            b.bytes as f64 / a.bytes as f64,
            mib(a.op_peak),
            mib(b.op_peak),
            ratio(a.op_peak, b.op_peak),
        );
    }
    println!(
        "| (server after start) | | | {} → {} | {} |",
        mib(small.start_hwm),
        mib(large.start_hwm),
        ratio(small.start_hwm, large.start_hwm),
    );
    println!(
        "| (server at the end) | | | {} → {} | {} |\n",
        mib(small.end_hwm),
        mib(large.end_hwm),
        ratio(small.end_hwm, large.end_hwm),
    );
}

fn ratio(small: Option<u64>, large: Option<u64>) -> String {
    match (small, large) {
        (Some(a), Some(b)) if a > 0 => format!("{:.2}×", b as f64 / a as f64),
        _ => "n/a".into(),
    }
}

pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

pub fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "n/a".into(),
    }
}

pub fn size(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Generated data

/// A small deterministic generator (SplitMix64), so object `i` is the same in every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

/// Appends a content line, folded at 75 octets (RFC 5545 3.1, RFC 6350 3.2); the text is
/// ASCII.
pub fn line(out: &mut String, text: &str) {
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { 75 } else { 74 };
        let (part, tail) = rest.split_at(rest.len().min(width));
        if !first {
            out.push(' ');
        }
        out.push_str(part);
        out.push_str("\r\n");
        rest = tail;
        first = false;
    }
}

/// Words for generated free text (descriptions, notes), picked by a running index.
pub const WORDS: &[&str] = &[
    "agenda",
    "budget",
    "review",
    "the",
    "quarterly",
    "numbers",
    "and",
    "next",
    "steps",
    "please",
    "bring",
    "your",
    "notes",
    "room",
    "dial-in",
    "details",
    "follow",
    "project",
    "status",
    "customer",
    "feedback",
    "release",
    "plan",
    "for",
    "team",
    "offsite",
    "travel",
];

/// `prefix` followed by words from `seed` until it is `length` long (ASCII).
pub fn filler(prefix: &str, length: usize, seed: u64) -> String {
    let mut text = String::from(prefix);
    let mut w = seed as usize;
    while text.len() < length {
        text.push_str(WORDS[w % WORDS.len()]);
        text.push(' ');
        w = w.wrapping_mul(31).wrapping_add(7);
    }
    text.truncate(length.max(prefix.len() + 1));
    text.trim_end().to_string()
}
