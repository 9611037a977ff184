//! What every page of the browser UI shares: the frame around it (`Chrome`), HTML
//! responses with the headers that keep the page to itself (no framing, no foreign
//! script or style, not cached), the stylesheet, and the errors a user is shown.

use std::time::Duration;

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use http::{header, HeaderValue, StatusCode};

use super::session::UiLogin;
use super::{csrf, external_base};
use crate::http::AppState;
use crate::store::StoreError;

/// The frame around a page: links, the logged-in user, the token its forms send back.
pub struct Chrome {
    pub base: String,
    pub csrf: String,
    pub user: String,
    pub title: String,
    /// Which menu entry is the current page.
    pub current: &'static str,
}

impl Chrome {
    pub fn new(state: &AppState, login: &UiLogin, title: &str, current: &'static str) -> Self {
        let user = &login.me.user;
        Chrome {
            base: external_base(state),
            csrf: login.session.csrf_token.clone(),
            user: if user.display_name.is_empty() {
                user.login.clone()
            } else {
                user.display_name.clone()
            },
            title: title.to_owned(),
            current,
        }
    }
}

/// Why a page could not do what was asked, shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("there is no such collection")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("too many failed logins lately; try again later")]
    Throttled(Duration),
    #[error("the server is busy checking other logins; try again in a moment")]
    Busy,
    #[error("the database is not available: {0}")]
    Store(StoreError),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    base: String,
    status: u16,
    reason: &'a str,
    message: String,
}

impl UiError {
    fn status(&self) -> StatusCode {
        match self {
            UiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            UiError::Forbidden(_) => StatusCode::FORBIDDEN,
            UiError::NotFound => StatusCode::NOT_FOUND,
            UiError::Conflict(_) => StatusCode::CONFLICT,
            UiError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            UiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            UiError::Store(StoreError::Invalid(_)) => StatusCode::BAD_REQUEST,
            UiError::Store(StoreError::OverLimit(_)) => StatusCode::INSUFFICIENT_STORAGE,
            UiError::Store(StoreError::AlreadyExists(_)) => StatusCode::CONFLICT,
            UiError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The error as a page of `state`'s UI.
    pub fn page(self, state: &AppState) -> Response {
        let status = self.status();
        if let UiError::Store(err) = &self {
            tracing::warn!(error = %err, "browser page: store error");
        }
        let message = match &self {
            UiError::Store(StoreError::Invalid(m) | StoreError::OverLimit(m)) => m.clone(),
            UiError::Store(StoreError::AlreadyExists(_)) => "that already exists".into(),
            UiError::Store(_) => "the database is not available; try again later".into(),
            other => other.to_string(),
        };
        let body = ErrorPage {
            base: external_base(state),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or(""),
            message,
        };
        let mut response = html_status(status, &body);
        let retry_after = match self {
            UiError::Throttled(after) => Some(after.as_secs().max(1)),
            UiError::Busy => Some(1),
            _ => None,
        };
        if let Some(after) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after));
        }
        response
    }
}

/// Renders `page` as a 200 HTML answer.
pub fn html(page: &impl Template) -> Response {
    html_status(StatusCode::OK, page)
}

/// Renders `page` as an HTML answer with `status` and the page's security headers.
pub fn html_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => with_page_headers(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
        ),
        Err(err) => {
            tracing::error!(error = %err, "browser page: template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The headers of every answer of the page: its own resources only, never framed,
/// never cached, no referrer leaving it (same-origin: with no-referrer at all, browsers
/// send `Origin: null` with the page's forms, which the CSRF check refuses).
pub fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// 303 to `sub` below the page's base, e.g. `/` or `/login`.
pub fn see_other(state: &AppState, sub: &str) -> Response {
    with_page_headers(Redirect::to(&format!("{}{sub}", external_base(state))).into_response())
}

/// The answer to a request of a page without a valid session: to the login form.
pub fn to_login(state: &AppState) -> Response {
    see_other(state, "/login")
}

/// The stylesheet, compiled into the binary.
pub async fn stylesheet() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("templates/style.css"),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    with_page_headers(response)
}

/// The page's script (imports with a progress bar), compiled into the binary.
pub async fn script() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("templates/app.js"),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    with_page_headers(response)
}

/// The scheme and host the browser used, for URLs shown to the user
/// (`https://dav.example.com`).
pub fn origin(headers: &http::HeaderMap) -> String {
    let scheme = if super::session::over_tls(headers) {
        "https"
    } else {
        "http"
    };
    let host = csrf::request_host(headers).unwrap_or("localhost");
    format!("{scheme}://{host}")
}
