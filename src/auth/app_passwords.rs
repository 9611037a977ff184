//! App-specific passwords: generated, high-entropy passwords a user gives one client
//! each, revocable one by one and limited to a scope. A password reads
//! `abcd-efgh-jkmn-pqrs-tuvw-xyz2`: six groups of four characters of an alphabet
//! without look-alikes; the first group is a non-secret prefix, stored in clear, that
//! finds the one hash to verify, so a login costs one argon2 verification whatever the
//! number of app passwords. The other twenty characters carry 100 bits of randomness.

use std::time::Duration;

use rand::Rng;

use super::scope::{LoginScope, Protocols};
use super::{password, AuthError, Authenticated, Authenticator, CheckRefused, LoginMethod};
use crate::store::{AppPassword, DynStore, NewAppPassword, StoreError, StoreResult, User};

/// The characters of generated passwords: lowercase letters and digits without 0/o and
/// 1/l, 32 in all (five bits each).
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const GROUPS: usize = 6;
const GROUP_LEN: usize = 4;
/// The length of a password with its dashes.
const PASSWORD_LEN: usize = GROUPS * GROUP_LEN + GROUPS - 1;
/// A use is recorded when the last recorded one is at least this old, so logins do not
/// write on every request.
pub const LAST_USE_PRECISION: Duration = Duration::from_secs(60);

/// A new password: its prefix and the whole password.
pub fn generate() -> (String, String) {
    let mut rng = rand::rngs::OsRng;
    let groups: Vec<String> = (0..GROUPS)
        .map(|_| {
            (0..GROUP_LEN)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect()
        })
        .collect();
    (groups[0].clone(), groups.join("-"))
}

/// The prefix and the canonical (lowercase) form of `password`, if it is shaped like a
/// generated app password.
pub fn parse(password: &str) -> Option<(String, String)> {
    let canonical = password.trim().to_ascii_lowercase();
    if canonical.len() != PASSWORD_LEN {
        return None;
    }
    let groups: Vec<&str> = canonical.split('-').collect();
    let shaped = groups.len() == GROUPS
        && groups
            .iter()
            .all(|g| g.len() == GROUP_LEN && g.bytes().all(|b| ALPHABET.contains(&b)));
    shaped.then(|| (groups[0].to_owned(), canonical.clone()))
}

/// The scope an app password was created with.
pub fn scope_of(stored: &AppPassword) -> LoginScope {
    LoginScope {
        // An unknown stored scope grants the least: CalDAV, read-only.
        protocols: stored.scope.parse().unwrap_or(Protocols::CalDav),
        read_only: stored.read_only || stored.scope.parse::<Protocols>().is_err(),
    }
}

/// Creates an app password for `user` and returns it with the password, which is
/// shown once and stored only as a hash. OverLimit when the user has `max` already.
pub async fn create(
    store: &DynStore,
    user: &User,
    label: &str,
    scope: LoginScope,
    max: u32,
) -> StoreResult<(AppPassword, String)> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "a label of 1 to 200 characters is required".into(),
        ));
    }
    // A prefix already taken by another of the user's passwords (one chance in a
    // million per password) is drawn again.
    for _ in 0..5 {
        let (prefix, secret) = generate();
        let new = NewAppPassword {
            prefix,
            password_hash: password::hash_password(&secret),
            label: label.to_owned(),
            scope: scope.protocols.as_str().to_owned(),
            read_only: scope.read_only,
        };
        match store
            .create_app_password(user.context_id, user.id, &new, max)
            .await
        {
            Err(StoreError::AlreadyExists(_)) => continue,
            Ok(created) => return Ok((created, secret)),
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Contention(
        "no free app password prefix was drawn".into(),
    ))
}

impl Authenticator {
    /// The app password `password` is, for `user`, if it is one the user has.
    async fn stored_app_password(
        store: &DynStore,
        user: &User,
        password: &str,
    ) -> Result<Option<(AppPassword, String)>, AuthError> {
        let Some((prefix, canonical)) = parse(password) else {
            return Ok(None);
        };
        let stored = store
            .app_password_by_prefix(user.context_id, user.id, &prefix)
            .await?;
        Ok(stored.map(|stored| (stored, canonical)))
    }

    /// `login` as `user` with an app password verified lately: passes without a new
    /// verification while the password is not revoked.
    pub(super) async fn remembered_app_password(
        &self,
        store: &DynStore,
        login: &str,
        password: &str,
        user: &User,
    ) -> Result<Option<Authenticated>, AuthError> {
        let Some((stored, _)) = Self::stored_app_password(store, user, password).await? else {
            return Ok(None);
        };
        if !self
            .remembered
            .contains(login, password, &stored.password_hash)
        {
            return Ok(None);
        }
        Ok(Some(app_login(store, user, &stored).await))
    }

    /// `login` as `user` with an app password, verified in full (the main password
    /// did not match).
    pub(super) async fn verify_app_password(
        &self,
        store: &DynStore,
        login: &str,
        password: &str,
        user: &User,
    ) -> Result<Option<Authenticated>, AuthError> {
        let Some((stored, canonical)) = Self::stored_app_password(store, user, password).await?
        else {
            return Ok(None);
        };
        let matches = self
            .checks
            .verify(&canonical, &stored.password_hash)
            .await
            .map_err(|CheckRefused::Busy| AuthError::Busy)?;
        if !matches {
            return Ok(None);
        }
        self.remembered
            .remember(login, password, &stored.password_hash);
        Ok(Some(app_login(store, user, &stored).await))
    }
}

/// The login of `user` with `stored`, its use recorded when the last record is old.
async fn app_login(store: &DynStore, user: &User, stored: &AppPassword) -> Authenticated {
    let now = crate::store::now_epoch();
    let precision = LAST_USE_PRECISION.as_secs() as i64;
    if stored.last_used_at.is_none_or(|at| now - at >= precision) {
        if let Err(err) = store
            .touch_app_password(user.context_id, user.id, stored.id, now)
            .await
        {
            tracing::warn!(error = %err, "the use of an app password could not be recorded");
        }
    }
    Authenticated {
        user: user.clone(),
        scope: scope_of(stored),
        method: LoginMethod::AppPassword,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_parse_to_their_prefix() {
        let (prefix, password) = generate();
        assert_eq!(password.len(), PASSWORD_LEN);
        assert!(password.starts_with(&format!("{prefix}-")));
        assert_eq!(parse(&password), Some((prefix.clone(), password.clone())));
        assert_eq!(
            parse(&password.to_uppercase()),
            Some((prefix, password.clone())),
            "typed in capitals"
        );
        assert_ne!(generate().1, password);
        assert_eq!(parse("correct horse battery staple"), None);
        assert_eq!(
            parse("abcd-efgh-ijkl-mnop-qrst-uvwx"),
            None,
            "l is not drawn"
        );
        assert_eq!(parse("abcd-efgh-jkmn-pqrs-tuvw"), None, "five groups");
    }
}
