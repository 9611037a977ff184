//! The browser page at `<prefix>/ui/`: a user logs in with the main password (the
//! session in the store, `session`; every change CSRF-checked, `csrf`) and manages what a
//! DAV client cannot easily do: collections with their URLs, creating, renaming,
//! recolouring, deleting and sharing them (`collections`, `sharing`), setting up
//! clients (`setup`: an Apple configuration profile, a QR code, steps per client) and
//! app passwords (`app_passwords`). HTML comes from templates compiled into the binary
//! (`templates/`), with a stylesheet and no script needed; nothing is fetched from
//! elsewhere. A browser asking for the DAV root as HTML is sent here.

mod app_passwords;
mod collections;
mod csrf;
mod login;
pub(crate) mod page;
pub mod session;
mod setup;
mod sharing;
mod split;
mod transfer;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use http::{header, Method, StatusCode};

use crate::config::props;
use crate::http::AppState;
use crate::store::StoreError;

pub use page::UiError;

/// The page's routes, mounted beside the DAV endpoints (before the DAV fallback, and
/// without its Basic authentication); none when `davgate.ui.enabled` is off.
pub fn routes(state: &AppState) -> Router<AppState> {
    if !state.config.get::<props::UiEnabled>() {
        return Router::new();
    }
    let base = internal_base(state);
    let at = |sub: &str| format!("{base}{sub}");
    Router::new()
        .route(&base, get(to_start))
        .route(&at("/"), get(collections::page))
        .route(&at("/style.css"), get(page::stylesheet))
        .route(&at("/login"), get(login::form).post(login::submit))
        .route(&at("/logout"), post(login::logout))
        .route(&at("/collections"), post(collections::create))
        .route(&at("/collections/{id}"), post(collections::update))
        .route(&at("/collections/{id}/delete"), post(collections::delete))
        .route(&at("/collections/{id}/share"), post(sharing::share))
        .route(&at("/collections/{id}/unshare"), post(sharing::unshare))
        .route(
            &at("/collections/{id}/import"),
            // The request body limit of the whole app bounds the file.
            post(transfer::import).layer(DefaultBodyLimit::disable()),
        )
        .route(&at("/collections/{id}/export"), get(transfer::export))
        .route(&at("/app.js"), get(page::script))
        .route(&at("/setup"), get(setup::page))
        .route(
            &at("/setup/davgate.mobileconfig"),
            get(setup::apple_profile),
        )
        .route(&at("/setup/account-qr.svg"), get(setup::qr_code))
        .route(
            &at("/app-passwords"),
            get(app_passwords::page).post(app_passwords::create),
        )
        .route(
            &at("/app-passwords/{id}/revoke"),
            post(app_passwords::revoke),
        )
}

/// `<prefix>/ui` as the router sees it.
fn internal_base(state: &AppState) -> String {
    state.paths.internal("/ui").trim_end_matches('/').to_owned()
}

/// `<external prefix>/ui` as the browser sees it: every link and redirect of the page.
pub fn external_base(state: &AppState) -> String {
    state.paths.external("/ui").trim_end_matches('/').to_owned()
}

async fn to_start(State(state): State<AppState>) -> Response {
    Redirect::to(&format!("{}/", external_base(&state))).into_response()
}

/// A browser's GET of the DAV root (Accept: text/html) goes to the page; DAV clients
/// (which ask for no HTML) and every other method pass.
pub async fn browser_redirect(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let root = state.paths.internal("/");
    let at_root = path == root || path == root.trim_end_matches('/');
    let wants_html = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/html"));
    if request.method() == Method::GET
        && at_root
        && wants_html
        && state.config.get::<props::UiEnabled>()
    {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(location) = format!("{}/", external_base(&state)).parse() {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
            .headers_mut()
            .insert(header::VARY, http::HeaderValue::from_static("Accept"));
        return response;
    }
    next.run(request).await
}

impl From<StoreError> for UiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => UiError::NotFound,
            other => UiError::Store(other),
        }
    }
}
