//! RFC 6764 bootstrapping: `/.well-known/caldav` and `/.well-known/carddav`, always at the
//! root whatever the prefix, answer 301 with the external DAV entry point.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::AppState;

pub(super) async fn caldav(State(state): State<AppState>) -> Response {
    redirect(&state)
}

pub(super) async fn carddav(State(state): State<AppState>) -> Response {
    redirect(&state)
}

fn redirect(state: &AppState) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, state.paths.external("/"))],
    )
        .into_response()
}
