//! CalDAV benchmark: a calendar of N generated events, served by the release `davgate`
//! binary over a loopback socket, on the embedded SQLite store and (when
//! `DAVGATE_BENCH_DATABASE_URL` names a PostgreSQL server) on a fresh PostgreSQL database.
//!
//! For each store and size it times PROPFIND Depth 1, an initial and an incremental
//! sync-collection, a calendar-multiget of 1,000 hrefs and a one-month calendar-query
//! (median of 3 runs after one warm-up), checks every answer (207, number of responses),
//! and reads the server's peak resident memory from /proc. See docs/performance.md.
//!
//! ```sh
//! cargo bench --bench caldav
//! DAVGATE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench caldav
//! DAVGATE_BENCH_SIZES=500,2000 cargo bench --bench caldav
//! ```
//!
//! On PostgreSQL the benchmark runs ANALYZE after loading; `DAVGATE_BENCH_SKIP_ANALYZE=1`
//! measures a freshly loaded database without planner statistics instead.
//! `DAVGATE_BENCH_KEEP=1` keeps each store (the SQLite data dir, the PostgreSQL database)
//! for inspection instead of deleting it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use davgate::caldav::write::prepare;
use davgate::caldav::CalendarCollection;
use davgate::config::{props, ServerConfig};
use davgate::content::ical::CalendarObject;
use davgate::content::query::TimeRange;
use davgate::provision::{create_context, create_user, UserSpec};
use davgate::store::{self, DynStore, FolderModule, WriteCondition};
use sqlx::Connection;
use time::{Date, Duration as Days, Month, PrimitiveDateTime, Time};

const BIN: &str = env!("CARGO_BIN_EXE_davgate");
const LOGIN: &str = "bench@bench.test";
const PASSWORD: &str = "bench-Secret-1";
/// Timed runs per operation (after one warm-up); the median is reported.
const RUNS: usize = 3;
/// Hrefs in the calendar-multiget.
const MULTIGET_HREFS: usize = 1000;
/// Events changed by PUT before each incremental sync.
const CHANGED: usize = 10;

fn main() {
    let sizes = sizes();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut backends = vec![Backend::Sqlite];
    if let Some(url) = std::env::var("DAVGATE_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        backends.push(Backend::Postgres(url));
    }
    println!(
        "# davgate CalDAV benchmark\n\nsizes {sizes:?}, median of {RUNS} runs after one warm-up, {} CPUs\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for backend in &backends {
        let mut reports = Vec::new();
        for &n in &sizes {
            let report = runtime.block_on(run(backend, n));
            report.print();
            reports.push(report);
        }
        print_growth(&reports);
    }
}

fn sizes() -> Vec<usize> {
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
        // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without
        // it, and then one small calendar checks that every operation still answers.
        _ if !std::env::args().any(|arg| arg == "--bench") => vec![200],
        _ => vec![1_000, 10_000],
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite,
    /// The server URL; each run creates (and drops) a database of its own on it.
    Postgres(String),
}

