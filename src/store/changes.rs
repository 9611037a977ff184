//! The change log: sync tokens, the sequence of folders, the changes since a token, the
//! sync stream and pruning of tombstones.

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::*;

/// The change log of a context.
#[async_trait]
pub trait ChangeLog: Send + Sync {
    /// The context's current sequence: a sync token valid on every replica.
    async fn current_seq(&self, context: ContextId) -> StoreResult<i64>;
    /// The sequence of the latest change in a folder (members or the folder itself).
    async fn folder_seq(&self, context: ContextId, folder: FolderId) -> StoreResult<i64>;
    /// `folder_seq` of several folders in one query; folders without changes are absent.
    async fn folder_seqs(
        &self,
        context: ContextId,
        folders: &[FolderId],
    ) -> StoreResult<std::collections::HashMap<FolderId, i64>>;
    /// Latest change per member of `folder` after `since`; InvalidSyncToken below the floor.
    async fn changes_since(
        &self,
        context: ContextId,
        folder: FolderId,
        since: i64,
    ) -> StoreResult<Vec<Change>>;
    /// Fails with InvalidSyncToken when `since` is below the floor or above the current
    /// sequence.
    async fn check_sync_token(&self, context: ContextId, since: i64) -> StoreResult<()>;
    /// Members of `folders` changed after `since`, ordered by sequence, read in pages like
    /// `object_summary_stream`: live members matching `filter` with their current etag
    /// and size, and every tombstone; each with its creator, so the caller can leave out
    /// what the user may not read. Since 0 (initial sync, always accepted) lists live
    /// members only. Any other invalid token is the stream's first and only item
    /// (InvalidSyncToken). Changes made after the stream's first page are not listed.
    /// Take the next token with `folder_seq` before opening the stream: a change racing
    /// with it is then reported again rather than missed.
    fn sync_stream(
        &self,
        context: ContextId,
        folders: &[FolderId],
        since: i64,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<SyncMember>>;
    /// Drops tombstones changed before `before` (epoch seconds) and raises the floor.
    async fn prune_changes(&self, context: ContextId, before: i64) -> StoreResult<u64>;
}
