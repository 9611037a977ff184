//! Dead properties (PROPPATCH) of collections (resource_name '') and members, read and
//! written within bounds.

use async_trait::async_trait;

use super::*;

/// Dead properties of collections and members.
#[async_trait]
pub trait PropertyStore: Send + Sync {
    /// The dead properties of several collections (not their members) in one query,
    /// each collection's within `bounds` (what lies beyond is not even read);
    /// collections without any are absent.
    async fn collections_dead_properties_within(
        &self,
        context: ContextId,
        folders: &[FolderId],
        bounds: DeadPropertyBounds,
    ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>>;
    /// `collections_dead_properties_within` without bounds.
    async fn collections_dead_properties(
        &self,
        context: ContextId,
        folders: &[FolderId],
    ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>> {
        self.collections_dead_properties_within(context, folders, DeadPropertyBounds::NONE)
            .await
    }
    /// The dead properties of a collection (`resource_name` '') or member within
    /// `bounds`, ordered by namespace and name.
    async fn dead_properties_within(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        bounds: DeadPropertyBounds,
    ) -> StoreResult<Vec<DeadProperty>>;
    /// `dead_properties_within` without bounds.
    async fn dead_properties(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
    ) -> StoreResult<Vec<DeadProperty>> {
        self.dead_properties_within(context, folder, resource_name, DeadPropertyBounds::NONE)
            .await
    }
    /// Removes `remove` (namespace, name), then sets `set`, in one transaction. NotFound
    /// when the folder, or the named member, does not exist. OverLimit, with nothing
    /// written, when a value set is larger than `bounds` allow, or when afterwards the
    /// resource holds more properties or bytes (counting values within the value bound)
    /// than `bounds` allow and more than it held before; so a resource stored beyond
    /// them can always shrink. A change to a collection's dead properties is a change of
    /// the folder (it moves the ctag).
    async fn update_dead_properties_within(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        set: &[DeadProperty],
        remove: &[(String, String)],
        bounds: DeadPropertyBounds,
    ) -> StoreResult<()>;
    /// `update_dead_properties_within` without bounds.
    async fn update_dead_properties(
        &self,
        context: ContextId,
        folder: FolderId,
        resource_name: &str,
        set: &[DeadProperty],
        remove: &[(String, String)],
    ) -> StoreResult<()> {
        self.update_dead_properties_within(
            context,
            folder,
            resource_name,
            set,
            remove,
            DeadPropertyBounds::NONE,
        )
        .await
    }
}
