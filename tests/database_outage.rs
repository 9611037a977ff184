//! The database going away under a running server: DAV requests are answered 503 with
//! Retry-After (never 500), the requests that follow the first failure are answered without
//! each trying the database again, and service resumes by itself when it comes back.
//!
//! PostgreSQL only: the server reaches it through a TCP relay the test can cut, as a
//! failed database host or network would. (An SQLite file cannot become unreachable under
//! an open pool: its connections keep the file open.)

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::http::{send, site, Answer, Call, Site, ALICE_PASSWORD};
use davgate::store;
use http::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const PRINCIPAL_PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;

/// A TCP relay to the database server that can be cut: while down, it accepts
/// connections and closes them at once, and the relayed connections are dropped.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            addr: listener.local_addr().unwrap(),
            up: Arc::new(AtomicBool::new(true)),
            accepted: Arc::default(),
            links: Arc::default(),
        };
        let (up, accepted, links) = (
            relay.up.clone(),
            relay.accepted.clone(),
            relay.links.clone(),
        );
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                if !up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                links.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        relay
    }

    /// The database becomes unreachable: open connections break, new ones are closed.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    fn connections_tried(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// The parts of `postgres://user@host:port/name?query`: what precedes the host, the
/// `host:port`, and what follows it.
fn split_host(url: &str) -> (&str, String, &str) {
    let scheme_end = url.find("://").unwrap() + 3;
    let authority_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    let host_start = url[scheme_end..authority_end]
        .rfind('@')
        .map_or(scheme_end, |i| scheme_end + i + 1);
    let host = &url[host_start..authority_end];
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    (&url[..host_start], host, &url[authority_end..])
}

/// `url` with its host replaced by `addr`.
fn via(url: &str, addr: SocketAddr) -> String {
    let (before, _, after) = split_host(url);
    format!("{before}{addr}{after}")
}

async fn principal(site: &Site) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", "/servlet/dav/")
            .auth("alice", ALICE_PASSWORD)
            .depth("0")
            .body(PRINCIPAL_PROPFIND),
    )
    .await
}

fn assert_unavailable(answer: &Answer, what: &str) {
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let retry_after: u64 = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: a Retry-After header"))
        .parse()
        .unwrap_or_else(|_| panic!("{what}: Retry-After in seconds"));
    assert!(retry_after > 0, "{what}: Retry-After {retry_after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_answered_503_and_service_resumes() {
    let Some(url) = common::postgres_url() else {
        eprintln!("DAVGATE_TEST_DATABASE_URL is not set: the database outage is not checked");
        return;
    };
    let db = common::postgres(&url).await;
    let relay = Relay::start(split_host(&db.url).1).await;
    let relayed = store::open(Some(&via(&db.url, relay.addr)), std::path::Path::new("."))
        .await
        .unwrap();
    let site = site(&relayed, &[]).await;
    assert_eq!(principal(&site).await.status, StatusCode::MULTI_STATUS);

    relay.cut();
    assert_unavailable(&principal(&site).await, "the first request after the cut");
    // The requests that follow learn from the first failure instead of each trying again.
    let tried = relay.connections_tried();
    let followers = 10;
    for i in 0..followers {
        assert_unavailable(&principal(&site).await, &format!("follower {i}"));
    }
    let tried_again = relay.connections_tried() - tried;
    assert!(
        tried_again < followers,
        "{followers} requests during the outage made {tried_again} connection attempts"
    );
    let ready = send(&site.app, Call::new("GET", "/health/ready")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);

    relay.restore();
    // Served again once the server has noticed; bounded so a server that never recovers
    // fails the test.
    let mut resumed = false;
    for _ in 0..100 {
        if principal(&site).await.status == StatusCode::MULTI_STATUS {
            resumed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(resumed, "DAV is served again once the database is back");
    let ready = send(&site.app, Call::new("GET", "/health/ready")).await;
    assert_eq!(ready.status, StatusCode::OK);
    drop(site);
    drop(relayed);
    db.drop_database().await;
}
