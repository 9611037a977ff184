//! RFC 6764 bootstrapping: `/.well-known/caldav` and `/.well-known/carddav`, always at the
//! root whatever the prefix, answer 301 with the external DAV entry point.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::AppState;

/// Both well-known names lead to the same DAV root, which answers both home sets.
pub(super) async fn redirect(State(state): State<AppState>) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, state.paths.external("/"))],
    )
        .into_response()
}
