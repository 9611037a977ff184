//! A response body as it goes to the connection: ready chunks joined into few writes, the
//! first part taken before the head is sent so both leave together, and the request
//! counted as under way until the body is done.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::Sleep;

use super::connections::InFlight;

/// Ready body chunks are joined up to this size before they are written, so a streamed
/// multistatus leaves in few large writes instead of one per response.
pub(crate) const COALESCE_BYTES: usize = 64 * 1024;
/// How long joined data may wait for more while the body is not ready: a small streamed
/// response then leaves whole, in one segment; the end of a body is never held back.
const CORK: Duration = Duration::from_millis(5);

/// A response body as it goes to the connection: chunks are joined (up to
/// `COALESCE_BYTES`, waiting at most `CORK` for more), and the request counts as under
/// way until the body is done.
pub(super) struct ResponseBody {
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
    pub(super) fn new(inner: Body, in_flight: InFlight) -> Self {
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
    pub(super) async fn prefetch(&mut self) {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::connections::Connections;
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
}
