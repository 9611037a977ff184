//! Multistatus bodies written as a stream: the responses of a large collection go out as
//! the store yields them, so memory stays flat whatever the collection's size.
//!
//! Responses are written one after the other into a shared buffer rather than each into
//! a buffer of its own. A buffer is handed on when it holds
//! [`COALESCE_BYTES`](super::server::COALESCE_BYTES), the size at which the connection's
//! body (`server::response_body`) writes it as it is, or as soon as the store has
//! nothing more ready, so the first responses are not held back while the next page is
//! read; the connection's body joins smaller pieces into its writes.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use http::{header, StatusCode};

use super::error::DavError;
use crate::dav::{MultistatusStream, Response as DavResponse};

use super::server::COALESCE_BYTES;

/// What a body's first buffer is allocated with: a small body (a Depth 0 answer, a
/// short listing) fits, and takes no more.
const FIRST_BUFFER_BYTES: usize = 8 * 1024;
/// What later buffers are allocated with: room for the typical response that crosses
/// `COALESCE_BYTES`, so a buffer is rarely reallocated as it fills.
const BUFFER_BYTES: usize = COALESCE_BYTES + 16 * 1024;

/// A 207 whose body is `first`, then every response of `rest`, then the sync token.
/// A failure halfway is logged and cuts the body short, so the client sees a broken
/// response rather than a complete-looking partial listing.
pub fn multistatus(
    first: Vec<DavResponse>,
    rest: BoxStream<'static, Result<DavResponse, DavError>>,
    sync_token: BoxStream<'static, Result<Option<String>, DavError>>,
) -> Response {
    let head = stream::once(async { Ok(Piece::Bytes(MultistatusStream::head())) });
    let first = stream::iter(first.into_iter().map(|r| Ok(Piece::Response(r))));
    let rest = rest.map(|item| item.map(Piece::Response).map_err(cut_short));
    let tail = sync_token.map(|item| match item {
        Ok(token) => Ok(Piece::Bytes(MultistatusStream::tail(token.as_deref()))),
        Err(err) => Err(cut_short(err)),
    });
    let pieces = head.chain(first).chain(rest).chain(tail).boxed();
    let body = Body::from_stream(Coalesced {
        pieces,
        failed: None,
        done: false,
        handed_on: false,
    });
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Part of a multistatus body: written bytes, or a response still to write.
enum Piece {
    Bytes(Vec<u8>),
    Response(DavResponse),
}

/// The pieces written into buffers of about [`COALESCE_BYTES`]. A buffer is yielded
/// when it is full, when the pieces are pending (the store is reading) or at the end; an
/// error is yielded after the bytes written before it.
struct Coalesced {
    pieces: BoxStream<'static, Result<Piece, std::io::Error>>,
    failed: Option<std::io::Error>,
    done: bool,
    /// Whether a buffer has been yielded: a body that needs a second one is large.
    handed_on: bool,
}

impl Stream for Coalesced {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(err) = self.failed.take() {
            return Poll::Ready(Some(Err(err)));
        }
        if self.done {
            return Poll::Ready(None);
        }
        let mut buffer = Vec::new();
        let capacity = if self.handed_on {
            BUFFER_BYTES
        } else {
            FIRST_BUFFER_BYTES
        };
        self.handed_on = true;
        let ready = |buffer: Vec<u8>| Poll::Ready(Some(Ok(Bytes::from(buffer))));
        loop {
            match self.pieces.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(piece))) => {
                    if buffer.capacity() == 0 {
                        buffer.reserve(capacity);
                    }
                    buffer = match piece {
                        Piece::Bytes(bytes) => {
                            buffer.extend_from_slice(&bytes);
                            buffer
                        }
                        Piece::Response(response) => {
                            MultistatusStream::append_response(buffer, &response)
                        }
                    };
                    if buffer.len() >= COALESCE_BYTES {
                        return ready(buffer);
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    self.done = true;
                    if buffer.is_empty() {
                        return Poll::Ready(Some(Err(err)));
                    }
                    self.failed = Some(err);
                    return ready(buffer);
                }
                Poll::Ready(None) => {
                    self.done = true;
                    return if buffer.is_empty() {
                        Poll::Ready(None)
                    } else {
                        ready(buffer)
                    };
                }
                Poll::Pending if buffer.is_empty() => return Poll::Pending,
                Poll::Pending => return ready(buffer),
            }
        }
    }
}

