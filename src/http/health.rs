//! Liveness (the process answers) and readiness (the store answers), outside the DAV prefix.

use axum::extract::State;
use http::StatusCode;

use super::AppState;

pub(super) async fn live() -> (StatusCode, &'static str) {
    (StatusCode::OK, "live\n")
}

pub(super) async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(err) => {
            tracing::warn!(error = %err, "not ready: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}