impl Backend {
    fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A fresh store for one run: its data dir, and the PostgreSQL database to drop after.
struct Fresh {
    data_dir: tempfile::TempDir,
    database_url: Option<String>,
    admin: Option<(String, String)>,
}

impl Fresh {
    async fn create(backend: &Backend, n: usize) -> Fresh {
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

    async fn open(&self) -> DynStore {
        let store = store::open(self.database_url.as_deref(), self.data_dir.path())
            .await
            .expect("open the store");
        store.migrate().await.expect("migrate");
        store
    }

    /// Gives PostgreSQL its planner statistics, as autovacuum does within about a minute
    /// of a bulk load (`DAVGATE_BENCH_SKIP_ANALYZE=1` measures before that). Returns
    /// whether it ran. SQLite gathers none unless told to, and davgate does not tell it.
    async fn analyze(&self) -> bool {
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

    async fn drop_database(self) {
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

/// One store and size: load, serve, measure.
async fn run(backend: &Backend, n: usize) -> Report {
    let fresh = Fresh::create(backend, n).await;
    let today = time::OffsetDateTime::now_utc().date();
    let config_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");

    let store = fresh.open().await;
    let context = create_context(&store, None, "bench", &["bench.test".into()], &[])
        .await
        .expect("create context");
    let user = create_user(
        &store,
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
    let folder = store
        .default_folder(context.id, user.id, FolderModule::Calendar)
        .await
        .expect("default folder")
        .expect("a default calendar");
    let collection = CalendarCollection::project(folder.clone(), &user, &[], None, "")
        .expect("the user's own calendar");

    let loading = Instant::now();
    let mut names = Vec::with_capacity(n);
    let mut total_bytes = 0usize;
    let mut kinds = Mix::default();
    for i in 0..n {
        let (text, kind) = event(i, today, 0);
        kinds.add(kind);
        total_bytes += text.len();
        let name = resource_name(i);
        let object = prepare(&collection, &name, text.as_bytes(), None, None, user.id)
            .unwrap_or_else(|e| panic!("generated event {i} refused: {e:?}\n{text}"));
        store
            .put_object(context.id, folder.id, &object, WriteCondition::MustNotExist)
            .await
            .expect("put_object");
        names.push(name);
    }
    let load_time = loading.elapsed();
    drop(store);
    let analyzed = fresh.analyze().await;

    // What the server's reports cost per object, measured here in-process: parsing (which
    // builds the index) by kind, and the expected answer of the one-month query.
    let range = next_month(today);
    let mut matches = 0;
    let mut parse_time = [Duration::ZERO; 2];
    let mut parsed = [0usize; 2];
    for i in 0..n {
        let (text, kind) = event(i, today, 0);
        let started = Instant::now();
        let object = CalendarObject::parse(text.as_bytes()).expect("parse");
        let class = usize::from(matches!(kind, Kind::Recurring { endless: true }));
        parse_time[class] += started.elapsed();
        parsed[class] += 1;
        matches += usize::from(object.overlaps(&range));
    }
    let limit = ServerConfig::load_with(&config_dir, &[])
        .expect("shipped config")
        .get::<props::MaxEventResults>() as usize;

    let server = Server::start(&fresh, &config_dir);
    let mut report = Report {
        backend: backend.label(),
        n,
        mix: kinds,
        data_bytes: total_bytes,
        load_time,
        start_hwm: server.hwm_kib(),
        end_hwm: None,
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let calendar = format!("/dav/caldav/{}/", folder.id);
    let client = Client::new(server.port);

    // Logs in once, so every timed request finds the verified credentials.
    let reply = client.send("PROPFIND", &calendar, &[("Depth", "0")], PROPFIND_ETAG);
    assert_eq!(reply.status, 207, "{}", reply.text());

    let row = measure(&server, "PROPFIND Depth 1 (getetag)", || {
        let reply = client.send("PROPFIND", &calendar, &[("Depth", "1")], PROPFIND_ETAG);
        reply.expect_multistatus(n + 1, 0)
    });
    report.rows.push(row);

    let mut token = String::new();
    let row = measure(&server, "sync-collection, empty token (getetag)", || {
        let reply = client.send("REPORT", &calendar, &[("Depth", "0")], &sync_body(""));
        let checked = reply.expect_multistatus(n, 0);
        token = reply.sync_token();
        checked
    });
    report.rows.push(row);

    // Each run changes the next ten events (spread over the calendar), then syncs from
    // the previous run's token.
    let mut put_times = Vec::new();
    let mut round = 0usize;
    let row = measure(&server, "sync-collection after 10 PUTs (getetag)", || {
        round += 1;
        let started = Instant::now();
        for k in 0..CHANGED {
            let i = ((round - 1) * CHANGED + k) * 7919 % n;
            let (text, _) = event(i, today, round as u32);
            let path = format!("{calendar}{}", names[i]);
            let reply = client.send(
                "PUT",
                &path,
                &[("Content-Type", "text/calendar; charset=utf-8")],
                &text,
            );
            assert!(
                (200..300).contains(&reply.status),
                "PUT {path}: {} {}",
                reply.status,
                reply.text()
            );
        }
        put_times.push(started.elapsed());
        let reply = client.send("REPORT", &calendar, &[("Depth", "0")], &sync_body(&token));
        let checked = reply.expect_multistatus(CHANGED, 0);
        token = reply.sync_token();
        checked
    });
    report.rows.push(row);
    put_times.remove(0);
    report.notes.push(format!(
        "the 10 sequential PUTs before each incremental sync took {} (median)",
        ms(median(&put_times))
    ));

    let wanted = MULTIGET_HREFS.min(n);
    let step = n / wanted;
    let hrefs: Vec<String> = (0..wanted)
        .map(|k| format!("{calendar}{}", names[k * step]))
        .collect();
    let body = multiget_body(&hrefs);
    let row = measure(
        &server,
        "calendar-multiget, 1,000 hrefs (getetag, calendar-data)",
        || {
            let reply = client.send("REPORT", &calendar, &[("Depth", "1")], &body);
            reply.expect_multistatus(wanted, wanted)
        },
    );
    report.rows.push(row);

    let body = query_body(&range);
    let (expected, truncated) = if matches > limit {
        (limit + 1, true)
    } else {
        (matches, false)
    };
    let returned = expected - usize::from(truncated);
    let row = measure(
        &server,
        "calendar-query, one month (getetag, calendar-data)",
        || {
            let reply = client.send("REPORT", &calendar, &[("Depth", "1")], &body);
            let checked = reply.expect_multistatus(expected, returned);
            if truncated {
                assert!(
                    reply.text().contains("number-of-matches-within-limits"),
                    "a truncated query ends with a 507"
                );
            }
            checked
        },
    );
    report.rows.push(row);
    report.notes.push(if truncated {
        format!(
            "the one-month query matches {matches} events; the server answers the first {limit} \
             (com.openexchange.calendar.maxEventResults) and a 507"
        )
    } else {
        format!("the one-month query matches {matches} events")
    });

    let per_object = |class: usize| {
        parse_time[class]
            .checked_div(parsed[class].max(1) as u32)
            .unwrap_or_default()
    };
    if fresh.database_url.is_some() {
        report.notes.push(
            if analyzed {
                "ANALYZE ran after loading (planner statistics as autovacuum would gather them)"
            } else {
                "no ANALYZE after loading: PostgreSQL plans without statistics"
            }
            .into(),
        );
    }
    report.notes.push(format!(
        "CalendarObject::parse in the benchmark process: {} per endless recurring event, {} per other event",
        us(per_object(1)),
        us(per_object(0)),
    ));
    report.end_hwm = server.hwm_kib();
    drop(server);
    if std::env::var_os("DAVGATE_BENCH_KEEP").is_some() {
        println!(
            "- kept for inspection: {}\n",
            fresh.database_url.clone().unwrap_or_else(|| fresh
                .data_dir
                .keep()
                .display()
                .to_string())
        );
    } else {
        fresh.drop_database().await;
    }
    report
}

const PROPFIND_ETAG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop></D:propfind>";

fn sync_body(token: &str) -> String {
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

fn multiget_body(hrefs: &[String]) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<C:calendar-multiget xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
<D:prop><D:getetag/><C:calendar-data/></D:prop>",
    );
    for href in hrefs {
        body.push_str(&format!("<D:href>{href}</D:href>"));
    }
    body.push_str("</C:calendar-multiget>");
    body
}

fn query_body(range: &TimeRange) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter>\
<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\
<C:time-range start=\"{}\" end=\"{}\"/></C:comp-filter></C:comp-filter>\
</C:filter></C:calendar-query>",
        utc_stamp(range.start.expect("start")),
        utc_stamp(range.end.expect("end")),
    )
}

/// The calendar month after today's, in UTC.
fn next_month(today: Date) -> TimeRange {
    let first = |year: i32, month: Month| {
        Date::from_calendar_date(year, month, 1)
            .expect("first of a month")
            .midnight()
            .assume_utc()
            .unix_timestamp()
    };
    let (y1, m1) = match today.month() {
        Month::December => (today.year() + 1, Month::January),
        m => (today.year(), m.next()),
    };
    let (y2, m2) = match m1 {
        Month::December => (y1 + 1, Month::January),
        m => (y1, m.next()),
    };
    TimeRange {
        start: Some(first(y1, m1)),
        end: Some(first(y2, m2)),
    }
}

fn utc_stamp(epoch: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch).expect("timestamp");
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---------------------------------------------------------------------------------------
// The server under test

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(fresh: &Fresh, config_dir: &Path) -> Server {
        let port = free_port();
        let mut command = Command::new(BIN);
        command
            .arg("--config-dir")
            .arg(config_dir)
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
    fn hwm_kib(&self) -> Option<u64> {
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

struct Client {
    port: u16,
    authorization: String,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    elapsed: Duration,
}

impl Client {
    fn new(port: u16) -> Client {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{LOGIN}:{PASSWORD}"));
        Client {
            port,
            authorization: format!("Basic {token}"),
        }
    }

    /// One request on a connection of its own; the time runs from connecting until the
    /// last byte of the response has arrived.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
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
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Checks a complete 207 with `responses` responses, `calendars` of them with calendar
    /// data, and gives what a run records.
    fn expect_multistatus(&self, responses: usize, calendars: usize) -> Sample {
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
            count(&text, "BEGIN:VCALENDAR"),
            calendars,
            "calendar-data in {}",
            head_of(&text)
        );
        Sample {
            elapsed: self.elapsed,
            responses: found,
            bytes: self.body.len(),
        }
    }

    fn sync_token(&self) -> String {
        let text = self.text();
        let start = text.find("<D:sync-token>").expect("a sync token") + "<D:sync-token>".len();
        let end = start + text[start..].find("</D:sync-token>").expect("token end");
        text[start..end].to_string()
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

struct Sample {
    elapsed: Duration,
    responses: usize,
    bytes: usize,
}

struct Row {
    name: &'static str,
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

/// One warm-up, then `RUNS` timed runs of `op`.
fn measure(server: &Server, name: &'static str, mut op: impl FnMut() -> Sample) -> Row {
    let resettable = server.reset_hwm();
    op();
    let mut samples = Vec::new();
    let mut op_peak: Option<u64> = None;
    for _ in 0..RUNS {
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
        name,
        median: median(&times),
        min: *times.iter().min().expect("runs"),
        max: *times.iter().max().expect("runs"),
        responses: samples[0].responses,
        bytes: samples[0].bytes,
        op_peak,
        hwm_after: server.hwm_kib(),
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

#[derive(Default, Clone, Copy)]
struct Mix {
    single: usize,
    all_day: usize,
    recurring: usize,
    endless: usize,
}

impl Mix {
    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::Single => self.single += 1,
            Kind::AllDay => self.all_day += 1,
            Kind::Recurring { endless } => {
                self.recurring += 1;
                self.endless += usize::from(endless);
            }
        }
    }
}

struct Report {
    backend: &'static str,
    n: usize,
    mix: Mix,
    data_bytes: usize,
    load_time: Duration,
    start_hwm: Option<u64>,
    end_hwm: Option<u64>,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    fn print(&self) {
        println!("## {} — {} events\n", self.backend, thousands(self.n));
        println!(
            "{} single, {} all-day, {} recurring ({} endless); {} of iCalendar \
             (mean {} B); loaded through the store API in {:.1} s; server VmHWM after start {}\n",
            self.mix.single,
            self.mix.all_day,
            self.mix.recurring,
            self.mix.endless,
            size(self.data_bytes),
            self.data_bytes / self.n.max(1),
            self.load_time.as_secs_f64(),
            mib(self.start_hwm),
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
fn print_growth(reports: &[Report]) {
    let (Some(small), Some(large)) = (reports.first(), reports.last()) else {
        return;
    };
    if small.n == large.n {
        return;
    }
    println!(
        "## {} — {} vs {} events ({}×)\n",
        small.backend,
        thousands(large.n),
        thousands(small.n),
        large.n as f64 / small.n as f64
    );
    println!("| operation | median time ratio | body ratio | peak RSS in run |");
    println!("|---|---:|---:|---:|");
    for (a, b) in small.rows.iter().zip(&large.rows) {
        println!(
            "| {} | {:.1}× | {:.1}× | {} → {} |",
            a.name,
            b.median.as_secs_f64() / a.median.as_secs_f64(),
            b.bytes as f64 / a.bytes as f64,
            mib(a.op_peak),
            mib(b.op_peak),
        );
    }
    println!(
        "| (server after start) | | | {} → {} |\n",
        mib(small.start_hwm),
        mib(large.start_hwm)
    );
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "n/a".into(),
    }
}

fn size(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn thousands(n: usize) -> String {
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
// The generated calendar

/// A small deterministic generator (SplitMix64), so event `i` is the same in every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Single,
    AllDay,
    Recurring { endless: bool },
}

fn resource_name(i: usize) -> String {
    format!("bench-{i:06}.ics")
}

#[derive(Clone, Copy)]
enum Zone {
    Utc,
    Berlin,
    NewYork,
    Tokyo,
    /// A Windows zone name without VTIMEZONE, as some Outlook connectors write.
    Windows,
}

impl Zone {
    fn tzid(self) -> Option<&'static str> {
        match self {
            Zone::Utc => None,
            Zone::Berlin => Some("Europe/Berlin"),
            Zone::NewYork => Some("America/New_York"),
            Zone::Tokyo => Some("Asia/Tokyo"),
            Zone::Windows => Some("W. Europe Standard Time"),
        }
    }

    fn vtimezone(self) -> &'static str {
        match self {
            Zone::Berlin => BERLIN,
            Zone::NewYork => NEW_YORK,
            Zone::Tokyo => TOKYO,
            Zone::Utc | Zone::Windows => "",
        }
    }

    /// A date-time property in this zone.
    fn property(self, name: &str, at: PrimitiveDateTime) -> String {
        match self.tzid() {
            Some(tzid) => format!("{name};TZID={tzid}:{}\r\n", local_stamp(at)),
            None => format!("{name}:{}Z\r\n", local_stamp(at)),
        }
    }
}

const BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

const NEW_YORK: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:19700308T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nDTSTART:19701101T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

const TOKYO: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nDTSTART:19700101T000000\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

const WORDS: &[&str] = &[
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

const SUMMARIES: &[&str] = &[
    "Team meeting",
    "1:1",
    "Project review",
    "Customer call",
    "Lunch",
    "Dentist",
    "Release planning",
    "Sprint demo",
    "Board meeting",
    "Training",
    "Workshop",
    "Interview",
];

const LOCATIONS: &[&str] = &[
    "Room 4.12",
    "Main office",
    "Video call",
    "Cafeteria",
    "Client site",
];

fn local_stamp(at: PrimitiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn date_stamp(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

/// Appends a content line, folded at 75 octets (RFC 5545 3.1); the text is ASCII.
fn line(out: &mut String, text: &str) {
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

/// Event `i` of the calendar (revision 0 as loaded, higher ones as changed by PUT): dates
/// from 28 days back to 335 days ahead of `today`, 10% all-day, 20% recurring (a quarter
/// of those endless), zones Berlin, New York and Tokyo with VTIMEZONE, UTC and a Windows
/// name; attendees, alarms and descriptions so that sizes spread over 0.5–3 KB.
fn event(i: usize, today: Date, revision: u32) -> (String, Kind) {
    let mut rng = Rng::new(i as u64);
    let day = today + Days::days(rng.range(-28, 335));
    let zone = match rng.range(0, 99) {
        0..=34 => Zone::Berlin,
        35..=54 => Zone::NewYork,
        55..=64 => Zone::Tokyo,
        65..=89 => Zone::Utc,
        _ => Zone::Windows,
    };
    let roll = rng.range(0, 99);
    let target = 500 + (rng.range(0, 50).pow(2) as usize); // 0.5–3 KB, most small
    let uid = format!("bench-{i:06}-{:016x}@bench.test", rng.next());
    let summary = SUMMARIES[rng.range(0, SUMMARIES.len() as i64 - 1) as usize];

    let mut body = String::new();
    let mut kind = Kind::Single;
    let mut vtimezone = "";
    if roll < 10 {
        kind = Kind::AllDay;
        let days = rng.range(1, 3);
        body.push_str(&format!("DTSTART;VALUE=DATE:{}\r\n", date_stamp(day)));
        body.push_str(&format!(
            "DTEND;VALUE=DATE:{}\r\n",
            date_stamp(day + Days::days(days))
        ));
        body.push_str("TRANSP:TRANSPARENT\r\n");
    } else {
        let start = PrimitiveDateTime::new(
            day,
            Time::from_hms(rng.range(7, 19) as u8, (rng.range(0, 3) * 15) as u8, 0).expect("time"),
        );
        let minutes = rng.range(1, 8) * 15;
        vtimezone = zone.vtimezone();
        body.push_str(&zone.property("DTSTART", start));
        if rng.chance(80) {
            body.push_str(&zone.property("DTEND", start + Days::minutes(minutes)));
        } else {
            body.push_str(&format!("DURATION:PT{minutes}M\r\n"));
        }
        if roll < 30 {
            let until = |days: i64| {
                let end = start + Days::days(days);
                format!("{}T235959Z", date_stamp(end.date()))
            };
            let (rule, endless) = match rng.range(0, 99) {
                0..=29 => (format!("FREQ=WEEKLY;COUNT={}", rng.range(4, 26)), false),
                30..=44 => (format!("FREQ=DAILY;COUNT={}", rng.range(3, 14)), false),
                45..=64 => (
                    format!("FREQ=MONTHLY;UNTIL={}", until(rng.range(90, 270))),
                    false,
                ),
                65..=74 => (
                    format!("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL={}", until(rng.range(30, 90))),
                    false,
                ),
                75..=89 => ("FREQ=WEEKLY".to_string(), true),
                90..=94 => (format!("FREQ=MONTHLY;BYMONTHDAY={}", day.day()), true),
                _ => ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".to_string(), true),
            };
            body.push_str(&format!("RRULE:{rule}\r\n"));
            kind = Kind::Recurring { endless };
        }
    }
    body.push_str(&format!("SUMMARY:{summary}"));
    if revision > 0 {
        body.push_str(&format!(" (changed {revision})"));
        body.push_str(&format!("\r\nSEQUENCE:{revision}"));
    }
    body.push_str("\r\n");
    if rng.chance(50) {
        let location = LOCATIONS[rng.range(0, LOCATIONS.len() as i64 - 1) as usize];
        body.push_str(&format!("LOCATION:{location}\r\n"));
    }
    if rng.chance(30) {
        line(&mut body, "ORGANIZER;CN=Bench User:mailto:bench@bench.test");
        for a in 0..rng.range(2, 8) {
            let partstat = ["ACCEPTED", "NEEDS-ACTION", "TENTATIVE", "DECLINED"][a as usize % 4];
            line(
                &mut body,
                &format!(
                    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};\
                     RSVP=TRUE;CN=Colleague {a}:mailto:colleague{a}.{i}@example.com"
                ),
            );
        }
    }
    let mut alarms = String::new();
    let alarm_count = match rng.range(0, 9) {
        0..=3 => 1,
        4 => 2,
        _ => 0,
    };
    for a in 0..alarm_count {
        alarms.push_str(&format!(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT{}M\r\nEND:VALARM\r\n",
            15 * (a + 1)
        ));
    }

    let head = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//bench//EN\r\nCALSCALE:GREGORIAN\r\n\
         {vtimezone}BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n"
    );
    let tail = "END:VEVENT\r\nEND:VCALENDAR\r\n";
    let without = head.len() + body.len() + alarms.len() + tail.len();
    let mut description = String::new();
    if without + 20 < target {
        let mut text = String::from("DESCRIPTION:");
        let mut w = rng.next() as usize;
        // Folding adds three octets per 74 of text.
        let wanted = (target - without) * 74 / 77;
        while text.len() < wanted {
            text.push_str(WORDS[w % WORDS.len()]);
            text.push(' ');
            w = w.wrapping_mul(31).wrapping_add(7);
        }
        text.truncate(wanted.max(13));
        line(&mut description, text.trim_end());
    }
    let text = format!("{head}{body}{description}{alarms}{tail}");
    (text, kind)
}
