//! What an operator relies on: traces reach an OTLP collector, log lines carry the
//! request, readiness follows the database and shutdown, and SIGTERM drains before the
//! process stops.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

use common::carddav::DAVX5;
use common::client::{manifest_dir, start_demo_with, targets, PASSWORD};
use common::http::{send, site, Call, ALICE_PASSWORD};

const PRINCIPAL_PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;

/// A stand-in OTLP/HTTP collector: accepts `POST /v1/traces` with protobuf bodies, as a
/// collector's OTLP receiver on port 4318 does, and keeps every span with the resource's
/// service name and pod name.
struct Collector {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<(Process, Span)>>>,
}

/// What the resource of an export said about the process.
#[derive(Debug, Clone, Default)]
struct Process {
    service: String,
    pod: String,
}

impl Collector {
    fn start() -> Self {
        let received: Arc<Mutex<Vec<(Process, Span)>>> = Arc::default();
        let sink = received.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let app = Router::new().route(
                    "/v1/traces",
                    post(move |body: Bytes| {
                        let sink = sink.clone();
                        async move {
                            let request = ExportTraceServiceRequest::decode(body)
                                .expect("an OTLP protobuf export request");
                            let mut spans = sink.lock().unwrap();
                            for resource_spans in request.resource_spans {
                                let attributes = resource_spans
                                    .resource
                                    .as_ref()
                                    .map(|r| r.attributes.clone())
                                    .unwrap_or_default();
                                let process = Process {
                                    service: string_attribute(&attributes, "service.name")
                                        .unwrap_or_default(),
                                    pod: string_attribute(&attributes, "k8s.pod.name")
                                        .unwrap_or_default(),
                                };
                                for scope in resource_spans.scope_spans {
                                    for span in scope.spans {
                                        spans.push((process.clone(), span));
                                    }
                                }
                            }
                            // An empty ExportTraceServiceResponse.
                            (
                                [(http::header::CONTENT_TYPE, "application/x-protobuf")],
                                Vec::new(),
                            )
                        }
                    }),
                );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Collector {
            addr: addr_rx.recv().unwrap(),
            received,
        }
    }

