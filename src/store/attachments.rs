//! Managed attachments (RFC 8607): bytes stored in chunks, read back one chunk per
//! query, referred to by calendar objects, and counted in their owner's quota usage
//! (migration 0014).

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::*;

/// Bytes per stored chunk: what an upload holds in memory before writing it, and what a
/// download reads per query.
pub const ATTACHMENT_CHUNK_BYTES: usize = 256 * 1024;

/// An attachment as its ATTACH property describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub managed_id: String,
    /// Whose quota its bytes count against.
    pub owner_id: UserId,
    pub filename: String,
    pub fmttype: String,
    pub size: i64,
    /// Whether its upload ended; only complete attachments are served.
    pub complete: bool,
}

#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Starts an attachment of `owner` (no bytes yet, not complete).
    async fn create_attachment(
        &self,
        context: ContextId,
        owner: UserId,
        managed_id: &str,
        filename: &str,
        fmttype: &str,
    ) -> StoreResult<()>;
    /// Stores chunk `seq` of an incomplete attachment, held to `byte_limit` (the owner's
    /// bytes, every module but the scheduling inbox): beyond it QuotaExceeded, with the
    /// chunk not stored. The check and the write are one transaction in which the
    /// owner's usage row is locked by the trigger's update.
    async fn append_attachment_chunk(
        &self,
        context: ContextId,
        managed_id: &str,
        seq: i64,
        data: &[u8],
        byte_limit: Option<i64>,
    ) -> StoreResult<()>;
    /// Marks the attachment complete with its size in bytes (the sum of its chunks).
    async fn finish_attachment(&self, context: ContextId, managed_id: &str) -> StoreResult<i64>;
    /// Removes an attachment and its chunks (an upload that failed, or no longer wanted).
    async fn discard_attachment(&self, context: ContextId, managed_id: &str) -> StoreResult<()>;
    /// Removes the attachments of `context` whose upload began before `created_before`
    /// (epoch seconds) and never ended: uploads cut off by a process that stopped.
    async fn discard_stale_uploads(
        &self,
        context: ContextId,
        created_before: i64,
    ) -> StoreResult<u64>;
    /// Records that the member `name` of `folder` refers to the attachment; NotFound
    /// when either is gone. When the member goes, so does the reference, and with the
    /// last reference the attachment.
    async fn link_attachment(
        &self,
        context: ContextId,
        managed_id: &str,
        folder: FolderId,
        name: &str,
    ) -> StoreResult<()>;
    /// Drops the reference of one member (the attachment goes with its last one).
    async fn unlink_attachment(
        &self,
        context: ContextId,
        managed_id: &str,
        folder: FolderId,
        name: &str,
    ) -> StoreResult<()>;
    async fn attachment(
        &self,
        context: ContextId,
        managed_id: &str,
    ) -> StoreResult<Option<Attachment>>;
    /// The members referring to the attachment: (folder, resource name).
    async fn attachment_refs(
        &self,
        context: ContextId,
        managed_id: &str,
    ) -> StoreResult<Vec<(FolderId, String)>>;
    /// The attachment's bytes, one chunk per query on a pooled connection given back
    /// before the chunk is handed on.
    fn attachment_chunks(
        &self,
        context: ContextId,
        managed_id: &str,
    ) -> BoxStream<'static, StoreResult<Vec<u8>>>;
}
