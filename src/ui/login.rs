//! Logging in to the page and out: the login form (its CSRF token in a cookie of its
//! own), the credentials checked by the process's `Authenticator` as a Basic login would
//! be (so the throttle and the bound on password checks apply alike), the main password
//! only (an app password belongs to one client and does not open the page), and a new
//! session at every login.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Form;
use base64::Engine;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;

use super::page::{html_status, see_other, with_page_headers};
use super::session::{self, Peer, LOGIN_COOKIE, SESSION_COOKIE, SESSION_SECONDS};
use super::{csrf, external_base, UiError};
use crate::auth::{AuthError, LoginMethod};
use crate::http::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    base: String,
    csrf: String,
    login: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// The login form, with a fresh token in its cookie (also for a browser with a
/// session: logging in again replaces it).
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_page(&state, &headers, StatusCode::OK, String::new(), None)
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    login: String,
    error: Option<String>,
) -> Response {
    let token = session::random_token();
    let page = LoginPage {
        base: external_base(state),
        csrf: token.clone(),
        login,
        error,
    };
    let mut response = html_status(status, &page);
    let cookie = session::set_cookie(
        LOGIN_COOKIE,
        &token,
        &cookie_path(state),
        3600,
        session::over_tls(headers),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The path the page's cookies are sent to.
pub fn cookie_path(state: &AppState) -> String {
    format!("{}/", external_base(state))
}

pub async fn submit(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if let Err(err) = csrf::check(&headers, Some(&form.csrf), expected) {
        return err.page(&state);
    }
    match log_in(&state, peer, &headers, &form).await {
        Ok(response) => response,
        Err(UiError::Forbidden(message)) => login_page(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            form.login.clone(),
            Some(message),
        ),
        Err(err) => err.page(&state),
    }
}

const REFUSED: &str = "Unknown login or wrong password.";

async fn log_in(
    state: &AppState,
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    form: &LoginForm,
) -> Result<Response, UiError> {
    let refused = || UiError::Forbidden(REFUSED.into());
    if form.login.trim().is_empty() || form.login.contains(':') || form.password.is_empty() {
        return Err(refused());
    }
    let credentials = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", form.login, form.password))
    );
    let client = state.logins.client_address(peer, headers);
    let login = state
        .logins
        .authenticate(&state.store, Some(&credentials), client)
        .await
        .map_err(|err| match err {
            AuthError::Throttled { retry_after } => UiError::Throttled(retry_after),
            AuthError::Busy => UiError::Busy,
            AuthError::Store(err) => err.into(),
            AuthError::Missing | AuthError::Malformed(_) | AuthError::Rejected => refused(),
        })?;
    let allowed = match login.method {
        LoginMethod::Password => session::page_user(state, login.user.clone()).await?,
        _ => None,
    };
    if allowed.is_none() {
        // An app password, or a password of a user the page is off for: refused like a
        // wrong password, and counted as one.
        state
            .logins
            .method_refused(Some(&credentials), client)
            .await;
        return Err(refused());
    }
    // Whatever session the browser brought ends; the new one has a new token.
    session::end(state, headers).await?;
    let token = session::start(state, &login.user, &form.login).await?;
    let secure = session::over_tls(headers);
    let path = cookie_path(state);
    let mut response = see_other(state, "/");
    for cookie in [
        session::set_cookie(SESSION_COOKIE, &token, &path, SESSION_SECONDS, secure),
        session::set_cookie(LOGIN_COOKIE, "", &path, 0, secure),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let login = match session::current(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return see_other(&state, "/login"),
        Err(err) => return err.page(&state),
    };
    if let Err(err) = csrf::check(&headers, Some(&form.csrf), &login.session.csrf_token) {
        return err.page(&state);
    }
    if let Err(err) = session::end(&state, &headers).await {
        return err.page(&state);
    }
    let cookie = session::set_cookie(
        SESSION_COOKIE,
        "",
        &cookie_path(&state),
        0,
        session::over_tls(&headers),
    );
    let mut response = see_other(&state, "/login");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    with_page_headers(response.into_response())
}
