//! What DAV requests get while the database is unreachable: 503 with Retry-After at once,
//! instead of each request waiting for the pool to give up. The first request that finds
//! the database unreachable starts the outage; one background task then tries the
//! database at the Retry-After interval and ends the outage when it answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use super::AppState;
use crate::store::DynStore;

/// How long one attempt to reach the database may take before it counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Put on a response answered 503 because of the database, for `guard` to complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DatabaseTrouble {
    /// The database could not be reached: the outage begins.
    Unreachable,
    /// The database was busy with other writers: this request alone failed.
    Busy,
}

/// Whether the database is known to be unreachable; shared by every request.
#[derive(Debug, Default)]
pub struct StoreOutage {
    down: AtomicBool,
}

impl StoreOutage {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Remembers the database as unreachable and, unless that is already known, tries it
    /// every `interval` until it answers.
    fn begin(self: &Arc<Self>, store: DynStore, interval: Duration) {
        if self.down.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::warn!(retry = ?interval, "the database is unreachable: DAV requests get 503 until it answers again");
        let outage = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if let Ok(Ok(())) = tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await {
                    outage.down.store(false, Ordering::SeqCst);
                    tracing::info!("the database answers again");
                    return;
                }
            }
        });
    }
}

/// The 503 of a DAV request while the database is unreachable or too busy.
fn unavailable(retry_after: Duration) -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "the database is unavailable; try again later\n",
    )
        .into_response();
    set_retry_after(&mut response, retry_after);
    response
}

fn set_retry_after(response: &mut Response, retry_after: Duration) {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after.as_secs().max(1)),
    );
}

/// Answers at once while the database is known to be unreachable; otherwise serves the
/// request, gives a 503 the database caused its Retry-After, and starts an outage when the
/// database could not be reached.
pub(super) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let retry_after = state.limits.database.retry_after;
    if state.outage.is_down() {
        return unavailable(retry_after);
    }
    let mut response = next.run(request).await;
    if let Some(trouble) = response.extensions().get::<DatabaseTrouble>().copied() {
        set_retry_after(&mut response, retry_after);
        if trouble == DatabaseTrouble::Unreachable {
            state.outage.begin(state.store.clone(), retry_after);
        }
    }
    response
}
