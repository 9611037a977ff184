//! Request bodies built to be expensive. Through the real router, on SQLite and
//! PostgreSQL: each is refused with 413 and the bound it broke (a setting), nothing is
//! stored, and large bodies within the bounds are answered. Through the server under the
//! router: a client that disconnects ends its request. Against `davgate serve --demo`:
//! health probes are answered while heavy bodies are read, and a body's parse stops
//! when its client goes away.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::caldav::*;
use common::carddav::{book_path, contacts_folder};
use common::http::*;
use davgate::store::FolderModule;
use http::StatusCode;

const PROP_ROOT: &str = r#"<D:propfind xmlns:D="DAV:" xmlns:x="urn:x">"#;

/// A PROPFIND naming DAV:displayname and then `count - 1` distinct other properties,
/// each name padded with `pad` characters.
fn propfind_naming(count: usize, pad: usize) -> String {
    let padding = "q".repeat(pad);
    let mut body = format!("{PROP_ROOT}<D:prop><D:displayname/>");
    for n in 1..count {
        body.push_str(&format!("<x:p{n}{padding}/>"));
    }
    body + "</D:prop></D:propfind>"
}

/// The start of an answer's body, for messages.
fn start_of(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}

/// A 413 whose reason names `setting`.
#[track_caller]
fn assert_refused(answer: &Answer, setting: &str) {
    let reason = start_of(&answer.body);
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{reason}");
    assert!(
        reason.contains("request body too complex") && reason.contains(setting),
        "the reason should name {setting}: {reason}"
    );
}

async fn propfind(site: &Site, path: &str, body: impl Into<Vec<u8>>) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth("alice", ALICE_PASSWORD)
            .depth("0")
            .body(body),
    )
    .await
}

