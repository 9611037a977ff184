//! Request bodies that a refusal leaves unread. A request refused before its body is read
//! (401 for a client's first request without credentials, 403, 404, 405, 413, 429, 503)
//! would otherwise end its connection: the unread bytes cannot be told apart from the next
//! request. The body's rest comes back to the server when the application drops it; the
//! server reads and discards a bounded amount of it before answering, so the client's next
//! request can use the same connection, and announces `Connection: close` when the rest is
//! larger or slower than that (RFC 9112 9.6).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// The most of an unread body the server reads to keep the connection.
const DISCARD_BYTES: u64 = 64 * 1024;
/// How long the server waits for that rest to arrive.
const DISCARD_WAIT: Duration = Duration::from_secs(5);

/// Where an unread body's rest goes when the application drops it.
#[derive(Clone, Default)]
pub(super) struct Unread(Arc<Mutex<Option<Incoming>>>);

/// A request body that hands its rest to `Unread` if dropped before its end.
pub(super) struct ReturningBody {
    inner: Option<Incoming>,
    unread: Unread,
    ended: bool,
}

impl ReturningBody {
    pub(super) fn new(inner: Incoming, unread: &Unread) -> Self {
        ReturningBody {
            ended: inner.is_end_stream(),
            inner: Some(inner),
            unread: unread.clone(),
        }
    }
}

impl HttpBody for ReturningBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for ReturningBody {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if !self.ended && !inner.is_end_stream() {
                *self.unread.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(inner);
            }
        }
    }
}

impl Unread {
    /// Reads and discards what the application left of the request body, if it is small
    /// and arrives soon; otherwise marks `response` as the connection's last.
    pub(super) async fn settle<B>(&self, response: &mut Response<B>) {
        let rest = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(rest) = rest else {
            return;
        };
        let small = rest
            .size_hint()
            .upper()
            .is_none_or(|upper| upper <= DISCARD_BYTES);
        let discarded = small
            && tokio::time::timeout(DISCARD_WAIT, discard(rest, DISCARD_BYTES))
                .await
                .unwrap_or(false);
        if !discarded {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
}

/// Reads `body` to its end if it holds at most `limit` more bytes.
async fn discard(mut body: Incoming, limit: u64) -> bool {
    let mut read = 0u64;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return false;
        };
        if let Some(data) = frame.data_ref() {
            read += data.len() as u64;
            if read > limit {
                return false;
            }
        }
    }
    true
}
