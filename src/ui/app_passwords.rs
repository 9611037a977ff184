//! App passwords on the page: the user's list (label, scope, created, last used), a new
//! one with a scope (shown once, stored as a hash only), and revoking one. The same
//! store and bound (`davgate.limits.maxAppPasswordsPerUser`) as the command line.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use http::HeaderMap;
use serde::Deserialize;

use super::collections::{changing, logged_in};
use super::page::{html, see_other, to_login, Chrome};
use super::session::UiLogin;
use super::UiError;
use crate::auth::app_passwords;
use crate::auth::{LoginScope, Protocols};
use crate::config::props;
use crate::http::AppState;

pub struct Listed {
    pub id: i64,
    pub label: String,
    pub scope: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "app_passwords.html")]
struct AppPasswordsPage {
    chrome: Chrome,
    passwords: Vec<Listed>,
    /// The password just created, shown this once, with its label.
    created: Option<(String, String)>,
}

/// `2026-12-03 12:45 UTC` of epoch seconds.
fn when(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

async fn render(
    state: &AppState,
    login: &UiLogin,
    created: Option<(String, String)>,
) -> Result<Response, UiError> {
    let user = &login.me.user;
    let passwords = state
        .store
        .app_passwords(user.context_id, user.id)
        .await?
        .into_iter()
        .map(|p| {
            let scope = app_passwords::scope_of(&p);
            let protocols = match scope.protocols {
                Protocols::All => "CalDAV and CardDAV",
                Protocols::CalDav => "CalDAV",
                Protocols::CardDav => "CardDAV",
            };
            Listed {
                id: p.id,
                label: p.label,
                scope: format!(
                    "{protocols}{}",
                    if scope.read_only { ", read-only" } else { "" }
                ),
                created: when(p.created_at),
                last_used: p.last_used_at.map(when).unwrap_or_else(|| "never".into()),
            }
        })
        .collect();
    Ok(html(&AppPasswordsPage {
        chrome: Chrome::new(state, login, "App passwords", "app-passwords"),
        passwords,
        created,
    }))
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match logged_in(&state, &headers).await {
        Ok(Some(login)) => render(&state, &login, None)
            .await
            .unwrap_or_else(|err| err.page(&state)),
        Ok(None) => to_login(&state),
        Err(err) => err.page(&state),
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    read_only: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Response {
    let login = match changing(&state, &headers, &form.csrf).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let made = async {
        let protocols: Protocols = form.scope.parse().map_err(UiError::BadRequest)?;
        let scope = LoginScope {
            protocols,
            read_only: form.read_only.is_some(),
        };
        let max = state.config.get::<props::MaxAppPasswordsPerUser>();
        let (stored, secret) =
            app_passwords::create(&state.store, &login.me.user, &form.label, scope, max).await?;
        render(&state, &login, Some((stored.label, secret))).await
    };
    made.await.unwrap_or_else(|err| err.page(&state))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    let login = match changing(&state, &headers, &form.csrf).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let user = &login.me.user;
    match state
        .store
        .revoke_app_password(user.context_id, user.id, id)
        .await
    {
        Ok(()) => see_other(&state, "/app-passwords"),
        Err(err) => UiError::from(err).page(&state),
    }
}
