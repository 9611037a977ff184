//! Authentication: HTTP Basic against argon2id hashes (the main password or an app
//! password), or a bearer token, with the login resolved to a context and user the way
//! OX login mappings do (`user`, `user@domain`, mail address), within bounds no client
//! can exhaust: password checks bounded in number, failed logins throttled per login and
//! per client address, credentials verified lately remembered.

pub mod app_passwords;
mod attempts;
mod client_address;
mod login;
mod password;
mod password_checks;
mod scope;
mod throttle;
pub mod tokens;
mod verified;

pub use attempts::{AttemptKey, AttemptStore, AttemptStoreError, LocalAttempts, Window};
pub use client_address::{parse_forwarded_header, parse_networks, ForwardedHeader, TrustedProxies};
pub use login::{resolve_login, DEFAULT_CONTEXT_MAPPING};
pub use password::hash_password;
pub use password_checks::{CheckRefused, PasswordChecks};
pub use scope::{LoginScope, Protocols};
pub use throttle::{client_prefix, LoginThrottle, ThrottleLimits, KNOWN_ADDRESS_TTL};
pub use verified::VerifiedCredentials;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use http::HeaderMap;

use crate::limits::LoginLimits;
use crate::shared_state::LoginCache;
use crate::store::{DynStore, StoreError, User};

/// The user a request is made as, put into the request's extensions by the auth layer.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    /// What the login may do: everything, unless it is a scoped app password.
    pub scope: LoginScope,
    pub method: LoginMethod,
}

impl Authenticated {
    /// `user`, logged in with `method`, with full scope.
    pub fn full(user: User, method: LoginMethod) -> Self {
        Authenticated {
            user,
            scope: LoginScope::FULL,
            method,
        }
    }
}

/// How a user logged in; each can be switched off per context
/// (`davgate.login.password`, `davgate.login.appPasswords`, `davgate.login.tokens`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    Password,
    AppPassword,
    Token,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("credentials required")]
    Missing,
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    #[error("unknown login or wrong password")]
    Rejected,
    /// Too many failed logins of this login or from this address lately.
    #[error("too many failed logins lately; try again after Retry-After")]
    Throttled { retry_after: Duration },
    /// Every password check is taken and the queue for them is full.
    #[error("too many logins at once")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Decodes an `Authorization: Basic ...` header value into login and password.
pub fn parse_basic(header: &str) -> Result<(String, String), AuthError> {
    let (scheme, payload) = header
        .trim()
        .split_once(' ')
        .ok_or(AuthError::Malformed("expected \"Basic <credentials>\""))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthError::Malformed("only the Basic scheme is supported"));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|_| AuthError::Malformed("credentials are not base64"))?;
    let text = String::from_utf8(decoded)
        .map_err(|_| AuthError::Malformed("credentials are not UTF-8"))?;
    let (login, password) = text
        .split_once(':')
        .ok_or(AuthError::Malformed("credentials lack a colon"))?;
    Ok((login.to_string(), password.to_string()))
}

/// What logging in needs besides the store, one per process.
pub struct Authenticator {
    remembered: VerifiedCredentials,
    throttle: LoginThrottle,
    checks: PasswordChecks,
    proxies: TrustedProxies,
    /// Where resolved logins are cached; None: the store is asked every time.
    users: Option<Arc<LoginCache>>,
}

impl Authenticator {
    /// Failed logins counted in this process.
    pub fn new(limits: &LoginLimits, proxies: TrustedProxies) -> Self {
        let attempts = Arc::new(LocalAttempts::new(limits.max_tracked_keys));
        Self::with_attempts(limits, proxies, attempts)
    }

    /// Failed logins counted in `attempts` (shared by replicas, for one).
    pub fn with_attempts(
        limits: &LoginLimits,
        proxies: TrustedProxies,
        attempts: Arc<dyn AttemptStore>,
    ) -> Self {
        let throttle = ThrottleLimits {
            per_login: limits.failures_per_login,
            per_address: limits.failures_per_address,
            window: limits.failure_window,
        };
        Authenticator {
            remembered: VerifiedCredentials::default(),
            throttle: LoginThrottle::new(attempts, throttle),
            checks: PasswordChecks::new(
                limits.max_concurrent_password_checks,
                limits.password_check_queue,
            ),
            proxies,
            users: None,
        }
    }

