//! The server under the router, over real TCP connections on loopback: responses leave
//! without waiting for the client's delayed ACK, and no client can hold connections it
//! does not use (half-sent headers, idle keep-alive, a response it stops reading).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use common::caldav::{default_folder, put_new, LAYOUT};
use common::http::{basic, site, ALICE_PASSWORD};
use davgate::http::server;
use davgate::limits::{ConnectionLimits, Limits};
use davgate::store::FolderModule;

/// Serves `app` with `limits` on a loopback port of its own; the server stops with the test.
async fn start(app: axum::Router, limits: ConnectionLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(
        listener,
        app,
        limits,
        std::future::pending::<()>(),
    ));
    addr
}

fn limits() -> ConnectionLimits {
    Limits::default().connections
}

/// Data segments the kernel has received on `stream` so far (Linux `tcpi_data_segs_in`).
fn data_segments_in(stream: &TcpStream) -> u32 {
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            &mut info as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    assert_eq!(rc, 0, "TCP_INFO: {}", std::io::Error::last_os_error());
    info.tcpi_data_segs_in
}

/// One whole HTTP/1.1 response from `stream`: status, headers, body (Content-Length or
/// chunked).
fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 65536];
    let head_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).expect("reading the response head");
        assert!(
            n > 0,
            "connection closed before a response head: {buffer:?}"
        );
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let status = head[9..12].parse().unwrap();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let mut rest = buffer[head_end..].to_vec();
    let mut fill = |rest: &mut Vec<u8>, wanted: usize| {
        while rest.len() < wanted {
            let n = stream.read(&mut chunk).expect("reading the body");
            assert!(n > 0, "connection closed inside the body");
            rest.extend_from_slice(&chunk[..n]);
        }
    };
    if let Some(length) = header("content-length") {
        let length: usize = length.parse().unwrap();
        fill(&mut rest, length);
        rest.truncate(length);
        return (status, head, rest);
    }
    assert_eq!(header("transfer-encoding").as_deref(), Some("chunked"));
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = loop {
            if let Some(end) = find(&rest[at..], b"\r\n") {
                break at + end;
            }
            let want = rest.len() + 1;
            fill(&mut rest, want);
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[at..line_end]).unwrap().trim(), 16)
                .unwrap();
        at = line_end + 2;
        fill(&mut rest, at + size + 2);
        if size == 0 {
            return (status, head, body);
        }
        body.extend_from_slice(&rest[at..at + size]);
        at += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The server's end of the connection whose client end is `client`: this test serves in
