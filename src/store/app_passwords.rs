//! App-specific passwords in the store: extra passwords of a user, each stored as an
//! argon2id hash beside a short non-secret prefix that finds it, with a label, a scope
//! and the time of its last use. The SQL for both backends is in
//! `sql/app_passwords.rs`.

use async_trait::async_trait;

use super::{ContextId, StoreResult, UserId};

/// An app password as stored (the secret itself never is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPassword {
    pub id: i64,
    pub context_id: ContextId,
    pub user_id: UserId,
    /// The non-secret first group of the password, unique per user.
    pub prefix: String,
    pub password_hash: String,
    pub label: String,
    /// `all`, `caldav` or `carddav`.
    pub scope: String,
    pub read_only: bool,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// Seconds since the Unix epoch; None until first used.
    pub last_used_at: Option<i64>,
}

/// What creating an app password stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppPassword {
    pub prefix: String,
    pub password_hash: String,
    pub label: String,
    pub scope: String,
    pub read_only: bool,
}

#[async_trait]
pub trait AppPasswords: Send + Sync {
    /// Stores a new app password of `user`. OverLimit, with nothing written, when the
    /// user has `max` already; AlreadyExists when the prefix is taken for this user.
    async fn create_app_password(
        &self,
        context: ContextId,
        user: UserId,
        new: &NewAppPassword,
        max: u32,
    ) -> StoreResult<AppPassword>;
    /// The user's app passwords, oldest first.
    async fn app_passwords(
        &self,
        context: ContextId,
        user: UserId,
    ) -> StoreResult<Vec<AppPassword>>;
    /// The user's app password with this prefix, if any.
    async fn app_password_by_prefix(
        &self,
        context: ContextId,
        user: UserId,
        prefix: &str,
    ) -> StoreResult<Option<AppPassword>>;
    /// Deletes the user's app password `id`; NotFound when the user has none such.
    async fn revoke_app_password(
        &self,
        context: ContextId,
        user: UserId,
        id: i64,
    ) -> StoreResult<()>;
    /// Records a use of app password `id` at `at` (epoch seconds).
    async fn touch_app_password(
        &self,
        context: ContextId,
        user: UserId,
        id: i64,
        at: i64,
    ) -> StoreResult<()>;
}