    /// Logins resolved through `cache` instead of the store every time.
    pub fn with_cache(mut self, cache: Arc<LoginCache>) -> Self {
        self.users = Some(cache);
        self
    }

    /// The user `login` names: from the cache when there is one.
    pub async fn resolve(&self, store: &DynStore, login: &str) -> Result<Option<User>, StoreError> {
        match &self.users {
            Some(cache) => cache.user(store, login).await,
            None => resolve_login(store, login).await,
        }
    }

    /// Where password verifications run, with their counts.
    pub fn password_checks(&self) -> &PasswordChecks {
        &self.checks
    }

    /// The client address of a request from `peer` (see `TrustedProxies`).
    pub fn client_address(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        self.proxies.client(peer, headers)
    }

    /// Checks the Basic credentials of `header`, sent from `client`, against the store.
    ///
    /// Credentials verified lately pass at once, throttle or not. Every other attempt
    /// is first checked against the throttle (before the store is asked, so a refused
    /// guess costs nothing), then verified within the bound on password checks. An
    /// unknown login and a disabled account cost one full verification like a wrong
    /// password, and fail like it, so none of the three can be told apart.
    pub async fn authenticate(
        &self,
        store: &DynStore,
        header: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Authenticated, AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let (login, password) = parse_basic(header)?;
        let known = self.remembered.knows(&login, &password);
        if !known {
            self.refuse_if_throttled(&login, client).await?;
        }
        let user = self.resolve(store, &login).await?;
        if let Some(user) = user.as_ref().filter(|u| u.enabled) {
            if self
                .remembered
                .contains(&login, &password, &user.password_hash)
            {
                return Ok(Authenticated::full(user.clone(), LoginMethod::Password));
            }
            if let Some(found) = self
                .remembered_app_password(store, &login, &password, user)
                .await?
            {
                return Ok(found);
            }
        }
        if known {
            // Remembered against a hash that changed, or an account since disabled.
            self.refuse_if_throttled(&login, client).await?;
        }
        let hash = user
            .as_ref()
            .map_or(password::DECOY_HASH, |u| u.password_hash.as_str());
        let matches = self
            .checks
            .verify(&password, hash)
            .await
            .map_err(|CheckRefused::Busy| AuthError::Busy)?;
        match user {
            Some(user) if matches && user.enabled => {
                self.remembered
                    .remember(&login, &password, &user.password_hash);
                self.throttle.succeeded(&login, client).await;
                Ok(Authenticated::full(user, LoginMethod::Password))
            }
            Some(user) if user.enabled => {
                match self
                    .verify_app_password(store, &login, &password, &user)
                    .await?
                {
                    Some(found) => {
                        self.throttle.succeeded(&login, client).await;
                        Ok(found)
                    }
                    None => {
                        self.throttle.failed(&login, client).await;
                        Err(AuthError::Rejected)
                    }
                }
            }
            _ => {
                self.throttle.failed(&login, client).await;
                Err(AuthError::Rejected)
            }
        }
    }

    /// Credentials that were right but whose login method is off for the user: from
    /// now on they count as a failed login, and are no longer remembered.
    pub async fn method_refused(&self, header: Option<&str>, client: Option<IpAddr>) {
        if let Some(Ok((login, password))) = header.map(parse_basic) {
            self.remembered.forget(&login, &password);
            self.throttle.failed(&login, client).await;
        }
    }

    async fn refuse_if_throttled(
        &self,
        login: &str,
        client: Option<IpAddr>,
    ) -> Result<(), AuthError> {
        match self.throttle.refusal(login, client).await {
            Some(retry_after) => Err(AuthError::Throttled { retry_after }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_decoded() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alice@example.com:pa:ss wörd")
        );
        let (login, password) = parse_basic(&header).unwrap();
        assert_eq!(login, "alice@example.com");
        assert_eq!(password, "pa:ss wörd");
        assert!(matches!(
            parse_basic("Bearer abc"),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            parse_basic("Basic !!!"),
            Err(AuthError::Malformed(_))
        ));
        let no_colon = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alice")
        );
        assert!(matches!(
            parse_basic(&no_colon),
            Err(AuthError::Malformed(_))
        ));
    }
}
