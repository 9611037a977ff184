//! Sessions of the browser page: a random token in an HttpOnly, SameSite cookie, kept in
//! the store as its SHA-256 only, with the user, the CSRF token forms must send back and
//! an expiry. A new token at every login (the token a browser brings to the login is
//! ended, never promoted), so nobody can plant a session id and wait for the victim to
//! log in with it.

use std::net::SocketAddr;

use axum::extract::FromRequestParts;
use base64::Engine;
use http::request::Parts;
use http::{header, HeaderMap};
use rand::RngCore;
use sha2::Digest;

use crate::access::DavUser;
use crate::config::props;
use crate::http::AppState;
use crate::store::{now_epoch, StoreError, UiSession, User};

use super::UiError;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "davgate_session";
/// The cookie holding the login form's CSRF token, before any session exists.
pub const LOGIN_COOKIE: &str = "davgate_login";
/// How long a session lasts after its login.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Sessions a user holds at once; the oldest beyond end at the next login.
pub const SESSIONS_PER_USER: u32 = 10;

/// A logged-in user of the page, with the session they came with.
pub struct UiLogin {
    pub me: DavUser,
    pub session: UiSession,
}

/// The peer's socket address, when the server recorded it.
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|info| info.0),
        ))
    }
}

/// A new random token: 32 bytes from the operating system, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The value of cookie `name` in the request's Cookie headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// Whether the browser reached the page over TLS: the proxy in front says so
/// (`X-Forwarded-Proto` or `Forwarded: proto=https`).
pub fn over_tls(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| {
            first.split(';').any(|pair| {
                pair.trim().split_once('=').is_some_and(|(k, v)| {
                    k.eq_ignore_ascii_case("proto")
                        && v.trim_matches('"').eq_ignore_ascii_case("https")
                })
            })
        });
    forwarded_proto || forwarded
}

/// A Set-Cookie value for `name` under `path`: HttpOnly, SameSite=Strict, Secure behind
/// TLS; `max_age` 0 removes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user of the session the request's cookie names, if it is valid, the user is still
/// enabled and may still use the page with a password login.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<UiLogin>, UiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let Some(session) = state
        .store
        .ui_session(&token_hash(token), now_epoch())
        .await?
    else {
        return Ok(None);
    };
    let user = match state.store.user(session.context_id, session.user_id).await {
        Ok(user) => user,
        Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    Ok(page_user(state, user)
        .await?
        .map(|me| UiLogin { me, session }))
}

/// The user with groups and view of the cascade, if they may use the page: enabled, with
/// password logins and the page on for them.
pub async fn page_user(state: &AppState, user: User) -> Result<Option<DavUser>, UiError> {
    if !user.enabled {
        return Ok(None);
    }
    let (groups, subject) = state.shared.cache().profile(&state.store, &user).await?;
    let view = state.config.view(&subject);
    if !view.get::<props::LoginPassword>() || !view.get::<props::UiEnabled>() {
        return Ok(None);
    }
    Ok(Some(DavUser::with_profile(user, groups, view)))
}

/// Starts a session for `user`: stores it and returns the token for the cookie.
pub async fn start(state: &AppState, user: &User, login: &str) -> Result<String, UiError> {
    let token = random_token();
    let now = now_epoch();
    let session = UiSession {
        token_hash: token_hash(&token),
        context_id: user.context_id,
        user_id: user.id,
        csrf_token: random_token(),
        login: login.trim().to_owned(),
        created_at: now,
        expires_at: now + SESSION_SECONDS,
    };
    state
        .store
        .create_ui_session(&session, SESSIONS_PER_USER)
        .await?;
    Ok(token)
}

/// Ends the session the request's cookie names, whoever's it is.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<(), UiError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        state.store.delete_ui_session(&token_hash(token)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; davgate_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn tls_is_read_from_the_proxy_headers() {
        let mut headers = HeaderMap::new();
        assert!(!over_tls(&headers));
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(over_tls(&headers));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::FORWARDED,
            "for=1.2.3.4;proto=https".parse().unwrap(),
        );
        assert!(over_tls(&headers));
    }
}
