//! One span and one access log line per request.
//!
//! The span (`request`, exported over OTLP when configured) carries the method, the path,
//! the DAV resource kind, the client kind, the request id, the status and the duration;
//! the OpenTelemetry span name is `<METHOD> <resource kind>` (`PROPFIND calendar`). The
//! request id comes from the proxy's header (`davgate.requestIdHeader`), or is generated
//! by the layer in front of this one. Health probes get neither span nor access line
//! (only a debug line): an orchestrator polling every few seconds would drown the rest.
//! A request whose client went away before its answer (the server then drops the
//! request's work) gets its access line too, with status 499 (client closed request).
//! With `davgate.accessLogFormat: combined` the access line is Apache's combined log
//! format instead (`access_log`), written to stdout rather than as a log event.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt as _;
use tracing::field::Empty;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::access_log::{AccessUser, CombinedRequest};
use super::server::peer_address;
use super::AppState;
use crate::clients::user_agent;
use crate::config::values::AccessLogFormat;

/// Where a handler says which kind of DAV resource the request named; the middleware
/// puts an empty one into the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct ResourceKind(Arc<OnceLock<&'static str>>);

impl ResourceKind {
    pub fn set(&self, kind: &'static str) {
        let _ = self.0.set(kind);
    }

    fn get(&self) -> Option<&'static str> {
        self.0.get().copied()
    }
}

/// Target of the access log lines, so they can be filtered on their own
/// (`RUST_LOG=info,davgate::access=off`).
pub const ACCESS_TARGET: &str = "davgate::access";

pub(super) async fn observe(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get(&state.observability.request_id_header)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if path.starts_with("/health/") {
        let response = next.run(request).await;
        tracing::debug!(target: ACCESS_TARGET, %method, %path, status = response.status().as_u16(),
            request_id = %request_id, "health probe");
        return response;
    }

    let client = state.clients.detect(user_agent(request.headers()));
    let area = area_of(&state, &path);
    let span = tracing::info_span!(
        "request",
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        url.path = %path,
        dav.resource = Empty,
        dav.client = client.name(),
        request.id = %request_id,
        user_agent.original = user_agent(request.headers()).unwrap_or(""),
        http.response.status_code = Empty,
        duration_ms = Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    // Without an OpenTelemetry layer there is no context to attach to; nothing is lost.
    let _ = span.set_parent(parent);

    let resource = ResourceKind::default();
    request.extensions_mut().insert(resource.clone());
    let combined = match state.observability.access_log_format {
        AccessLogFormat::Combined if state.observability.access_log => {
            let user = AccessUser::default();
            request.extensions_mut().insert(user.clone());
            let client = state
                .logins
                .client_address(peer_address(&request), request.headers());
            Some(Arc::new(CombinedRequest::of(&request, client, user)))
        }
        _ => None,
    };
    let abandoned = Abandoned {
        line: Some(AccessLine {
            method: method.clone(),
            path: path.clone(),
            client,
            request_id: request_id.clone(),
            resource: resource.clone(),
            area,
            started,
            span: span.clone(),
            combined: combined.clone(),
        }),
        enabled: state.observability.access_log,
    };
    let response = next.run(request).instrument(span.clone()).await;
    abandoned.answered();

    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let kind = resource.get().unwrap_or(area);
    span.record("dav.resource", kind);
    // The name is known only now; the OpenTelemetry span has started, so it is renamed
    // there (a recorded `otel.name` would only reach a span not yet started).
    span.context()
        .span()
        .update_name(format!("{method} {kind}"));
    span.record("http.response.status_code", i64::from(status));
    span.record("duration_ms", duration_ms);
    if status >= 500 {
        span.record("otel.status_code", "ERROR");
    }
    if let Some(combined) = combined {
        let bytes = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        combined.write(status, bytes);
    } else if state.observability.access_log {
        tracing::info!(target: ACCESS_TARGET, %method, %path, status,
            duration_ms = (duration_ms * 10.0).round() / 10.0, resource = %kind,
            client = %client, request_id = %request_id, "request");
    }
    response
}

/// Status of the access line of a request whose client went away before its answer (as
/// nginx logs it).
const CLIENT_CLOSED_REQUEST: u16 = 499;

/// What the access line of a request in progress needs.
struct AccessLine {
    method: http::Method,
    path: String,
    client: crate::clients::ClientKind,
    request_id: String,
    resource: ResourceKind,
    area: &'static str,
    started: Instant,
    span: tracing::Span,
    /// Set when access lines are in the combined format.
    combined: Option<Arc<CombinedRequest>>,
}

/// Writes the access line of a request dropped before its answer: the server drops a
/// request's future when its client disconnects.
struct Abandoned {
    line: Option<AccessLine>,
    enabled: bool,
}

impl Abandoned {
    fn answered(mut self) {
        self.line = None;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        let Some(line) = self.line.take() else {
            return;
        };
        let duration_ms = line.started.elapsed().as_secs_f64() * 1000.0;
        let kind = line.resource.get().unwrap_or(line.area);
        let status = CLIENT_CLOSED_REQUEST;
        line.span.record("dav.resource", kind);
        line.span
            .record("http.response.status_code", i64::from(status));
        line.span.record("duration_ms", duration_ms);
        if let Some(combined) = &line.combined {
            combined.write(status, None);
        } else if self.enabled {
            let (method, path, client, request_id) =
                (&line.method, &line.path, &line.client, &line.request_id);
            tracing::info!(target: ACCESS_TARGET, %method, %path, status,
                duration_ms = (duration_ms * 10.0).round() / 10.0, resource = %kind,
                client = %client, request_id = %request_id,
                "request abandoned: the client went away before the answer");
        }
    }
}

/// The resource kind of requests no DAV handler classified: the well-known redirects,
/// DAV requests that ended before resolving (401, 404) and paths outside the DAV tree.
fn area_of(state: &AppState, path: &str) -> &'static str {
    if path.starts_with("/.well-known/") {
        "well-known"
    } else if state.paths.strip_internal(path).is_some() {
        "dav"
    } else {
        "outside"
    }
}

/// Reads W3C trace context headers from a request.
struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
