//! WebDAV-Push subscriptions and the messages they are owed (see `push/`). The change
//! log's trigger marks a folder's subscriptions pending, and for a change of a contacts
//! folder (or a folder deleted) every aggregated address book subscription of the
//! context; dispatchers on every replica claim due ones, each claimed by one only. The
//! SQL for both backends is in `sql/push.rs`.

use async_trait::async_trait;

use super::{ContextId, FolderId, StoreResult, UserId};

/// Which collection a subscription is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushCollection {
    /// One folder's collection (a calendar, a task list, a folder address book).
    Folder(FolderId),
    /// The aggregated address book (`/carddav/Contacts/`) of the subscription's user.
    AggregatedContacts,
}

impl PushCollection {
    /// The stored `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Folder(_) => "folder",
            Self::AggregatedContacts => "aggregated-contacts",
        }
    }

    /// From the stored `kind` and `folder_id`; None for a row the schema's check forbids.
    pub fn from_stored(kind: &str, folder: Option<FolderId>) -> Option<Self> {
        match (kind, folder) {
            ("folder", Some(folder)) => Some(Self::Folder(folder)),
            ("aggregated-contacts", None) => Some(Self::AggregatedContacts),
            _ => None,
        }
    }

    /// The folder, for a folder's subscription.
    pub fn folder(self) -> Option<FolderId> {
        match self {
            Self::Folder(folder) => Some(folder),
            Self::AggregatedContacts => None,
        }
    }
}

/// A registered subscription, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    /// Random; the last segment of the registration URL.
    pub id: String,
    pub context_id: ContextId,
    pub collection: PushCollection,
    /// Who registered it; only they may remove it. For the aggregated address book, also
    /// whose book it is.
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
    /// Aggregated address book only: the sync token its last message carried (at first,
    /// the book's token when it was registered); a message goes out only for another.
    pub last_token: Option<String>,
}

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Stored, new or updated (the same push resource on the same folder, or on the same
    /// user's aggregated address book); its id.
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
    /// Stores `subscription`, or updates the one with the same collection and push
    /// resource (keys, expiry, and for a folder who registered it; its id and
    /// `last_token` stay), unless that would give the user more than `max_per_user`
    /// subscriptions (of all kinds together).
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
    /// The claimed message was delivered (or, for an aggregated address book whose token
    /// did not move, was not owed): removed, unless changes came after the claim, in
    /// which case it is pending again from `now_ms`. `sent_token`, when given, becomes
    /// the subscription's `last_token`.
    async fn push_delivered(
        &self,
        id: &str,
        generation: i64,
        now_ms: i64,
        sent_token: Option<&str>,
    ) -> StoreResult<()>;
    /// The claimed message failed: pending again at `retry_at_ms`, one attempt more.
    async fn push_failed(&self, id: &str, retry_at_ms: i64) -> StoreResult<()>;
}
