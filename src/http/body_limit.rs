//! The bound on request bodies: `davgate.limits.maxRequestBodyBytes`, checked against
//! `Content-Length` before the body is read and while it is read, for every request but
//! the upload of a managed attachment, which `attachment_upload` holds to
//! `maxAttachmentBytes` as it streams it into the store.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use http_body_util::Limited;

use super::attachment_post::is_upload;
use super::AppState;

pub(super) async fn bound(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_upload(request.method(), request.uri()) {
        return next.run(request).await;
    }
    let limit = state.limits.connections.max_request_body_bytes;
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "the request body is larger than {limit} bytes (davgate.limits.maxRequestBodyBytes)"
            ),
        )
            .into_response();
    }
    next.run(request.map(|body| Body::new(Limited::new(body, limit))))
        .await
}
