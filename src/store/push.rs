//! WebDAV-Push subscriptions and the messages they are owed (see `push/`). The change
//! log's trigger marks a folder's subscriptions pending; dispatchers on every replica
//! claim due ones, each claimed by one only. The SQL for both backends is in
//! `sql/push.rs`.

use async_trait::async_trait;

use super::{ContextId, FolderId, StoreResult, UserId};

/// A registered subscription, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    /// Random; the last segment of the registration URL.
    pub id: String,
    pub context_id: ContextId,
    pub folder_id: FolderId,
    /// Who registered it; only they may remove it.
    pub user_id: UserId,
    /// The push service's URL for this subscription (RFC 8030 push resource).
    pub push_resource: String,
    /// The user agent's P-256 key (uncompressed, base64url) and the authentication
    /// secret (base64url), for RFC 8291 encryption.
    pub public_key: String,
    pub auth_secret: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Stored, new or updated (the same push resource on the same folder); its id.
    Stored(String),
    /// The user already holds the most subscriptions allowed.
    TooMany,
}

/// A due message a dispatcher has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedPush {
    pub subscription: PushSubscription,
    /// The changes counted when claimed; a later change keeps the row pending.
    pub generation: i64,
    /// Failed attempts before this one.
    pub attempts: i32,
}

#[async_trait]
pub trait PushStore: Send + Sync {
    /// Stores `subscription`, or updates the one with the same folder and push resource
    /// (keys, expiry, and who registered it; its id stays), unless that would give the
    /// user more than `max_per_user` subscriptions.
    async fn register_push(
        &self,
        subscription: &PushSubscription,
        max_per_user: u32,
    ) -> StoreResult<Registered>;
    /// Removes the subscription `id` if `user` of `context` registered it; whether it did.
    async fn unregister_push(
        &self,
        context: ContextId,
        user: UserId,
        id: &str,
    ) -> StoreResult<bool>;
    /// Removes subscriptions expired at `now` (epoch seconds); how many.
    async fn drop_expired_push(&self, now: i64) -> StoreResult<u64>;
    /// Removes one subscription (its push service said it is gone, or it failed too
    /// often).
    async fn drop_push(&self, id: &str) -> StoreResult<()>;
    /// Claims up to `limit` pending messages whose first change is at least `delay_ms`
    /// old at `now_ms`, for `lease_ms`: no other claim gets them until the lease ends.
    async fn claim_push(
        &self,
        now_ms: i64,
        delay_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedPush>>;
    /// The claimed message was delivered: removed, unless changes came after the claim,
    /// in which case it is pending again from `now_ms`.
    async fn push_delivered(&self, id: &str, generation: i64, now_ms: i64) -> StoreResult<()>;
    /// The claimed message failed: pending again at `retry_at_ms`, one attempt more.
    async fn push_failed(&self, id: &str, retry_at_ms: i64) -> StoreResult<()>;
}
