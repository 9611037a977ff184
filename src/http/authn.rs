//! The authentication layer: Basic credentials checked against the store, the user put
//! into the request's extensions. OPTIONS passes without credentials (capability probes);
//! a request with more than one Authorization header is refused (400), not guessed at.
//! A login refused while every password check is taken gets 503 with Retry-After.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

use super::error::DavError;
use super::AppState;
use crate::auth::AuthError;

/// How long a client refused for lack of password checks should wait: they free up
/// within milliseconds.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

pub(super) async fn require_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        // Servers and proxies differ in which one they would use; none is guessed here.
        return DavError::BadRequest(
            "more than one Authorization header: send the credentials once".into(),
        )
        .into_response();
    }
    let header = first.and_then(|v| v.to_str().ok()).map(str::to_owned);
    match state.logins.authenticate(&state.store, header.as_deref()).await {
        Ok(user) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(AuthError::Missing) | Err(AuthError::Rejected) | Err(AuthError::Malformed(_)) => {
            DavError::Unauthorized.into_response()
        }
        Err(err @ AuthError::Busy) => {
            tracing::debug!("login refused: every password check is taken");
            come_back_later(StatusCode::SERVICE_UNAVAILABLE, BUSY_RETRY_AFTER, err)
        }
        Err(AuthError::Store(err)) => DavError::Store(err).into_response(),
    }
}

/// A refusal with Retry-After in whole seconds, at least one.
fn come_back_later(status: StatusCode, after: Duration, reason: AuthError) -> Response {
    let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
    let mut response = DavError::Status(status, reason.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}