/// The items of batches, one after the other; a failed batch ends the stream with its
/// error.
pub fn flatten_batches<T: Send + 'static>(
    batches: impl futures::Stream<Item = Result<Vec<T>, DavError>> + Send + 'static,
) -> BoxStream<'static, Result<T, DavError>> {
    batches
        .flat_map(|batch| match batch {
            Ok(responses) => stream::iter(responses.into_iter().map(Ok)).boxed(),
            Err(err) => stream::once(async { Err(err) }).boxed(),
        })
        .boxed()
}

/// A tail without a sync token.
pub fn no_token() -> BoxStream<'static, Result<Option<String>, DavError>> {
    stream::once(async { Ok(None) }).boxed()
}

fn cut_short(err: DavError) -> std::io::Error {
    tracing::error!(error = %err, "multistatus body cut short");
    std::io::Error::other("multistatus body cut short")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::{ElementName, Multistatus, PropValue};
    use http_body_util::BodyExt;

    fn member(i: usize) -> DavResponse {
        let mut response = DavResponse::with_props(format!("/caldav/1/event-{i}.ics"));
        response.found(
            ElementName::dav("getetag"),
            PropValue::Text(format!("\"etag-{i}\"")),
        );
        response
    }

    /// The body's chunks as the multistatus stream yields them (before the connection's
    /// body joins them into writes), and whether it ended in an error.
    async fn chunks(response: Response) -> (Vec<Bytes>, bool) {
        let mut body = response.into_body();
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => chunks.extend(frame.into_data().ok()),
                Err(_) => return (chunks, true),
            }
        }
        (chunks, false)
    }

    #[tokio::test]
    async fn a_large_listing_goes_out_in_few_chunks_with_the_same_bytes() {
        let members: Vec<DavResponse> = (0..5000).map(member).collect();
        let mut expected = Multistatus::new();
        for response in &members {
            expected.push(response.clone());
        }
        let expected = expected.with_sync_token("http://davgate/sync/7").to_xml();
        let token = stream::once(async { Ok(Some("http://davgate/sync/7".to_string())) });
        let rest = stream::iter(members.into_iter().map(Ok)).boxed();
        let (chunks, failed) = chunks(multistatus(Vec::new(), rest, token.boxed())).await;
        assert!(!failed);
        assert_eq!(chunks.concat(), expected);
        // One chunk per member would be 5,000; full buffers are ~COALESCE_BYTES each.
        assert!(
            chunks.len() <= expected.len() / COALESCE_BYTES + 1,
            "{}",
            chunks.len()
        );
        assert!(chunks.len() > 1, "a large body is still streamed");
    }

    #[tokio::test]
    async fn what_is_ready_goes_out_before_the_store_reads_on() {
        let page = |from: usize| stream::iter((from..from + 3).map(member).map(Ok));
        // The second page is pending once, as a store read is.
        let second = stream::once(async {
            tokio::task::yield_now().await;
        })
        .flat_map(move |_| page(3));
        let rest = page(0).chain(second).boxed();
        let (chunks, _) = chunks(multistatus(Vec::new(), rest, no_token())).await;
        assert_eq!(
            chunks.len(),
            2,
            "the first page is sent while the second is read"
        );
        let first = String::from_utf8(chunks[0].to_vec()).unwrap();
        assert!(first.contains("event-2.ics") && !first.contains("event-3.ics"));
    }

    #[tokio::test]
    async fn a_failure_halfway_sends_what_was_written_then_breaks_the_body() {
        let rest = stream::iter((0..10).map(member).map(Ok))
            .chain(stream::once(async { Err(DavError::NotFound) }))
            .boxed();
        let (chunks, failed) = chunks(multistatus(Vec::new(), rest, no_token())).await;
        assert!(failed, "the client sees a broken body");
        let sent = String::from_utf8(chunks.concat()).unwrap();
        assert!(sent.contains("event-9.ics"));
        assert!(!sent.contains("</D:multistatus>"));
    }
}
