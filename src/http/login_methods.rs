//! The login kinds beside Basic passwords, for the auth layer: bearer tokens checked
//! and resolved to a user, the challenges a 401 offers, and the per-context switches
//! (`davgate.login.*`) that refuse a login method like a wrong credential.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use super::error::DavError;
use super::AppState;
use crate::auth::tokens::TokenError;
use crate::auth::{Authenticated, LoginMethod};
use crate::config::{props, ConfigView};

/// The login with the user's view of the cascade, read by the auth layer to check the
/// login method and kept in the request's extensions so the DAV handlers need not read
/// it again.
#[derive(Debug, Clone)]
pub(super) struct LoginView {
    pub login: Authenticated,
    pub groups: Vec<i64>,
    pub config: ConfigView,
}

/// The token of an `Authorization: Bearer <token>` value, if it is one.
pub(super) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The user a bearer token names, logged in with full scope.
pub(super) async fn token_login(state: &AppState, token: &str) -> Result<Authenticated, Refused> {
    let verifier = state.tokens.as_ref().ok_or(Refused::Token)?;
    let login = match verifier.login_of(token).await {
        Ok(login) => login,
        Err(TokenError::Keys(err)) => {
            tracing::warn!(error = %err, "bearer token refused: no keys");
            return Err(Refused::KeysUnavailable);
        }
        Err(err) => {
            tracing::debug!(error = %err, "bearer token refused");
            return Err(Refused::Token);
        }
    };
    match state.logins.resolve(&state.store, &login).await {
        Ok(Some(user)) if user.enabled => Ok(Authenticated::full(user, LoginMethod::Token)),
        Ok(_) => {
            tracing::debug!("bearer token refused: its login names no enabled user");
            Err(Refused::Token)
        }
        Err(err) => Err(Refused::Store(DavError::Store(err))),
    }
}

/// Whether the user's context lets them log in the way they did; the view is kept for
/// the handlers.
pub(super) async fn permitted(
    state: &AppState,
    login: &Authenticated,
) -> Result<LoginView, DavError> {
    let (groups, subject) = state
        .shared
        .cache()
        .profile(&state.store, &login.user)
        .await?;
    let view = state.config.view(&subject);
    let on = match login.method {
        LoginMethod::Password => view.get::<props::LoginPassword>(),
        LoginMethod::AppPassword => view.get::<props::LoginAppPasswords>(),
        LoginMethod::Token => view.get::<props::LoginTokens>(),
    };
    if on {
        Ok(LoginView {
            login: login.clone(),
            groups,
            config: view,
        })
    } else {
        tracing::debug!(method = ?login.method, "login refused: the method is off for the user");
        Err(DavError::Unauthorized)
    }
}

/// Why a login by token did not pass.
pub(super) enum Refused {
    /// The token is not valid, or names nobody who may log in.
    Token,
    /// The keys to check it cannot be had now.
    KeysUnavailable,
    Store(DavError),
}

/// A 401 for missing or wrong credentials: the Basic challenge, and the Bearer one when
/// tokens are configured.
pub(super) fn unauthorized(state: &AppState) -> Response {
    let mut response = DavError::Unauthorized.into_response();
    if state.tokens.is_some() {
        response.headers_mut().append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"davgate\""),
        );
    }
    response
}

/// The answer to a refused token: 401 with `error="invalid_token"` (RFC 6750 3.1) and
/// the Basic challenge, or 503 while the keys cannot be had.
pub(super) fn refused(refusal: Refused) -> Response {
    match refusal {
        Refused::Token => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "the bearer token is not valid\n",
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"davgate\", error=\"invalid_token\""),
            );
            headers.append(header::WWW_AUTHENTICATE, super::error::www_authenticate());
            response
        }
        Refused::KeysUnavailable => {
            let mut response = DavError::Status(
                StatusCode::SERVICE_UNAVAILABLE,
                "the keys to check the token cannot be loaded now".into(),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(30));
            response
        }
        Refused::Store(err) => err.into_response(),
    }
}
