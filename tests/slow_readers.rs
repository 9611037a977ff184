//! Clients that ask for large listings and then stop reading must not hold the database:
//! with as many of them as the pool has connections, other requests are still served,
//! and the stalled listings are complete once their clients read on. Real sockets on
//! loopback, a small pool, both stores.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use common::caldav::{day, default_folder, event, LAYOUT};
use common::http::{basic, parse_xml, site, Site, ALICE_PASSWORD, DAV};
use davgate::http::server;
use davgate::limits::Limits;
use davgate::store::{self, FolderModule, PoolSettings};

/// Members of the big calendar: listings of them are megabytes, more than the socket
/// buffers between the server and a client that stops reading can take (Linux lets a
/// sender's buffer grow to 4 MiB by default; a receiver's grows only as it reads).
const MEMBERS: usize = 30_000;

/// Connections of the server's pool, and clients that stall.
const POOL: u32 = 3;

/// `MEMBERS` events named e1.ics, e2.ics, ... in `folder`, written in one SQL statement.
async fn bulk_events(db: &common::TestDb, site: &Site, folder: i64) {
    let sqlite = db.url.starts_with("sqlite:");
    let crlf = if sqlite {
        "char(13, 10)"
    } else {
        "chr(13) || chr(10)"
    };
    let text = format!(
        "'BEGIN:VCALENDAR' || {crlf} || 'VERSION:2.0' || {crlf} || 'PRODID:-//davgate tests//EN' || {crlf} \
         || 'BEGIN:VEVENT' || {crlf} || 'UID:u' || CAST(i AS TEXT) || {crlf} \
         || 'DTSTAMP:20260101T000000Z' || {crlf} || 'DTSTART:{d}T100000Z' || {crlf} \
         || 'DTEND:{d}T110000Z' || {crlf} || 'SUMMARY:Event ' || CAST(i AS TEXT) || {crlf} \
         || 'END:VEVENT' || {crlf} || 'END:VCALENDAR' || {crlf}",
        d = day(1)
    );
    let data = if sqlite {
        format!("CAST({text} AS BLOB)")
    } else {
        format!("convert_to({text}, 'UTF8')")
    };
    db.raw_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MEMBERS}) \
         INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, etag, \
         start_at, end_at, user_id, created_at, modified_at) \
         SELECT {ctx}, {folder}, 'e' || CAST(i AS TEXT) || '.ics', 'u' || CAST(i AS TEXT), 'VEVENT', \
         {data}, '', NULL, NULL, {user}, 0, 0 FROM n",
        ctx = site.alice.context_id,
        user = site.alice.id,
    ))
    .await;
    // Statistics, as autovacuum gathers them after a bulk load: without any, PostgreSQL
    // plans the listings' index lookups as if the tables were empty.
    db.raw_sql("ANALYZE").await;
}

/// Serves `site` on a loopback port of its own, as `davgate serve` does.
async fn serve(site: &Site) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(
        listener,
        site.app.clone(),
        Limits::default().connections,
        std::future::pending::<()>(),
    ));
    addr
}

fn request(method: &str, path: &str, depth: Option<&str>, body: &str) -> Vec<u8> {
    let depth = depth.map(|d| format!("Depth: {d}\r\n")).unwrap_or_default();
    let content_type = if method == "PUT" {
        "text/calendar; charset=utf-8"
    } else {
        "application/xml; charset=utf-8"
    };
    format!(
        "{method} {path} HTTP/1.1\r\nHost: dav.example.com\r\nAuthorization: {}\r\n{depth}\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        basic("alice", ALICE_PASSWORD),
        body.len()
    )
    .into_bytes()
}

/// Reads until the response head is in, and returns what was read.
fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 1024];
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).expect("reading a response head");
        assert!(n > 0, "closed before a response head");
        received.extend_from_slice(&chunk[..n]);
    }
    received
}

/// The rest of a response whose beginning is `received`: status and (de-chunked) body.
fn read_rest(stream: &mut TcpStream, mut received: Vec<u8>) -> (u16, Vec<u8>) {
    let head_end = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&received[..head_end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    if status == 204 || status == 304 {
        return (status, Vec::new());
    }
    let mut chunk = [0u8; 65536];
    let mut fill = |received: &mut Vec<u8>, wanted: usize| {
        while received.len() < wanted {
            let n = stream.read(&mut chunk).expect("reading a response body");
            assert!(n > 0, "closed inside a response body");
            received.extend_from_slice(&chunk[..n]);
        }
    };
    if let Some(length) = head.lines().find_map(|l| l.strip_prefix("content-length:")) {
        let length: usize = length.trim().parse().unwrap();
        fill(&mut received, head_end + length);
        return (status, received[head_end..head_end + length].to_vec());
    }
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let mut body = Vec::new();
    let mut at = head_end;
    loop {
        let line_end = loop {
            if let Some(i) = received[at..].windows(2).position(|w| w == b"\r\n") {
                break at + i;
            }
            let wanted = received.len() + 1;
            fill(&mut received, wanted);
        };
        let size = std::str::from_utf8(&received[at..line_end]).unwrap().trim();
        let size = usize::from_str_radix(size, 16).unwrap();
        at = line_end + 2;
        fill(&mut received, at + size + 2);
        if size == 0 {
            return (status, body);
        }
        body.extend_from_slice(&received[at..at + size]);
        at += size + 2;
    }
}

/// One whole exchange on a connection of its own.
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    let head = read_head(&mut stream);
    read_rest(&mut stream, head)
}

