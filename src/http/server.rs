//! The HTTP server under the router: accepts TCP connections and serves HTTP/1.1 (and h2c)
//! on each within `ConnectionLimits`. Responses go out without waiting for the client's
//! delayed ACK (TCP_NODELAY, bodies coalesced into few writes); a connection without a
//! request under way is closed after the header read timeout; one whose client stops
//! reading a response is closed after the write timeout; and at most `max_connections`
//! are open, the longest idle one closed to make room for a new one. A client that
//! disconnects while its request is handled ends that request: hyper notices the closed
//! connection (or, on HTTP/2, the reset stream) and drops the request's future, and with
//! it the handler's work (`tests/request_bodies.rs` shows it).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use bytes::{Bytes, BytesMut};
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Sleep;
use tower::ServiceExt;

use crate::limits::ConnectionLimits;

/// Ready body chunks are joined up to this size before they are written, so a streamed
/// multistatus leaves in few large writes instead of one per response.
const COALESCE_BYTES: usize = 64 * 1024;
/// How long joined data may wait for more while the body is not ready: a small streamed
/// response then leaves whole, in one segment; the end of a body is never held back.
const CORK: Duration = Duration::from_millis(5);
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
    let connections = Arc::new(Connections::new(limits.max_connections));
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
            tracing::warn!(%peer, limit = limits.max_connections, "connection refused: every connection is busy");
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
                    let mut request = request.map(Body::new);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let response = app.oneshot(request).await.unwrap_or_else(|e| match e {});
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
            connections_release(&connection);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

fn connections_release(connection: &Arc<Connection>) {
    if let Some(registry) = connection.registry.upgrade() {
        registry.release(connection.id);
    }
}

/// The open connections, for the limit and for finding the longest idle one.
struct Connections {
    max: usize,
    next_id: AtomicU64,
    epoch: Instant,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

/// One open connection as the limit sees it.
struct Connection {
    id: u64,
    registry: std::sync::Weak<Connections>,
    epoch: Instant,
    /// Requests under way (HTTP/2 may have several).
    in_flight: AtomicUsize,
    /// When the last request ended (or the connection opened), in ms after `epoch`.
    idle_since_ms: AtomicU64,
    /// Told to close because a new connection needs its place.
    evicted: Notify,
}

impl Connections {
    fn new(max: usize) -> Self {
        Connections {
            max: max.max(1),
            next_id: AtomicU64::new(0),
            epoch: Instant::now(),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A place for a new connection: free, or made by closing the connection idle
    /// longest; None when every connection has a request under way.
    fn admit(self: &Arc<Self>) -> Option<Arc<Connection>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.max {
            let idlest = open
                .values()
                .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
                .min_by_key(|c| c.idle_since_ms.load(Ordering::Acquire))
                .map(|c| c.id)?;
            if let Some(victim) = open.remove(&idlest) {
                victim.evicted.notify_one();
            }
        }
        let connection = Arc::new(Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            registry: Arc::downgrade(self),
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(self.epoch.elapsed().as_millis() as u64),
            evicted: Notify::new(),
        });
        open.insert(connection.id, connection.clone());
        Some(connection)
    }

    fn release(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

impl Connection {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// How long no request has been under way; zero while one is.
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Duration::ZERO;
        }
        let since = self.idle_since_ms.load(Ordering::Acquire);
        Duration::from_millis(self.now_ms().saturating_sub(since))
    }

    /// When to look again whether the connection has been idle for `timeout`.
    fn idle_check_in(&self, timeout: Duration) -> Duration {
        timeout
            .saturating_sub(self.idle_for())
            .max(Duration::from_millis(50))
    }
}

/// A request under way on a connection, from its header until its response body has
/// been sent or dropped.
struct InFlight(Arc<Connection>);

impl InFlight {
    fn start(connection: &Arc<Connection>) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(connection.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .idle_since_ms
            .store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body as it goes to the connection: chunks are joined (up to
/// `COALESCE_BYTES`, waiting at most `CORK` for more), and the request counts as under
/// way until the body is done.
struct ResponseBody {
    inner: Body,
    pending: BytesMut,
    /// When the joined data goes out even if no more is ready; set with its first byte.
    cork: Option<Pin<Box<Sleep>>>,
    /// The first frame, taken before the response head goes out so that both leave in
    /// one write.
    first: Option<Result<Frame<Bytes>, axum::Error>>,
    /// A frame that is not data (trailers), or an error, held back until the joined
    /// data before it has been sent.
    held: Option<Result<Frame<Bytes>, axum::Error>>,
    done: bool,
    /// The size the body announced before any of it was taken (Content-Length).
    announced: SizeHint,
    /// Whether a frame has been handed to the connection.
    started: bool,
    _in_flight: InFlight,
}

impl ResponseBody {
    fn new(inner: Body, in_flight: InFlight) -> Self {
        ResponseBody {
            announced: inner.size_hint(),
            started: false,
            inner,
            pending: BytesMut::new(),
            cork: None,
            first: None,
            held: None,
            done: false,
            _in_flight: in_flight,
        }
    }

    /// Waits for the first part of the body (as joined by `poll_frame`), to be sent with
    /// the response head.
    async fn prefetch(&mut self) {
        let first = std::future::poll_fn(|cx| Pin::new(&mut *self).poll_frame(cx)).await;
        self.first = first;
        self.started = false;
    }

    fn take_pending(&mut self) -> Option<Result<Frame<Bytes>, axum::Error>> {
        self.cork = None;
        (!self.pending.is_empty()).then(|| Ok(Frame::data(self.pending.split().freeze())))
    }

    /// Whether joined data has waited long enough for more.
    fn cork_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let cork = self
            .cork
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(CORK)));
        cork.as_mut().poll(cx).is_ready()
    }
}

impl HttpBody for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        this.started = true;
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(first));
        }
        if let Some(held) = this.held.take() {
            return Poll::Ready(Some(held));
        }
        while !this.done && this.pending.len() < COALESCE_BYTES {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        if this.pending.is_empty() && data.len() >= COALESCE_BYTES {
                            return Poll::Ready(Some(Ok(Frame::data(data))));
                        }
                        this.pending.extend_from_slice(&data);
                    }
                    Err(other) => {
                        this.held = Some(Ok(other));
                        break;
                    }
                },
                Poll::Ready(Some(Err(err))) => {
                    this.held = Some(Err(err));
                    break;
                }
                Poll::Ready(None) => this.done = true,
                Poll::Pending => {
                    if this.pending.is_empty() || !this.cork_expired(cx) {
                        return Poll::Pending;
                    }
                    return Poll::Ready(this.take_pending());
                }
            }
        }
        match this.take_pending() {
            Some(joined) => Poll::Ready(Some(joined)),
            None => Poll::Ready(this.held.take()),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none()
            && self.held.is_none()
            && self.pending.is_empty()
            && (self.done || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        if self.started {
            SizeHint::default()
        } else {
            self.announced
        }
    }
}