    fn spans(&self) -> Vec<(Process, Span)> {
        self.received.lock().unwrap().clone()
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn string_attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    match attribute(attributes, key)? {
        Value::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

fn int_attribute(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match attribute(attributes, key)? {
        Value::IntValue(i) => Some(*i),
        _ => None,
    }
}

fn http() -> reqwest::blocking::Client {
    davgate::tls::install_provider();
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn propfind(port: u16, headers: &[(&str, &str)]) -> reqwest::blocking::Response {
    let mut request = http()
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("http://127.0.0.1:{port}/dav/"),
        )
        .basic_auth("alice@example.com", Some(PASSWORD))
        .header("Depth", "0")
        .header("Content-Type", "application/xml")
        .body(PRINCIPAL_PROPFIND);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().unwrap()
}

fn get(port: u16, path: &str) -> (u16, String) {
    let response = http()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .send()
        .unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PROXY_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_traced_logged_and_drained_on_sigterm() {
    let collector = Collector::start();
    let endpoint = format!("http://{}", collector.addr);
    let t = targets().await.remove(0);
    let mut server = start_demo_with(
        &t,
        &manifest_dir().join("config"),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_SERVICE_NAME", "davgate-ci"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "k8s.pod.name=davgate-0,k8s.namespace.name=groupware",
            ),
            ("DAVGATE_LOG_FORMAT", "json"),
            ("DAVGATE_SHUTDOWN_DELAY_SECONDS", "2"),
            ("RUST_LOG", "info"),
        ],
    );
    let port = server.port;
    let collected = tokio::task::spawn_blocking(move || {
        assert!(
            server
                .output()
                .contains(&format!("Traces: OTLP/HTTP to {endpoint}/v1/traces")),
            "{}",
            server.output()
        );

        // A request as Istio forwards it: its request id and its trace context.
        let traceparent = format!("00-{TRACE_ID}-{PROXY_SPAN_ID}-01");
        let response = propfind(
            port,
            &[
                ("User-Agent", DAVX5),
                ("X-Request-ID", "proxy-req-42"),
                ("traceparent", traceparent.as_str()),
            ],
        );
        assert_eq!(response.status().as_u16(), 207);
        assert_eq!(response.headers()["x-request-id"], "proxy-req-42");

        // Without a request id from the proxy, davgate makes one and answers it.
        let response = http()
            .get(format!("http://127.0.0.1:{port}/dav/caldav/"))
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
        let generated = response.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(generated.len(), 36, "a UUID, got {generated}");

        assert_eq!(get(port, "/health/live"), (200, "live\n".to_owned()));
        assert_eq!(get(port, "/health/ready"), (200, "ready\n".to_owned()));

        // SIGTERM: readiness fails at once, requests are still served during the delay,
        // then the process exits cleanly.
        server.terminate();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = get(port, "/health/ready");
            if status == 503 {
                assert_eq!(body, "shutting down\n");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "readiness never failed after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(get(port, "/health/live").0, 200);
        assert_eq!(
            propfind(port, &[("X-Request-ID", "during-drain")])
                .status()
                .as_u16(),
            207,
            "requests are served while draining"
        );
        let status = server
            .wait_exit(Duration::from_secs(30))
            .expect("davgate did not stop after SIGTERM");
        assert!(
            status.success(),
            "exit status {status}: {}",
            server.output()
        );
        server.output()
    })
    .await
    .unwrap();

    // The exporter flushed at exit, so every span is there now.
    let spans = collector.spans();
    let by_request_id = |id: &str| {
        spans
            .iter()
            .find(|(_, span)| {
                string_attribute(&span.attributes, "request.id").as_deref() == Some(id)
            })
            .unwrap_or_else(|| panic!("no span for request {id}: {spans:#?}"))
    };
    let (process, span) = by_request_id("proxy-req-42");
    assert_eq!(process.service, "davgate-ci");
    assert_eq!(process.pod, "davgate-0");
    assert_eq!(span.name, "PROPFIND root");
    assert_eq!(span.kind, SpanKind::Server as i32);
    let attrs = &span.attributes;
    for (key, value) in [
        ("http.request.method", "PROPFIND"),
        ("url.path", "/dav/"),
        ("dav.resource", "root"),
        ("dav.client", "davx5"),
    ] {
        assert_eq!(
            string_attribute(attrs, key).as_deref(),
            Some(value),
            "{key}"
        );
    }
    assert_eq!(int_attribute(attrs, "http.response.status_code"), Some(207));
    match attribute(attrs, "duration_ms") {
        Some(Value::DoubleValue(ms)) => assert!(*ms > 0.0, "duration {ms}"),
        other => panic!("duration_ms: {other:?}"),
    }
    assert!(span.end_time_unix_nano > span.start_time_unix_nano);
    // A child of the proxy's span, in the proxy's trace.
    assert_eq!(hex::encode(&span.trace_id), TRACE_ID);
    assert_eq!(hex::encode(&span.parent_span_id), PROXY_SPAN_ID);

    let (_, drained) = by_request_id("during-drain");
    assert_eq!(
        int_attribute(&drained.attributes, "http.response.status_code"),
        Some(207)
    );

    let unauthenticated = spans
        .iter()
        .map(|(_, span)| span)
        .find(|span| {
            string_attribute(&span.attributes, "url.path").as_deref() == Some("/dav/caldav/")
        })
        .expect("a span for the unauthenticated request");
    assert_eq!(unauthenticated.name, "GET dav");
    assert_eq!(
        int_attribute(&unauthenticated.attributes, "http.response.status_code"),
        Some(401)
    );
    assert!(
        !spans
            .iter()
            .any(|(_, span)| string_attribute(&span.attributes, "url.path")
                .is_some_and(|p| p.starts_with("/health/"))),
        "health probes are not traced"
    );

    // One JSON access line per request, with the request id from the proxy.
    let access: Vec<serde_json::Value> = collected
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["target"] == "davgate::access")
        .collect();
    let line = access
        .iter()
        .find(|line| line["request_id"] == "proxy-req-42")
        .unwrap_or_else(|| panic!("no access line for proxy-req-42 in:\n{collected}"));
    assert_eq!(line["method"], "PROPFIND");
    assert_eq!(line["path"], "/dav/");
    assert_eq!(line["status"], 207);
    assert_eq!(line["resource"], "root");
    assert_eq!(line["client"], "davx5");
    assert_eq!(line["level"], "INFO");
    assert!(
        line["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{line}"
    );
    assert!(
        !access.iter().any(|line| line["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/health/"))),
        "health probes stay out of the access log at info level"
    );
    t.finish().await;
}

/// Readiness asks the database: it fails while PostgreSQL refuses connections and
/// recovers by itself when they are allowed again; liveness never depends on it, and DAV
/// requests meanwhile get 503 with Retry-After.
#[tokio::test]
async fn readiness_follows_the_database() {
    let Some(url) = common::postgres_url() else {
        eprintln!("DAVGATE_TEST_DATABASE_URL is not set: PostgreSQL readiness not checked");
        return;
    };
    let db = common::postgres(&url).await;
    let site = site(&db.store, &[]).await;
    let ready = || send(&site.app, Call::new("GET", "/health/ready"));
    let live = || send(&site.app, Call::new("GET", "/health/live"));
    assert_eq!(ready().await.status, 200);

    db.admin_sql(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        name = db.name()
    ))
    .await;
    let answer = ready().await;
    assert_eq!(answer.status, 503);
    assert_eq!(&answer.body[..], b"store unavailable\n");
    assert_eq!(live().await.status, 200);
    let dav = send(
        &site.app,
        Call::new("PROPFIND", "/servlet/dav/")
            .auth("alice@example.com", ALICE_PASSWORD)
            .depth("0")
            .body(PRINCIPAL_PROPFIND),
    )
    .await;
    assert_eq!(
        dav.status,
        503,
        "DAV without a database: {}",
        String::from_utf8_lossy(&dav.body)
    );
    assert!(
        dav.header("retry-after").is_some(),
        "DAV without a database: Retry-After"
    );

    db.admin_sql(&format!(
        "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
        db.name()
    ))
    .await;
    // The DAV request's failure is remembered until davgate has tried the database again
    // (davgate.limits.databaseRetryAfterSeconds); bounded, so one that never recovers fails.
    let mut recovered = false;
    for _ in 0..100 {
        if ready().await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness recovers once connections are allowed");
    db.drop_database().await;
}