#[tokio::test]
async fn a_propfind_names_at_most_so_many_properties() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);

        let refused = propfind(&site, &path, propfind_naming(501, 0)).await;
        assert_refused(&refused, "davgate.limits.maxPropertiesPerRequest");

        // The most a list may name, in a body large enough to be parsed off the workers.
        let body = propfind_naming(500, 80);
        assert!(body.len() > 40 * 1024);
        let answer = propfind(&site, &path, body).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 1);
        assert_eq!(responses[0].status_of(DAV, "displayname"), Some(200));
        let missing = responses[0].props.iter().filter(|(s, _)| *s == 404).count();
        assert_eq!(missing, 499);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn abusive_bodies_get_413_with_the_bound_they_broke() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let path = "/dav/caldav/";
        let attributes: String = (0..100_000).map(|n| format!(" a{n}=\"v\"")).collect();
        let spread_declarations: String = (0..600)
            .map(|n| format!(r#"<p{n} xmlns="urn:n{n}"/>"#))
            .collect();
        for (body, setting) in [
            (
                format!("{PROP_ROOT}<D:prop{attributes}><D:getetag/></D:prop></D:propfind>"),
                "davgate.limits.maxXmlAttributesPerElement",
            ),
            (
                format!("{PROP_ROOT}<D:prop>{spread_declarations}</D:prop></D:propfind>"),
                "davgate.limits.maxXmlNamespaceDeclarations",
            ),
            (
                format!(
                    "{PROP_ROOT}<D:prop>{}{}</D:prop></D:propfind>",
                    "<x:a>".repeat(10_000),
                    "</x:a>".repeat(10_000)
                ),
                "nested deeper than 64 levels",
            ),
            (propfind_naming(300_000, 0), "davgate.limits.maxXmlElements"),
        ] {
            assert_refused(&propfind(&site, path, body).await, setting);
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_refused_proppatch_or_mkcalendar_changes_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let props: String = (0..500).map(|n| format!("<x:p{n}>v</x:p{n}>")).collect();
        let proppatch = format!(
            r#"<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><D:displayname>Renamed</D:displayname>{props}</D:prop></D:set></D:propertyupdate>"#
        );
        let answer = send(
            &site.app,
            Call::new("PROPPATCH", &path)
                .auth("alice", ALICE_PASSWORD)
                .body(proppatch),
        )
        .await;
        assert_refused(&answer, "davgate.limits.maxPropertiesPerRequest");
        let check = r#"<D:propfind xmlns:D="DAV:" xmlns:x="urn:x"><D:prop><D:displayname/><x:p0/></D:prop></D:propfind>"#;
        let responses = propfind(&site, &path, check).await.multistatus();
        let displayname = responses[0].found(DAV, "displayname").text.clone();
        assert_ne!(displayname, "Renamed");
        assert_eq!(responses[0].status_of("urn:x", "p0"), Some(404));

        let mkcalendar = format!(
            r#"<C:mkcalendar xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><D:displayname>New</D:displayname>{props}</D:prop></D:set></C:mkcalendar>"#
        );
        let answer = send(
            &site.app,
            Call::new("MKCALENDAR", "/dav/caldav/new-one/")
                .auth("alice", ALICE_PASSWORD)
                .body(mkcalendar),
        )
        .await;
        assert_refused(&answer, "davgate.limits.maxPropertiesPerRequest");
        let created = propfind(&site, "/dav/caldav/new-one/", check).await;
        assert_eq!(created.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn reports_bound_their_hrefs_and_filters() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let report = |path: String, body: String| {
            let app = site.app.clone();
            async move {
                let call = Call::new("REPORT", &path)
                    .auth("alice", ALICE_PASSWORD)
                    .depth("1")
                    .body(body);
                send(&app, call).await
            }
        };

        let hrefs: String = (0..10_001)
            .map(|n| format!("<D:href>{path}{n}.ics</D:href>"))
            .collect();
        let multiget = format!(
            r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>{hrefs}</C:calendar-multiget>"#
        );
        let answer = report(path.clone(), multiget).await;
        assert_refused(&answer, "davgate.limits.maxHrefsPerRequest");

        let filters: String = (0..60)
            .map(|n| {
                format!(
                    r#"<C:prop-filter name="X-{n}"><C:text-match>a</C:text-match></C:prop-filter>"#
                )
            })
            .collect();
        let query = format!(
            r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{filters}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
        );
        let answer = report(path.clone(), query).await;
        assert_refused(&answer, "davgate.limits.maxFilterElements");

        let book = book_path(contacts_folder(&db.store, &site.alice).await.id);
        let card_filters: String = (0..101)
            .map(|n| format!(r#"<R:prop-filter name="X-{n}"/>"#))
            .collect();
        let card_query = format!(
            r#"<R:addressbook-query xmlns:R="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><R:filter>{card_filters}</R:filter></R:addressbook-query>"#
        );
        let answer = report(book, card_query).await;
        assert_refused(&answer, "davgate.limits.maxFilterElements");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_bounds_are_settings() {
    let db = common::sqlite().await;
    let mut overrides = LAYOUT.to_vec();
    overrides.push(("davgate.limits.maxPropertiesPerRequest", "3"));
    let site = site(&db.store, &overrides).await;
    let answer = propfind(&site, "/dav/caldav/", propfind_naming(4, 0)).await;
    assert_refused(&answer, "more than 3 properties");
    let answer = propfind(&site, "/dav/caldav/", propfind_naming(3, 0)).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
}

#[tokio::test]
async fn malformed_bodies_still_get_400() {
    let db = common::sqlite().await;
    let site = site(&db.store, LAYOUT).await;
    for body in [
        r#"<D:propfind xmlns:D="DAV:"><D:prop x="1" x="2"/></D:propfind>"#,
        r#"<D:propfind xmlns:D="DAV:" xmlns:a="urn:u" xmlns:b="urn:u"><D:prop a:x="1" b:x="2"/></D:propfind>"#,
        r#"<D:propfind xmlns:D="DAV:"><D:prop><y:getetag/></D:prop></D:propfind>"#,
        r#"<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>"#,
    ] {
        let answer = propfind(&site, "/dav/caldav/", body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            start_of(&answer.body)
        );
    }
}

/// What the server under the router does when a client goes away mid-request: hyper
/// notices the closed connection and drops the request's future, which ends the
/// handler's work.
#[tokio::test]
async fn a_client_that_disconnects_ends_its_request() {
    use axum::routing::post;
    use tokio::sync::mpsc;

    struct Ended(mpsc::UnboundedSender<&'static str>);
    impl Drop for Ended {
        fn drop(&mut self) {
            let _ = self.0.send("ended");
        }
    }

    let (events, mut seen) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/work",
        post(move |_body: axum::body::Bytes| {
            let events = events.clone();
            async move {
                let _ended = Ended(events.clone());
                let _ = events.send("started");
                std::future::pending::<()>().await;
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(davgate::http::server::serve(
        listener,
        app,
        davgate::limits::Limits::default().connections,
        std::future::pending::<()>(),
    ));
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::AsyncWriteExt;
    client
        .write_all(b"POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        .await
        .unwrap();
    let guard = Duration::from_secs(30);
    let first = tokio::time::timeout(guard, seen.recv()).await.unwrap();
    assert_eq!(first, Some("started"));
    drop(client);
    let next = tokio::time::timeout(guard, seen.recv())
        .await
        .expect("the handler should end when its client goes away");
    assert_eq!(next, Some("ended"));
}

/// One HTTP/1.1 request on a connection of its own, as `bytes`.
fn raw_request(method: &str, path: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let auth = basic("alice@example.com", common::client::PASSWORD);
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\
         Depth: 0\r\nContent-Type: application/xml\r\nX-Request-ID: {id}\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Sends `request` on a new connection; the connection, to read the answer from.
fn send_raw(port: u16, request: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A guard against a server that never answers, not a measure of speed.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream.write_all(request).unwrap();
    stream
}

/// Status and body of the answer on `stream` (the server closes it after the answer).
fn read_answer(mut stream: TcpStream) -> (u16, String) {
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server should answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    (status, answer)
}

/// Waits (at most a minute, a guard against waiting forever) until the server's output
/// holds a line with every one of `parts`; that line.
fn line_with(server: &common::client::Server, parts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = server.output();
        if let Some(line) = output
            .lines()
            .find(|line| parts.iter().all(|part| line.contains(part)))
        {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no line with {parts:?} in the server's output:\n{output}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn heavy_bodies_leave_health_answering_and_stop_when_their_client_goes() {
    let target = common::client::targets().await.remove(0);
    // Two workers, as on the two-core pod the defaults are sized for, whatever this
    // machine has: two heavy bodies must not take both.
    let server = common::client::start_demo_with(
        &target,
        &common::client::manifest_dir().join("config"),
        &[
            ("TOKIO_WORKER_THREADS", "2"),
            // Access lines, and when a body's parse begins and stops.
            ("RUST_LOG", "info,davgate::http::body_parsing=debug"),
        ],
    );
    let port = server.port;

    // Two heavy bodies on two connections, sent whole before the health probe. Read the
    // way they once were, each took one of the two workers for minutes.
    let properties: String = (0..300_000).map(|n| format!("<x:p{n}/>")).collect();
    let heavy_properties =
        format!("{PROP_ROOT}<D:prop>{properties}</D:prop></D:propfind>").into_bytes();
    let attributes: String = (0..300_000).map(|n| format!(" a{n}=\"v\"")).collect();
    let heavy_attributes =
        format!("{PROP_ROOT}<D:prop{attributes}><D:getetag/></D:prop></D:propfind>").into_bytes();
    let first = send_raw(
        port,
        &raw_request("PROPFIND", "/dav/caldav/", "heavy-1", &heavy_properties),
    );
    let second = send_raw(
        port,
        &raw_request("PROPFIND", "/dav/caldav/", "heavy-2", &heavy_attributes),
    );
    let health = send_raw(
        port,
        b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let (status, answer) = read_answer(health);
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = read_answer(first);
    assert_eq!(status, 413, "{}", start_of(answer.as_bytes()));
    assert!(answer.contains("davgate.limits.maxXmlElements"), "{answer}");
    let (status, answer) = read_answer(second);
    assert_eq!(status, 413, "{}", start_of(answer.as_bytes()));
    assert!(
        answer.contains("davgate.limits.maxXmlAttributesPerElement"),
        "{answer}"
    );

    // A body within every bound that takes a while to read (text broken into millions of
    // pieces), whose client goes away once the server has begun to parse it.
    let pieces = "x<!---->".repeat(1_800_000);
    let slow = format!(
        r#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>{pieces}</D:displayname></D:prop></D:set></D:propertyupdate>"#
    )
    .into_bytes();
    let calendar = target
        .demo_default_folder("alice", FolderModule::Calendar)
        .await;
    let path = format!("/dav/caldav/{calendar}/");
    let gone = send_raw(port, &raw_request("PROPPATCH", &path, "gone-1", &slow));
    line_with(&server, &["parsing a request body", "gone-1"]);
    drop(gone);
    // The server ends the request (its access line says the client closed it) and the
    // parse of its body stops instead of running to its end.
    line_with(&server, &["request abandoned", "gone-1", "status=499"]);
    line_with(&server, &["request body parse stopped", "gone-1"]);
    drop(server);
    target.finish().await;
}
