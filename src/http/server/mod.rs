//! The HTTP server under the router: accepts TCP connections and serves HTTP/1.1 (and h2c)
//! on each within `ConnectionLimits`. Responses go out without waiting for the client's
//! delayed ACK (TCP_NODELAY, bodies coalesced into few writes); a connection without a
//! request under way is closed after the header read timeout; one whose client stops
//! reading a response is closed after the write timeout; and at most `max_connections`
//! are open, the longest idle one closed to make room for a new one (fewer when the
//! open-file limit, raised to its hard limit at start, leaves less room). A client that
//! disconnects while its request is handled ends that request: hyper notices the closed
//! connection (or, on HTTP/2, the reset stream) and drops the request's future, and with
//! it the handler's work (`tests/request_bodies.rs` shows it).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::limits::ConnectionLimits;

mod connections;
mod open_files;
mod request_body;
mod response_body;
pub(crate) use response_body::COALESCE_BYTES;
mod write_timeout;

use connections::{Connections, InFlight};
use request_body::{ReturningBody, Unread};
use response_body::ResponseBody;
use write_timeout::WriteTimeout;

/// HTTP/2 streams one connection may have open at once.
const MAX_H2_STREAMS: u32 = 64;
/// How long a connection closed for being idle may take to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets every
/// connection finish its requests and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let max_connections = open_files::connections_that_fit(limits.max_connections);
    let connections = Arc::new(Connections::new(max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_H2_STREAMS)
        .keep_alive_interval(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(connection) = connections.admit() else {
            tracing::warn!(%peer, limit = max_connections, "connection refused: every connection is busy");
            drop(stream);
            continue;
        };
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "TCP_NODELAY not set");
        }
        let io = TokioIo::new(WriteTimeout::new(stream, limits.write_timeout));
        let service = hyper::service::service_fn({
            let app = app.clone();
            let connection = connection.clone();
            move |request: Request<Incoming>| {
                let app = app.clone();
                let in_flight = InFlight::start(&connection);
                async move {
                    let unread = Unread::default();
                    let mut request =
                        request.map(|body| Body::new(ReturningBody::new(body, &unread)));
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let mut response = app.oneshot(request).await.unwrap_or_else(|e| match e {});
                    unread.settle(&mut response).await;
                    let (head, body) = response.into_parts();
                    let mut body = ResponseBody::new(body, in_flight);
                    body.prefetch().await;
                    Ok::<_, Infallible>(Response::from_parts(head, body))
                }
            }
        });
        let served = graceful.watch(builder.serve_connection(io, service).into_owned());
        let idle_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let mut served = std::pin::pin!(served);
            loop {
                tokio::select! {
                    result = served.as_mut() => {
                        if let Err(err) = result {
                            tracing::debug!(%peer, error = %err, "connection ended with an error");
                        }
                        break;
                    }
                    () = connection.evicted.notified() => {
                        tracing::debug!(%peer, "idle connection closed to make room");
                        break;
                    }
                    () = tokio::time::sleep(connection.idle_check_in(idle_timeout)) => {
                        if connection.idle_for() >= idle_timeout {
                            tracing::debug!(%peer, "idle connection closed");
                            // Lets HTTP/2 say GOAWAY; an idle HTTP/1 connection closes at once.
                            let _ = tokio::time::timeout(CLOSE_GRACE, served.as_mut()).await;
                            break;
                        }
                    }
                }
            }
            connection.leave();
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The peer address of a request, as the server saw the connection.
pub fn peer_address<B>(request: &Request<B>) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}