/// The hrefs of a multistatus body, in order.
fn hrefs(body: &[u8]) -> Vec<String> {
    parse_xml(body)
        .children
        .iter()
        .filter(|n| n.is(DAV, "response"))
        .map(|r| r.child(DAV, "href").expect("a href").text.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_that_stop_reading_hold_no_database_connection() {
    for db in common::databases().await {
        let url = if db.url.starts_with("sqlite:") {
            format!("{}?mode=rwc", db.url)
        } else {
            db.url.clone()
        };
        let pool = PoolSettings {
            max_connections: POOL,
            ..PoolSettings::default()
        };
        let small = store::open_with(Some(&url), std::path::Path::new("."), &pool)
            .await
            .unwrap();
        // calendar-query may return every member, as the other listings do.
        let config = [
            LAYOUT,
            &[("com.openexchange.calendar.maxEventResults", "1000000")],
        ]
        .concat();
        let site = site(&small, &config).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        bulk_events(&db, &site, calendar.id).await;
        let path = format!("/dav/caldav/{}/", calendar.id);
        let addr = serve(&site).await;
        let label = db.label;

        let listings = [
            request(
                "PROPFIND",
                &path,
                Some("1"),
                r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#,
            ),
            request(
                "REPORT",
                &path,
                None,
                r#"<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"#,
            ),
            request(
                "REPORT",
                &path,
                Some("1"),
                r#"<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>"#,
            ),
        ];
        let others = [
            (request("GET", &format!("{path}e7.ics"), None, ""), 200),
            (request("PROPFIND", &path, Some("0"), ""), 207),
            (
                request(
                    "PUT",
                    &format!("{path}a-new.ics"),
                    None,
                    &event("a-new", "New", 2),
                ),
                201,
            ),
            (
                request("DELETE", &format!("{path}a-new.ics"), None, ""),
                204,
            ),
        ];
        tokio::task::spawn_blocking(move || {
            // As many clients as the pool has connections ask for a listing each, take
            // the response head, and stop reading.
            let stalled: Vec<(TcpStream, Vec<u8>)> = listings
                .iter()
                .map(|listing| {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    stream.write_all(listing).unwrap();
                    let head = read_head(&mut stream);
                    (stream, head)
                })
                .collect();
            // Time for the server to fill the socket buffers; how long the rest takes is
            // not the point.
            std::thread::sleep(std::time::Duration::from_secs(1));
            for (other, expected) in &others {
                let (status, body) = exchange(addr, other);
                assert_eq!(
                    status,
                    *expected,
                    "{label}: {} while {POOL} clients do not read: {}",
                    String::from_utf8_lossy(
                        &other[..other.iter().position(|b| *b == b'\r').unwrap()]
                    ),
                    String::from_utf8_lossy(&body)
                );
            }
            // The stalled clients read on, all at once (the server disconnects a client
            // that reads nothing for writeTimeoutSeconds), and get every member, each
            // once (the new one
            // sorts before any member the listings had still to read, and changed after
            // the sync's token).
            let expected = [MEMBERS + 1, MEMBERS, MEMBERS];
            let readers: Vec<_> = stalled
                .into_iter()
                .zip(expected)
                .map(|((mut stream, head), wanted)| {
                    std::thread::spawn(move || {
                        let (status, body) = read_rest(&mut stream, head);
                        assert_eq!(status, 207, "{label}");
                        let mut hrefs = hrefs(&body);
                        assert_eq!(
                            hrefs.len(),
                            wanted,
                            "{label}: responses of a stalled listing"
                        );
                        hrefs.sort();
                        hrefs.dedup();
                        assert_eq!(hrefs.len(), wanted, "{label}: each member once");
                    })
                })
                .collect();
            for reader in readers {
                reader.join().unwrap();
            }
        })
        .await
        .unwrap();
        drop(site);
        drop(small);
        db.drop_database().await;
    }
}
