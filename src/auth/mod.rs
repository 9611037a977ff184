//! Authentication: HTTP Basic against argon2id hashes, with the login resolved to a
//! context and user the way OX login mappings do (`user`, `user@domain`, mail address).

mod login;
mod password;
mod password_checks;
mod verified;

pub use login::{resolve_login, DEFAULT_CONTEXT_MAPPING};
pub use password::hash_password;
pub use password_checks::{CheckRefused, PasswordChecks};
pub use verified::VerifiedCredentials;

use base64::Engine;

use crate::limits::LoginLimits;
use crate::store::{DynStore, StoreError, User};

/// The user a request is made as, put into the request's extensions by the auth layer.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("credentials required")]
    Missing,
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    #[error("unknown login or wrong password")]
    Rejected,
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
    checks: PasswordChecks,
}

impl Authenticator {
    pub fn new(limits: &LoginLimits) -> Self {
        Authenticator {
            remembered: VerifiedCredentials::default(),
            checks: PasswordChecks::new(
                limits.max_concurrent_password_checks,
                limits.password_check_queue,
            ),
        }
    }

    /// Where password verifications run, with their counts.
    pub fn password_checks(&self) -> &PasswordChecks {
        &self.checks
    }

    /// Checks Basic credentials against the store. An unknown login and a disabled
    /// account cost one full verification like a wrong password, and fail like it, so
    /// none of the three can be told apart.
    pub async fn authenticate(
        &self,
        store: &DynStore,
        header: Option<&str>,
    ) -> Result<Authenticated, AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let (login, password) = parse_basic(header)?;
        let user = resolve_login(store, &login).await?;
        if let Some(user) = user.as_ref().filter(|u| u.enabled) {
            if self
                .remembered
                .contains(&login, &password, &user.password_hash)
            {
                return Ok(Authenticated { user: user.clone() });
            }
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
                Ok(Authenticated { user })
            }
            _ => Err(AuthError::Rejected),
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
