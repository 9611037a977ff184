//! Calendar objects and contacts: the members of folders, written under a condition,
//! read one at a time, by batch of names or as paged streams, deleted and moved.

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::*;

/// Members of folders (calendar objects and contacts).
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Writes `object` under `condition`, checked atomically with the write.
    async fn put_object(
        &self,
        context: ContextId,
        folder: FolderId,
        object: &WriteObject,
        condition: WriteCondition,
    ) -> StoreResult<WriteOutcome>;
    /// As `put_object`, for a scheduling object resource: the member gets
    /// `schedule_tag` as its Schedule-Tag (`put_object` leaves a member without one).
    async fn put_scheduling_object(
        &self,
        context: ContextId,
        folder: FolderId,
        object: &WriteObject,
        condition: WriteCondition,
        schedule_tag: &str,
    ) -> StoreResult<WriteOutcome>;
    /// As `put_object` (`put_scheduling_object` with a `schedule_tag`), held to `quota`
    /// in the same transaction: a write that would take the folder's owner or context
    /// beyond it is QuotaExceeded with nothing written (the usage the triggers keep is
    /// read before and after the write, under the context's lock, so concurrent writers
    /// never exceed it together).
    #[allow(clippy::too_many_arguments)]
    async fn put_object_within(
        &self,
        context: ContextId,
        folder: FolderId,
        object: &WriteObject,
        condition: WriteCondition,
        schedule_tag: Option<&str>,
        quota: &QuotaLimits,
    ) -> StoreResult<WriteOutcome>;
    async fn object(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
    ) -> StoreResult<Option<StoredObject>>;
    async fn object_by_uid(
        &self,
        context: ContextId,
        folder: FolderId,
        uid: &str,
    ) -> StoreResult<Option<StoredObject>>;
    /// Deletes a member; `IfMatch` deletes only that version.
    async fn delete_object(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        condition: WriteCondition,
    ) -> StoreResult<()>;

    /// Deletes the members of `folder` beyond the `keep` most recently written ones
    /// (by change sequence, then name), each with a tombstone in the change log; gives
    /// how many were deleted. One statement, whose cost grows with the folder's size only.
    async fn keep_newest(
        &self,
        context: ContextId,
        folder: FolderId,
        keep: u64,
    ) -> StoreResult<u64>;

    /// Members matching `filter` without their payload, ordered by resource name, read a
    /// page at a time as the consumer takes them. No connection is held between pages, so
    /// a paused consumer costs the database nothing; each member appears at most once, as
    /// it is when its page is read.
    fn object_summary_stream(
        &self,
        context: ContextId,
        folder: FolderId,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<ObjectSummary>>;
    /// Members matching `filter` with their payload, ordered by resource name, read in
    /// pages like `object_summary_stream` (as many objects as fit in a few MiB each).
    fn object_stream(
        &self,
        context: ContextId,
        folder: FolderId,
        filter: MemberFilter,
    ) -> BoxStream<'static, StoreResult<StoredObject>>;
    /// The named members' data, ordered by resource name: one query per batch of up to
    /// 500 names; names without a member are simply absent.
    async fn objects_by_names(
        &self,
        context: ContextId,
        folder: FolderId,
        names: &[String],
    ) -> StoreResult<Vec<MemberData>>;
    /// Moves a member to `to`/`to_name` (another folder, another name or both) in one
    /// transaction, with its dead properties. `condition` is checked against the source,
    /// `overwrite` against the target (false and a target exists: PreconditionFailed);
    /// the UID must be free in the target folder (UidConflict). The change log gets a
    /// tombstone for the source and a new member in the target. Returns the etag (the
    /// payload is unchanged) and whether the target was created.
    #[allow(clippy::too_many_arguments)]
    async fn move_object(
        &self,
        context: ContextId,
        from: FolderId,
        name: &str,
        to: FolderId,
        to_name: &str,
        condition: WriteCondition,
        overwrite: bool,
    ) -> StoreResult<WriteOutcome>;
    /// As `move_object`, held to `quota` for the target folder like `put_object_within`.
    #[allow(clippy::too_many_arguments)]
    async fn move_object_within(
        &self,
        context: ContextId,
        from: FolderId,
        name: &str,
        to: FolderId,
        to_name: &str,
        condition: WriteCondition,
        overwrite: bool,
        quota: &QuotaLimits,
    ) -> StoreResult<WriteOutcome>;
}
