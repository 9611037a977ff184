//! Multistatus bodies written as a stream: the responses of a large collection go out as
//! the store yields them, so memory stays flat whatever the collection's size.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, BoxStream, StreamExt};
use http::{header, StatusCode};

use super::error::DavError;
use crate::dav::{MultistatusStream, Response as DavResponse};

/// A 207 whose body is `first`, then every response of `rest`, then the sync token.
/// A failure halfway is logged and cuts the body short, so the client sees a broken
/// response rather than a complete-looking partial listing.
pub fn multistatus(
    first: Vec<DavResponse>,
    rest: BoxStream<'static, Result<DavResponse, DavError>>,
    sync_token: BoxStream<'static, Result<Option<String>, DavError>>,
) -> Response {
    let head =
        stream::once(async { Ok::<_, std::io::Error>(Bytes::from(MultistatusStream::head())) });
    let first = stream::iter(
        first
            .into_iter()
            .map(|r| Ok(Bytes::from(MultistatusStream::response(&r)))),
    );
    let rest = rest.map(|item| match item {
        Ok(response) => Ok(Bytes::from(MultistatusStream::response(&response))),
        Err(err) => Err(cut_short(err)),
    });
    let tail = sync_token.map(|item| match item {
        Ok(token) => Ok(Bytes::from(MultistatusStream::tail(token.as_deref()))),
        Err(err) => Err(cut_short(err)),
    });
    let body = Body::from_stream(head.chain(first).chain(rest).chain(tail));
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
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
