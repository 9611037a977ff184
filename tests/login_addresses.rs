//! Whose failed logins are counted, over real TCP connections to the server under the
//! router: the connection's peer, or, behind a trusted proxy, the address it forwards.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use common::http::{basic, site, Site};
use davgate::config::ServerConfig;
use davgate::http::{build_app, server, AppState};
use davgate::limits::Limits;

/// Serves `site`'s store with `overrides` on a loopback port of its own.
async fn serve(site: &Site, overrides: &[(&str, &str)]) -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::load_with(dir.path(), overrides).unwrap();
    let state = AppState::new(site.store.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(
        listener,
        build_app(state),
        Limits::default().connections,
        std::future::pending::<()>(),
    ));
    (addr, dir)
}

/// The status of a PROPFIND of the root as `login`, with `forwarded_for` as the
/// X-Forwarded-For header when given.
async fn status(addr: SocketAddr, login: &str, forwarded_for: Option<&str>) -> u16 {
    let mut head = format!(
        "PROPFIND /servlet/dav/ HTTP/1.1\r\nHost: dav.example.com\r\nDepth: 0\r\nAuthorization: {}\r\nContent-Length: 0\r\nConnection: close\r\n",
        basic(login, "guess")
    );
    if let Some(value) = forwarded_for {
        head.push_str(&format!("X-Forwarded-For: {value}\r\n"));
    }
    head.push_str("\r\n");
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
    })
    .await
    .unwrap()
}

const PER_ADDRESS_2: (&str, &str) = ("davgate.limits.loginFailuresPerAddress", "2");

#[tokio::test]
async fn a_client_cannot_pose_as_other_addresses_without_a_trusted_proxy() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let (addr, _dir) = serve(&site, &[PER_ADDRESS_2]).await;
    // Each attempt claims another address; the connection's is what counts.
    assert_eq!(status(addr, "user1", Some("198.51.100.1")).await, 401);
    assert_eq!(status(addr, "user2", Some("198.51.100.2")).await, 401);
    assert_eq!(status(addr, "user3", Some("198.51.100.3")).await, 429);
    assert_eq!(status(addr, "user4", None).await, 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_counts_apart() {
    let db = common::sqlite().await;
    let site = site(&db.store, &[]).await;
    let (addr, _dir) = serve(
        &site,
        &[
            PER_ADDRESS_2,
            ("davgate.trustedProxies", "127.0.0.0/8, ::1"),
        ],
    )
    .await;
    // Apache appends its peer to what the client sent: the rightmost entry counts.
    assert_eq!(status(addr, "user1", Some("198.51.100.7")).await, 401);
    assert_eq!(
        status(addr, "user2", Some("192.0.2.1, 198.51.100.7")).await,
        401
    );
    assert_eq!(
        status(addr, "user3", Some("192.0.2.2, 198.51.100.7")).await,
        429
    );
    // Other clients behind the same proxy are not held back by that one.
    assert_eq!(status(addr, "user4", Some("198.51.100.8")).await, 401);
    assert_eq!(
        status(addr, "user5", Some("198.51.100.7, 127.0.0.1")).await,
        429
    );
    // Requests without the header come from the proxy itself.
    assert_eq!(status(addr, "user6", None).await, 401);
}
