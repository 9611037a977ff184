//! What the browser page keeps in the store: its sessions (so that any replica serves
//! any page) and the member counts it shows per collection. The SQL for both backends is
//! in `sql/ui_sessions.rs`.

use async_trait::async_trait;

use super::{ContextId, FolderId, StoreResult, UserId};

/// A session of the browser page as stored: the token itself never is, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiSession {
    pub token_hash: String,
    pub context_id: ContextId,
    pub user_id: UserId,
    pub csrf_token: String,
    /// The login the user typed, which resolved to this user.
    pub login: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub expires_at: i64,
}

#[async_trait]
pub trait UiSessions: Send + Sync {
    /// Stores `session`, removing every expired session and those of the same user
    /// beyond the newest `keep_per_user - 1`, so a user holds at most `keep_per_user`.
    async fn create_ui_session(&self, session: &UiSession, keep_per_user: u32) -> StoreResult<()>;
    /// The session whose token has this hash, if it has not expired at `now`.
    async fn ui_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<UiSession>>;
    /// Ends the session (logout); nothing when there is none.
    async fn delete_ui_session(&self, token_hash: &str) -> StoreResult<()>;
    /// How many members each of `folders` holds, in one query; folders without any are
    /// absent.
    async fn member_counts(
        &self,
        context: ContextId,
        folders: &[FolderId],
    ) -> StoreResult<std::collections::HashMap<FolderId, i64>>;
}
