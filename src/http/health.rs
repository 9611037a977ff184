//! Liveness (the process answers) and readiness (the store answers, no outage of it is
//! known and the process is not shutting down), outside the DAV prefix.

use std::time::Duration;

use axum::extract::State;
use http::StatusCode;

use super::AppState;

/// A store that takes longer than this to answer `SELECT 1` counts as unavailable; the
/// probe must answer before the orchestrator's own timeout (1 s by default in Kubernetes
/// is the low end; charts set more).
const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub(super) async fn live() -> (StatusCode, &'static str) {
    (StatusCode::OK, "live\n")
}

pub(super) async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.lifecycle.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    if state.outage.is_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n");
    }
    match tokio::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "not ready: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
        Err(_) => {
            tracing::warn!(timeout = ?PING_TIMEOUT, "not ready: the store did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}
