//! The authentication layer: Basic credentials checked against the store, or a bearer
//! token (`login_methods`), the user put into the request's extensions when the login
//! method is on for them. OPTIONS without credentials passes (capability probes).
//! Refusals that are not about the credentials say when to come back: 429 for a login or
//! address with too many failures, 503 while password checks are all taken.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

use super::access_log::AccessUser;
use super::error::DavError;
use super::internet_freebusy;
use super::login_methods::{self, bearer_token, token_login};
use super::server::peer_address;
use super::AppState;
use crate::auth::{AuthError, LoginMethod};

/// How long a client refused for lack of password checks should wait: they free up
/// within milliseconds.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

pub(super) async fn require_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // A capability probe without credentials passes and gets the general answer; one
    // with credentials is answered for the resource, as that user sees it.
    // So does a request for an Internet free/busy URL, which the user asked about may
    // publish to anyone.
    if !request.headers().contains_key(header::AUTHORIZATION)
        && (request.method() == Method::OPTIONS
            || internet_freebusy::open_without_login(
                &state,
                request.method(),
                request.uri().path(),
            ))
    {
        return next.run(request).await;
    }
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        // Which one a proxy or server would use differs; none is guessed here.
        return DavError::BadRequest(
            "more than one Authorization header: send the credentials once".into(),
        )
        .into_response();
    }
    let credentials = first.and_then(|v| v.to_str().ok()).map(str::to_owned);
    let token = credentials
        .as_deref()
        .filter(|_| state.tokens.is_some())
        .and_then(bearer_token);
    let client = state
        .logins
        .client_address(peer_address(&request), request.headers());
    let user = match token {
        Some(token) => match token_login(&state, token).await {
            Ok(user) => user,
            Err(refused) => return login_methods::refused(refused),
        },
        None => {
            match state
                .logins
                .authenticate(&state.store, credentials.as_deref(), client)
                .await
            {
                Ok(user) => user,
                Err(err) => return password_refusal(&state, client, err),
            }
        }
    };
    match login_methods::permitted(&state, &user).await {
        Ok(view) => {
            if let Some(line) = request.extensions().get::<AccessUser>() {
                line.set(&user.user.login);
            }
            request.extensions_mut().insert(user);
            request.extensions_mut().insert(view);
            next.run(request).await
        }
        Err(DavError::Unauthorized) if user.method == LoginMethod::Token => {
            login_methods::refused(login_methods::Refused::Token)
        }
        Err(DavError::Unauthorized) => {
            // A right password for a method that is off counts as a wrong one, and is
            // not remembered: neither the throttle nor the answer's speed tells it apart.
            state
                .logins
                .method_refused(credentials.as_deref(), client)
                .await;
            login_methods::unauthorized(&state)
        }
        Err(err) => err.into_response(),
    }
}

/// The answer to a refused password login.
fn password_refusal(state: &AppState, client: Option<IpAddr>, err: AuthError) -> Response {
    match err {
        AuthError::Missing | AuthError::Rejected | AuthError::Malformed(_) => {
            login_methods::unauthorized(state)
        }
        err @ AuthError::Throttled { retry_after } => {
            tracing::debug!(client = ?client, "login throttled");
            come_back_later(StatusCode::TOO_MANY_REQUESTS, retry_after, err)
        }
        err @ AuthError::Busy => {
            tracing::debug!("login refused: every password check is taken");
            come_back_later(StatusCode::SERVICE_UNAVAILABLE, BUSY_RETRY_AFTER, err)
        }
        AuthError::Store(err) => DavError::Store(err).into_response(),
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