/// its own process, so the accepted socket is one of its file descriptors.
fn server_side_nodelay(client: &TcpStream) -> bool {
    let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let Ok(fd) = entry.unwrap().file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // SAFETY: the descriptor stays open while this test holds the connection, and it
        // is only inspected.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&borrowed);
        let (Ok(mine), Ok(theirs)) = (socket.local_addr(), socket.peer_addr()) else {
            continue;
        };
        if mine.as_socket() == Some(peer) && theirs.as_socket() == Some(local) {
            return socket.tcp_nodelay().unwrap();
        }
    }
    panic!("the server's end of {local} -> {peer} was not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_responses_leave_in_one_segment_without_waiting_for_an_ack() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
    let path = format!("/dav/caldav/{}/one.ics", calendar.id);
    let answer = put_new(&site, &path, &common::caldav::event("one", "One", 1)).await;
    assert_eq!(answer.status, 201);
    let addr = start(site.app.clone(), limits()).await;
    let auth = basic("alice", ALICE_PASSWORD);
    tokio::task::spawn_blocking(move || {
        let mut client = TcpStream::connect(addr).unwrap();
        let requests = [
            "OPTIONS /dav/ HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
            format!(
                "PROPFIND /dav/ HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nDepth: 0\r\nContent-Length: 0\r\n\r\n"
            ),
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n"),
            format!(
                "PROPFIND /dav/caldav/{}/ HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nDepth: 1\r\nContent-Length: 0\r\n\r\n",
                calendar.id
            ),
        ];
        for request in &requests {
            let before = data_segments_in(&client);
            client.write_all(request.as_bytes()).unwrap();
            let (status, head, body) = read_response(&mut client);
            assert!(status < 300, "{request}: {status} {head}");
            assert!(body.len() + head.len() < 16 * 1024, "a small response");
            if request.starts_with("GET") {
                assert!(
                    head.to_ascii_lowercase().contains("content-length:"),
                    "a whole body keeps its length: {head}"
                );
            }
            let segments = data_segments_in(&client) - before;
            assert_eq!(
                segments,
                1,
                "{} {status}: {} bytes arrived in {segments} segments",
                request.lines().next().unwrap(),
                head.len() + body.len()
            );
        }
        assert!(
            server_side_nodelay(&client),
            "the accepted socket has TCP_NODELAY"
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_header_is_dropped_after_the_header_timeout() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let mut limits = limits();
    limits.header_read_timeout = Duration::from_secs(1);
    let addr = start(site.app.clone(), limits).await;
    tokio::task::spawn_blocking(move || {
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"PROPFIND /dav/ HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let mut silent = TcpStream::connect(addr).unwrap();
        for stream in [&mut slow, &mut silent] {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let mut byte = [0u8; 1];
            // The server closes; a 408 before the close is fine too.
            let mut seen = Vec::new();
            loop {
                match stream.read(&mut byte) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => seen.push(byte[0]),
                }
                assert!(seen.len() < 4096);
            }
            let text = String::from_utf8_lossy(&seen);
            assert!(
                text.is_empty() || text.starts_with("HTTP/1.1 408"),
                "{text}"
            );
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_make_room_for_new_ones() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let mut limits = limits();
    limits.max_connections = 4;
    let addr = start(site.app.clone(), limits).await;
    tokio::task::spawn_blocking(move || {
        // Four connections that send nothing take every place.
        let mut idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        for round in 0..3 {
            let mut client = TcpStream::connect(addr).unwrap();
            client
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            client
                .write_all(b"OPTIONS /dav/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let (status, _, _) = read_response(&mut client);
            assert_eq!(status, 200, "round {round}: a new client is served");
        }
        // The oldest idle connections were closed to make that room.
        let mut closed = 0;
        for stream in &mut idle {
            stream
                .set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let mut byte = [0u8; 1];
            if matches!(stream.read(&mut byte), Ok(0)) {
                closed += 1;
            }
        }
        assert!(closed >= 1, "no idle connection was closed");
    })
    .await
    .unwrap();
}

/// Bytes the kernel holds to send on the sockets whose local port is `port`, from
/// /proc/net/tcp (its `tx_queue` column, in hex).
fn queued_to_send(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = u16::from_str_radix(fields.get(1)?.rsplit(':').next()?, 16).ok()?;
            let queued = u64::from_str_radix(fields.get(4)?.split(':').next()?, 16).ok()?;
            (local == port).then_some(queued)
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_disconnected() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
    // One object near the 4 MiB limit (long lines, within the properties per component):
    // far more than the socket buffers hold.
    let description = "x".repeat(900);
    let mut body = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:big\r\nDTSTAMP:20260101T000000Z\r\n",
    );
    body.push_str(&format!("DTSTART:{}T100000Z\r\n", common::caldav::day(1)));
    while body.len() < 3_500_000 {
        body.push_str(&format!("X-FILL:{description}\r\n"));
    }
    body.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    let path = format!("/dav/caldav/{}/big.ics", calendar.id);
    assert_eq!(put_new(&site, &path, &body).await.status, 201);
    let mut limits = limits();
    limits.write_timeout = Duration::from_secs(1);
    let addr = start(site.app.clone(), limits).await;
    let auth = basic("alice", ALICE_PASSWORD);
    tokio::task::spawn_blocking(move || {
        let client =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        client.set_recv_buffer_size(4096).unwrap();
        client.connect(&addr.into()).unwrap();
        let mut client: TcpStream = client.into();
        client
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        // Read nothing for longer than the write timeout.
        std::thread::sleep(Duration::from_secs(4));
        // The server reset the connection: what it had not sent is not left queued in the
        // kernel (megabytes per such client, until the kernel gives up on the socket).
        assert_eq!(
            queued_to_send(addr.port()),
            0,
            "bytes still queued to the client that stopped reading"
        );
        client
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut received = 0usize;
        let mut chunk = [0u8; 65536];
        loop {
            match client.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
        assert!(
            received < 3_500_000,
            "the server gave up on the reader; {received} bytes had left before"
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_with_a_body_keeps_the_connection_for_the_next() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let addr = start(site.app.clone(), limits()).await;
    let auth = basic("alice", ALICE_PASSWORD);
    tokio::task::spawn_blocking(move || {
        let body = r#"<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        // The body's write must not wait for the head's ACK on this side either.
        client.set_nodelay(true).unwrap();
        // As the Python caldav library does: the first request without credentials, the
        // retry with them on the same connection; the head and the body leave in separate
        // writes, and in every tenth round the body comes late, after the server has
        // answered.
        for round in 0..1000 {
            for credentials in [String::new(), format!("Authorization: {auth}\r\n")] {
                let head = format!(
                    "PROPFIND /dav/ HTTP/1.1\r\nHost: x\r\n{credentials}Depth: 0\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                client.write_all(head.as_bytes()).unwrap();
                if round % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
                client.write_all(body.as_bytes()).unwrap();
                let (status, head, _) = read_response(&mut client);
                let expected = if credentials.is_empty() { 401 } else { 207 };
                assert_eq!(status, expected, "round {round}: {head}");
                assert!(
                    !head.to_ascii_lowercase().contains("connection: close"),
                    "round {round}: {head}"
                );
            }
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_unread_body_is_announced_as_the_connections_end() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    let addr = start(site.app.clone(), limits()).await;
    tokio::task::spawn_blocking(move || {
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        // A megabyte announced, none of it sent: refused before it is read, and too much
        // to read and throw away.
        client
            .write_all(
                b"PUT /dav/caldav/1/x.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n",
            )
            .unwrap();
        let (status, head, _) = read_response(&mut client);
        assert_eq!(status, 401, "{head}");
        assert!(
            head.to_ascii_lowercase().contains("connection: close"),
            "the client is told not to reuse the connection: {head}"
        );
    })
    .await
    .unwrap();
}
