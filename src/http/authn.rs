//! The authentication layer: Basic credentials checked against the store, the user put
//! into the request's extensions. OPTIONS passes without credentials (capability probes).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method};

use super::error::DavError;
use super::AppState;
use crate::auth::AuthError;

pub(super) async fn require_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match state.logins.authenticate(&state.store, header.as_deref()).await {
        Ok(user) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(AuthError::Missing) | Err(AuthError::Rejected) | Err(AuthError::Malformed(_)) => {
            DavError::Unauthorized.into_response()
        }
        Err(AuthError::Store(err)) => DavError::Store(err).into_response(),
    }
}
