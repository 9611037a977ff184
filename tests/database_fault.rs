//! PostgreSQL stopped and started again under a davgate serving a steady load, as a
//! database failover or an administrator's restart would: during the outage every answer
//! is 503 with Retry-After (never another 5xx) and comes at once, no write that was
//! acknowledged is lost, and a few seconds after the restart everything is served again,
//! without touching davgate. The real binary against a PostgreSQL server of the test's
//! own (`common::pg_server`), stopped with `pg_ctl stop -m fast`; skipped with a note
//! when initdb is not installed (unless DAVGATE_REQUIRE_POSTGRES is set).

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::caldav::event;
use common::client::{free_port, PASSWORD};
use common::pg_server::PgServer;
use common::process::Davgate;
use davgate::store::{self, FolderModule};

/// Tasks writing and reading at the same time.
const WRITERS: usize = 4;

/// One answer of the load, with when its request started and ended.
#[derive(Debug, Clone)]
struct Sample {
    what: String,
    started: Instant,
    ended: Instant,
    status: u16,
    retry_after: bool,
}

#[derive(Default)]
struct Record {
    samples: Vec<Sample>,
    /// Members whose PUT was answered 201 or 204, with the bytes sent.
    acknowledged: Vec<(String, String)>,
}

async fn demo_calendar(url: &str) -> i64 {
    let store = store::open(Some(url), std::path::Path::new("."))
        .await
        .unwrap();
    let context = store
        .context_by_name(davgate::demo::DEMO_CONTEXT)
        .await
        .unwrap();
    let alice = store
        .user_by_login(context.id, "alice")
        .await
        .unwrap()
        .unwrap();
    store
        .default_folder(context.id, alice.id, FolderModule::Calendar)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// PUTs new members with unique content and reads back one already acknowledged, until
/// `stop` is set.
async fn writer(
    client: reqwest::Client,
    base: String,
    task: usize,
    record: Arc<Mutex<Record>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    let mut i = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        i += 1;
        let name = format!("w{task}-{i}.ics");
        let body = event(
            &format!("fault-{task}-{i}"),
            &format!("writer {task} event {i}"),
            1,
        );
        let started = Instant::now();
        let answer = client
            .put(format!("{base}{name}"))
            .basic_auth("alice@example.com", Some(PASSWORD))
            .header("Content-Type", "text/calendar; charset=utf-8")
            .header("If-None-Match", "*")
            .body(body.clone())
            .send()
            .await;
        let sample = |status: u16, retry_after: bool, what: String| Sample {
            what,
            started,
            ended: Instant::now(),
            status,
            retry_after,
        };
        let (status, retry_after) = match &answer {
            Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
            Err(_) => (0, false),
        };
        {
            let mut record = record.lock().unwrap();
            record
                .samples
                .push(sample(status, retry_after, format!("PUT {name}")));
            if status == 201 || status == 204 {
                record.acknowledged.push((name.clone(), body));
            }
        }
        let earlier = {
            let record = record.lock().unwrap();
            let n = record.acknowledged.len();
            (n > 0).then(|| record.acknowledged[(i * 7919) % n].0.clone())
        };
        if let Some(earlier) = earlier {
            let started = Instant::now();
            let answer = client
                .get(format!("{base}{earlier}"))
                .basic_auth("alice@example.com", Some(PASSWORD))
                .send()
                .await;
            let (status, retry_after) = match &answer {
                Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
                Err(_) => (0, false),
            };
            record.lock().unwrap().samples.push(Sample {
                what: format!("GET {earlier}"),
                started,
                ended: Instant::now(),
                status,
                retry_after,
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_under_load_loses_no_acknowledged_write() {
    let pg_port = free_port();
    let Some(pg) = PgServer::init(pg_port) else {
        eprintln!("no initdb found: the database restart under load is not checked");
        return;
    };
    pg.start();
    pg.create_database("davgate_fault");
    let url = pg.url("davgate_fault");
    let mut davgate = Davgate::start(&url, &["--demo"], &[("RUST_LOG", "warn")]);
    davgate.wait_for("davgate listening", 1, Duration::from_secs(60));
    let folder = demo_calendar(&url).await;
    let root = format!("http://127.0.0.1:{}", davgate.port);
    let base = format!("{root}/dav/caldav/{folder}/");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let record = Arc::new(Mutex::new(Record::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|task| {
            tokio::spawn(writer(
                client.clone(),
                base.clone(),
                task,
                record.clone(),
                stop.clone(),
            ))
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopping = Instant::now();
    let pg = tokio::task::spawn_blocking(move || {
        pg.stop();
        pg
    })
    .await
    .unwrap();
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready_during = client_ready(&root).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let restarting = Instant::now();
    let pg = tokio::task::spawn_blocking(move || {
        pg.start();
        pg
    })
    .await
    .unwrap();
    let restarted = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let ready_after = client_ready(&root).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let record = std::mem::take(&mut *record.lock().unwrap());
    check(
        &record,
        Phases {
            stopping,
            stopped,
            restarting,
            restarted,
        },
        ready_during,
        ready_after,
    );

    // Every acknowledged write is there, with its content.
    for (name, body) in &record.acknowledged {
        let answer = client
            .get(format!("{base}{name}"))
            .basic_auth("alice@example.com", Some(PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{name} was acknowledged");
        assert_eq!(&answer.text().await.unwrap(), body, "{name}'s content");
    }
    drop(davgate);
    drop(pg);
}

/// When the database was stopped and started.
struct Phases {
    /// `pg_ctl stop` began.
    stopping: Instant,
    /// It returned: the server is down.
    stopped: Instant,
    /// `pg_ctl start` began.
    restarting: Instant,
    /// It returned: the server accepts connections.
    restarted: Instant,
}

async fn client_ready(root: &str) -> u16 {
    reqwest::get(format!("{root}/health/ready"))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// What the answers must have been in each phase.
fn check(record: &Record, phases: Phases, ready_during: u16, ready_after: u16) {
    let Phases {
        stopping,
        stopped,
        restarting,
        restarted,
    } = phases;
    let show = |s: &Sample| {
        format!(
            "{} -> {} ({:?} after the stop began, took {:?})",
            s.what,
            s.status,
            s.started.saturating_duration_since(stopping),
            s.ended - s.started
        )
    };
    let samples = &record.samples;
    assert!(
        samples
            .iter()
            .any(|s| s.ended < stopping && s.status == 201),
        "writes succeeded before the outage"
    );
    for s in samples {
        assert!(
            s.status != 0 && (s.status < 500 || s.status == 503),
            "no answer but 503 may be a 5xx: {}",
            show(s)
        );
        if s.status == 503 {
            assert!(s.retry_after, "503 without Retry-After: {}", show(s));
        }
    }
    // Requests made while the database was down: 503.
    let during: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.started > stopped && s.ended < restarting)
        .collect();
    assert!(
        during.len() >= WRITERS,
        "the load went on during the outage"
    );
    for s in &during {
        assert_eq!(s.status, 503, "during the outage: {}", show(s));
    }
    // Once a request found the database gone, the others are answered at once; the
    // first one waits at most the acquire timeout (2 s by default).
    let first_known = during.iter().map(|s| s.ended).min().unwrap();
    for s in &during {
        let took = s.ended - s.started;
        if s.started > first_known {
            assert!(
                took < Duration::from_millis(500),
                "answered at once: {}",
                show(s)
            );
        } else {
            assert!(
                took < Duration::from_secs(4),
                "the first failure: {}",
                show(s)
            );
        }
    }
    assert_eq!(ready_during, 503, "readiness fails during the outage");
    // A few seconds after the restart, nothing fails.
    let settled = restarted + Duration::from_secs(5);
    let after: Vec<&Sample> = samples.iter().filter(|s| s.started > settled).collect();
    assert!(!after.is_empty(), "the load went on after the restart");
    for s in after {
        assert!(s.status < 500, "after the restart: {}", show(s));
    }
    assert_eq!(ready_after, 200, "ready again");
}