/// A TCP stream whose writes fail once the client has taken nothing for `timeout`, so a
/// client that stops reading cannot hold a response, and what feeds it, forever.
struct WriteTimeout {
    inner: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    /// Whether `deadline` counts for the write now waiting; reset when a write progresses.
    armed: bool,
}

impl WriteTimeout {
    fn new(inner: TcpStream, timeout: Duration) -> Self {
        WriteTimeout {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }

    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        if !self.armed {
            self.deadline
                .as_mut()
                .reset(tokio::time::Instant::now() + self.timeout);
            self.armed = true;
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading the response",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(&mut self, result: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        match result {
            Poll::Pending => Poll::Pending,
            ready => {
                self.armed = false;
                ready
            }
        }
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending => this.waiting(cx),
            ready => this.progressed(ready),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.waiting(cx),
            ready => this.progressed(ready),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.waiting(cx),
            ready => this.progressed(ready),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Pending => this.waiting(cx),
            ready => this.progressed(ready),
        }
    }
}

/// The peer address of a request, as the server saw the connection.
pub fn peer_address<B>(request: &Request<B>) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn in_flight() -> InFlight {
        let connections = Arc::new(Connections::new(4));
        let connection = connections.admit().unwrap();
        InFlight::start(&connection)
    }

    async fn frames(body: ResponseBody) -> Vec<Bytes> {
        use http_body_util::BodyExt;
        let mut body = std::pin::pin!(body);
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            out.push(frame.unwrap().into_data().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn ready_chunks_leave_as_one_write() {
        let chunks = (0..100).map(|i| Ok::<_, std::io::Error>(Bytes::from(format!("<r>{i}</r>"))));
        let body = Body::from_stream(stream::iter(chunks));
        let out = frames(ResponseBody::new(body, in_flight())).await;
        assert_eq!(out.len(), 1, "every chunk was ready, so one frame: {out:?}");
        assert!(out[0].starts_with(b"<r>0</r><r>1</r>"));
        assert!(out[0].ends_with(b"<r>99</r>"));
    }

    #[tokio::test]
    async fn joined_chunks_stay_bounded_and_in_order() {
        let chunk = Bytes::from(vec![b'x'; 10_000]);
        let body = Body::from_stream(stream::iter(
            (0..30).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
        ));
        let out = frames(ResponseBody::new(body, in_flight())).await;
        assert!(out.len() > 1);
        assert!(out
            .iter()
            .all(|frame| frame.len() < COALESCE_BYTES + 10_000));
        assert_eq!(out.iter().map(Bytes::len).sum::<usize>(), 300_000);
    }

    #[tokio::test]
    async fn an_error_follows_the_data_before_it() {
        let items = vec![
            Ok(Bytes::from_static(b"head")),
            Err(std::io::Error::other("cut")),
        ];
        let body = Body::from_stream(stream::iter(items));
        let mut body = std::pin::pin!(ResponseBody::new(body, in_flight()));
        use http_body_util::BodyExt;
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"head"));
        assert!(body.frame().await.unwrap().is_err());
    }

    #[test]
    fn a_full_registry_closes_the_longest_idle_connection() {
        let connections = Arc::new(Connections::new(2));
        let first = connections.admit().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let second = connections.admit().unwrap();
        let busy = InFlight::start(&first);
        // `first` has a request under way, so `second` makes room.
        let third = connections.admit().unwrap();
        assert!(connections.open.lock().unwrap().contains_key(&third.id));
        assert!(!connections.open.lock().unwrap().contains_key(&second.id));
        // Now both are busy: no room.
        let _busy_third = InFlight::start(&third);
        assert!(connections.admit().is_none());
        drop(busy);
        assert!(connections.admit().is_some(), "first is idle again");
    }
}
