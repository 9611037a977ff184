//! The host root for DAV clients given only the server's address: when the DAV root is
//! mounted below a prefix, PROPFIND on `/` is sent there (301, as the well-known names
//! are) and OPTIONS on `/` names the DAV classes, so clients that never try
//! `/.well-known/` still find the principal. Every other method on `/` (a browser's GET
//! of a web application sharing the host, say) goes on as before.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

use super::AppState;

pub(super) async fn discovery(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() != "/" {
        return next.run(request).await;
    }
    let dav_root = state.paths.external("/");
    let mounted_at_root = state.paths.strip_internal("/").is_some();
    if mounted_at_root || dav_root == "/" {
        return next.run(request).await;
    }
    match request.method().as_str() {
        "PROPFIND" => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, dav_root)],
        )
            .into_response(),
        _ if request.method() == Method::OPTIONS => (
            StatusCode::OK,
            [
                (
                    header::HeaderName::from_static("dav"),
                    HeaderValue::from_static(super::dav_service::DAV_CLASSES),
                ),
                (header::ALLOW, HeaderValue::from_static("OPTIONS, PROPFIND")),
            ],
        )
            .into_response(),
        _ => next.run(request).await,
    }
}
